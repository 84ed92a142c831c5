/* Internal: which kernel table the CPU backend runs. The best one this build and CPU offer,
 * unless the environment variable WTCONV_CPU_ISA names another (scalar, avx2, avx512, neon or
 * auto): a testing and benchmarking switch, read at create time, not part of the API.
 *
 * Kept in release builds, on purpose: the tests run every kernel table through it, and a user
 * who meets a bad kernel (or a CPU that misreports its features) can step around it without a
 * rebuild. A value this build or CPU cannot honour fails create with a message that names the
 * variable, and a context it changed says so in wtconv_backend_detail ("... (WTCONV_CPU_ISA=
 * avx2)"), so its effect is never silent. WTCONV_CPU_CHANNEL_BLOCKS (cpu/channel_block.h) is
 * kept for the same reasons, on the same terms. */
#ifndef WTCONV_CPU_ISA_H
#define WTCONV_CPU_ISA_H

#include "cpu/kernels.h"
#include "wtconv/wtconv.h"

/* The table WTCONV_CPU_ISA asks for, or the best one. Fails with
 * WTCONV_ERR_BACKEND_UNAVAILABLE (and a message) when the variable names an instruction set
 * that this build or this CPU lacks, or one it does not know. */
wtconv_status wtconv_cpu_choose_kernels(const wtconv_cpu_kernels **out);

/* The variable's name, for messages. */
#define WTCONV_CPU_ISA_ENV "WTCONV_CPU_ISA"

/* The table called `name` if this build has it and this CPU can run it, else NULL. */
const wtconv_cpu_kernels *wtconv_cpu_kernels_named(const char *name);

/* x86: the instruction sets that the CPU has (CPUID) and the OS saves the registers of (XGETBV;
 * on Darwin, sysctl for AVX-512): the WTCONV_X86_* bits. 0 on other CPUs. */
#define WTCONV_X86_AVX 0x1u
#define WTCONV_X86_FMA 0x2u
#define WTCONV_X86_AVX2 0x4u
#define WTCONV_X86_AVX512F 0x8u
#define WTCONV_X86_AVX512VL 0x10u
unsigned wtconv_cpu_x86_features(void);

#endif
