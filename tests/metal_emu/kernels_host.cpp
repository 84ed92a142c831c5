// The Metal kernels of metal/wtconv_kernels.metal, compiled as C++ through the shim in shim/,
// and one trampoline that calls a kernel for one thread the way Metal would: each parameter
// gets the buffer bound at its [[buffer(i)]] index, the arguments struct by reference, and
// the thread's position in the grid.
#include "wtconv_kernels.metal"

#undef kernel
#undef device
#undef constant

#include "grid_emulator.h"

void wtconv_emu_invoke(wtconv_mtl_kernel kernel, float *const *bound, const wtconv_mtl_args *args,
                       uint32_t x, uint32_t y, uint32_t z) {
    const metal::uint3 gid = {x, y, z};
    switch (kernel) {
    case WTCONV_MTL_HAAR_FORWARD:
        wtconv_haar_forward(bound[WTCONV_HAAR_FORWARD_SRC], bound[WTCONV_HAAR_FORWARD_DST],
                            args->haar_forward, gid);
        break;
    case WTCONV_MTL_HAAR_INVERSE_ACCUMULATE:
        wtconv_haar_inverse_accumulate(bound[WTCONV_HAAR_INVERSE_SRC],
                                       bound[WTCONV_HAAR_INVERSE_DST], args->haar_inverse, gid);
        break;
    case WTCONV_MTL_RECONSTRUCT_OUTPUT:
        wtconv_reconstruct_output(bound[WTCONV_RECONSTRUCT_COEFFS], bound[WTCONV_RECONSTRUCT_BASE],
                                  bound[WTCONV_RECONSTRUCT_OUTPUT], args->reconstruct, gid);
        break;
    case WTCONV_MTL_KERNEL_COUNT:
        break;
    }
}
