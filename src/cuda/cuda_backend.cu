/* The CUDA backend: WTConv2d on an NVIDIA GPU behind the backend interface (backend/backend.h):
 * create (device checks, launch plans, folded weights, scratch), host-pointer and
 * device-pointer runs, and the enqueueing of either path's kernels:
 *   whole planes (planes.h): one launch, one block a plane (or a few small ones), x read once
 *          and y written once, every level in shared memory; for planes up to about 56x56;
 *   tiles (tiles.h): a down pass for the LL bands, then one launch per level, for larger ones.
 * docs/cuda-backend.md has the design, the memory and the measurements. */
#include <cuda_runtime.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <unistd.h>
#endif

#include "base/error.h"
#include "cuda/context_scope.h"
#include "cuda/cuda_backend.h"
#include "cuda/planes.h"
#include "cuda/tiles.h"

namespace {

using namespace wtconv_cuda;

struct cuda_state {
    wtconv_plan plan;
    int device;
    /* The driver context the context's memory lives in, current around each call. */
    driver_context_api driver;
    CUcontext ctx;
    float *weights; /* device: base weights, bias, then each level's filters */
    const float *wb, *bb, *wl[WTCONV_MAX_LEVELS];
    float *ll[WTCONV_MAX_LEVELS]; /* ll[i]: LL_i, i = 1 .. L-1 */
    float *r[2];                  /* R_i of even and odd i */
    float *stage_in, *stage_out;  /* host runs: `chunk` planes of input and output */
    long long chunk;
    level_launch level[WTCONV_MAX_LEVELS];
    /* Whole planes in one block (planes_plan), when they fit: no scratch, one launch. */
    bool whole_planes;
    /* Tiles with L = 2, 3 as the cone (tiles_plan_cone): one launch, no scratch. */
    bool cone;
    /* What the test switches changed, for cuda_describe: WTCONV_CUDA_TILES took tiles where
     * whole planes fit (tiles_env) or, as "shared", kept the tiles on level_kernel; and
     * WTCONV_CUDA_CONE=0 took one launch a level where the cone fits. */
    bool tiles_env, tiles_env_shared, cone_env_off;
    plane_launch plane;
    cudaStream_t stream; /* host runs */
    cudaEvent_t done;    /* the end of the last run, whatever its stream */
    bool ran;
    void *memory; /* the one device allocation behind the scratch and staging buffers */
    size_t workspace_bytes;
};

wtconv_status cuda_fail(cudaError_t e, const char *what) {
    (void)cudaGetLastError(); /* clear a non-sticky error */
    return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "CUDA backend: %s failed: %s (%s)", what,
                       cudaGetErrorName(e), cudaGetErrorString(e));
}

/* Why the backend cannot run here, or NULL when it can. */
const char *why_unavailable(void) {
#if defined(__linux__)
    /* Without the driver's device node, skip the runtime (which would look for libcuda). */
    if (access("/dev/nvidiactl", F_OK) != 0 && access("/dev/dxg", F_OK) != 0)
        return "no NVIDIA driver (/dev/nvidiactl is missing)";
#endif
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice
                   ? "no usable NVIDIA driver or device (cudaGetDeviceCount failed)"
                   : "the CUDA runtime could not start (cudaGetDeviceCount failed)";
    }
    return count > 0 ? NULL : "no CUDA device is visible";
}

int cuda_available(void) { return why_unavailable() == NULL; }
const char *cuda_unavailable_reason(void) { return why_unavailable(); }

void cuda_destroy(void *opaque) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    if (!s)
        return;
    context_scope scope = {};
    if (s->ctx)
        (void)enter_context(s->driver, s->ctx, &scope);
    if (s->done) {
        cudaEventSynchronize(s->done); /* no kernel may still use the scratch */
        cudaEventDestroy(s->done);
    }
    if (s->stream)
        cudaStreamDestroy(s->stream);
    cudaFree(s->memory);
    cudaFree(s->weights);
    if (s->ctx)
        leave_context(s->driver, scope);
    (void)cudaGetLastError();
    free(s);
}

/* Enqueues the whole layer for `planes` planes from plane `first` on (x and y point at that
 * plane's data) on `stream`. Each launch's own error is checked (not cudaGetLastError, which by
 * its documentation may return an error the caller's code left pending), and the launches stop at
 * the first that fails: y is written only by the last kernel, so a run that reports a failure never
 * has a kernel of its own writing y. Kernels enqueued before a failure still run. */
