/* See st_writer.h. */
#include "st_writer.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct st_entry {
    char *name;
    char *dtype;
    int ndim;
    long long shape[ST_MAX_DIMS];
    unsigned char *bytes;
    size_t nbytes;
} st_entry;

typedef struct st_meta {
    char *key;
    char *value;
} st_meta;

struct st_writer {
    st_entry *entries;
    size_t count, cap;
    st_meta *meta;
    size_t meta_count, meta_cap;
    char error[256];
};

/* ---- small helpers ------------------------------------------------------------------------ */

#if defined(__GNUC__)
#define ST_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define ST_PRINTF(fmt_index, first_arg)
#endif

static void set_error(st_writer *w, const char *fmt, ...) ST_PRINTF(2, 3);

static void set_error(st_writer *w, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof(w->error), fmt, ap);
    va_end(ap);
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A growable byte buffer. */
typedef struct buf {
    unsigned char *p;
    size_t len, cap;
    int failed;
} buf;

static void buf_put(buf *b, const void *data, size_t n) {
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        unsigned char *np;
        while (cap < b->len + n)
            cap *= 2;
        np = (unsigned char *)realloc(b->p, cap);
        if (!np) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_str(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_json_string(buf *b, const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    buf_str(b, "\"");
    for (; *u; u++) {
        char tmp[8];
        if (*u == '"')
            buf_str(b, "\\\"");
        else if (*u == '\\')
            buf_str(b, "\\\\");
        else if (*u < 0x20) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)*u);
            buf_str(b, tmp);
        } else
            buf_put(b, u, 1);
    }
    buf_str(b, "\"");
}

static void put_le16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)(v & 0xffu);
    p[1] = (unsigned char)((v >> 8) & 0xffu);
}

