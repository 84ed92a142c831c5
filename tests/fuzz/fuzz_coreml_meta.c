/* Fuzz target: the Apple backend's reading of a Core ML model's metadata and its checks of the
 * model's inputs and outputs (src/apple/coreml_meta.c). These run on Apple hardware on values
 * copied out of an MLModel, which an attacker who supplies the model controls.
 *
 * The input is metadata text: lines alternate key and value (so a fuzzed entry can have any
 * bytes but a newline). The last byte, when the input has one, picks a variation: which
 * request to make (the exported shape, or one field off by one), the pipelines' thread limit,
 * and which feature of the model to spoil (none, drop, rename, reshape, retype, or add one).
 * Checked beyond the sanitizers: a failure returns a known status and a message; accepted
 * metadata has every field in range; the exact exported features always pass the check, and
 * a spoiled set never does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apple/coreml_meta.h"
#include "apple/dispatch_plan.h"
#include "fuzz_target.h"
#include "plan/plan.h"

#define MAX_ENTRIES 64

static void require(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_coreml_meta: %s (last error: %s)\n", what, wtconv_last_error());
        abort();
    }
}

static void require_failure(wtconv_status status) {
    require(status > WTCONV_OK && status <= WTCONV_ERR_BACKEND_FAILURE, "unknown status");
    require(wtconv_last_error()[0] != '\0', "a failure without a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const unsigned variation = size > 0 ? data[size - 1] : 0;
    char *text = malloc(size + 1), *line, *lines[2 * MAX_ENTRIES];
    size_t count = 0;
    const char *keys[MAX_ENTRIES], *values[MAX_ENTRIES];
    wtconv_coreml_layer layer;
    wtconv_model model;
    wtconv_plan plan;
    static wtconv_mtl_plan mp; /* large: off the stack */
    wtconv_coreml_feature inputs[2 * WTCONV_MAX_LEVELS + 2], outputs[2 * WTCONV_MAX_LEVELS + 2];
    size_t n_in = 0, n_out = 0;
    wtconv_status status;
    int batch, channels, height, width, stride = 0;

    require(text != NULL, "harness out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    for (line = text; count < 2 * MAX_ENTRIES;) { /* NUL bytes end a key or value early */
        char *end = strchr(line, '\n');
        lines[count++] = line;
        if (!end)
            break;
        *end = '\0';
        line = end + 1;
    }
    for (size_t i = 0; i + 1 < count; i += 2)
        keys[i / 2] = lines[i], values[i / 2] = lines[i + 1];

    status = wtconv_coreml_read_metadata(keys, values, count / 2, "fuzz.mlpackage", &layer);
    if (status != WTCONV_OK) {
        require_failure(status);
        goto done;
    }
    require(
        layer.batch >= 1 && layer.channels >= 1 && layer.height >= 1 &&
            layer.height <= WTCONV_MAX_SIDE && layer.width >= 1 && layer.width <= WTCONV_MAX_SIDE &&
            layer.kernel >= 1 && layer.kernel <= WTCONV_MAX_KERNEL && layer.levels >= 1 &&
            layer.levels <= WTCONV_MAX_LEVELS && layer.stride >= 1 &&
            (layer.has_bias == 0 || layer.has_bias == 1) && (layer.fp16 == 0 || layer.fp16 == 1),
        "accepted metadata out of range");

    /* The request: the exported shape, or one dimension off by one (then refused). */
    batch = layer.batch, channels = layer.channels, height = layer.height, width = layer.width;
    switch (variation & 7) {
    case 1:
        batch = batch > 1 ? batch - 1 : batch + 1;
        break;
    case 2:
        height = height > 1 ? height - 1 : height + 1;
        break;
    default:
        break;
    }
    status = wtconv_coreml_check_request(&layer, "fuzz.mlpackage", NULL, batch, channels, height,
                                         width, (int)(variation >> 6), &model, &stride);
    if ((variation & 7) == 1 || (variation & 7) == 2) {
        require(status == WTCONV_ERR_SHAPE_MISMATCH, "another shape was accepted");
        goto done;
    }
    require(status == WTCONV_OK, "the exported shape was refused");
    status = wtconv_plan_make(&model, batch, channels, height, width, stride, &plan);
    if (status == WTCONV_OK)
        status = wtconv_mtl_plan_make(&plan, 1u + (variation >> 3 & 7) * 97u, &mp);
    if (status != WTCONV_OK) {
        require_failure(status); /* sizes past what the kernels or memory allow */
        goto done;
    }

    /* The features an exporter-made model has: exactly the plan's Core ML buffers. */
    for (int b = 0; b < mp.buffer_count; b++) {
        const wtconv_mtl_buffer *buf = &mp.buffers[b];
        wtconv_coreml_feature *f;
        if (buf->is_coreml_input)
            f = &inputs[n_in++];
        else if (buf->is_coreml_output)
            f = &outputs[n_out++];
        else
            continue;
        memset(f, 0, sizeof *f);
        f->name = buf->name, f->is_multiarray = 1, f->is_float32 = 1, f->rank = 4;
        for (int d = 0; d < 4; d++)
            f->shape[d] = buf->shape[d];
    }
    require(wtconv_coreml_check_features(&mp, inputs, n_in, outputs, n_out, "fuzz") == WTCONV_OK,
            "the exported features were refused");

    /* One spoiled feature must be refused. */
    {
        wtconv_coreml_feature *victim = &inputs[(variation >> 3) % n_in];
        switch (variation >> 6) {
        case 0:
            victim->shape[3] += 1;
            break;
        case 1:
            victim->is_float32 = 0;
            break;
        case 2:
            victim->name = "not_ours";
            break;
        default:
            victim->rank = 3;
            break;
        }
        status = wtconv_coreml_check_features(&mp, inputs, n_in, outputs, n_out, "fuzz");
        require(status == WTCONV_ERR_MODEL_FORMAT, "a spoiled feature was accepted");
        require_failure(status);
    }
done:
    free(text);
    return 0;
}
