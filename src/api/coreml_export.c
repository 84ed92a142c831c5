/* wtconv_write_coreml: the Core ML package of a request, written without running it. */
#include "api/load.h"
#include "api/options.h"
#include "base/error.h"
#include "coreml/coreml_package.h"
#include "model/format.h"

wtconv_status wtconv_write_coreml(const char *model_path, int channels, int height, int width,
                                  const wtconv_options *opts, const char *package_path) {
    wtconv_options options;
    wtconv_model model;
    wtconv_plan plan;
    wtconv_coreml_settings settings;
    wtconv_coreml_package package;
    wtconv_status status;
    if (!model_path)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "model_path is NULL");
    if (!package_path || !package_path[0])
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "package_path is %s",
                           package_path ? "empty" : "NULL");
    if ((status = wtconv_check_sizes(channels, height, width)) != WTCONV_OK)
        return status;
    if ((status = wtconv_options_read(opts, &options)) != WTCONV_OK)
        return status;
    if (wtconv_model_format_of(model_path) == WTCONV_MODEL_COREML)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "'%s' is a Core ML model already; wtconv_write_coreml writes one from "
                           "the safetensors file",
                           model_path);
    status = wtconv_load_layer(model_path, &options, channels, height, width, &model, &plan);
    if (status != WTCONV_OK)
        return status;
    settings.fp16 = options.precision == WTCONV_PRECISION_FP16;
    settings.source_path = model_path;
    status = wtconv_coreml_build(&model, &plan, &settings, &package);
    if (status == WTCONV_OK)
        status = wtconv_coreml_write_package(&package, package_path);
    wtconv_coreml_package_free(&package);
    wtconv_model_free(&model);
    return status;
}
