#include "wtconv/wtconv.h"

unsigned wtconv_version_number(void) { return WTCONV_VERSION_NUMBER; }
const char *wtconv_version_string(void) { return WTCONV_VERSION_STRING; }