static void put_le32(unsigned char *p, uint32_t v) {
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

static void put_le64(unsigned char *p, uint64_t v) {
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

/* ---- encodings ---------------------------------------------------------------------------- */

int st_encode_bf16(float value, unsigned short *bits) {
    uint32_t u = float_bits(value);
    if (value != value) { /* NaN: keep sign, quiet NaN */
        *bits = (unsigned short)(((u >> 16) & 0x8000u) | 0x7fc0u);
        return 0;
    }
    if ((u & 0xffffu) != 0)
        return -1;
    *bits = (unsigned short)(u >> 16);
    return 0;
}

int st_encode_f16(float value, unsigned short *bits) {
    const unsigned sign = (float_bits(value) >> 31) ? 0x8000u : 0u;
    double a = fabs((double)value);
    int e;
    double m, t;
    if (value != value) {
        *bits = (unsigned short)(sign | 0x7e00u);
        return 0;
    }
    if (isinf(a)) {
        *bits = (unsigned short)(sign | 0x7c00u);
        return 0;
    }
    if (a == 0.0) {
        *bits = (unsigned short)sign;
        return 0;
    }
    m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    (void)m;
    e -= 1; /* a = 1.f * 2^e */
    if (e > 15)
        return -1;  /* too large for F16 */
    if (e >= -14) { /* normal: a = (t / 1024) * 2^e with t in [1024, 2048) */
        t = ldexp(a, 10 - e);
        if (t != floor(t))
            return -1;
        *bits = (unsigned short)(sign | ((unsigned)(e + 15) << 10) | ((unsigned)t - 1024u));
        return 0;
    }
    /* subnormal: a = t * 2^-24 with t in [1, 1024) */
    t = ldexp(a, 24);
    if (t != floor(t) || t >= 1024.0)
        return -1;
    *bits = (unsigned short)(sign | (unsigned)t);
    return 0;
}

/* ---- writer ------------------------------------------------------------------------------- */

st_writer *st_writer_new(void) {
    st_writer *w = (st_writer *)calloc(1, sizeof(st_writer));
    return w;
}

void st_writer_free(st_writer *w) {
    size_t i;
    if (!w)
        return;
    for (i = 0; i < w->count; i++) {
        free(w->entries[i].name);
        free(w->entries[i].dtype);
        free(w->entries[i].bytes);
    }
    for (i = 0; i < w->meta_count; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->entries);
    free(w->meta);
    free(w);
}

const char *st_writer_error(const st_writer *w) { return w ? w->error : "st_writer: NULL writer"; }

static int check_common(st_writer *w, const char *name, const char *dtype, int ndim,
                        const long long *shape) {
    size_t i;
    int d;
    if (!name || !dtype || ndim < 0 || ndim > ST_MAX_DIMS || (ndim > 0 && !shape)) {
        set_error(w, "st_writer: invalid argument for tensor '%s'", name ? name : "(null)");
        return -1;
    }
    if (strcmp(name, "__metadata__") == 0) {
        set_error(w, "st_writer: '__metadata__' is not a tensor name");
        return -1;
    }
    for (i = 0; i < w->count; i++)
        if (strcmp(w->entries[i].name, name) == 0) {
            set_error(w, "st_writer: duplicate tensor name '%s'", name);
            return -1;
        }
    for (d = 0; d < ndim; d++)
        if (shape[d] < 0) {
            set_error(w, "st_writer: tensor '%s' dimension %d is negative", name, d);
            return -1;
        }
    return 0;
}

/* Appends an entry that takes ownership of bytes. */
static int append_entry(st_writer *w, const char *name, const char *dtype, int ndim,
                        const long long *shape, unsigned char *bytes, size_t nbytes) {
    st_entry *e;
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        st_entry *ne = (st_entry *)realloc(w->entries, cap * sizeof(st_entry));
        if (!ne) {
            free(bytes);
            set_error(w, "st_writer: out of memory");
            return -1;
        }
        w->entries = ne;
        w->cap = cap;
    }
    e = &w->entries[w->count];
    memset(e, 0, sizeof(*e));
    e->name = dup_string(name);
    e->dtype = dup_string(dtype);
    if (!e->name || !e->dtype) {
        free(e->name);
        free(e->dtype);
        free(bytes);
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    e->ndim = ndim;
    if (ndim > 0)
        memcpy(e->shape, shape, (size_t)ndim * sizeof(long long));
    e->bytes = bytes;
    e->nbytes = nbytes;
    w->count++;
    return 0;
}

int st_writer_add(st_writer *w, const char *name, const char *dtype, int ndim,
                  const long long *shape, const float *data) {
    size_t count = 1, esize, i;
    unsigned char *bytes;
    int d, kind; /* 0 F32, 1 F16, 2 BF16 */
    if (!w)
        return -1;
    if (check_common(w, name, dtype, ndim, shape) != 0)
        return -1;
    if (strcmp(dtype, "F32") == 0) {
        kind = 0;
        esize = 4;
    } else if (strcmp(dtype, "F16") == 0) {
        kind = 1;
        esize = 2;
    } else if (strcmp(dtype, "BF16") == 0) {
        kind = 2;
        esize = 2;
    } else {
        set_error(w, "st_writer: tensor '%s': unsupported dtype '%s' (F32, F16, BF16)", name,
                  dtype);
        return -1;
    }
    for (d = 0; d < ndim; d++)
        count *= (size_t)shape[d];
    if (count > 0 && !data) {
        set_error(w, "st_writer: tensor '%s': NULL data", name);
        return -1;
    }
    bytes = (unsigned char *)malloc(count * esize + 1);
    if (!bytes) {
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    for (i = 0; i < count; i++) {
        unsigned short h = 0;
        int rc = 0;
        if (kind == 0)
            put_le32(bytes + 4 * i, float_bits(data[i]));
        else {
            rc = (kind == 1) ? st_encode_f16(data[i], &h) : st_encode_bf16(data[i], &h);
            if (rc != 0) {
                set_error(w, "st_writer: tensor '%s' element %zu = %.9g is not exact in %s", name,
                          i, (double)data[i], dtype);
                free(bytes);
                return -1;
            }
            put_le16(bytes + 2 * i, h);
        }
    }
    return append_entry(w, name, dtype, ndim, shape, bytes, count * esize);
}

int st_writer_add_raw(st_writer *w, const char *name, const char *dtype, int ndim,
                      const long long *shape, const void *data, size_t nbytes) {
    unsigned char *bytes;
    if (!w)
        return -1;
    if (check_common(w, name, dtype, ndim, shape) != 0)
        return -1;
    if (nbytes > 0 && !data) {
        set_error(w, "st_writer: tensor '%s': NULL data", name);
        return -1;
    }
    bytes = (unsigned char *)malloc(nbytes + 1);
    if (!bytes) {
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    if (nbytes > 0)
        memcpy(bytes, data, nbytes);
    return append_entry(w, name, dtype, ndim, shape, bytes, nbytes);
}

int st_writer_add_metadata(st_writer *w, const char *key, const char *value) {
    st_meta *m;
    if (!w)
        return -1;
    if (!key || !value) {
        set_error(w, "st_writer: NULL metadata key or value");
        return -1;
    }
    if (w->meta_count == w->meta_cap) {
        size_t cap = w->meta_cap ? w->meta_cap * 2 : 8;
        st_meta *nm = (st_meta *)realloc(w->meta, cap * sizeof(st_meta));
        if (!nm) {
            set_error(w, "st_writer: out of memory");
            return -1;
        }
        w->meta = nm;
        w->meta_cap = cap;
    }
    m = &w->meta[w->meta_count];
    m->key = dup_string(key);
    m->value = dup_string(value);
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    w->meta_count++;
    return 0;
}

int st_writer_serialize(st_writer *w, unsigned char **out_bytes, size_t *out_size) {
    buf hdr = {NULL, 0, 0, 0};
    buf file = {NULL, 0, 0, 0};
    size_t i, offset = 0;
    unsigned char len8[8];
    char tmp[64];
    int d, first = 1;
    if (!w)
        return -1;
    if (!out_bytes || !out_size) {
        set_error(w, "st_writer: NULL output pointer");
        return -1;
    }
    *out_bytes = NULL;
    *out_size = 0;
    buf_str(&hdr, "{");
    for (i = 0; i < w->count; i++) {
        const st_entry *e = &w->entries[i];
        if (!first)
            buf_str(&hdr, ", ");
        first = 0;
        buf_json_string(&hdr, e->name);
        buf_str(&hdr, ": {\"dtype\": ");
        buf_json_string(&hdr, e->dtype);
        buf_str(&hdr, ", \"shape\": [");
        for (d = 0; d < e->ndim; d++) {
            snprintf(tmp, sizeof(tmp), "%s%lld", d ? ", " : "", e->shape[d]);
            buf_str(&hdr, tmp);
        }
        snprintf(tmp, sizeof(tmp), "], \"data_offsets\": [%llu, %llu]}", (unsigned long long)offset,
                 (unsigned long long)(offset + e->nbytes));
        buf_str(&hdr, tmp);
        offset += e->nbytes;
    }
    if (w->meta_count > 0) {
        if (!first)
            buf_str(&hdr, ", ");
        buf_str(&hdr, "\"__metadata__\": {");
        for (i = 0; i < w->meta_count; i++) {
            if (i)
                buf_str(&hdr, ", ");
            buf_json_string(&hdr, w->meta[i].key);
            buf_str(&hdr, ": ");
            buf_json_string(&hdr, w->meta[i].value);
        }
        buf_str(&hdr, "}");
    }
    buf_str(&hdr, "}");
    while (!hdr.failed && hdr.len % 8 != 0) /* pad with spaces so the data is 8-byte aligned */
        buf_str(&hdr, " ");
    if (hdr.failed) {
        free(hdr.p);
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    put_le64(len8, (uint64_t)hdr.len);
    buf_put(&file, len8, 8);
    buf_put(&file, hdr.p, hdr.len);
    for (i = 0; i < w->count; i++)
        buf_put(&file, w->entries[i].bytes, w->entries[i].nbytes);
    free(hdr.p);
    if (file.failed) {
        free(file.p);
        set_error(w, "st_writer: out of memory");
        return -1;
    }
    *out_bytes = file.p;
    *out_size = file.len;
    return 0;
}

int st_writer_add_layer(st_writer *w, int c, int k, int levels, const float *base,
                        const float *bias, const float *scale, const float *wave,
                        const float *wave_scale) {
    const long long bw[4] = {c, 1, k, k}, bb[1] = {c}, bs[4] = {1, c, 1, 1};
    const long long ww[4] = {4LL * c, 1, k, k}, ws[4] = {1, 4LL * c, 1, 1};
    int rc = st_writer_add(w, "base_conv.weight", "F32", 4, bw, base) ||
             (bias && st_writer_add(w, "base_conv.bias", "F32", 1, bb, bias)) ||
             st_writer_add(w, "base_scale.weight", "F32", 4, bs, scale);
    for (int i = 0; i < levels && !rc; i++) {
        char name[64];
        snprintf(name, sizeof name, "wavelet_convs.%d.weight", i);
        rc = st_writer_add(w, name, "F32", 4, ww, wave);
        snprintf(name, sizeof name, "wavelet_scale.%d.weight", i);
        rc = rc || st_writer_add(w, name, "F32", 4, ws, wave_scale);
    }
    return rc ? -1 : 0;
}

int st_writer_save(st_writer *w, const char *path) {
    unsigned char *bytes = NULL;
    size_t size = 0;
    FILE *f;
    int ok;
    if (!w)
        return -1;
    if (!path) {
        set_error(w, "st_writer: NULL path");
        return -1;
    }
    if (st_writer_serialize(w, &bytes, &size) != 0)
        return -1;
    f = fopen(path, "wb");
    if (!f) {
        free(bytes);
        set_error(w, "st_writer: cannot open '%s' for writing", path);
        return -1;
    }
    ok = fwrite(bytes, 1, size, f) == size;
    if (fclose(f) != 0)
        ok = 0;
    free(bytes);
    if (!ok) {
        set_error(w, "st_writer: error writing '%s'", path);
        remove(path);
        return -1;
    }
    return 0;
}
