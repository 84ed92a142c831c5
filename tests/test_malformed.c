/* The malformed-model corpus (tests/data/malformed/, written by tools/make_malformed.py): each
 * file of its manifest, created with the manifest's C x H x W, must give the expected status
 * and a message containing the expected fragment; a failed create must hand out no context.
 * The manifest's '@' entries are paths the test makes itself: a directory, a FIFO, a missing
 * file, a character device, the empty path. Every .safetensors file in the folder must be
 * listed, so none is left untested. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "test_util.h"

/* The checks the corpus in tests/data/malformed/manifest.txt makes. */
#define MALFORMED_CHECKS 149

#define SENTINEL_CTX ((wtconv_ctx *)(uintptr_t)0x1)
#define MAX_FILES 1024

static int passed, failed;
static char *listed[MAX_FILES];
static size_t listed_count;

static const struct {
    const char *name;
    wtconv_status status;
} status_names[] = {
    {"OK", WTCONV_OK},
    {"INVALID_ARGUMENT", WTCONV_ERR_INVALID_ARGUMENT},
    {"IO", WTCONV_ERR_IO},
    {"MODEL_FORMAT", WTCONV_ERR_MODEL_FORMAT},
    {"SHAPE_MISMATCH", WTCONV_ERR_SHAPE_MISMATCH},
    {"OUT_OF_MEMORY", WTCONV_ERR_OUT_OF_MEMORY},
};

static int parse_status(const char *name, wtconv_status *out) {
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (!strcmp(name, status_names[i].name)) {
            *out = status_names[i].status;
            return 0;
        }
    }
    return -1;
}

/* Makes the path a '@' entry names; returns 0, or -1 where the system cannot make it. */
static int make_special(const char *what, char *path, size_t cap) {
    test_temp_path(path, cap, what + 1);
    if (!strcmp(what, "@directory"))
        return mkdir(path, 0700);
    if (!strcmp(what, "@fifo"))
        return mkfifo(path, 0600);
    if (!strcmp(what, "@missing"))
        return 0;
    if (!strcmp(what, "@device")) {
        snprintf(path, cap, "/dev/null");
        return 0;
    }
    if (!strcmp(what, "@empty_path")) {
        path[0] = '\0';
        return 0;
    }
    return -1;
}

static void remove_special(const char *what, const char *path) {
    if (!strcmp(what, "@directory"))
        rmdir(path);
    else if (!strcmp(what, "@fifo"))
        unlink(path);
}

static void check_case(const char *dir, const char *file, int c, int h, int w, wtconv_status want,
                       const char *fragment) {
    char path[1024];
    wtconv_ctx *ctx = SENTINEL_CTX;
    wtconv_status got;
    int ok;
    if (file[0] == '@') {
        if (make_special(file, path, sizeof path) != 0) {
            printf("skip %-40s (cannot make it here)\n", file);
            return;
        }
    } else if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
        printf("FAIL %s: path too long\n", file);
        failed++;
        return;
    }
    got = wtconv_create(path, c, h, w, &ctx);
    ok = got == want && (got == WTCONV_OK ? ctx != NULL : ctx == NULL) &&
         (got == WTCONV_OK || strstr(wtconv_last_error(), fragment) != NULL);
    printf("%s %-40s %dx%dx%d -> %s%s%s\n", ok ? "ok  " : "FAIL", file, c, h, w,
           wtconv_status_string(got), got == WTCONV_OK ? "" : " | ",
           got == WTCONV_OK ? "" : wtconv_last_error());
    if (!ok)
        printf("     wanted %s with \"%s\"%s\n", wtconv_status_string(want), fragment,
               got != WTCONV_OK && ctx != NULL ? " (and *out_ctx left set)" : "");
    if (got == WTCONV_OK)
        wtconv_destroy(ctx);
    if (file[0] == '@')
        remove_special(file, path);
    ok ? passed++ : failed++;
}

static int run_manifest(const char *dir) {
    char path[1024], line[2048];
    FILE *fp;
    int line_number = 0;
    fp = snprintf(path, sizeof path, "%s/manifest.txt", dir) < (int)sizeof path ? fopen(path, "r")
                                                                                : NULL;
    if (!fp) {
        printf("FAIL cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, fp)) {
        char *field[6];
        char *cursor = line;
        int n = 0;
        wtconv_status want;
        line_number++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        /* Tab-separated; the fragment, last, may be empty. */
        while (n < 6) {
            field[n++] = cursor;
            cursor = strchr(cursor, '\t');
            if (!cursor)
                break;
            *cursor++ = '\0';
        }
        if (n != 6 || parse_status(field[4], &want) != 0) {
            printf("FAIL %s:%d: malformed manifest line\n", path, line_number);
            failed++;
            continue;
        }
        if (field[0][0] != '@' && listed_count < MAX_FILES)
            listed[listed_count++] = strdup(field[0]);
        check_case(dir, field[0], atoi(field[1]), atoi(field[2]), atoi(field[3]), want, field[5]);
    }
    fclose(fp);
    return 0;
}

/* Every corpus file must be in the manifest: an unlisted one would silently test nothing. */
static void check_all_listed(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *entry;
    int unlisted = 0;
    if (!d) {
        printf("FAIL cannot list %s\n", dir);
        failed++;
        return;
    }
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        size_t len = strlen(name), i;
        if (len < 12 || strcmp(name + len - 12, ".safetensors") != 0)
            continue;
        for (i = 0; i < listed_count && strcmp(listed[i], name) != 0; i++)
            ;
        if (i == listed_count) {
            printf("FAIL %s is not in the manifest\n", name);
            unlisted = 1;
        }
    }
    closedir(d);
    unlisted ? failed++ : passed++;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_malformed CORPUS_FOLDER\n");
        return 2;
    }
    if (run_manifest(argv[1]) != 0)
        return 1;
    check_all_listed(argv[1]);
    for (size_t i = 0; i < listed_count; i++)
        free(listed[i]);
    /* Exactly the checks of tools/make_malformed.py's corpus, so that none is lost quietly
     * (check_all_listed catches a file left out of the manifest, not one dropped with its line). */
    if (passed + failed != MALFORMED_CHECKS) {
        printf("FAIL %d checks (expected %d)\n", passed + failed, MALFORMED_CHECKS);
        failed++;
    }
    printf("malformed: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
