/* The CPUs the calling thread may run on, from Linux's affinity mask (taskset, cgroup cpusets,
 * container CPU sets; a process's threads inherit it). Apart from threads.c because
 * sched_getaffinity needs glibc's GNU extensions, which the rest of the library is built
 * without. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "platform/threads.h"

#if defined(__linux__)
#include <sched.h>
#endif

int wtconv_affinity_cpus(void) {
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    /* A mask wider than cpu_set_t (more than 1024 CPUs) fails with EINVAL: then unknown. */
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
    return 0;
}
