/* The default pool and dlclose: a program loads libwtconv with dlopen, runs a context on two
 * threads (which starts the process-wide pool's workers), destroys it and unloads the
 * library; the unload must join the workers (docs/threads.md), so that no thread is left to
 * run code that is no longer mapped: dlclose ends as many threads (counted in
 * /proc/self/task) as the pool has workers. Linux only. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

static int count_threads(void) {
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    int n = 0;
    if (!dir)
        return -1;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            n++;
    closedir(dir);
    return n;
}

typedef void (*init_fn)(wtconv_options *, size_t);
typedef wtconv_status (*create_fn)(const char *, int, int, int, const wtconv_options *,
                                   wtconv_ctx **);
typedef wtconv_status (*run_fn)(wtconv_ctx *, const float *, float *);
typedef void (*destroy_fn)(wtconv_ctx *);

int main(int argc, char **argv) {
    void *lib;
    init_fn init;
    create_fn create;
    run_fn run;
    destroy_fn destroy;
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    const size_t count = 32 * 64 * 64;
    float *x = calloc(count, sizeof *x), *y = calloc(count, sizeof *y);
    /* The default pool's workers are the threads the library started: as many as the CPUs it
     * sees (online, in the affinity mask, within the cgroup's quota) less the caller. */
    const int threads_before = count_threads();
    int threads_during, threads_after, workers, ok;
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
    if (!init || !create || !run || !destroy) {
        printf("FAIL dlsym\n");
        return 1;
    }
    init(&opts, sizeof opts);
    opts.num_threads = 2;
    ok = create(argv[2], 32, 64, 64, &opts, &ctx) == WTCONV_OK && run(ctx, x, y) == WTCONV_OK;
    threads_during = count_threads();
    workers = threads_during - threads_before;
    destroy(ctx);
    dlclose(lib);
    threads_after = count_threads();
    printf("%s run on two threads through dlopen (%d threads in the process, %d started by it)\n",
           ok ? "ok  " : "FAIL", threads_during, workers);
    /* (counted as a difference: a sanitizer may start a thread of its own meanwhile) */
    printf("%s dlclose ended %d thread(s), the default pool's %d workers\n",
           threads_during - threads_after == workers ? "ok  " : "FAIL",
           threads_during - threads_after, workers);
    free(x);
    free(y);
    ok = ok && threads_during - threads_after == workers;
    printf("%d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
