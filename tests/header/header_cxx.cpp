// The public header must compile as C++ without warnings and give C linkage.
#include <wtconv/wtconv.h>

#include <cstring>

int main() {
    wtconv_options opts;
    wtconv_options_init(&opts);
    wtconv_ctx *ctx = nullptr;
    wtconv_status status = wtconv_create_with_options(nullptr, 1, 1, 1, &opts, &ctx);
    bool ok = status == WTCONV_ERR_INVALID_ARGUMENT && ctx == nullptr &&
              std::strstr(wtconv_last_error(), "model_path") != nullptr;
    return ok ? 0 : 1;
}
