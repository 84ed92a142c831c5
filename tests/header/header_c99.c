/* The public header must compile as strict C99 (-std=c99 -pedantic -Werror in CMake). */
#include <wtconv/wtconv.h>
#include <wtconv/wtconv.h> /* and twice: include guard */

int main(void) {
    wtconv_options opts;
    wtconv_options_init(&opts);
    return wtconv_version_number() == WTCONV_VERSION_NUMBER && opts.batch == 1 ? 0 : 1;
}