wtconv_status enqueue(cuda_state *s, const float *x, float *y, long long first, long long planes,
                      cudaStream_t stream) {
    const wtconv_plan &p = s->plan;
    const int L = p.levels;
    if (s->whole_planes) {
        plane_args a = s->plane.args;
        a.x = x;
        a.y = y;
        a.vec_y = ((uintptr_t)y & 15) == 0 && a.out_w % 4 == 0;
        a.weights = reinterpret_cast<const float4 *>(s->weights);
        a.planes = planes;
        a.plane_base = first;
        const cudaError_t e = planes_enqueue(s->plane, a, stream);
        return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a kernel launch");
    }
    /* Down pass: LL_1 .. LL_{L-1}; then levels L-1 .. 0. The cone has neither: its level-0
     * kernel makes each tile's deeper levels itself (from their filters, wdeep), and R_1 (s->r)
     * and the LL bands (s->ll) are not allocated for it. */
    cudaError_t e = s->cone ? cudaSuccess : tiles_enqueue_down(p, x, s->ll, planes, stream);
    for (int i = s->cone ? 0 : L - 1; i >= 0 && e == cudaSuccess; i--) {
        const level_launch &ll = s->level[i];
        level_args a = ll.args;
        a.planes = planes;
        a.plane_base = first;
        a.src = i == 0 ? x : s->ll[i];
        a.rnext = i + 1 < L ? s->r[(i + 1) & 1] : NULL;
        a.dst = i == 0 ? y : s->r[i & 1];
        a.wl = s->wl[i];
        a.wb = s->wb;
        a.bb = s->bb;
        a.wdeep[0] = s->cone ? s->wl[1] : NULL;
        a.wdeep[1] = s->cone && L > 2 ? s->wl[2] : NULL;
        e = tiles_enqueue_level(ll, a, L > 1 && !s->cone /* after the down pass */, stream);
    }
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a kernel launch");
}

/* create's failure when the device cannot load a kernel of this build. */
wtconv_status code_failure(int device, cudaError_t e) {
    (void)cudaGetLastError();
    if (e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDeviceFunction ||
        e == cudaErrorUnsupportedPtxVersion)
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "CUDA backend: this build's GPU code does not run on device %d "
                           "(%s; it is built for compute capability 9.0 and later)",
                           device, cudaGetErrorString(e));
    /* Anything else (out of memory, a fault the context already holds) is no verdict on
     * whether the backend runs here: a failure, which tests do not take for a skip. */
    return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                       "CUDA backend: device %d could not load this build's GPU code: %s (%s)",
                       device, cudaGetErrorName(e), cudaGetErrorString(e));
}

/* Makes the context's driver context current for a run; leave_device puts back the thread's. */
wtconv_status enter_device(const cuda_state *s, context_scope *scope) {
    const CUresult r = enter_context(s->driver, s->ctx, scope);
    return r == CUDA_SUCCESS
               ? WTCONV_OK
               : wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                             "CUDA backend: making the context's CUDA context current failed "
                             "(CUDA driver error %d)",
                             (int)r);
}

void leave_device(const cuda_state *s, const context_scope &scope) {
    leave_context(s->driver, scope);
}

