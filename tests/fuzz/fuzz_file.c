/* The temporary files behind the fuzz inputs, removed when the process exits. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_target.h"

#define MAX_TAGS 4

static char paths[MAX_TAGS][512];

static void remove_files(void) {
    for (int i = 0; i < MAX_TAGS; i++)
        if (paths[i][0])
            remove(paths[i]);
}

const char *fuzz_write_temp_file(const char *tag, const uint8_t *data, size_t size) {
    const char *dir = getenv("TMPDIR");
    char path[512];
    FILE *fp;
    int slot = 0;
    snprintf(path, sizeof path, "%s/wtconv-fuzz-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             tag);
    while (slot < MAX_TAGS && paths[slot][0] && strcmp(paths[slot], path) != 0)
        slot++;
    if (slot == MAX_TAGS) {
        fprintf(stderr, "fuzz harness: more than %d temporary files\n", MAX_TAGS);
        abort();
    }
    if (!paths[slot][0]) {
        if (slot == 0)
            atexit(remove_files);
        memcpy(paths[slot], path, sizeof path);
    }
    fp = fopen(paths[slot], "wb");
    if (!fp || (size > 0 && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
        fprintf(stderr, "fuzz harness: cannot write %s\n", paths[slot]);
        abort();
    }
    return paths[slot];
}
