/* The library's x86 CPU probe (CPUID + XGETBV, src/cpu/isa.c) against two independent reports
 * of the same machine: the compiler runtime's (GCC's and clang's __builtin_cpu_supports, which
 * also checks the OS's saved state in XCR0) and the Linux kernel's (the flags line of
 * /proc/cpuinfo, from which the kernel drops what it does not enable). Then that the kernel
 * tables the dispatcher offers follow the same truth. Built with GCC or clang on x86-64 Linux
 * only. */
#include <stdio.h>
#include <string.h>

#include "cpu/isa.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

typedef struct feature {
    unsigned bit;
    const char *name; /* GCC's name and the kernel's flag */
    int runtime;      /* __builtin_cpu_supports(name) */
} feature;

/* 1 if `flag` is a word of /proc/cpuinfo's first flags line, 0 if not, -1 without the file. */
static int cpuinfo_flag(const char *flag) {
    static char line[8192];
    static int loaded; /* 0: not yet, 1: loaded, -1: unavailable */
    if (!loaded) {
        FILE *f = fopen("/proc/cpuinfo", "r");
        loaded = -1;
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "flags", 5)) {
                loaded = 1;
                break;
            }
        if (f)
            fclose(f);
    }
    if (loaded < 0)
        return -1;
    for (const char *p = strchr(line, ':'); p && *p; p += strspn(p, " \t\n")) {
        size_t n;
        p += strspn(p, ": \t");
        n = strcspn(p, " \t\n");
        if (n == strlen(flag) && !strncmp(p, flag, n))
            return 1;
        p += n;
    }
    return 0;
}

int main(void) {
    char what[160];
    __builtin_cpu_init();
    const feature features[] = {
        {WTCONV_X86_AVX, "avx", __builtin_cpu_supports("avx")},
        {WTCONV_X86_FMA, "fma", __builtin_cpu_supports("fma")},
        {WTCONV_X86_AVX2, "avx2", __builtin_cpu_supports("avx2")},
        {WTCONV_X86_AVX512F, "avx512f", __builtin_cpu_supports("avx512f")},
        {WTCONV_X86_AVX512VL, "avx512vl", __builtin_cpu_supports("avx512vl")},
    };
    const unsigned probed = wtconv_cpu_x86_features();
    unsigned all = 0;

    printf("probe: 0x%x\n", probed);
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
        const feature *f = &features[i];
        const int mine = (probed & f->bit) != 0, kernel = cpuinfo_flag(f->name);
        all |= f->bit;
        snprintf(what, sizeof what, "%-8s probe %d, __builtin_cpu_supports %d", f->name, mine,
                 f->runtime != 0);
        check(mine == (f->runtime != 0), what);
        if (kernel >= 0) {
            snprintf(what, sizeof what, "%-8s probe %d, /proc/cpuinfo %d", f->name, mine, kernel);
            check(mine == kernel, what);
        }
    }
    check((probed & ~all) == 0, "no bits beyond the WTCONV_X86_* set");

    /* The dispatcher's tables follow the probe (and so the truth above). */
    {
        const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        const int avx512 =
            avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
        snprintf(what, sizeof what, "avx2 table offered: %d", avx2);
        check((wtconv_cpu_kernels_named("avx2") != NULL) == avx2, what);
        snprintf(what, sizeof what, "avx512 table offered: %d", avx512);
        check((wtconv_cpu_kernels_named("avx512") != NULL) == avx512, what);
    }

    printf("cpu_features: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