wtconv_status cuda_create(const wtconv_model *m, const wtconv_plan *plan,
                          const wtconv_backend_config *config, void **out) {
    (void)config;
    cuda_state *s = static_cast<cuda_state *>(calloc(1, sizeof(cuda_state)));
    cudaError_t e;
    wtconv_status st = WTCONV_OK;
    *out = NULL;
    if (!s)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory creating a CUDA context");
    s->plan = *plan;
    const wtconv_plan &p = *plan; /* the caller's: still valid after s is freed on failure */
    const int C = p.channels, k = p.kernel, L = p.levels;
    const size_t kk = (size_t)k * k;
    const long long planes_per_item = C;
    if ((e = cudaGetDevice(&s->device)) != cudaSuccess) {
        free(s);
        return cuda_fail(e, "cudaGetDevice");
    }
    /* The driver context this thread has current, or the device's primary context, which the
     * runtime makes current where none is (cudaFree(0) allocates nothing). */
    CUresult r = CUDA_SUCCESS;
    if ((e = driver_context_api_load(&s->driver)) != cudaSuccess ||
        (e = cudaFree(0)) != cudaSuccess || (r = s->driver.get(&s->ctx)) != CUDA_SUCCESS ||
        !s->ctx) {
        free(s);
        if (e != cudaSuccess)
            return cuda_fail(e, "finding the driver's current context");
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "CUDA backend: the thread has no current CUDA context after "
                           "initialisation (CUDA driver error %d)",
                           (int)r);
    }
    /* Launch geometry for each level. */
    /* WTCONV_CUDA_TILES (tests and experiments): non-empty and not "0" runs the tiled path
     * where whole planes would fit; "shared" in addition keeps every level on the kernel that
     * reads its taps from shared memory (level_kernel), so that both tile kernels are tested. */
    const char *tiles = getenv("WTCONV_CUDA_TILES");
    const bool tiles_shared = tiles && !strcmp(tiles, "shared");
    for (int i = 0; i < L; i++) {
        level_launch &ll = s->level[i];
        level_args &a = ll.args;
        memset(&a, 0, sizeof a);
        a.h = i == 0 ? p.height : p.level[i].height;
        a.w = i == 0 ? p.width : p.level[i].width;
        a.hc = p.level[i].half_height;
        a.wc = p.level[i].half_width;
        a.k = k;
        a.pb = (k - 1) / 2;
        a.channels = C;
        a.stride = p.stride;
        a.out_h = p.out_height;
        a.out_w = p.out_width;
        ll.base = i == 0;
        tiles_plan_level(&ll, planes_per_item, !tiles_shared);
    }
    /* WTCONV_CUDA_CONE=0 (tests and experiments) keeps L = 2, 3 on one launch per level. */
    const char *cone = getenv("WTCONV_CUDA_CONE");
    if (cone && !strcmp(cone, "0")) {
        level_launch probe = s->level[0];
        s->cone_env_off = tiles_plan_cone(&probe, L);
    } else {
        s->cone = tiles_plan_cone(&s->level[0], L);
    }
    /* Kernels usable on this device, and their shared-memory limits. */
    if ((e = tiles_check_device()) != cudaSuccess) {
        const int device = s->device;
        free(s);
        return code_failure(device, e);
    }
    /* Whole planes where they fit, unless WTCONV_CUDA_TILES is set (the tests use it to run
     * the tiled kernels on the same shapes). */
    const bool tiles_asked = tiles && *tiles && strcmp(tiles, "0");
    const bool planes_fit = planes_plan(p, &s->plane) && (long long)p.batch * C <= 0x7fffffffLL;
    s->whole_planes = !tiles_asked && planes_fit && planes_prepare(s->plane);
    s->tiles_env = tiles_asked && planes_fit;
    s->tiles_env_shared = tiles_shared; /* never whole planes then: tiles_asked holds */
    for (int i = 0; i < L; i++)
        tiles_prepare_level(&s->level[i]); /* may turn a level direct: check the grids after */
    if (s->level[0].direct)
        s->cone = s->cone_env_off = false;
    /* Every launch must fit in a grid of 2^31-1 blocks, for the whole batch. */
    const long long planes = (long long)p.batch * C;
    for (int i = 0; i < L; i++) {
        const level_launch &ll = s->level[i];
        const long long blocks =
            ll.direct ? (planes * ll.args.hc * ll.args.wc + 255) / 256
                      : (planes + ll.block.z - 1) / ll.block.z * ll.args.tiles_u * ll.args.tiles_v;
        const long long down = L >= 2 ? planes * ((p.height + 31) / 32) * ((p.width + 31) / 32) : 0;
        if (blocks > 0x7fffffffLL || down > 0x7fffffffLL) {
            free(s);
            return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                               "CUDA backend: %d x %d x %d x %d is too large for one launch",
                               p.batch, C, p.height, p.width);
        }
    }

    /* Every kernel the runs launch, loaded now: with lazy loading (the default since CUDA 12.2)
     * a kernel loads at its first launch, which may allocate device memory and synchronise,
     * neither of which a run may do, and a device that cannot load it would fail only then. */
    e = s->whole_planes ? planes_load(s->plane) : cudaSuccess;
    for (int i = 0; !s->whole_planes && i < (s->cone ? 1 : L) && e == cudaSuccess; i++)
        e = tiles_load_level(s->level[i]);
    if (e != cudaSuccess) {
        const int device = s->device;
        free(s);
        return code_failure(device, e);
    }

    /* Weights, folded: scale*(conv(x, w) + b) = conv(x, scale*w) + scale*b. The tiled kernels
     * take [C][k][k] base weights, [C] biases, then each level's [C][4][k][k]; the whole-plane
     * kernel one packed run per channel (plane_band: base, bias, each level's four bands),
     * padded to a multiple of four floats, loaded by a block as float4s. */

    const size_t per_channel = s->whole_planes ? 4 * (size_t)s->plane.args.nw4 : 0;
    const size_t nweights = s->whole_planes ? C * per_channel : C * kk + C + (size_t)L * 4 * C * kk;
    float *host = static_cast<float *>(calloc(nweights, sizeof(float)));
    if (!host) {
        free(s);
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for the CUDA weights");
    }
    for (int c = 0; c < C; c++) {
        float *base = s->whole_planes ? host + c * per_channel : host + c * kk;
        const bool w4 = s->plane.args.w4;
        float *bias = s->whole_planes ? base + plane_bias(k, w4) : host + C * kk + c;
        for (size_t t = 0; t < kk; t++)
            base[t] = m->base_scale[c] * m->base_weight[c * kk + t];
        *bias = m->base_scale[c] * m->base_bias[c];
        for (int i = 0; i < L; i++) {
            float *w = s->whole_planes ? base + plane_band(k, w4, i, 0)
                                       : host + C * kk + C + ((size_t)i * C + c) * 4 * kk;
            const size_t band = s->whole_planes ? (size_t)plane_bias(k, w4) : kk; /* band stride */
            for (size_t t = 0; t < 4 * kk; t++)
                w[t / kk * band + t % kk] =
                    m->wavelet_scale[i][4 * c + t / kk] * m->wavelet_weight[i][4 * c * kk + t];
        }
    }
    /* The runs' stream first: the weights go up on it, and create waits for them. A plain
     * cudaMemcpy from pageable memory may return before its DMA is done, and it is ordered on
     * the legacy default stream, which our non-blocking stream does not wait for: a first run
     * could read weights not yet there (random_cuda failed once so under ctest -j 8, H200,
     * 2026-12-05). */
    if ((e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&s->done, cudaEventDisableTiming)) != cudaSuccess) {
        free(host);
        st = cuda_fail(e, "creating a stream and an event");
        cuda_destroy(s);
        return st;
    }
    if ((e = cudaMalloc(&s->weights, nweights * sizeof(float))) != cudaSuccess ||
        (e = cudaMemcpyAsync(s->weights, host, nweights * sizeof(float), cudaMemcpyHostToDevice,
                             s->stream)) != cudaSuccess ||
        (e = cudaStreamSynchronize(s->stream)) != cudaSuccess) {
        free(host);
        st = e == cudaErrorMemoryAllocation
                 ? wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "CUDA backend: out of device memory for the weights (%zu bytes)",
                               nweights * sizeof(float))
                 : cuda_fail(e, "uploading the weights");
        cuda_destroy(s);
        return st;
    }
    free(host);
    s->wb = s->weights;
    s->bb = s->weights + C * kk;
    for (int i = 0; i < L; i++)
        s->wl[i] = s->weights + C * kk + C + (size_t)i * 4 * C * kk;

    /* Scratch (LL_1 .. LL_{L-1}, R of odd and even levels) and the host runs' staging: an
     * eighth of the planes (at least one), which keeps the whole under the input's size for
     * the standard shapes (docs/cuda-backend.md, Memory), though not where there are fewer than
     * eight planes. Offsets are kept 256-byte aligned. */
    s->chunk = planes / 8 > 1 ? planes / 8 : 1;
    size_t offsets[WTCONV_MAX_LEVELS + 4], total = 0;
    auto take = [&](size_t floats) {
        const size_t at = total;
        total += (floats * sizeof(float) + 255) / 256 * 256;
        return at;
    };
    const int deep = s->whole_planes || s->cone ? 1 : L; /* every level on chip */
    for (int i = 1; i < deep; i++)
        offsets[i] = take((size_t)planes * p.level[i].height * p.level[i].width);
    const size_t r1 = deep >= 2 ? take((size_t)planes * p.level[1].height * p.level[1].width) : 0;
    const size_t r0 = deep >= 3 ? take((size_t)planes * p.level[2].height * p.level[2].width) : 0;
    const size_t si = take((size_t)s->chunk * p.plane);
    const size_t so = take((size_t)s->chunk * p.out_plane);
    if ((e = cudaMalloc(&s->memory, total ? total : 256)) != cudaSuccess) {
        st = e == cudaErrorMemoryAllocation
                 ? wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "CUDA backend: out of device memory for %zu bytes of scratch", total)
                 : cuda_fail(e, "cudaMalloc");
        cuda_destroy(s);
        return st;
    }
    char *base = static_cast<char *>(s->memory);
    for (int i = 1; i < deep; i++)
        s->ll[i] = reinterpret_cast<float *>(base + offsets[i]);
    s->r[1] = deep >= 2 ? reinterpret_cast<float *>(base + r1) : NULL;
    s->r[0] = deep >= 3 ? reinterpret_cast<float *>(base + r0) : NULL;
    s->stage_in = reinterpret_cast<float *>(base + si);
    s->stage_out = reinterpret_cast<float *>(base + so);
    s->workspace_bytes = total;
    *out = s;
    return WTCONV_OK;
}

