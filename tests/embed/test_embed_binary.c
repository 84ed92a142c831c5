/* cmake/EmbedBinary.cmake, which embeds the compiled Metal kernels in the library on Apple
 * platforms, checked here on a binary file: the embedded bytes must be the file's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char wtconv_test_blob_data[];
extern const size_t wtconv_test_blob_size;

int main(int argc, char **argv) {
    FILE *f;
    unsigned char *bytes;
    size_t size;
    int same;
    if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: test_embed_binary FILE (the file that was embedded)\n");
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size = (size_t)ftell(f);
    rewind(f);
    bytes = malloc(size ? size : 1);
    same = bytes && fread(bytes, 1, size, f) == size && size == wtconv_test_blob_size &&
           memcmp(bytes, wtconv_test_blob_data, size) == 0;
    fclose(f);
    free(bytes);
    printf("embedded %zu bytes; the file has %zu: %s\n", wtconv_test_blob_size, size,
           same ? "identical" : "DIFFERENT");
    return same ? 0 : 1;
}
