/* Internal: reading the caller's wtconv_options, whatever version of the struct it has. */
#ifndef WTCONV_API_OPTIONS_H
#define WTCONV_API_OPTIONS_H

#include "wtconv/wtconv.h"

/* Copies the caller's options (NULL: defaults) into `out`, a struct of this library's layout,
 * and validates every field. Fails with WTCONV_ERR_INVALID_ARGUMENT naming the field. */
wtconv_status wtconv_options_read(const wtconv_options *caller, wtconv_options *out);

#endif
