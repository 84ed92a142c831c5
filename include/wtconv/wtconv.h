/*
 * libwtconv - the WTConv2d layer (wavelet convolution, Finder et al., ECCV 2024) for C and C++.
 *
 * One context runs one trained WTConv2d layer on float32 NCHW tensors of a fixed shape:
 *
 *     wtconv_ctx *ctx = NULL;
 *     wtconv_status st = wtconv_create("layer.safetensors", C, H, W, &ctx);
 *     if (st == WTCONV_OK)  // input N*C*H*W floats, output N*C*H_out*W_out
 *         st = wtconv_run(ctx, input, output);
 *     if (st != WTCONV_OK)
 *         fprintf(stderr, "wtconv: %s\n", wtconv_last_error());
 *     wtconv_destroy(ctx);  // NULL is fine
 *
 * Thread safety: every function may be called from any thread. Distinct contexts are fully
 * independent: any number may be created, run and destroyed at once on different threads.
 * One context must not be used by two threads at the same time (calls on it, destroy
 * included, must be serialised by the caller, e.g. with a mutex); using it from different
 * threads in turn is fine. wtconv_last_error() is per thread. Contexts share worker threads
 * (see "Threads"); those exist only in the process that made them, so a child of fork() must
 * neither run nor destroy a context, nor use a wtconv_threadpool, made before the fork. No
 * function is async-signal-safe.
 *
 * ABI: wtconv_ctx is opaque. wtconv_options carries its own size (struct_size) and only ever
 * grows at the end, so a program built against an older header keeps working with a newer
 * library. Enum values are fixed and only ever appended to.
 *
 * MIT licensed. See README.md for the accuracy contract and docs/model-format.md for the model
 * file format.
 */
#ifndef WTCONV_WTCONV_H
#define WTCONV_WTCONV_H

#include <stddef.h>

/* ---- Symbol export --------------------------------------------------------------------- */
/* WTCONV_STATIC: define when linking the static library on Windows (the CMake package and the
 * pkg-config file do this for you). WTCONV_BUILDING is set only while building libwtconv. */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(WTCONV_STATIC)
#define WTCONV_API
#elif defined(WTCONV_BUILDING)
#define WTCONV_API __declspec(dllexport)
#else
#define WTCONV_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define WTCONV_API __attribute__((visibility("default")))
#else
#define WTCONV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ----------------------------------------------------------------------------- */
#define WTCONV_VERSION_MAJOR 0
#define WTCONV_VERSION_MINOR 1
#define WTCONV_VERSION_PATCH 0
/* MAJOR*10000 + MINOR*100 + PATCH, as in zstd. */
#define WTCONV_VERSION_NUMBER                                                                      \
    (WTCONV_VERSION_MAJOR * 10000 + WTCONV_VERSION_MINOR * 100 + WTCONV_VERSION_PATCH)
#define WTCONV_VERSION_STRING "0.1.0"

/* The version of the library actually loaded, which may differ from the header's. */
WTCONV_API unsigned wtconv_version_number(void);
WTCONV_API const char *wtconv_version_string(void);

/* ---- Status codes ------------------------------------------------------------------------ */
typedef enum wtconv_status {
    WTCONV_OK = 0,
    WTCONV_ERR_INVALID_ARGUMENT = 1,    /* NULL pointer, non-positive size, bad option value,
                                           or a request a good model file cannot answer: no
                                           options.layer for a file of several layers (a
                                           whole network), or a layer prefix that names none
                                           of its layers */
    WTCONV_ERR_IO = 2,                  /* model file missing or unreadable, or a file that
                                           wtconv_write_coreml cannot write */
    WTCONV_ERR_MODEL_FORMAT = 3,        /* not a safetensors file, or a malformed,
                                           inconsistent or unsupported one */
    WTCONV_ERR_SHAPE_MISMATCH = 4,      /* C/H/W/batch do not fit the model or the backend */
    WTCONV_ERR_OUT_OF_MEMORY = 5,       /* an allocation failed */
    WTCONV_ERR_BACKEND_UNAVAILABLE = 6, /* asked for a backend this build/machine lacks */
    WTCONV_ERR_BACKEND_FAILURE = 7      /* the backend's device or runtime failed (in a run,
                                           or setting up at create) */
} wtconv_status;

/* A fixed English name for a status ("WTCONV_ERR_IO: ..."); never NULL. */
WTCONV_API const char *wtconv_status_string(wtconv_status status);

/* The message of this thread's most recent failed call, naming the problem (which file, tensor,
 * dimension or byte offset). Empty string if no call has failed on this thread. The pointer
 * stays valid until the next libwtconv call on this thread. Never NULL. */
