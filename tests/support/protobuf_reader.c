#include "protobuf_reader.h"

#include <string.h>

pb_cursor pb_open(const void *data, size_t size) {
    pb_cursor c;
    c.p = data;
    c.end = c.p + size;
    c.malformed = 0;
    return c;
}

pb_cursor pb_open_field(const pb_field *field) { return pb_open(field->data, field->size); }

static int read_varint(const unsigned char **p, const unsigned char *end, uint64_t *out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        unsigned char byte;
        if (*p >= end)
            return 0;
        byte = *(*p)++;
        value |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return 1;
        }
    }
    return 0;
}

static uint64_t read_le(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int pb_next(pb_cursor *c, pb_field *f) {
    uint64_t key;
    memset(f, 0, sizeof *f);
    if (c->malformed || c->p >= c->end)
        return 0;
    if (!read_varint(&c->p, c->end, &key) || (key >> 3) == 0 || (key >> 3) > 536870911u)
        goto bad;
    f->number = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    switch (f->wire) {
    case PB_VARINT:
        if (!read_varint(&c->p, c->end, &f->value))
            goto bad;
        return 1;
    case PB_FIXED64:
    case PB_FIXED32: {
        const int bytes = f->wire == PB_FIXED64 ? 8 : 4;
        if (c->end - c->p < bytes)
            goto bad;
        f->value = read_le(c->p, bytes);
        c->p += bytes;
        return 1;
    }
    case PB_BYTES: {
        uint64_t size;
        if (!read_varint(&c->p, c->end, &size) || size > (uint64_t)(c->end - c->p))
            goto bad;
        f->data = c->p;
        f->size = (size_t)size;
        c->p += size;
        return 1;
    }
    default:
        goto bad;
    }
bad:
    c->malformed = 1;
    return 0;
}

int pb_repeated_varints(const pb_field *f, uint64_t *values, size_t *count, size_t cap) {
    if (f->wire == PB_VARINT) {
        if (*count >= cap)
            return 0;
        values[(*count)++] = f->value;
        return 1;
    }
    if (f->wire == PB_BYTES) {
        const unsigned char *p = f->data, *end = f->data + f->size;
        while (p < end) {
            if (*count >= cap || !read_varint(&p, end, &values[*count]))
                return 0;
            (*count)++;
        }
        return 1;
    }
    return 0;
}

int pb_repeated_fixed32(const pb_field *f, uint32_t *values, size_t *count, size_t cap) {
    if (f->wire == PB_FIXED32) {
        if (*count >= cap)
            return 0;
        values[(*count)++] = (uint32_t)f->value;
        return 1;
    }
    if (f->wire == PB_BYTES && f->size % 4 == 0) {
        for (size_t i = 0; i < f->size; i += 4) {
            if (*count >= cap)
                return 0;
            values[(*count)++] = (uint32_t)read_le(f->data + i, 4);
        }
        return 1;
    }
    return 0;
}
