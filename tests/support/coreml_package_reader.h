/* Test support: decodes a Core ML ML-program package (.mlpackage) into a canonical text, so that
 * two packages written by different tools (coremltools, libwtconv's writer) can be compared
 * line by line. Written from Core ML's .proto files and blob storage format, independently of
 * the library's writer (src/coreml/).
 *
 * What the text keeps, and what it leaves out (and why):
 *   - the Manifest's format version, its items (path, name, author, description) and which one
 *     is the root; not the item identifiers (random UUIDs in coremltools' packages);
 *   - the specification version; every input and output feature (name, kind, dtype, shape,
 *     optional); the "wtconv.*" metadata, sorted; not coremltools' own keys nor the free-text
 *     descriptions and author;
 *   - the program's version and functions, each function's opset, inputs and blocks; each
 *     block's operations in order with their type, inputs (sorted by parameter), attributes other
 *     than "name", and output types; the block's outputs. Operations and values are referred to
 *     by position (%3, input x), not by name, since each tool names its intermediates its own
 *     way; `const` operations are folded into the operations that use them, shown as
 *     "dtype[shape] immediate {values}" or "dtype[shape] blob #i sha256:<first 16 hex> {first
 *     values}", so equal texts mean equal bits for every weight. Program and function
 *     attributes are listed by key only (coremltools records its version there);
 *   - the weight file: every blob record is checked (header version 2 and count, sentinel,
 *     64-byte alignment, data right after its record, size = elements x dtype size, inside the
 *     file, each referenced exactly once) and summed up as "weights N blobs, S bytes".
 * Anything malformed is an error naming the problem. */
#ifndef WTCONV_TESTS_COREML_PACKAGE_READER_H
#define WTCONV_TESTS_COREML_PACKAGE_READER_H

#include <stddef.h>

/* On success returns 0 and a malloc'd NUL-terminated text in *text; else returns -1 with the
 * reason in why[0 .. why_size). */
int coreml_package_describe(const char *package_path, char **text, char *why, size_t why_size);

#endif
