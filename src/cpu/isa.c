/* Run-time choice of the CPU kernels: one binary carries every table its target can have and
 * uses the best one the machine runs. */
#include "cpu/isa.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define ISA_ENV "WTCONV_CPU_ISA"

#if defined(WTCONV_CPU_X86_KERNELS)
#if defined(__GNUC__)
/* GCC and clang: the runtime's CPUID probe, which also checks (XGETBV) that the OS saves the
 * wider registers. */
static int cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int cpu_has_avx512(void) {
    __builtin_cpu_init();
    return cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl");
}
#else
/* MSVC: a probe with __cpuidex and _xgetbv belongs here; until one is written and tested
 * there, such builds run the portable kernels. */
static int cpu_has_avx2(void) { return 0; }
static int cpu_has_avx512(void) { return 0; }
#endif
#endif

typedef struct isa_entry {
    const char *name;
    const wtconv_cpu_kernels *(*table)(void);
    int (*usable)(void);
} isa_entry;

static int always(void) { return 1; }

/* Best first. */
static const isa_entry isas[] = {
#if defined(WTCONV_CPU_X86_KERNELS)
    {"avx512", wtconv_cpu_kernels_avx512, cpu_has_avx512},
    {"avx2", wtconv_cpu_kernels_avx2, cpu_has_avx2},
#endif
#if defined(WTCONV_CPU_NEON_KERNELS)
    {"neon", wtconv_cpu_kernels_neon, always}, /* part of every AArch64 CPU */
#endif
    {"scalar", wtconv_cpu_kernels_scalar, always},
};
#define ISA_COUNT (sizeof isas / sizeof isas[0])

const wtconv_cpu_kernels *wtconv_cpu_kernels_named(const char *name) {
    for (size_t i = 0; i < ISA_COUNT; i++)
        if (!strcmp(name, isas[i].name))
            return isas[i].usable() ? isas[i].table() : NULL;
    return NULL;
}

wtconv_status wtconv_cpu_choose_kernels(const wtconv_cpu_kernels **out) {
    const char *wanted = getenv(ISA_ENV); /* in release builds too: see isa.h */
    const wtconv_cpu_kernels *table;
    char usable[64] = "";
    *out = NULL;
    if (!wanted || !*wanted || !strcmp(wanted, "auto")) {
        for (size_t i = 0; i < ISA_COUNT; i++)
            if (isas[i].usable()) {
                *out = isas[i].table();
                return WTCONV_OK;
            }
    }
    if (wanted && (table = wtconv_cpu_kernels_named(wanted)) != NULL) {
        *out = table;
        return WTCONV_OK;
    }
    for (size_t i = 0; i < ISA_COUNT; i++)
        if (isas[i].usable()) {
            if (usable[0])
                strcat(usable, ", ");
            strcat(usable, isas[i].name);
        }
    return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                       "%s=%s: this build on this CPU runs only: %s (or auto)", ISA_ENV,
                       wanted ? wanted : "", usable);
}

wtconv_dwconv_fn wtconv_cpu_dwconv_for(const wtconv_cpu_kernels *kernels, int k) {
    wtconv_dwconv_fn fn = k == 3   ? kernels->dwconv3
                          : k == 5 ? kernels->dwconv5
                          : k == 7 ? kernels->dwconv7
                                   : NULL;
    return fn ? fn : kernels->dwconv_any;
}

wtconv_dwconv_bands_fn wtconv_cpu_dwconv_bands_for(const wtconv_cpu_kernels *kernels, int k) {
    return k == 3   ? kernels->dwconv_bands3
           : k == 5 ? kernels->dwconv_bands5
           : k == 7 ? kernels->dwconv_bands7
                    : NULL;
}
