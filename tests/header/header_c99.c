/* The public header must compile as strict C99 (-std=c99 -pedantic -Werror in CMake). */
#include <wtconv/wtconv.h>
#include <wtconv/wtconv.h> /* and twice: include guard */

/* The enum values are ABI: a program built against one header passes them to any later
 * library. Checked at compile time (C99 has no static_assert: a negative array size fails). */
#define WTCONV_ABI_VALUE(name, value) typedef char wtconv_abi_##name[(name) == (value) ? 1 : -1]
WTCONV_ABI_VALUE(WTCONV_OK, 0);
WTCONV_ABI_VALUE(WTCONV_ERR_INVALID_ARGUMENT, 1);
WTCONV_ABI_VALUE(WTCONV_ERR_IO, 2);
WTCONV_ABI_VALUE(WTCONV_ERR_MODEL_FORMAT, 3);
WTCONV_ABI_VALUE(WTCONV_ERR_SHAPE_MISMATCH, 4);
WTCONV_ABI_VALUE(WTCONV_ERR_OUT_OF_MEMORY, 5);
WTCONV_ABI_VALUE(WTCONV_ERR_BACKEND_UNAVAILABLE, 6);
WTCONV_ABI_VALUE(WTCONV_ERR_BACKEND_FAILURE, 7);
WTCONV_ABI_VALUE(WTCONV_BACKEND_AUTO, 0);
WTCONV_ABI_VALUE(WTCONV_BACKEND_CPU, 1);
WTCONV_ABI_VALUE(WTCONV_BACKEND_METAL, 2);
WTCONV_ABI_VALUE(WTCONV_BACKEND_CUDA, 3);

int main(void) {
    wtconv_options opts;
    wtconv_options_init(&opts);
    return wtconv_version_number() == WTCONV_VERSION_NUMBER && opts.batch == 1 ? 0 : 1;
}
