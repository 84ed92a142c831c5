#include "platform/posix_features.h" /* first: it sets feature-test macros */

#include "platform/threads.h"

#include <stdlib.h>

typedef struct thread_start {
    void (*body)(void *);
    void *arg;
} thread_start;

/* The platforms' thread entry points have different signatures; both go through these. */
static thread_start *new_start(void (*body)(void *), void *arg) {
    thread_start *start = malloc(sizeof *start);
    if (start) {
        start->body = body;
        start->arg = arg;
    }
    return start;
}

static void run_start(void *opaque) {
    thread_start start = *(thread_start *)opaque;
    free(opaque);
    start.body(start.arg);
}

#if defined(_WIN32)

static DWORD WINAPI thread_main(LPVOID opaque) {
    run_start(opaque);
    return 0;
}

int wtconv_thread_start(wtconv_thread *thread, void (*body)(void *), void *arg) {
    thread_start *start = new_start(body, arg);
    if (!start)
        return -1;
    *thread = CreateThread(NULL, 0, thread_main, start, 0, NULL);
    if (!*thread) {
        free(start);
        return -1;
    }
    return 0;
}

void wtconv_thread_join(wtconv_thread thread) {
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
}

int wtconv_mutex_init(wtconv_mutex *mutex) {
    InitializeSRWLock(mutex);
    return 0;
}
void wtconv_mutex_destroy(wtconv_mutex *mutex) { (void)mutex; }
void wtconv_mutex_lock(wtconv_mutex *mutex) { AcquireSRWLockExclusive(mutex); }
void wtconv_mutex_unlock(wtconv_mutex *mutex) { ReleaseSRWLockExclusive(mutex); }
int wtconv_cond_init(wtconv_cond *cond) {
    InitializeConditionVariable(cond);
    return 0;
}
void wtconv_cond_destroy(wtconv_cond *cond) { (void)cond; }
void wtconv_cond_wait(wtconv_cond *cond, wtconv_mutex *mutex) {
    SleepConditionVariableSRW(cond, mutex, INFINITE, 0);
}
void wtconv_cond_broadcast(wtconv_cond *cond) { WakeAllConditionVariable(cond); }
void wtconv_cond_signal(wtconv_cond *cond) { WakeConditionVariable(cond); }

int wtconv_online_cpus(void) {
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwNumberOfProcessors > 0 ? (int)info.dwNumberOfProcessors : 1;
}

/* Interlocked operations are full barriers. */
long wtconv_atomic_load(const wtconv_atomic *a) {
    return InterlockedCompareExchange((volatile LONG *)a, 0, 0);
}
void wtconv_atomic_store(wtconv_atomic *a, long value) {
    InterlockedExchange((volatile LONG *)a, (LONG)value);
}
long wtconv_atomic_decrement(wtconv_atomic *a) { return InterlockedDecrement((volatile LONG *)a); }
long wtconv_atomic_fetch_add(wtconv_atomic *a, long value) {
    return InterlockedExchangeAdd((volatile LONG *)a, (LONG)value);
}
int wtconv_atomic_compare_exchange(wtconv_atomic *a, long expected, long desired) {
    return InterlockedCompareExchange((volatile LONG *)a, (LONG)desired, (LONG)expected) ==
           (LONG)expected;
}
void wtconv_spin_pause(void) { YieldProcessor(); }
void wtconv_thread_yield(void) { SwitchToThread(); }
void wtconv_thread_name_self(const char *name) { (void)name; }
/* Windows' real-time priority class yields to lower priorities no more than SCHED_FIFO does. */
int wtconv_thread_is_realtime(void) {
    return GetPriorityClass(GetCurrentProcess()) == REALTIME_PRIORITY_CLASS ||
           GetThreadPriority(GetCurrentThread()) == THREAD_PRIORITY_TIME_CRITICAL;
}

#else

#include <sched.h>
#include <stdint.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

static void *thread_main(void *opaque) {
    run_start(opaque);
    return NULL;
}

int wtconv_thread_start(wtconv_thread *thread, void (*body)(void *), void *arg) {
    thread_start *start = new_start(body, arg);
    if (!start)
        return -1;
    if (pthread_create(thread, NULL, thread_main, start) != 0) {
        free(start);
        return -1;
    }
    return 0;
}

void wtconv_thread_join(wtconv_thread thread) { pthread_join(thread, NULL); }
int wtconv_mutex_init(wtconv_mutex *mutex) { return pthread_mutex_init(mutex, NULL); }
void wtconv_mutex_destroy(wtconv_mutex *mutex) { pthread_mutex_destroy(mutex); }
void wtconv_mutex_lock(wtconv_mutex *mutex) { pthread_mutex_lock(mutex); }
void wtconv_mutex_unlock(wtconv_mutex *mutex) { pthread_mutex_unlock(mutex); }
int wtconv_cond_init(wtconv_cond *cond) { return pthread_cond_init(cond, NULL); }
void wtconv_cond_destroy(wtconv_cond *cond) { pthread_cond_destroy(cond); }
void wtconv_cond_wait(wtconv_cond *cond, wtconv_mutex *mutex) { pthread_cond_wait(cond, mutex); }
void wtconv_cond_broadcast(wtconv_cond *cond) { pthread_cond_broadcast(cond); }
void wtconv_cond_signal(wtconv_cond *cond) { pthread_cond_signal(cond); }

int wtconv_online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const int allowed = wtconv_affinity_cpus(), quota = wtconv_cgroup_cpus();
    if (n < 1)
        n = 1;
    if (allowed > 0 && allowed < n)
        n = allowed;
    if (quota > 0 && quota < n)
        n = quota;
    return n > 1024 ? 1024 : (int)n;
}

/* GCC's and clang's atomic builtins (also known to ThreadSanitizer). */
long wtconv_atomic_load(const wtconv_atomic *a) { return __atomic_load_n(a, __ATOMIC_ACQUIRE); }
void wtconv_atomic_store(wtconv_atomic *a, long value) {
    __atomic_store_n(a, value, __ATOMIC_RELEASE);
}
long wtconv_atomic_decrement(wtconv_atomic *a) {
    return __atomic_sub_fetch(a, 1, __ATOMIC_ACQ_REL);
}
long wtconv_atomic_fetch_add(wtconv_atomic *a, long value) {
    return __atomic_fetch_add(a, value, __ATOMIC_ACQ_REL);
}
int wtconv_atomic_compare_exchange(wtconv_atomic *a, long expected, long desired) {
    return __atomic_compare_exchange_n(a, &expected, desired, 0, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}
void wtconv_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}
void wtconv_thread_yield(void) { sched_yield(); }
void wtconv_thread_name_self(const char *name) {
#if defined(__linux__)
    (void)prctl(PR_SET_NAME, (unsigned long)(uintptr_t)name, 0UL, 0UL, 0UL);
#else
    (void)name;
#endif
}
int wtconv_thread_is_realtime(void) {
    int policy = SCHED_OTHER;
    struct sched_param param;
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0)
        return 0;
    return policy == SCHED_FIFO || policy == SCHED_RR;
}

#endif
