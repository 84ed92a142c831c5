/* Run-time choice of the CPU kernels: one binary carries every table its target can have and
 * uses the best one the machine runs. */
#include "cpu/isa.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
/* The CPU's own report (CPUID), and the OS's (XGETBV): an instruction set is usable only when
 * the CPU has it and the OS saves its registers on a context switch. Probed here rather than
 * with GCC's __builtin_cpu_supports, whose __cpu_model lives in libgcc or compiler-rt: macOS's
 * libSystem has neither, so the x86_64 dylib failed to link. */
#if defined(__GNUC__) /* GCC, clang (also Apple's and MinGW's) */
#include <cpuid.h>
static unsigned cpuid_max_leaf(void) { return __get_cpuid_max(0, NULL); }
static void cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
}
static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    /* XGETBV, spelled as bytes for assemblers that predate it; ECX selects XCR0. */
    __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#define HAVE_X86_PROBE 1
#elif defined(_MSC_VER) /* MSVC, clang-cl */
#include <immintrin.h>
#include <intrin.h>
static void cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
    int r[4];
    __cpuidex(r, (int)leaf, (int)subleaf);
    for (int i = 0; i < 4; i++)
        regs[i] = (unsigned)r[i];
}
static unsigned cpuid_max_leaf(void) {
    unsigned regs[4];
    cpuid(0, 0, regs);
    return regs[0];
}
static unsigned long long xgetbv0(void) { return _xgetbv(0); }
#define HAVE_X86_PROBE 1
#endif
#if defined(HAVE_X86_PROBE) && defined(__APPLE__)
#include <sys/sysctl.h>
/* Darwin turns a thread's AVX-512 state on at its first AVX-512 instruction, so XCR0 shows
 * bits 5-7 only after that; the kernel reports whether it supports AVX-512 through sysctl. */
static int darwin_avx512_enabled(void) {
    int value = 0;
    size_t size = sizeof value;
    return sysctlbyname("hw.optional.avx512f", &value, &size, NULL, 0) == 0 && value != 0;
}
#endif

unsigned wtconv_cpu_x86_features(void) {
#if defined(HAVE_X86_PROBE)
    unsigned regs[4], leaf1_ecx, features = 0;
    unsigned long long xcr0;
    int os_avx512;
    const unsigned max_leaf = cpuid_max_leaf();
    if (max_leaf < 1)
        return 0;
    cpuid(1, 0, regs);
    leaf1_ecx = regs[2];
    if (!(leaf1_ecx & (1u << 27))) /* OSXSAVE: the OS uses XSAVE, so XGETBV works */
        return 0;
    xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* SSE and AVX (YMM) state */
        return 0;
    os_avx512 = (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM0-15 upper halves, ZMM16-31 */
#if defined(__APPLE__)
    if (!os_avx512)
        os_avx512 = darwin_avx512_enabled();
#endif
    if (leaf1_ecx & (1u << 28))
        features |= WTCONV_X86_AVX;
    if (leaf1_ecx & (1u << 12))
        features |= WTCONV_X86_FMA;
    if (max_leaf >= 7) {
        cpuid(7, 0, regs);
        if (regs[1] & (1u << 5))
            features |= WTCONV_X86_AVX2;
        if (os_avx512 && (regs[1] & (1u << 16)))
            features |= WTCONV_X86_AVX512F;
        if (os_avx512 && (regs[1] & (1u << 31)))
            features |= WTCONV_X86_AVX512VL;
    }
    return features;
#else
    return 0; /* a compiler without a probe here: the portable kernels */
#endif
}
#else
unsigned wtconv_cpu_x86_features(void) { return 0; }
#endif

#if defined(WTCONV_CPU_X86_KERNELS)
static int cpu_has_all(unsigned wanted) { return (wtconv_cpu_x86_features() & wanted) == wanted; }
static int cpu_has_avx2(void) {
    return cpu_has_all(WTCONV_X86_AVX | WTCONV_X86_AVX2 | WTCONV_X86_FMA);
}
static int cpu_has_avx512(void) {
    return cpu_has_all(WTCONV_X86_AVX | WTCONV_X86_AVX2 | WTCONV_X86_FMA | WTCONV_X86_AVX512F |
                       WTCONV_X86_AVX512VL);
}
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
    {.name = "avx512", .table = wtconv_cpu_kernels_avx512, .usable = cpu_has_avx512},
    {.name = "avx2", .table = wtconv_cpu_kernels_avx2, .usable = cpu_has_avx2},
#endif
#if defined(WTCONV_CPU_NEON_KERNELS)
    /* NEON is part of every AArch64 CPU. */
    {.name = "neon", .table = wtconv_cpu_kernels_neon, .usable = always},
#endif
    {.name = "scalar", .table = wtconv_cpu_kernels_scalar, .usable = always},
};
#define ISA_COUNT (sizeof isas / sizeof isas[0])

const wtconv_cpu_kernels *wtconv_cpu_kernels_named(const char *name) {
    for (size_t i = 0; i < ISA_COUNT; i++)
        if (!strcmp(name, isas[i].name))
            return isas[i].usable() ? isas[i].table() : NULL;
    return NULL;
}

wtconv_status wtconv_cpu_choose_kernels(const wtconv_cpu_kernels **out) {
    const char *wanted = getenv(WTCONV_CPU_ISA_ENV); /* in release builds too: see isa.h */
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
                       "%s=%s: this build on this CPU runs only: %s (or auto)", WTCONV_CPU_ISA_ENV,
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

wtconv_dwconv_subbands_fn wtconv_cpu_dwconv_subbands_for(const wtconv_cpu_kernels *kernels, int k) {
    return k == 3   ? kernels->dwconv_subbands3
           : k == 5 ? kernels->dwconv_subbands5
           : k == 7 ? kernels->dwconv_subbands7
                    : NULL;
}
