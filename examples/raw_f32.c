#include "raw_f32.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Files are little-endian whatever the host; convert one 4-byte group at a time. */
static float decode_le(const unsigned char *p) {
    uint32_t bits =
        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void encode_le(float value, unsigned char *p) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    p[0] = (unsigned char)bits;
    p[1] = (unsigned char)(bits >> 8);
    p[2] = (unsigned char)(bits >> 16);
    p[3] = (unsigned char)(bits >> 24);
}

int raw_f32_read(const char *path, float *dst, size_t count, char *error, size_t cap) {
    unsigned char chunk[4096];
    size_t done = 0;
    int extra;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(error, cap, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    while (done < count) {
        size_t want = count - done < sizeof chunk / 4 ? count - done : sizeof chunk / 4;
        size_t got = fread(chunk, 4, want, fp);
        for (size_t i = 0; i < got; i++)
            dst[done + i] = decode_le(chunk + 4 * i);
        done += got;
        if (got < want)
            break;
    }
    if (ferror(fp)) { /* not the end of the file: a read error (a folder, an I/O error) */
        snprintf(error, cap, "cannot read '%s': %s", path, strerror(errno));
        fclose(fp);
        return -1;
    }
    extra = fgetc(fp);
    fclose(fp);
    if (done != count || extra != EOF) {
        snprintf(error, cap, "'%s' must hold exactly %zu float32 values (%zu bytes); it is %s",
                 path, count, count * 4, done != count ? "shorter" : "longer");
        return -1;
    }
    return 0;
}

int raw_f32_write(const char *path, const float *src, size_t count, char *error, size_t cap) {
    unsigned char chunk[4096];
    size_t done = 0;
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(error, cap, "cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    while (done < count) {
        size_t n = count - done < sizeof chunk / 4 ? count - done : sizeof chunk / 4;
        for (size_t i = 0; i < n; i++)
            encode_le(src[done + i], chunk + 4 * i);
        if (fwrite(chunk, 4, n, fp) != n)
            break;
        done += n;
    }
    const int write_errno = done != count ? errno : 0;
    if (fclose(fp) != 0 || done != count) {
        /* Left in place: the path may be a device or a file the caller owns otherwise. */
        snprintf(error, cap, "cannot write '%s': %s (what was written is left there)", path,
                 strerror(write_errno ? write_errno : errno));
        return -1;
    }
    return 0;
}