/* wtconv_run takes host memory (pageable, pinned or managed); device memory is refused with a
 * message that names wtconv_run_device, not left to fail in a copy. */
wtconv_status check_host_pointer(const void *ptr, const char *name) {
    cudaPointerAttributes attr;
    if (cudaPointerGetAttributes(&attr, ptr) != cudaSuccess) {
        (void)cudaGetLastError(); /* not known to CUDA: host memory */
        return WTCONV_OK;
    }
    if (attr.type == cudaMemoryTypeDevice)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is CUDA device memory; wtconv_run takes host pointers, "
                           "wtconv_run_device device pointers",
                           name);
    return WTCONV_OK;
}

wtconv_status cuda_run(void *opaque, const float *input, float *output) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    const wtconv_plan &p = s->plan;
    context_scope scope;
    wtconv_status st = enter_device(s, &scope);
    if (st != WTCONV_OK)
        return st;
    if ((st = check_host_pointer(input, "input")) != WTCONV_OK ||
        (st = check_host_pointer(output, "output")) != WTCONV_OK) {
        leave_device(s, scope);
        return st;
    }
    cudaError_t e = cudaSuccess;
    const long long planes = (long long)p.batch * p.channels;
    if (s->ran)
        e = cudaStreamWaitEvent(s->stream, s->done, 0);
    for (long long n = 0; n < planes && e == cudaSuccess && st == WTCONV_OK; n += s->chunk) {
        const long long count = planes - n < s->chunk ? planes - n : s->chunk;
        e = cudaMemcpyAsync(s->stage_in, input + (size_t)n * p.plane,
                            (size_t)count * p.plane * sizeof(float), cudaMemcpyHostToDevice,
                            s->stream);
        if (e == cudaSuccess)
            st = enqueue(s, s->stage_in, s->stage_out, n, count, s->stream);
        /* A chunk reaches the caller's buffer only once its kernels finished cleanly; the chunks
         * before a failure have reached it (the header says so). */
        if (e == cudaSuccess && st == WTCONV_OK)
            e = cudaStreamSynchronize(s->stream);
        if (e == cudaSuccess && st == WTCONV_OK)
            e = cudaMemcpyAsync(output + (size_t)n * p.out_plane, s->stage_out,
                                (size_t)count * p.out_plane * sizeof(float), cudaMemcpyDeviceToHost,
                                s->stream);
    }
    /* Recorded even after a failure: kernels enqueued before it still use the scratch and the
     * staging, and a later run on another stream (or destroy) must wait for them. */
    const cudaError_t recorded = cudaEventRecord(s->done, s->stream);
    if (e == cudaSuccess && st == WTCONV_OK)
        e = recorded;
    /* Also after a failure: the copies from and to the caller's buffers (asynchronous where
     * they are pinned) must be over before the call returns. */
    const cudaError_t finished = cudaStreamSynchronize(s->stream);
    if (e == cudaSuccess && st == WTCONV_OK)
        e = finished;
    s->ran = true;
    leave_device(s, scope);
    if (st != WTCONV_OK)
        return st;
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a host-pointer run");
}

