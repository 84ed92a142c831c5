/* The package on disk: its folders, Manifest.json and the two data files. */
#include "coreml/coreml_package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/sha256.h"
#include "platform/file_write.h"

/* The package layout coremltools' ModelPackage writes (modelpackage/src/ModelPackage.cpp). */
#define MODEL_ITEM "com.apple.CoreML/model.mlmodel"
#define WEIGHTS_ITEM "com.apple.CoreML/weights"
#define ITEM_AUTHOR "com.apple.CoreML"

enum { FOLDER_PACKAGE, FOLDER_DATA, FOLDER_COREML, FOLDER_WEIGHTS, FOLDER_COUNT };
enum { FILE_MANIFEST, FILE_MODEL, FILE_WEIGHTS, FILE_COUNT };

static const char *const folder_names[FOLDER_COUNT] = {"", "/Data", "/Data/com.apple.CoreML",
                                                       "/Data/com.apple.CoreML/weights"};
static const char *const file_names[FILE_COUNT] = {"/Manifest.json",
                                                   "/Data/com.apple.CoreML/model.mlmodel",
                                                   "/Data/com.apple.CoreML/weights/weight.bin"};

/* An item identifier: a UUID-shaped string made from the package's content and the item, so
 * that a package is the same bytes every time it is written (coremltools uses random UUIDs;
 * Core ML only matches them against rootModelIdentifier). Marked as an RFC 9562 version 8
 * (custom) UUID. */
static void item_identifier(const unsigned char content[32], const char *item, char out[37]) {
    wtconv_sha256 h;
    unsigned char d[32];
    int at = 0;
    wtconv_sha256_init(&h);
    wtconv_sha256_update(&h, content, 32);
    wtconv_sha256_update(&h, item, strlen(item));
    wtconv_sha256_final(&h, d);
    d[6] = (unsigned char)((d[6] & 0x0F) | 0x80); /* version 8 */
    d[8] = (unsigned char)((d[8] & 0x3F) | 0x80); /* RFC 9562 variant */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[at++] = '-';
        snprintf(out + at, 3, "%02X", d[i]);
        at += 2;
    }
    out[at] = '\0';
}

static int make_manifest(const wtconv_coreml_package *package, char *out, size_t size) {
    wtconv_sha256 h;
    unsigned char content[32];
    char model_id[37], weights_id[37];
    int n;
    wtconv_sha256_init(&h);
    wtconv_sha256_update(&h, package->model.data, package->model.size);
    wtconv_sha256_update(&h, package->weights.data, package->weights.size);
    wtconv_sha256_final(&h, content);
    item_identifier(content, MODEL_ITEM, model_id);
    item_identifier(content, WEIGHTS_ITEM, weights_id);
    n = snprintf(out, size,
                 "{\n"
                 "    \"fileFormatVersion\": \"1.0.0\",\n"
                 "    \"itemInfoEntries\": {\n"
                 "        \"%s\": {\n"
                 "            \"author\": \"" ITEM_AUTHOR "\",\n"
                 "            \"description\": \"CoreML Model Weights\",\n"
                 "            \"name\": \"weights\",\n"
                 "            \"path\": \"" WEIGHTS_ITEM "\"\n"
                 "        },\n"
                 "        \"%s\": {\n"
                 "            \"author\": \"" ITEM_AUTHOR "\",\n"
                 "            \"description\": \"CoreML Model Specification\",\n"
                 "            \"name\": \"model.mlmodel\",\n"
                 "            \"path\": \"" MODEL_ITEM "\"\n"
                 "        }\n"
                 "    },\n"
                 "    \"rootModelIdentifier\": \"%s\"\n"
                 "}\n",
                 weights_id, model_id, model_id);
    return n > 0 && (size_t)n < size ? n : -1;
}

wtconv_status wtconv_coreml_write_package(const wtconv_coreml_package *package, const char *path) {
    const size_t length = strlen(path);
    char manifest[1024];
    char *full;
    int folders = 0, files = 0, manifest_size;
    wtconv_status status = WTCONV_OK;
    const void *data[FILE_COUNT];
    size_t sizes[FILE_COUNT];

    if (package->model.failed || package->weights.failed)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "the Core ML package was not built");
    manifest_size = make_manifest(package, manifest, sizeof manifest);
    if (manifest_size < 0)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "the Core ML manifest does not fit");
    data[FILE_MANIFEST] = manifest;
    sizes[FILE_MANIFEST] = (size_t)manifest_size;
    data[FILE_MODEL] = package->model.data;
    sizes[FILE_MODEL] = package->model.size;
    data[FILE_WEIGHTS] = package->weights.data;
    sizes[FILE_WEIGHTS] = package->weights.size;
    if (!(full = malloc(length + 64)))
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory");
    for (; folders < FOLDER_COUNT && status == WTCONV_OK; folders++) {
        snprintf(full, length + 64, "%s%s", path, folder_names[folders]);
        if ((status = wtconv_make_folder(full)) != WTCONV_OK)
            break;
    }
    for (; status == WTCONV_OK && files < FILE_COUNT; files++) {
        snprintf(full, length + 64, "%s%s", path, file_names[files]);
        if ((status = wtconv_write_new_file(full, data[files], sizes[files])) != WTCONV_OK)
            break;
    }
    if (status != WTCONV_OK) { /* undo what this call created, innermost first */
        while (files-- > 0) {
            snprintf(full, length + 64, "%s%s", path, file_names[files]);
            wtconv_remove_file(full);
        }
        while (folders-- > 0) {
            snprintf(full, length + 64, "%s%s", path, folder_names[folders]);
            wtconv_remove_folder(full);
        }
    }
    free(full);
    return status;
}