WTCONV_API const char *wtconv_last_error(void);

/* ---- Backends ---------------------------------------------------------------------------- */
typedef enum wtconv_backend {
    WTCONV_BACKEND_AUTO = 0,  /* the best backend this build and machine offer: Metal where it
                                 runs (macOS 13 / iOS 16), else the CPU; for a safetensors
                                 file, the CPU also when Metal cannot build the layer */
    WTCONV_BACKEND_CPU = 1,   /* portable C, available everywhere */
    WTCONV_BACKEND_METAL = 2, /* Apple GPU / Neural Engine (Metal + Core ML) */
    WTCONV_BACKEND_CUDA = 3   /* NVIDIA GPU (builds with WTCONV_WITH_CUDA); never picked by AUTO */
} wtconv_backend;

/* 1 if `backend` can be used in this build on this machine, else 0. AUTO is always available. */
WTCONV_API int wtconv_backend_available(wtconv_backend backend);

/* ---- Threads ----------------------------------------------------------------------------- */
/* The CPU backend splits a run into num_threads tasks (see wtconv_options) and runs them on
 * one of: the process-wide pool (the default: made on first use, one thread per online core,
 * shared by every context), a pool of the application's own (wtconv_threadpool_create), or
 * the application's parallel-for (parallel_for). The bits of the output depend only on the
 * context's thread count, never on which of these runs the tasks. The thread that calls
 * wtconv_run always takes part. A pool runs one run at a time: a run that finds its pool busy
 * with another context's run (from another application thread) does not wait for it but runs
 * all its tasks on its own calling thread. Idle workers spin briefly (yielding the core to any
 * other runnable thread), then sleep. With GCC or clang outside Windows the default pool's
 * workers are joined when the library is unloaded or the process exits (on Windows they are
 * left parked, and the system ends them); a child of fork() gets a new default pool on first
 * use. */
typedef struct wtconv_threadpool wtconv_threadpool;

/* A pool of num_threads threads (0 = one per online core; at most 256), including the caller
 * of wtconv_run: it starts num_threads - 1 worker threads. It may be shared by any number of
 * contexts; once it is destroyed, none of them may run again (destroying them after is fine). */
WTCONV_API wtconv_status wtconv_threadpool_create(int num_threads, wtconv_threadpool **out_pool);
/* Joins the pool's threads and frees it. NULL is fine. Not while a context made with it is
 * running (destroy those contexts first, or at least stop running them). */
WTCONV_API void wtconv_threadpool_destroy(wtconv_threadpool *pool);

/* An application's parallel-for: calls task(task_data, i) once for every i in [0, count), in
 * any order, on any threads, possibly at once, and returns only when all have returned (the
 * caller's memory writes before the call visible to the tasks, and theirs to the caller after,
 * as a mutex, a queue or a join gives). Runs nothing else of libwtconv's. Called from
 * wtconv_run on the thread that calls wtconv_run. */
typedef void (*wtconv_parallel_task)(void *task_data, size_t index);
typedef void (*wtconv_parallel_for_fn)(void *host_data, wtconv_parallel_task task, void *task_data,
                                       size_t count);

/* ---- Core ML settings (Metal backend) ------------------------------------------------------ */
/* The precision of the Core ML program: for a safetensors file the library writes the program
 * itself (see wtconv_write_coreml); a Core ML model file (.mlpackage, .mlmodelc) has its own,
 * and an explicit FP32 or FP16 that differs from it is refused. Other backends compute in
 * float32 and ignore it. FP16 lets Core ML use the Neural Engine and costs accuracy: weights,
 * activations and sums are rounded to float16 (errors of about 1e-3 of max|y|; README.md). */
typedef enum wtconv_precision {
    WTCONV_PRECISION_DEFAULT = 0, /* FP32 for programs the library writes; a model's own */
    WTCONV_PRECISION_FP32 = 1,
    WTCONV_PRECISION_FP16 = 2
} wtconv_precision;

/* Where Core ML may run the program (MLComputeUnits). Other backends ignore it. */
typedef enum wtconv_compute_units {
    WTCONV_COMPUTE_UNITS_ALL = 0, /* default: Core ML chooses among CPU, GPU, Neural Engine */
    WTCONV_COMPUTE_UNITS_CPU_AND_GPU = 1,
    WTCONV_COMPUTE_UNITS_CPU_AND_NEURAL_ENGINE = 2,
    WTCONV_COMPUTE_UNITS_CPU_ONLY = 3
} wtconv_compute_units;

