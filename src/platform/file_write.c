#include "platform/posix_features.h" /* before any system header */

#include "platform/file_write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#if defined(_WIN32)
#include <direct.h>
#define make_folder(path) _mkdir(path)
#define remove_folder(path) _rmdir(path)
#else
#include <unistd.h>
#define make_folder(path) mkdir((path), 0777) /* the umask narrows it, as for any new folder */
#define remove_folder(path) rmdir(path)
#endif

#include "base/error.h"

wtconv_status wtconv_make_folder(const char *path) {
    if (make_folder(path) != 0)
        return wtconv_fail(WTCONV_ERR_IO, "cannot create the folder '%s': %s", path,
                           errno == EEXIST ? "something exists there already" : strerror(errno));
    return WTCONV_OK;
}

wtconv_status wtconv_write_new_file(const char *path, const void *data, size_t size) {
    /* "x" (C11): fail rather than replace anything that appeared meanwhile. */
    FILE *fp = fopen(path, "wbx");
    int written, closed;
    if (!fp)
        return wtconv_fail(WTCONV_ERR_IO, "cannot create the file '%s': %s", path,
                           errno == EEXIST ? "something exists there already" : strerror(errno));
    written = size == 0 || fwrite(data, 1, size, fp) == size;
    closed = fclose(fp) == 0; /* a full disk may only show here */
    if (!written || !closed) {
        const int saved = errno;
        remove(path);
        return wtconv_fail(WTCONV_ERR_IO, "cannot write %zu bytes to '%s': %s", size, path,
                           strerror(saved));
    }
    return WTCONV_OK;
}

void wtconv_remove_file(const char *path) { (void)remove(path); }

void wtconv_remove_folder(const char *path) { (void)remove_folder(path); }
