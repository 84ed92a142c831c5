/* Internal: the kernels' side of wtconv_cpu_prefetch (cpu/kernels.h). */
#ifndef WTCONV_CPU_PREFETCH_H
#define WTCONV_CPU_PREFETCH_H

#include "cpu/kernels.h"

#if defined(__GNUC__)
#define WTCONV_PREFETCH_READ(address) __builtin_prefetch((const void *)(address), 0, 2)
#define WTCONV_PREFETCH_WRITE(address) __builtin_prefetch((const void *)(address), 1, 3)
#else
#define WTCONV_PREFETCH_READ(address) ((void)(address))
#define WTCONV_PREFETCH_WRITE(address) ((void)(address))
#endif

/* Requests the next lines_per_step lines of each range, if any are left. */
static inline void wtconv_cpu_prefetch_step(wtconv_cpu_prefetch *p) {
    if (!p)
        return;
    for (int i = 0; i < p->lines_per_step && p->read < p->read_end; i++, p->read += 64)
        WTCONV_PREFETCH_READ(p->read);
    for (int i = 0; i < p->lines_per_step && p->read2 < p->read2_end; i++, p->read2 += 64)
        WTCONV_PREFETCH_READ(p->read2);
    for (int i = 0; i < p->lines_per_step && p->write < p->write_end; i++, p->write += 64)
        WTCONV_PREFETCH_WRITE(p->write);
}

#endif
