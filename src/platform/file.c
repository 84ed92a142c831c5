/* 64-bit file offsets: fseeko/_fseeki64 and stat, which C11 alone does not offer. */
#if !defined(_WIN32)
#define _FILE_OFFSET_BITS 64 /* 32-bit glibc; 64-bit elsewhere anyway */
#endif
#include "platform/posix_features.h" /* before any system header */

#include "platform/file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#if !defined(_WIN32)
#include <fcntl.h>
#include <unistd.h>
#endif

#include "base/error.h"

#if defined(_WIN32)
typedef struct __stat64 stat_buffer;
#define stat_fd(fd, buf) _fstat64((fd), (buf))
#define file_number(fp) _fileno(fp)
#define seek64(fp, offset) _fseeki64((fp), (__int64)(offset), SEEK_SET)
#define IS_REGULAR(mode) (((mode)&_S_IFMT) == _S_IFREG)
#else
typedef struct stat stat_buffer;
#define stat_fd(fd, buf) fstat((fd), (buf))
#define file_number(fp) fileno(fp)
#define seek64(fp, offset) fseeko((fp), (off_t)(offset), SEEK_SET)
#define IS_REGULAR(mode) S_ISREG(mode)
#endif

#if defined(_WIN32)
/* Refuses what is not a regular file before opening it. */
static FILE *open_for_reading(const char *path) {
    struct __stat64 before;
    if (_stat64(path, &before) == 0 && !IS_REGULAR(before.st_mode)) {
        errno = EINVAL;
        return NULL;
    }
    return fopen(path, "rb");
}
#else
/* What is not a regular file is refused before it is opened: opening some devices acts (a
 * watchdog arms). Non-blocking, so that opening a FIFO swapped in after the check cannot hang;
 * no controlling terminal from a terminal swapped in; the open file is checked again
 * afterwards. Close-on-exec, so that a host forking on another thread meanwhile does not leak
 * the descriptor into its child. */
static FILE *open_for_reading(const char *path) {
    FILE *fp;
    struct stat before;
    if (stat(path, &before) == 0 && !S_ISREG(before.st_mode)) {
        errno = EINVAL;
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return NULL;
    fp = fdopen(fd, "rb");
    if (!fp) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return fp;
}
#endif

wtconv_status wtconv_file_open(const char *path, wtconv_file *file) {
    stat_buffer info;
    file->fp = NULL;
    file->size = 0;
    /* Inspect the open file, so the check and the reads see the same file. */
    file->fp = open_for_reading(path);
    if (!file->fp && errno == ENOMEM) /* fdopen's buffer, not the file */
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory opening the file");
    if (!file->fp)
        return wtconv_fail(WTCONV_ERR_IO, "cannot open the file: %s",
                           errno == EINVAL ? "not a regular file (a directory, FIFO or device?)"
                                           : strerror(errno));
    if (stat_fd(file_number(file->fp), &info) != 0 || !IS_REGULAR(info.st_mode) ||
        info.st_size < 0) {
        wtconv_file_close(file);
        return wtconv_fail(WTCONV_ERR_IO, "not a regular file (a directory, FIFO or device?)");
    }
    file->size = (uint64_t)info.st_size;
    return WTCONV_OK;
}

wtconv_status wtconv_file_read_at(wtconv_file *file, uint64_t offset, void *dst, size_t size) {
    if (offset > file->size || size > file->size - offset)
        return wtconv_fail(WTCONV_ERR_IO, "read of %zu bytes at offset %llu is past the end", size,
                           (unsigned long long)offset);
    if (offset > (uint64_t)INT64_MAX || seek64(file->fp, offset) != 0)
        return wtconv_fail(WTCONV_ERR_IO, "cannot seek to byte offset %llu",
                           (unsigned long long)offset);
    if (size > 0 && fread(dst, 1, size, file->fp) != size)
        return wtconv_fail(WTCONV_ERR_IO, "cannot read %zu bytes at byte offset %llu%s", size,
                           (unsigned long long)offset,
                           feof(file->fp) ? ": the file ended early" : "");
    return WTCONV_OK;
}

void wtconv_file_close(wtconv_file *file) {
    if (file->fp)
        fclose(file->fp);
    file->fp = NULL;
}
