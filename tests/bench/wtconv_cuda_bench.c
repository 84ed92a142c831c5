/*
 * wtconv-cuda-bench: times the CUDA backend's device-pointer runs (wtconv_run_device) with CUDA
 * events, median of 50 after 10 warm-up runs, on the six shapes (B/C/H/k/L, W = H) or
 * those given, and prints the roofline time (input read once and output written once at
 * 4.8 TB/s, the H200's datasheet bandwidth), the device memory wtconv_create took, and one
 * host-pointer run (copies included) for comparison. Random weights and inputs.
 * tools/bench_cuda_compare.py times fast_wtconv and the reference module beside it.
 *
 *   wtconv-cuda-bench [B/C/H/k/L ...]
 */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "wtconv/wtconv.h"

#include <cuda_runtime_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_model.h"
#include "test_util.h"

#define REPS 50
#define WARMUP 10
#define BANDWIDTH 4.8e12

static int cmp_float(const void *a, const void *b) {
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int bench(int B, int C, int H, int k, int L) {
    char path[1024];
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    float *dx = NULL, *dy = NULL, *hx = NULL, *hy = NULL, times[REPS], host_ms = 0.0f;
    cudaEvent_t ev[REPS + 1];
    size_t free0 = 0, free1 = 0, total = 0, nin, nout;
    int ok = 0;

    test_temp_path(path, sizeof path, "cuda-bench.safetensors");
    if (bench_write_model("wtconv-cuda-bench", C, k, L, path))
        return 1;
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CUDA;
    opts.batch = B;
    cudaDeviceSynchronize();
    cudaMemGetInfo(&free0, &total);
    if (wtconv_create_with_options(path, C, H, H, &opts, &ctx) != WTCONV_OK) {
        fprintf(stderr, "wtconv_create: %s\n", wtconv_last_error());
        remove(path);
        return 1;
    }
    cudaMemGetInfo(&free1, &total);
    remove(path);
    nin = wtconv_input_size(ctx);
    nout = wtconv_output_size(ctx);
    hx = bench_random_floats(nin, 1.0f); /* exits if out of memory */
    hy = malloc(nout * sizeof(float));
    if (!hx || !hy || cudaMalloc((void **)&dx, nin * sizeof(float)) != cudaSuccess ||
        cudaMalloc((void **)&dy, nout * sizeof(float)) != cudaSuccess) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    cudaMemcpy(dx, hx, nin * sizeof(float), cudaMemcpyHostToDevice);
    for (int i = 0; i <= REPS; i++)
        cudaEventCreate(&ev[i]);
    for (int i = 0; i < WARMUP; i++)
        if (wtconv_run_device(ctx, dx, dy, NULL) != WTCONV_OK) {
            fprintf(stderr, "wtconv_run_device: %s\n", wtconv_last_error());
            goto done;
        }
    /* Back to back, an event between runs: each interval is one run. */
    cudaEventRecord(ev[0], NULL);
    for (int i = 0; i < REPS; i++) {
        wtconv_run_device(ctx, dx, dy, NULL);
        cudaEventRecord(ev[i + 1], NULL);
    }
    cudaEventSynchronize(ev[REPS]);
    for (int i = 0; i < REPS; i++)
        cudaEventElapsedTime(&times[i], ev[i], ev[i + 1]);
    qsort(times, REPS, sizeof times[0], cmp_float);
    {
        cudaEvent_t a = ev[0], b = ev[1];
        cudaEventRecord(a, NULL);
        if (wtconv_run(ctx, hx, hy) != WTCONV_OK)
            fprintf(stderr, "wtconv_run: %s\n", wtconv_last_error());
        cudaEventRecord(b, NULL);
        cudaEventSynchronize(b);
        cudaEventElapsedTime(&host_ms, a, b);
    }
    {
        const double roof = (double)(nin + nout) * sizeof(float) / BANDWIDTH * 1e3;
        const double med = (times[REPS / 2 - 1] + times[REPS / 2]) / 2.0;
        printf("| %d/%d/%d/%d/%d | %.4f | %.4f | %.4f | %.2fx | %.1f | %.1f | %.1f | %.2f |\n", B,
               C, H, k, L, med, times[0], roof, med / roof, (double)(free0 - free1) / (1 << 20),
               (double)wtconv_workspace_size(ctx) / (1 << 20),
               (double)nin * sizeof(float) / (1 << 20), host_ms);
    }
    for (int i = 0; i <= REPS; i++)
        cudaEventDestroy(ev[i]);
    ok = 1;
done:
    wtconv_destroy(ctx);
    cudaFree(dx);
    cudaFree(dy);
    free(hx);
    free(hy);
    return !ok;
}

int main(int argc, char **argv) {
    static const char *const defaults[] = {"64/96/56/5/5", "64/192/28/5/4", "64/384/14/5/3",
                                           "64/768/7/5/2", "1/32/128/5/1",  "8/64/255/5/3"};
    const int n = argc > 1 ? argc - 1 : 6;
    int rc = 0;
    if (!wtconv_backend_available(WTCONV_BACKEND_CUDA)) {
        printf("skipped: the CUDA backend cannot run here\n");
        return TEST_SKIPPED;
    }
    printf(
        "| B/C/H/k/L | median ms | min ms | roofline ms | median/roofline | create took MiB "
        "| scratch MiB | input MiB | one host-pointer run ms |\n|---|---|---|---|---|---|---|---|"
        "---|\n");
    for (int i = 0; i < n; i++) {
        const char *s = argc > 1 ? argv[i + 1] : defaults[i];
        int B, C, H, k, L;
        if (sscanf(s, "%d/%d/%d/%d/%d", &B, &C, &H, &k, &L) != 5 || B < 1 || C < 1 || H < 1 ||
            k < 1 || L < 1) {
            fprintf(stderr, "bad shape '%s' (want B/C/H/k/L)\n", s);
            return 2;
        }
        rc |= bench(B, C, H, k, L);
    }
    return rc;
}
