/* Internal (src/cuda): the host side of a kernel launch, for the whole-plane (planes.cu) and the
 * tiled (tiles.cu) kernels: the shared-memory limit a kernel is given, and launches that report
 * their own errors. */
#ifndef WTCONV_CUDA_LAUNCH_H
#define WTCONV_CUDA_LAUNCH_H

#include <cuda_runtime.h>

#include <stddef.h>

namespace wtconv_cuda {

/* Loads fn on the current device: with lazy loading (the default since CUDA 12.2) a kernel is
 * otherwise loaded at its first launch. cudaSuccess, or the error of a device that cannot run
 * it. */
template <class Fn> cudaError_t load_kernel(Fn *fn) {
    cudaFuncAttributes attr;
    return cudaFuncGetAttributes(&attr, fn);
}

/* Lets fn take `bytes` of dynamic shared memory a block on the current device. The limit is
 * an attribute of the kernel for the whole process, not of one launch, so it is set to the most
 * the device allows (less the kernel's static shared memory), never to one context's need: a
 * context that needs less must not lower it under a live one that needs more (two contexts
 * using one kernel, or two levels of one context using one kernel, with sizes apart). Setting
 * the same value again is harmless, so concurrent creates need no lock. cudaErrorInvalidValue
 * where the device has less than `bytes`. */
template <class Fn> cudaError_t allow_dynamic_smem(Fn *fn, size_t bytes) {
    if (bytes <= 48 * 1024)
        return cudaSuccess; /* every device gives that without asking */
    int device = 0, optin = 0;
    cudaFuncAttributes attr;
    cudaError_t e;
    if ((e = cudaGetDevice(&device)) != cudaSuccess ||
        (e = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device)) !=
            cudaSuccess ||
        (e = cudaFuncGetAttributes(&attr, fn)) != cudaSuccess)
        return e;
    if ((size_t)optin < attr.sharedSizeBytes || bytes > (size_t)optin - attr.sharedSizeBytes)
        return cudaErrorInvalidValue;
    return cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                optin - (int)attr.sharedSizeBytes);
}

/* Launches fn on stream and returns the launch's own error (never one left pending by the
 * caller's code, which cudaGetLastError would return). early: with programmatic stream
 * serialisation, so that fn may start before the kernel before it has finished (it must wait
 * for it with griddepcontrol.wait before reading what that kernel wrote). */
template <class... Args>
cudaError_t launch(void (*fn)(Args...), unsigned blocks, dim3 block, size_t smem, bool early,
                   cudaStream_t stream, Args... args) {
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(blocks);
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cfg.attrs = early ? attr : NULL;
    cfg.numAttrs = early ? 1 : 0;
    return cudaLaunchKernelEx(&cfg, fn, args...);
}

} // namespace wtconv_cuda

#endif