/* Is `ptr` device (or managed) memory that the context's device can use? */
wtconv_status check_device_pointer(const cuda_state *s, const void *ptr, const char *name) {
    cudaPointerAttributes attr;
    const cudaError_t e = cudaPointerGetAttributes(&attr, ptr);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is not a CUDA pointer (cudaPointerGetAttributes: %s)", name,
                           cudaGetErrorString(e));
    }
    if (attr.type == cudaMemoryTypeManaged)
        return WTCONV_OK;
    if (attr.type != cudaMemoryTypeDevice)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is not CUDA device memory (it is %s memory); wtconv_run_device "
                           "takes device pointers, wtconv_run host pointers",
                           name, attr.type == cudaMemoryTypeHost ? "pinned host" : "host");
    if (attr.device != s->device)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is memory of CUDA device %d; this context runs on device %d", name,
                           attr.device, s->device);
    return WTCONV_OK;
}

wtconv_status cuda_run_device(void *opaque, const float *input, float *output, void *stream) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    cudaStream_t st_ = static_cast<cudaStream_t>(stream);
    context_scope scope;
    wtconv_status st = enter_device(s, &scope);
    if (st != WTCONV_OK)
        return st;
    if ((st = check_device_pointer(s, input, "input")) != WTCONV_OK ||
        (st = check_device_pointer(s, output, "output")) != WTCONV_OK) {
        leave_device(s, scope);
        return st;
    }
    /* The scratch is the context's: a run on another stream waits for the one before, and marks
     * its own end. Captured into a CUDA graph (stream capture), the wait and the mark become the
     * graph's external event nodes, so that each launch of the graph waits for the context's
     * run before it and marks its own end, as a run enqueued directly does. */
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    cudaError_t e = cudaStreamIsCapturing(st_, &capture);
    const bool captured = capture == cudaStreamCaptureStatusActive;
    /* Captured, always: the graph may be launched after runs that come later than this call
     * (a first run captured, then a direct one; waiting for an event never recorded is free). */
    if (e == cudaSuccess && (s->ran || captured))
        e = cudaStreamWaitEvent(st_, s->done, captured ? cudaEventWaitExternal : 0);
    if (e == cudaSuccess) {
        st = enqueue(s, input, output, 0, (long long)s->plan.batch * s->plan.channels, st_);
        /* Even after a failed launch, for the kernels enqueued before it (see cuda_run). */
        const cudaError_t recorded =
            cudaEventRecordWithFlags(s->done, st_, captured ? cudaEventRecordExternal : 0);
        if (recorded == cudaSuccess)
            s->ran = true;
        else if (st == WTCONV_OK && !captured) {
            /* The run is enqueued, output included, but unmarked, so a later run on another
             * stream could not wait for it: wait here instead. Finished, it is a run like any
             * other (its output written); only a stream that fails is the run's failure. */
            e = cudaStreamSynchronize(st_);
            if (e == cudaSuccess)
                (void)cudaGetLastError(); /* the record's error, handled */
        } else if (st == WTCONV_OK)
            e = recorded; /* captured: the capture fails, and no graph of it runs */
    }
    leave_device(s, scope);
    if (st != WTCONV_OK)
        return st;
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "enqueueing a device run");
}

