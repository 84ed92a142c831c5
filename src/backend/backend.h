/* Internal: the interface every backend implements. The API layer loads the model and makes
 * the plan; a backend turns them into whatever it runs (folded weights, GPU pipelines, ...)
 * and then runs it. Nothing here is visible to users of the library. */
#ifndef WTCONV_BACKEND_BACKEND_H
#define WTCONV_BACKEND_BACKEND_H

#include <stddef.h>

#include "model/model.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct wtconv_backend_config {
    int num_threads; /* >= 0; 0 = one per online core */
} wtconv_backend_config;

typedef struct wtconv_backend_ops {
    const char *name;
    wtconv_backend kind;
    /* 1 if this backend can run on this machine. */
    int (*available)(void);
    /* Builds the backend's state; may keep nothing from `model` (it is freed after create). */
    wtconv_status (*create)(const wtconv_model *model, const wtconv_plan *plan,
                            const wtconv_backend_config *config, void **state);
    /* Runs the layer; allocates nothing. Arguments are already validated. */
    wtconv_status (*run)(void *state, const float *input, float *output);
    size_t (*workspace_size)(const void *state);
    void (*destroy)(void *state);
} wtconv_backend_ops;

/* The backend for `kind` compiled into this build, or NULL. AUTO picks the preferred one that
 * is available on this machine. */
const wtconv_backend_ops *wtconv_backend_lookup(wtconv_backend kind);

#ifdef __cplusplus
}
#endif

#endif
