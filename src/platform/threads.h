/* Internal: the few threading primitives the CPU backend needs, over POSIX threads or Win32.
 * (C11 <threads.h> would do, but macOS does not ship it.) */
#ifndef WTCONV_PLATFORM_THREADS_H
#define WTCONV_PLATFORM_THREADS_H

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
typedef HANDLE wtconv_thread;
typedef SRWLOCK wtconv_mutex;
typedef CONDITION_VARIABLE wtconv_cond;
#else
#include <pthread.h>
typedef pthread_t wtconv_thread;
typedef pthread_mutex_t wtconv_mutex;
typedef pthread_cond_t wtconv_cond;
#endif

/* Each returns 0 on success. */
int wtconv_thread_start(wtconv_thread *thread, void (*body)(void *), void *arg);
void wtconv_thread_join(wtconv_thread thread);
int wtconv_mutex_init(wtconv_mutex *mutex);
void wtconv_mutex_destroy(wtconv_mutex *mutex);
void wtconv_mutex_lock(wtconv_mutex *mutex);
void wtconv_mutex_unlock(wtconv_mutex *mutex);
int wtconv_cond_init(wtconv_cond *cond);
void wtconv_cond_destroy(wtconv_cond *cond);
void wtconv_cond_wait(wtconv_cond *cond, wtconv_mutex *mutex);
void wtconv_cond_broadcast(wtconv_cond *cond);
void wtconv_cond_signal(wtconv_cond *cond); /* wakes one waiter, if any */

/* Logical processors the calling thread may run on, at least 1: those online, or on Linux those
 * in its CPU affinity mask or those its cgroup's CPU quota allows where that is fewer (a process
 * pinned by taskset, or a container's CPU set or --cpus, does not start a thread per core of
 * the machine; threads it starts inherit the mask). */
int wtconv_online_cpus(void);

/* CPUs in the calling thread's affinity mask (Linux), or 0 where unknown (cpu_affinity.c). */
int wtconv_affinity_cpus(void);

/* CPUs the process's cgroup CPU quota allows, rounded up (Linux, cgroup v1 and v2), or 0 where
 * there is none or it is unknown (cgroup_cpus.c). */
int wtconv_cgroup_cpus(void);
/* The same read from the given files, for tests: proc_self_cgroup in /proc/self/cgroup's
 * format, cgroup_root where the hierarchies are mounted (v1: its cpu/ folder). */
int wtconv_cgroup_limit_at(const char *proc_self_cgroup, const char *cgroup_root);
/* CPUs a cgroup v2 cpu.max line ("QUOTA PERIOD" or "max PERIOD") allows; 0: none or malformed. */
int wtconv_cgroup_v2_limit(const char *cpu_max);

/* A counter shared between threads without a lock: loads acquire, stores and decrements
 * release (and the decrement acquires too), so that what a thread wrote before publishing a
 * value is seen by a thread that reads it. For the worker pool's busy-wait phase. */
typedef volatile long wtconv_atomic;
long wtconv_atomic_load(const wtconv_atomic *a);
void wtconv_atomic_store(wtconv_atomic *a, long value);
long wtconv_atomic_decrement(wtconv_atomic *a);             /* returns the new value */
long wtconv_atomic_fetch_add(wtconv_atomic *a, long value); /* returns the old value */
/* Sets *a to `desired` if it holds `expected`; 1 if it did, else 0. */
int wtconv_atomic_compare_exchange(wtconv_atomic *a, long expected, long desired);
/* A hint inside a busy-wait loop (x86 pause, ARM yield). */
void wtconv_spin_pause(void);
/* Gives the processor to another runnable thread, if any (sched_yield, SwitchToThread). */
void wtconv_thread_yield(void);
/* Names the calling thread for debuggers, top and /proc (Linux: at most 15 characters);
 * elsewhere nothing yet. */
void wtconv_thread_name_self(const char *name);
/* 1 if the calling thread runs under a real-time policy (SCHED_FIFO, SCHED_RR), whose yield
 * gives the core to no thread of a lower priority: busy-waiting would then keep it from them. */
int wtconv_thread_is_realtime(void);

#endif
