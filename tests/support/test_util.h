/* Small helpers shared by the C tests. */
#ifndef WTCONV_TESTS_TEST_UTIL_H
#define WTCONV_TESTS_TEST_UTIL_H

#include <stddef.h>

/* printf-style checking of a test helper's format (argument `fmt_index`, values from
 * `first_arg`), so that warnings-as-errors builds accept its non-literal format. */
#if defined(__GNUC__) || defined(__clang__)
#define TEST_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define TEST_PRINTF(fmt_index, first_arg)
#endif

/* The accuracy contract: max|y - ref| <= 1e-5 * max|ref| + 1e-6. Returns 1 if it holds and
 * reports the error and the bound through the pointers (either may be NULL). */
int test_within_contract(const float *y, const float *ref, size_t count, double *max_err,
                         double *bound);

/* A path in the system's temporary folder unique to this process: <tmp>/wtconv-<pid>-<tag>. */
void test_temp_path(char *out, size_t cap, const char *tag);

/* Writes `size` bytes to `path`. Returns 0 on success. */
int test_write_file(const char *path, const void *data, size_t size);

/* The whole file, malloc'd (the caller frees it), its size in *size; NULL if it cannot be read. */
unsigned char *test_read_file(const char *path, size_t *size);

/* The exit status ctest reads as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt). */
#define TEST_SKIPPED 77

/* For the test variants that force the CPU kernels of one instruction set through
 * WTCONV_CPU_ISA (see tests/CMakeLists.txt): when a create failed with
 * WTCONV_ERR_BACKEND_UNAVAILABLE while that variable is set, this CPU or build lacks the set;
 * prints why and exits with TEST_SKIPPED. Otherwise returns. Once a case's create has
 * succeeded (test_case_created), the set or backend is there: such a failure is then a failure
 * (printed as one; the caller counts it), not a skip that would hide the cases already failed. */
void test_skip_if_isa_unavailable(int status);

/* Tells test_skip_if_isa_unavailable that a create succeeded in this process. */
void test_case_created(void);

/* The backend named by WTCONV_TEST_BACKEND (cpu, metal, cuda; unset: AUTO), for the variants
 * of the golden and random tests that run another backend (see tests/CMakeLists.txt). When
 * it is set, test_skip_if_isa_unavailable also skips if that backend cannot run here. */
int test_backend_from_env(void);

#endif