/* ---- Options ----------------------------------------------------------------------------- */
typedef struct wtconv_options {
    size_t struct_size;     /* the caller's sizeof(wtconv_options); set by wtconv_options_init */
    wtconv_backend backend; /* default AUTO */
    int batch;              /* N, default 1; must be >= 1 */
    int num_threads;        /* CPU threads, 0 (default) = one per online core (on Linux,
                               of those the calling thread's CPU affinity and the
                               cgroup's CPU quota allow; with
                               a threadpool: its threads); the work split, and so the bits,
                               depend on it alone, not on what runs it; capped at
                               N*C (one plane each at most), at 256, and on small layers
                               at as many as have room for their scratch in half the
                               input (see wtconv_workspace_size) */
    int stride;             /* output stride; 0 (default) = from the model file, else 1 */
    const char *layer;      /* key prefix of one layer in a multi-layer file, e.g.
                               "stages.2.blocks.0.dwconv."; NULL (default) = the whole file,
                               which must then hold exactly one layer. Copied by create. */
    /* CPU threads: where the num_threads tasks run (see "Threads"). At most one of the two
       may be set; neither (default) = the process-wide pool. num_threads 0 means the pool's
       thread count, or one task per online core for parallel_for. */
    wtconv_threadpool *threadpool;       /* NULL (default), or the application's pool */
    wtconv_parallel_for_fn parallel_for; /* NULL (default), or the application's */
    void *parallel_for_data;             /* its host_data; NULL unless parallel_for is set */
    /* Core ML (Metal backend, and wtconv_write_coreml); see "Core ML settings". */
    wtconv_precision precision;         /* default WTCONV_PRECISION_DEFAULT */
    wtconv_compute_units compute_units; /* default WTCONV_COMPUTE_UNITS_ALL */
    /* New fields are only ever appended here. */
} wtconv_options;

/* Fills `opts` with the defaults. As a macro, it passes the caller's sizeof, so an older program
 * never has bytes written past the struct it allocated. The function of the same name (for
 * bindings that cannot use the macro) initialises the first version of the struct only (up to
 * `layer`), and create then reads no more: fields after it (threadpool, parallel_for, precision,
 * ...) are ignored. Bindings call wtconv_options_init_sized with the size of their struct. */
WTCONV_API void wtconv_options_init(wtconv_options *opts);
WTCONV_API void wtconv_options_init_sized(wtconv_options *opts, size_t struct_size);
#define wtconv_options_init(opts) wtconv_options_init_sized((opts), sizeof(wtconv_options))

/* ---- Contexts ---------------------------------------------------------------------------- */
typedef struct wtconv_ctx wtconv_ctx;

/* Loads the layer in `model_path` (a safetensors file; see docs/model-format.md) for inputs of
 * `channels` x `height` x `width`, plans the run and allocates everything it needs.
 * On success *out_ctx is the new context; on failure it is set to NULL, a status is returned
 * and wtconv_last_error() says why. Equivalent to wtconv_create_with_options(..., NULL, ...). */
WTCONV_API wtconv_status wtconv_create(const char *model_path, int channels, int height, int width,
                                       wtconv_ctx **out_ctx);

/* As wtconv_create; `opts` may be NULL for the defaults, and must otherwise have been set up
 * by wtconv_options_init. Only the first opts->struct_size bytes are read; a struct larger
 * than this library knows is accepted if its unknown tail is all zero bytes. A struct_size
 * that no version of the struct can have (below the first version's, above 1024 bytes, or not
 * a multiple of the pointer size) is refused as uninitialised options. */
WTCONV_API wtconv_status wtconv_create_with_options(const char *model_path, int channels,
                                                    int height, int width,
                                                    const wtconv_options *opts,
                                                    wtconv_ctx **out_ctx);

/* Runs the layer. `input` holds N*C*H*W floats and `output` N*C*H_out*W_out floats, both NCHW
 * and contiguous, in host memory. The two buffers must not overlap (in-place is refused with
 * WTCONV_ERR_INVALID_ARGUMENT). Allocates nothing. The input is never written; the output is
 * left untouched if the call fails, with one exception: on the CUDA backend, which copies the
 * result out a slice of the batch at a time, a run that fails on the device after it started
 * (a CUDA error, not a refused argument) may have written the slices finished before it. */
WTCONV_API wtconv_status wtconv_run(wtconv_ctx *ctx, const float *input, float *output);

