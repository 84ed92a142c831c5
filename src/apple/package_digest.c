#include "platform/posix_features.h" /* first: it sets feature-test macros */

#include "apple/package_digest.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/sha256.h"

#define DIGEST_MAX_PATH 4096

typedef struct digest_walk {
    wtconv_sha256 hash;
    const char *root;
    int entries;
} digest_walk;

static void hash_u64(wtconv_sha256 *h, uint64_t v) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(v >> (8 * i));
    wtconv_sha256_update(h, bytes, sizeof bytes);
}

/* A length-prefixed string, so that no two sequences of names hash alike. */
static void hash_string(wtconv_sha256 *h, const char *s) {
    const size_t n = strlen(s);
    hash_u64(h, n);
    wtconv_sha256_update(h, s, n);
}

static wtconv_status hash_file(digest_walk *w, const char *full, const char *rel, uint64_t size) {
    unsigned char buffer[65536];
    uint64_t total = 0;
    size_t got;
    FILE *f = fopen(full, "rb");
    if (!f)
        return wtconv_fail(WTCONV_ERR_IO, "cannot read '%s': %s", full, strerror(errno));
    wtconv_sha256_update(&w->hash, "F", 1);
    hash_string(&w->hash, rel);
    hash_u64(&w->hash, size);
    while ((got = fread(buffer, 1, sizeof buffer, f)) > 0) {
        wtconv_sha256_update(&w->hash, buffer, got);
        total += got;
    }
    if (ferror(f) || total != size) {
        fclose(f);
        return wtconv_fail(WTCONV_ERR_IO, "cannot read '%s': it changed while being read", full);
    }
    fclose(f);
    return WTCONV_OK;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static wtconv_status hash_entry(digest_walk *w, const char *full, const char *rel, int depth);

static wtconv_status hash_directory(digest_walk *w, const char *full, const char *rel, int depth) {
    DIR *dir;
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, capacity = 0;
    wtconv_status status = WTCONV_OK;

    if (depth > WTCONV_DIGEST_MAX_DEPTH)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "'%s' is nested more than %d folders deep; not a Core ML package", full,
                           WTCONV_DIGEST_MAX_DEPTH);
    if (!(dir = opendir(full)))
        return wtconv_fail(WTCONV_ERR_IO, "cannot open the folder '%s': %s", full, strerror(errno));
    while (status == WTCONV_OK && (entry = readdir(dir)) != NULL) {
        char *copy;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (++w->entries > WTCONV_DIGEST_MAX_ENTRIES) {
            status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                 "'%s' holds more than %d files and folders; not a Core ML "
                                 "package",
                                 w->root, WTCONV_DIGEST_MAX_ENTRIES);
            break;
        }
        if (count == capacity) {
            const size_t grown = capacity ? 2 * capacity : 16;
            char **more = realloc(names, grown * sizeof *names);
            if (!more) {
                status = wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory listing '%s'", full);
                break;
            }
            names = more, capacity = grown;
        }
        if (!(copy = malloc(strlen(entry->d_name) + 1))) {
            status = wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory listing '%s'", full);
            break;
        }
        strcpy(copy, entry->d_name);
        names[count++] = copy;
    }
    closedir(dir);
    if (status == WTCONV_OK) {
        if (count > 1) /* names is NULL for an empty folder, which qsort may not take */
            qsort(names, count, sizeof *names, compare_names);
        wtconv_sha256_update(&w->hash, "D", 1);
        hash_string(&w->hash, rel);
        hash_u64(&w->hash, count);
    }
    for (size_t i = 0; status == WTCONV_OK && i < count; i++) {
        char child_full[DIGEST_MAX_PATH], child_rel[DIGEST_MAX_PATH];
        const int a = snprintf(child_full, sizeof child_full, "%s/%s", full, names[i]);
        const int b = rel[0] ? snprintf(child_rel, sizeof child_rel, "%s/%s", rel, names[i])
                             : snprintf(child_rel, sizeof child_rel, "%s", names[i]);
        if (a < 0 || b < 0 || (size_t)a >= sizeof child_full || (size_t)b >= sizeof child_rel)
            status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "a path in '%s' is too long", w->root);
        else
            status = hash_entry(w, child_full, child_rel, depth + 1);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return status;
}

static wtconv_status hash_entry(digest_walk *w, const char *full, const char *rel, int depth) {
    struct stat st;
    if (lstat(full, &st) != 0)
        return wtconv_fail(WTCONV_ERR_IO, "cannot read '%s': %s", full, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return hash_directory(w, full, rel, depth);
    if (S_ISREG(st.st_mode))
        return hash_file(w, full, rel, (uint64_t)st.st_size);
    /* A link could point anywhere, even back up the tree; packages never contain one. */
    return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                       "'%s' is %s; a Core ML package holds only files and folders", full,
                       S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file");
}

static void to_hex(const unsigned char digest[32], char hex[65]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}

void wtconv_generated_package_key(const wtconv_coreml_package *package, const char *salt,
                                  char hex[65]) {
    wtconv_sha256 h;
    unsigned char digest[32];
    wtconv_sha256_init(&h);
    hash_string(&h, "libwtconv-written package"); /* never equal to a folder's digest */
    hash_string(&h, salt ? salt : "");
    hash_u64(&h, package->model.size);
    wtconv_sha256_update(&h, package->model.data, package->model.size);
    hash_u64(&h, package->weights.size);
    wtconv_sha256_update(&h, package->weights.data, package->weights.size);
    wtconv_sha256_final(&h, digest);
    to_hex(digest, hex);
}

wtconv_status wtconv_package_digest(const char *path, const char *salt, char hex[65]) {
    digest_walk w;
    unsigned char digest[32];
    wtconv_status status;
    struct stat st;

    hex[0] = '\0';
    /* The package itself may be reached through a link; what is inside may not. */
    if (stat(path, &st) != 0)
        return wtconv_fail(WTCONV_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    w.root = path;
    w.entries = 0;
    wtconv_sha256_init(&w.hash);
    hash_string(&w.hash, salt ? salt : "");
    if (S_ISDIR(st.st_mode))
        status = hash_directory(&w, path, "", 0);
    else if (S_ISREG(st.st_mode))
        status = hash_file(&w, path, "", (uint64_t)st.st_size);
    else
        status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                             "'%s' is neither a file nor a folder; not a Core ML model", path);
    if (status != WTCONV_OK)
        return status;
    wtconv_sha256_final(&w.hash, digest);
    to_hex(digest, hex);
    return WTCONV_OK;
}
