/* Internal (src/cuda): the host side of a kernel launch, for the whole-plane (planes.cu) and the
 * tiled (tiles.cu) kernels: the shared-memory limit a kernel is given. */
#ifndef WTCONV_CUDA_LAUNCH_H
#define WTCONV_CUDA_LAUNCH_H

#include <cuda_runtime.h>

#include <stddef.h>

namespace wtconv_cuda {

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

} // namespace wtconv_cuda

#endif
