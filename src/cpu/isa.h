/* Internal: which kernel table the CPU backend runs. The best one this build and CPU offer,
 * unless the environment variable WTCONV_CPU_ISA names another (scalar, avx2, avx512, neon or
 * auto): a testing and benchmarking switch, read at create time, not part of the API. */
#ifndef WTCONV_CPU_ISA_H
#define WTCONV_CPU_ISA_H

#include "cpu/kernels.h"
#include "wtconv/wtconv.h"

/* The table WTCONV_CPU_ISA asks for, or the best one. Fails with
 * WTCONV_ERR_BACKEND_UNAVAILABLE (and a message) when the variable names an instruction set
 * that this build or this CPU lacks, or one it does not know. */
wtconv_status wtconv_cpu_choose_kernels(const wtconv_cpu_kernels **out);

/* The table called `name` if this build has it and this CPU can run it, else NULL. */
const wtconv_cpu_kernels *wtconv_cpu_kernels_named(const char *name);

#endif
