/* Internal (src/cuda): the calling thread's current driver context, made the wtconv context's
 * own around each of its calls and put back after. The driver functions are reached through the
 * runtime's entry points, since libwtconv does not link libcuda (the runtime loads it).
 *
 * Why not the runtime's current device: a thread with no current context reports device 0, and
 * setting device 0 back after a run on device 1 would create device 0's primary context there
 * (cudaSetDevice does since CUDA 12) and leave it current, on a GPU the application may never
 * use. The driver context also names the one the wtconv context's memory lives in, where the
 * caller created it with a context of its own current. */
#ifndef WTCONV_CUDA_CONTEXT_SCOPE_H
#define WTCONV_CUDA_CONTEXT_SCOPE_H

#include <cuda.h>
#include <cuda_runtime.h>

namespace wtconv_cuda {

struct driver_context_api {
    CUresult (*get)(CUcontext *);
    CUresult (*set)(CUcontext);
};

template <class Fn> cudaError_t driver_entry(const char *name, Fn *fn) {
    void *p = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
    cudaError_t e = cudaGetDriverEntryPointByVersion(name, &p, 4000, cudaEnableDefault, &found);
#else
    cudaError_t e = cudaGetDriverEntryPoint(name, &p, cudaEnableDefault, &found);
#endif
    if (e == cudaSuccess && (found != cudaDriverEntryPointSuccess || !p))
        e = cudaErrorSymbolNotFound;
    *fn = reinterpret_cast<Fn>(p);
    return e;
}

/* cuCtxGetCurrent and cuCtxSetCurrent (both of CUDA 4.0's driver API). */
inline cudaError_t driver_context_api_load(driver_context_api *api) {
    const cudaError_t e = driver_entry("cuCtxGetCurrent", &api->get);
    return e != cudaSuccess ? e : driver_entry("cuCtxSetCurrent", &api->set);
}

/* What enter_context changed, for leave_context. */
struct context_scope {
    CUcontext previous;
    bool switched;
};

/* Makes `own` current on the calling thread; CUDA_SUCCESS or the driver's error. */
inline CUresult enter_context(const driver_context_api &api, CUcontext own, context_scope *scope) {
    scope->previous = nullptr;
    scope->switched = false;
    CUresult r = api.get(&scope->previous);
    if (r != CUDA_SUCCESS || scope->previous == own)
        return r;
    if ((r = api.set(own)) == CUDA_SUCCESS)
        scope->switched = true;
    return r;
}

/* Puts back what the thread had before enter_context, none included. */
inline void leave_context(const driver_context_api &api, const context_scope &scope) {
    if (scope.switched)
        (void)api.set(scope.previous);
}

} // namespace wtconv_cuda

#endif