/* Runs the layer on CUDA device memory, enqueued on a CUDA stream, for contexts created with
 * the CUDA backend. `input` and `output` are device pointers (cudaMalloc or managed memory on
 * the context's device, which is the device current when the context was created) of the sizes
 * wtconv_run takes; `stream` is a cudaStream_t of that device passed as void * (NULL: that
 * device's legacy default stream). The call only enqueues the work and returns: the output is
 * ready when the stream gets past it. It allocates nothing and does not synchronise; a later run
 * of the same context on another stream waits on the GPU for this one (they share scratch
 * memory). It may be captured into a CUDA graph (stream capture): each launch of the graph then
 * waits for the context's run before it and orders the run after it, as a direct run does; the
 * graph uses the context's memory, so launch it only while the context lives.
 * Buffers must not overlap. WTCONV_ERR_BACKEND_UNAVAILABLE for contexts of other backends, and
 * WTCONV_ERR_INVALID_ARGUMENT for pointers that are not device memory of that device. On
 * failure no kernel that writes `output` has been enqueued. */
WTCONV_API wtconv_status wtconv_run_device(wtconv_ctx *ctx, const float *input, float *output,
                                           void *stream);

/* Frees the context and everything it owns. NULL is fine. */
WTCONV_API void wtconv_destroy(wtconv_ctx *ctx);

/* ---- Core ML export ---------------------------------------------------------------------- */
/* Writes the Core ML package (an .mlpackage folder) that the Metal backend builds for this
 * request, without running anything, on any platform: for opening in Xcode's model viewer, or
 * for shipping a ready-made model. `model_path` is a safetensors file; the options used are
 * batch, stride, layer and precision (the others are ignored). The package holds the layer's
 * depthwise convolutions for exactly this N x C x H x W (Core ML models have fixed shapes), as
 * an ML program for macOS 13 / iOS 16 or later; docs/apple-backend.md describes it.
 * `package_path` must not exist (nothing is overwritten); its parent folder must. On failure
 * nothing is left at `package_path`. */
WTCONV_API wtconv_status wtconv_write_coreml(const char *model_path, int channels, int height,
                                             int width, const wtconv_options *opts,
                                             const char *package_path);

/* ---- Queries ----------------------------------------------------------------------------- */
/* Output shape: N, C, H_out = ceil(H/stride), W_out = ceil(W/stride). Any pointer but ctx may
 * be NULL. */
WTCONV_API wtconv_status wtconv_output_shape(const wtconv_ctx *ctx, int *n, int *c, int *h, int *w);
/* Element counts of the input and output buffers (0 for a NULL ctx). */
WTCONV_API size_t wtconv_input_size(const wtconv_ctx *ctx);
WTCONV_API size_t wtconv_output_size(const wtconv_ctx *ctx);

/* The loaded layer. Each returns 0 for a NULL ctx. */
WTCONV_API int wtconv_kernel_size(const wtconv_ctx *ctx); /* k */
WTCONV_API int wtconv_levels(const wtconv_ctx *ctx);      /* L, wavelet levels */
WTCONV_API int wtconv_stride(const wtconv_ctx *ctx);      /* stride in effect */
WTCONV_API int wtconv_has_bias(const wtconv_ctx *ctx);    /* 1 if the base conv has a bias */

/* The backend in use: its enum value (AUTO for a NULL ctx) and a short name ("cpu"). */
WTCONV_API wtconv_backend wtconv_backend_in_use(const wtconv_ctx *ctx);
WTCONV_API const char *wtconv_backend_name(const wtconv_ctx *ctx); /* "" for NULL */

/* Bytes of scratch memory the context holds for running (weights not included). */
WTCONV_API size_t wtconv_workspace_size(const wtconv_ctx *ctx);

/* The threads that work on a run, the calling thread included: for the CPU backend
 * num_threads (0: one per online core) after the caps wtconv_options documents; 1 for the
 * Metal and CUDA backends (the calling thread, which enqueues for the GPU). 0 for a NULL ctx. */
WTCONV_API int wtconv_num_threads(const wtconv_ctx *ctx);

/* One line for logs and bug reports saying how the backend runs this layer. CPU backend:
 * "<kernels> kernels, <n> thread(s), <split>", e.g. "avx512 kernels, 2 threads, whole planes"
 * or "avx2 kernels, 8 threads (capped from 16), channel blocks of 8"; CUDA backend: the device
 * and the kernels, e.g. "CUDA device 0 (NVIDIA H200): whole planes, one launch"; an environment
 * variable that changed the choice is named in parentheses after what it changed, e.g. "scalar
 * kernels (WTCONV_CPU_ISA=scalar), ...". Informational only: the wording may change in any release,
 * so show it, do not parse it. Owned by the context, valid until wtconv_destroy; "" for a
 * NULL ctx. */
WTCONV_API const char *wtconv_backend_detail(const wtconv_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* WTCONV_WTCONV_H */
