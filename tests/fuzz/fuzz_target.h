/* The entry point every fuzz target defines (libFuzzer's), so that replay_main.c can drive the
 * same code without libFuzzer. */
#ifndef WTCONV_TESTS_FUZZ_TARGET_H
#define WTCONV_TESTS_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the input to a file private to this process and returns its path, since the code
 * under test reads files by name. Aborts if it cannot (a harness failure, not a finding). */
const char *fuzz_write_temp_file(const char *tag, const uint8_t *data, size_t size);

#endif
