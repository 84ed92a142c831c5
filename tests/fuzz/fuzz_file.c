/* The temporary file behind each fuzz input. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_target.h"

const char *fuzz_write_temp_file(const char *tag, const uint8_t *data, size_t size) {
    static char path[512];
    const char *dir = getenv("TMPDIR");
    FILE *fp;
    snprintf(path, sizeof path, "%s/wtconv-fuzz-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             tag);
    fp = fopen(path, "wb");
    if (!fp || (size > 0 && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
        fprintf(stderr, "fuzz harness: cannot write %s\n", path);
        abort();
    }
    return path;
}