size_t cuda_workspace_size(const void *opaque) {
    return static_cast<const cuda_state *>(opaque)->workspace_bytes;
}

/* Read once by create (wtconv_backend_detail): the device and which kernels run the layer. */
void cuda_describe(const void *opaque, int *threads, char *detail, size_t size) {
    const cuda_state *s = static_cast<const cuda_state *>(opaque);
    cudaDeviceProp prop;
    const bool named = cudaGetDeviceProperties(&prop, s->device) == cudaSuccess;
    bool direct = false;
    for (int i = 0; i < s->plan.levels; i++)
        direct = direct || s->level[i].direct;
    *threads = 1; /* the calling thread, which enqueues */
    /* A test switch that changed the choice is named after what it changed (wtconv.h). */
    const char *tiles_note = s->tiles_env_shared ? " (WTCONV_CUDA_TILES=shared)"
                             : s->tiles_env      ? " (WTCONV_CUDA_TILES)"
                                                 : "";
    snprintf(detail, size, "CUDA device %d (%s): %s%s%s", s->device, named ? prop.name : "?",
             s->whole_planes ? "whole planes, one launch"
             : s->cone       ? "tiles, one launch (each tile's deeper levels in its block)"
             : direct        ? "tiles, one kernel per level, direct convolution"
                             : "tiles, one kernel per level",
             tiles_note, s->cone_env_off ? " (WTCONV_CUDA_CONE=0)" : "");
}

} // namespace

/* In the order of wtconv_backend_ops' members (C++17 has no designated initialisers). */
extern "C" const wtconv_backend_ops wtconv_cuda_backend = {"cuda",
                                                           WTCONV_BACKEND_CUDA,
                                                           WTCONV_MODEL_SAFETENSORS,
                                                           cuda_available,
                                                           cuda_unavailable_reason,
                                                           cuda_create,
                                                           NULL,
                                                           cuda_run,
                                                           cuda_workspace_size,
                                                           cuda_destroy,
                                                           cuda_describe,
                                                           cuda_run_device};
