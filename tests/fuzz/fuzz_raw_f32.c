/* Fuzz target: the example CLI's reader of raw little-endian float32 files (raw_f32.c).
 *
 * The input is the file; its first byte also picks how many floats the reader is asked for
 * (one fewer than the file holds, exactly as many, or one more), so the short, long and exact
 * paths are all reached. An exact read must give the file's bits, and writing them back must
 * give the file again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "raw_f32.h"

static void require(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_raw_f32: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write_temp_file("raw.f32", data, size);
    const size_t whole = size / 4;
    const int delta = size > 0 ? data[0] % 3 - 1 : 0; /* -1, 0 or +1 floats */
    const size_t count = delta < 0 && whole == 0 ? 0 : (size_t)((long)whole + delta);
    const int exact = size % 4 == 0 && count == whole;
    char error[512] = "";
    float *values = malloc((count ? count : 1) * sizeof *values);
    int rc;
    require(values != NULL, "harness out of memory");
    rc = raw_f32_read(path, values, count, error, sizeof error);
    require(exact ? rc == 0 : rc == -1 && error[0] != '\0', "read status is wrong for the size");
    if (exact) {
        for (size_t i = 0; i < count; i++) {
            const unsigned char *b = data + 4 * i;
            unsigned bits =
                (unsigned)b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 | (unsigned)b[3] << 24;
            require(memcmp(&values[i], &bits, 4) == 0, "decoded value differs from the file");
        }
        path = fuzz_write_temp_file("raw-out.f32", NULL, 0);
        require(raw_f32_write(path, values, count, error, sizeof error) == 0, "write failed");
        {
            FILE *fp = fopen(path, "rb");
            unsigned char *back = malloc(size ? size : 1);
            require(fp && back, "cannot read the written file back");
            require(fread(back, 1, size, fp) == size && fgetc(fp) == EOF &&
                        (size == 0 || memcmp(back, data, size) == 0),
                    "written file differs from the input");
            fclose(fp);
            free(back);
        }
    }
    free(values);
    return 0;
}
