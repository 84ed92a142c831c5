/* Internal: the CUDA backend (src/cuda/cuda_backend.cu). Compiled in with WTCONV_WITH_CUDA. */
#ifndef WTCONV_CUDA_CUDA_BACKEND_H
#define WTCONV_CUDA_CUDA_BACKEND_H

#include "backend/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const wtconv_backend_ops wtconv_cuda_backend;

#ifdef __cplusplus
}
#endif

#endif
