#define _POSIX_C_SOURCE 200809L

#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

int test_within_contract(const float *y, const float *ref, size_t count, double *max_err,
                         double *bound) {
    double err = 0, scale = 0, limit;
    int finite = 1;
    for (size_t i = 0; i < count; i++) {
        double e = fabs((double)y[i] - (double)ref[i]);
        if (!isfinite(y[i]))
            finite = 0;
        err = e > err ? e : err;
        scale = fabs((double)ref[i]) > scale ? fabs((double)ref[i]) : scale;
    }
    limit = 1e-5 * scale + 1e-6;
    if (max_err)
        *max_err = err;
    if (bound)
        *bound = limit;
    return finite && err <= limit;
}

void test_temp_path(char *out, size_t cap, const char *tag) {
    const char *dir = getenv("TMPDIR");
    snprintf(out, cap, "%s/wtconv-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(), tag);
}

int test_write_file(const char *path, const void *data, size_t size) {
    FILE *fp = fopen(path, "wb");
    int ok;
    if (!fp)
        return -1;
    ok = fwrite(data, 1, size, fp) == size;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

unsigned char *test_read_file(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    unsigned char *data = NULL;
    long end;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (end = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)end + 1)) != NULL) {
        if (fread(data, 1, (size_t)end, fp) == (size_t)end) {
            *size = (size_t)end;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(fp);
    return data;
}

static int cases_created;

void test_case_created(void) { cases_created++; }

void test_skip_if_isa_unavailable(int status) {
    const char *isa = getenv("WTCONV_CPU_ISA"), *backend = getenv("WTCONV_TEST_BACKEND");
    if (status == WTCONV_ERR_BACKEND_UNAVAILABLE && cases_created > 0) {
        printf("FAIL the backend became unavailable after %d case(s) ran: %s\n", cases_created,
               wtconv_last_error());
        return;
    }
    if (status == WTCONV_ERR_BACKEND_UNAVAILABLE && backend && *backend) {
        printf("skipped: WTCONV_TEST_BACKEND=%s cannot run here: %s\n", backend,
               wtconv_last_error());
        fflush(stdout);
        exit(TEST_SKIPPED);
    }
    if (status != WTCONV_ERR_BACKEND_UNAVAILABLE || !isa || !*isa)
        return;
    printf("skipped: WTCONV_CPU_ISA=%s is not available here: %s\n", isa, wtconv_last_error());
    fflush(stdout);
    exit(TEST_SKIPPED);
}

int test_backend_from_env(void) {
    const char *name = getenv("WTCONV_TEST_BACKEND");
    if (!name || !*name)
        return WTCONV_BACKEND_AUTO;
    if (!strcmp(name, "cpu"))
        return WTCONV_BACKEND_CPU;
    if (!strcmp(name, "metal"))
        return WTCONV_BACKEND_METAL;
    if (!strcmp(name, "cuda"))
        return WTCONV_BACKEND_CUDA;
    fprintf(stderr, "WTCONV_TEST_BACKEND=%s: not cpu, metal or cuda\n", name);
    exit(2);
}
