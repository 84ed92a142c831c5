/* Internal: the interface every backend implements. The API layer loads the model and makes
 * the plan; a backend turns them into whatever it runs (folded weights, GPU pipelines, ...)
 * and then runs it. Nothing here is visible to users of the library. */
#ifndef WTCONV_BACKEND_BACKEND_H
#define WTCONV_BACKEND_BACKEND_H

#include <stddef.h>

#include "model/format.h"
#include "model/model.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct wtconv_backend_config {
    int num_threads; /* >= 0; 0 = one per online core, or the threadpool's threads */
    /* Where the CPU backend's tasks run (at most one set): options.threadpool, or
     * options.parallel_for with its data; neither = the process-wide pool. */
    wtconv_threadpool *threadpool;
    wtconv_parallel_for_fn parallel_for;
    void *parallel_for_data;
    /* Core ML (Metal backend): the program's precision and where it may run; the model file
     * (its name goes into the program's metadata). */
    wtconv_precision precision;
    wtconv_compute_units compute_units;
    const char *model_path;
} wtconv_backend_config;

/* What wtconv_create was asked for, for backends that read their model file themselves. */
typedef struct wtconv_backend_request {
    const char *model_path;
    const char *layer; /* NULL: the file's only layer */
    int batch, channels, height, width;
    int stride; /* the option; 0 = the model's */
    int num_threads;
    wtconv_precision precision; /* the option; DEFAULT = the model's */
    wtconv_compute_units compute_units;
} wtconv_backend_request;

typedef struct wtconv_backend_ops {
    const char *name;
    wtconv_backend kind;
    unsigned formats; /* the wtconv_model_format bits it reads */
    /* 1 if this backend can run on this machine. */
    int (*available)(void);
    /* Why it cannot, when available() is 0 (NULL: no reason to give). */
    const char *(*unavailable_reason)(void);
    /* For safetensors: builds the backend's state from the loaded weights and the plan; may
     * keep nothing from `model` (it is freed after create). */
    wtconv_status (*create)(const wtconv_model *model, const wtconv_plan *plan,
                            const wtconv_backend_config *config, void **state);
    /* For formats a backend reads itself (Core ML): opens the file, checks the request against
     * it, and builds the state; fills `plan` and `has_bias`. */
    wtconv_status (*create_from_file)(const wtconv_backend_request *request, wtconv_plan *plan,
                                      int *has_bias, void **state);
    /* Runs the layer; allocates nothing. Arguments are already validated. */
    wtconv_status (*run)(void *state, const float *input, float *output);
    size_t (*workspace_size)(const void *state);
    void (*destroy)(void *state);
    /* Optional (NULL: 1 thread, no detail). What a run of `state` uses, read once by create
     * for wtconv_num_threads and wtconv_backend_detail: the threads that work on a run (the
     * calling thread included), and a short line for people saying what runs, naming any
     * environment variable that changed it, written into detail[0 .. size) and NUL-terminated
     * (cut short if need be). */
    void (*describe)(const void *state, int *threads, char *detail, size_t size);
    /* Runs on device pointers, enqueued on `stream` (the backend's own stream type); NULL for
     * backends without device memory. Arguments are already validated as far as the API can. */
    wtconv_status (*run_device)(void *state, const float *input, float *output, void *stream);
} wtconv_backend_ops;

/* The backend for `kind` compiled into this build and available on this machine that reads one
 * of the `formats` bits, or NULL. AUTO picks the preferred one. */
const wtconv_backend_ops *wtconv_backend_lookup(wtconv_backend kind, unsigned formats);

/* Like wtconv_backend_lookup, but whether or not the backend can run on this machine. */
const wtconv_backend_ops *wtconv_backend_compiled(wtconv_backend kind, unsigned formats);

/* Every format bit, for lookups that do not care what a backend reads. */
#define WTCONV_ANY_MODEL_FORMAT (~0u)

#ifdef __cplusplus
}
#endif

#endif
