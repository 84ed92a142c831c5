/*
 * test_coreml_contract - the Core ML contract, end to end between its two sides: the interface
 * that tools/export_wtconv_coreml.py --describe says it writes (inputs, outputs, metadata) must
 * pass the Apple backend's checks (src/apple/coreml_meta.c) for the shape it was exported for,
 * and the metadata must describe the same layer the C loader reads from the safetensors file.
 *
 * Usage: test_coreml_contract DESCRIBE.json MODEL.safetensors LAYER|- N C H W STRIDE_OPTION
 * (run once per golden case by run_contract_test.cmake).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apple/coreml_meta.h"
#include "apple/dispatch_plan.h"
#include "model/json.h"
#include "model/model.h"
#include "plan/plan.h"

#define MAX_ENTRIES 80

static int failures;

static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAIL %s%s%s\n", what, wtconv_last_error()[0] ? ": " : "", wtconv_last_error());
        failures++;
    }
}

static const json_node *member(const json_doc *doc, const json_node *object, const char *key) {
    if (object->type != JSON_OBJECT)
        return NULL;
    for (uint32_t i = object->first_child; i != JSON_NONE; i = doc->nodes[i].next_sibling)
        if (strcmp(json_key(doc, &doc->nodes[i]), key) == 0)
            return &doc->nodes[i];
    return NULL;
}

/* The --describe list of {"name", "shape", "dtype"} as the Objective-C++ layer would report the
 * model description. */
static size_t read_features(const json_doc *doc, const json_node *list,
                            wtconv_coreml_feature *out) {
    size_t n = 0;
    for (uint32_t i = list ? list->first_child : JSON_NONE; i != JSON_NONE && n < MAX_ENTRIES;
         i = doc->nodes[i].next_sibling, n++) {
        const json_node *name = member(doc, &doc->nodes[i], "name");
        const json_node *shape = member(doc, &doc->nodes[i], "shape");
        const json_node *dtype = member(doc, &doc->nodes[i], "dtype");
        memset(&out[n], 0, sizeof out[n]);
        out[n].name = name ? json_string(doc, name) : NULL;
        out[n].is_multiarray = 1;
        out[n].is_float32 = dtype && strcmp(json_string(doc, dtype), "float32") == 0;
        for (uint32_t d = shape ? shape->first_child : JSON_NONE;
             d != JSON_NONE && out[n].rank < WTCONV_COREML_MAX_RANK; d = doc->nodes[d].next_sibling)
            out[n].shape[out[n].rank++] = (int64_t)doc->nodes[d].uint_value;
    }
    return n;
}

static char *read_text(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return text;
}

int main(int argc, char **argv) {
    json_doc doc;
    size_t len = 0, offset = 0, n_in, n_out, n_meta = 0;
    const char *what = "", *keys[MAX_ENTRIES], *values[MAX_ENTRIES];
    const char *layer_option;
    wtconv_coreml_feature inputs[MAX_ENTRIES], outputs[MAX_ENTRIES];
    wtconv_coreml_layer layer;
    wtconv_model described, loaded;
    wtconv_plan plan;
    wtconv_mtl_plan mp;
    int batch, channels, height, width, stride_option, stride = 0;
    char *text;

    if (argc != 9) {
        fprintf(stderr, "usage: test_coreml_contract DESCRIBE.json MODEL LAYER|- N C H W STRIDE\n");
        return 2;
    }
    layer_option = strcmp(argv[3], "-") == 0 ? NULL : argv[3];
    batch = atoi(argv[4]), channels = atoi(argv[5]), height = atoi(argv[6]);
    width = atoi(argv[7]), stride_option = atoi(argv[8]);
    if (!(text = read_text(argv[1], &len)) ||
        wtconv_json_parse(text, len, &doc, &offset, &what) != JSON_OK) {
        printf("FAIL cannot read the exporter's description '%s' (%s)\n", argv[1], what);
        free(text);
        return 1;
    }
    {
        const json_node *root = &doc.nodes[0], *meta = member(&doc, root, "metadata");
        for (uint32_t i = meta ? meta->first_child : JSON_NONE;
             i != JSON_NONE && n_meta < MAX_ENTRIES; i = doc.nodes[i].next_sibling, n_meta++) {
            keys[n_meta] = json_key(&doc, &doc.nodes[i]);
            values[n_meta] = json_string(&doc, &doc.nodes[i]);
        }
        n_in = read_features(&doc, member(&doc, root, "inputs"), inputs);
        n_out = read_features(&doc, member(&doc, root, "outputs"), outputs);
    }

    check(wtconv_coreml_read_metadata(keys, values, n_meta, argv[1], &layer) == WTCONV_OK,
          "the exporter's metadata is accepted");
    check(wtconv_coreml_check_request(&layer, argv[1], layer_option, batch, channels, height, width,
                                      0, &described, &stride) == WTCONV_OK,
          "the shape it was exported for is accepted");
    /* The same layer as the C loader reads from the file: k, L, bias and stride agree. */
    if (wtconv_model_load(argv[2], layer_option, stride_option, &loaded) == WTCONV_OK) {
        const int file_stride = stride_option ? stride_option : loaded.stride ? loaded.stride : 1;
        check(described.channels == loaded.channels && described.kernel == loaded.kernel &&
                  described.levels == loaded.levels && described.has_bias == loaded.has_bias,
              "the metadata's C, k, L and bias are the loader's");
        check(stride == file_stride, "the metadata's stride is the one the CPU backend uses");
        wtconv_model_free(&loaded);
    } else {
        check(0, "the C loader reads the model");
    }
    check(wtconv_plan_make(&described, batch, channels, height, width, stride, &plan) ==
                  WTCONV_OK &&
              wtconv_mtl_plan_make(&plan, 256, &mp) == WTCONV_OK,
          "the plan is made");
    check(wtconv_coreml_check_features(&mp, inputs, n_in, outputs, n_out, argv[1]) == WTCONV_OK,
          "the exporter's inputs and outputs match the plan's Core ML buffers");
    wtconv_json_free(&doc);
    free(text);
    printf("%s: %s (%zu inputs, %zu outputs, %zu metadata entries)\n", argv[1],
           failures ? "FAILED" : "ok", n_in, n_out, n_meta);
    return failures ? 1 : 0;
}
