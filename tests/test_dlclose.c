/* The default pool and dlclose: a program loads libwtconv with dlopen, runs a context on two
 * threads (which starts the process-wide pool's workers), destroys it and unloads the
 * library; the unload must join the workers (docs/threads.md), so that no thread is left to
 * run code that is no longer mapped: after dlclose no thread named "wtconv-worker" is left in
 * /proc/self/task. Linux only. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

/* The process's threads named "wtconv-worker" (the pools' workers name themselves so). Counted
 * by name, not all threads: a sanitizer starts threads of its own when it likes. */
static int count_workers(void) {
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    int n = 0;
    if (!dir)
        return -1;
    while ((entry = readdir(dir)) != NULL) {
        char path[300], name[32] = "";
        FILE *f;
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        if ((f = fopen(path, "r")) != NULL) {
            if (fgets(name, sizeof name, f) && strcmp(name, "wtconv-worker\n") == 0)
                n++;
            fclose(f);
        }
    }
    closedir(dir);
    return n;
}

typedef void (*init_fn)(wtconv_options *, size_t);
typedef wtconv_status (*create_fn)(const char *, int, int, int, const wtconv_options *,
                                   wtconv_ctx **);
typedef wtconv_status (*run_fn)(wtconv_ctx *, const float *, float *);
typedef void (*destroy_fn)(wtconv_ctx *);
typedef int (*threads_fn)(const wtconv_ctx *);

int main(int argc, char **argv) {
    void *lib;
    init_fn init;
    create_fn create;
    run_fn run;
    destroy_fn destroy;
    threads_fn num_threads;
    wtconv_ctx *wide = NULL;
    int default_threads = 0;
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    const size_t count = 32 * 64 * 64;
    float *x = calloc(count, sizeof *x), *y = calloc(count, sizeof *y);
    /* The default pool's workers: as many as the CPUs the library sees (online, in the
     * affinity mask, within the cgroup's quota) less the caller; none on one CPU. */
    int workers, workers_after, ok;
    if (argc != 3 || !x || !y) {
        fprintf(stderr, "usage: test_dlclose LIBWTCONV.so MODEL.safetensors (32x64x64)\n");
        return 2;
    }
    for (size_t i = 0; i < count; i++)
        x[i] = (float)(i % 17) / 17.0f;
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        printf("FAIL dlopen: %s\n", dlerror());
        return 1;
    }
    /* (function pointers from void *: POSIX guarantees the conversion works) */
    *(void **)&init = dlsym(lib, "wtconv_options_init_sized");
    *(void **)&create = dlsym(lib, "wtconv_create_with_options");
    *(void **)&run = dlsym(lib, "wtconv_run");
    *(void **)&destroy = dlsym(lib, "wtconv_destroy");
    *(void **)&num_threads = dlsym(lib, "wtconv_num_threads");
    if (!init || !create || !run || !destroy || !num_threads) {
        printf("FAIL dlsym\n");
        return 1;
    }
    init(&opts, sizeof opts);
    opts.num_threads = 2;
    ok = create(argv[2], 32, 64, 64, &opts, &ctx) == WTCONV_OK && run(ctx, x, y) == WTCONV_OK;
    /* A context of the default thread count: where it has several threads, so has the default
     * pool, and then it must have started workers. */
    init(&opts, sizeof opts);
    if (create(argv[2], 32, 64, 64, &opts, &wide) == WTCONV_OK)
        default_threads = num_threads(wide);
    destroy(wide);
    /* A worker names itself when it first runs, which may be after the runs above (their
     * caller takes the tasks no worker has come for yet; under ThreadSanitizer threads start
     * slowly): wait up to 10 s for the first. */
    workers = count_workers();
    for (int waited = 0; workers == 0 && default_threads > 1 && waited < 1000; waited++) {
        const struct timespec pause = {0, 10000000};
        nanosleep(&pause, NULL);
        workers = count_workers();
    }
    destroy(ctx);
    dlclose(lib);
    workers_after = count_workers();
    ok = ok && workers >= (default_threads > 1) && default_threads >= 1;
    printf("%s run on two threads through dlopen (the default pool's workers: %d; the default "
           "thread count %d)\n",
           ok ? "ok  " : "FAIL", workers, default_threads);
    printf("%s after dlclose %d worker(s) left\n", workers_after == 0 ? "ok  " : "FAIL",
           workers_after);
    free(x);
    free(y);
    ok = ok && workers_after == 0;
    printf("%d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
