/* Internal: creating the folders and files of a Core ML package, and removing them again when
 * writing fails part-way. Everything is created new: nothing existing is ever overwritten. */
#ifndef WTCONV_PLATFORM_FILE_WRITE_H
#define WTCONV_PLATFORM_FILE_WRITE_H

#include <stddef.h>

#include "wtconv/wtconv.h"

/* Creates the folder `path`, whose parent must exist. WTCONV_ERR_IO naming the path and the
 * reason when it cannot, including when something exists there already. */
wtconv_status wtconv_make_folder(const char *path);

/* Writes `size` bytes to a new file `path` (nothing may exist there), and closes it, checking
 * that every byte reached the file. WTCONV_ERR_IO naming the path and the reason. */
wtconv_status wtconv_write_new_file(const char *path, const void *data, size_t size);

/* Best-effort clean-up after a failure: remove a file, or an empty folder. */
void wtconv_remove_file(const char *path);
void wtconv_remove_folder(const char *path);

#endif
