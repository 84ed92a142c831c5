/* Internal: which kind of model file a path names, so the API layer can pick a backend that
 * reads it. */
#ifndef WTCONV_MODEL_FORMAT_H
#define WTCONV_MODEL_FORMAT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wtconv_model_format {
    WTCONV_MODEL_SAFETENSORS = 1 << 0, /* weights: read by the CPU backend */
    WTCONV_MODEL_COREML = 1 << 1       /* .mlpackage / .mlmodelc / .mlmodel: the Metal backend */
} wtconv_model_format;

/* By name: a path ending in .mlpackage, .mlmodelc or .mlmodel (any case, trailing slashes
 * allowed) is a Core ML model; anything else is read as safetensors, whose loader explains
 * what is wrong with a path that is not one. */
wtconv_model_format wtconv_model_format_of(const char *path);

/* 1 if `path` names an already compiled Core ML model (.mlmodelc), which needs no compiling. */
int wtconv_model_is_compiled_coreml(const char *path);

#ifdef __cplusplus
}
#endif

#endif
