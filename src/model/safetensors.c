#include "model/safetensors.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "model/dtype.h"

typedef struct dtype_info {
    const char *name;
    st_dtype dtype;
    size_t size;
} dtype_info;

/* Every dtype of the safetensors format: those weights may use, then the rest, whose sizes
 * still let the whole header be validated. */
static const dtype_info dtype_table[] = {
    {"F32", ST_DTYPE_F32, 4},
    {"F16", ST_DTYPE_F16, 2},
    {"BF16", ST_DTYPE_BF16, 2},
    {"F64", ST_DTYPE_OTHER_KNOWN, 8},
    {"I64", ST_DTYPE_OTHER_KNOWN, 8},
    {"U64", ST_DTYPE_OTHER_KNOWN, 8},
    {"I32", ST_DTYPE_OTHER_KNOWN, 4},
    {"U32", ST_DTYPE_OTHER_KNOWN, 4},
    {"I16", ST_DTYPE_OTHER_KNOWN, 2},
    {"U16", ST_DTYPE_OTHER_KNOWN, 2},
    {"I8", ST_DTYPE_OTHER_KNOWN, 1},
    {"U8", ST_DTYPE_OTHER_KNOWN, 1},
    {"BOOL", ST_DTYPE_OTHER_KNOWN, 1},
    {"F8_E4M3", ST_DTYPE_OTHER_KNOWN, 1},
    {"F8_E5M2", ST_DTYPE_OTHER_KNOWN, 1},
};

static const json_node *node_at(const st_file *st, uint32_t index) {
    return index == JSON_NONE ? NULL : &st->header.nodes[index];
}

static wtconv_status bad(const char *tensor, const char *what) {
    return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "header entry '%s': %s", tensor, what);
}

static wtconv_status parse_tensor(st_file *st, const json_node *entry, st_tensor *t) {
    const char *name = json_key(&st->header, entry);
    const json_node *dtype = NULL, *shape = NULL, *offsets = NULL;
    const json_node *child;
    uint64_t bytes;

    memset(t, 0, sizeof *t);
    t->name = name;
    if (strlen(name) != entry->key_len)
        return bad(name, "tensor name contains a NUL character");
    if (entry->type != JSON_OBJECT)
        return bad(name, "must be an object with dtype, shape and data_offsets");
    for (child = node_at(st, entry->first_child); child; child = node_at(st, child->next_sibling)) {
        const char *key = json_key(&st->header, child);
        const json_node **slot = !strcmp(key, "dtype")          ? &dtype
                                 : !strcmp(key, "shape")        ? &shape
                                 : !strcmp(key, "data_offsets") ? &offsets
                                                                : NULL;
        if (!slot)
            continue; /* unknown fields are allowed by the format's readers; ignore them */
        if (*slot)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "header entry '%s': duplicate key '%s'",
                               name, key);
        *slot = child;
    }
    if (!dtype || dtype->type != JSON_STRING)
        return bad(name, "missing or non-string \"dtype\"");
    if (!shape || shape->type != JSON_ARRAY)
        return bad(name, "missing or non-array \"shape\"");
    if (!offsets || offsets->type != JSON_ARRAY || offsets->child_count != 2)
        return bad(name, "\"data_offsets\" must be an array of two integers");

    t->dtype_name = json_string(&st->header, dtype);
    t->dtype = ST_DTYPE_UNKNOWN;
    for (size_t i = 0; i < sizeof dtype_table / sizeof dtype_table[0]; i++) {
        if (!strcmp(t->dtype_name, dtype_table[i].name)) {
            t->dtype = dtype_table[i].dtype;
            t->element_size = dtype_table[i].size;
        }
    }

    if (shape->child_count > ST_MAX_DIMS)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "header entry '%s': %u dimensions (at most %d supported)", name,
                           (unsigned)shape->child_count, ST_MAX_DIMS);
    t->ndim = (int)shape->child_count;
    t->element_count = 1;
    {
        int d = 0;
        int overflow = 0;
        for (child = node_at(st, shape->first_child); child;
             child = node_at(st, child->next_sibling), d++) {
            if (child->type != JSON_NUMBER || !child->is_uint)
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "header entry '%s': shape[%d] is not a non-negative integer",
                                   name, d);
            t->shape[d] = child->uint_value;
            if (t->shape[d] != 0 && t->element_count > UINT64_MAX / t->shape[d])
                overflow = 1;
            else
                t->element_count *= t->shape[d];
        }
        if (overflow)
            return bad(name, "the shape's element count overflows 64 bits");
    }

    child = node_at(st, offsets->first_child);
    if (child->type != JSON_NUMBER || !child->is_uint ||
        node_at(st, child->next_sibling)->type != JSON_NUMBER ||
        !node_at(st, child->next_sibling)->is_uint)
        return bad(name, "\"data_offsets\" must hold two non-negative integers");
    t->begin = child->uint_value;
    t->end = node_at(st, child->next_sibling)->uint_value;
    if (t->begin > t->end)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "header entry '%s': data_offsets [%llu, %llu] end before they begin",
                           name, (unsigned long long)t->begin, (unsigned long long)t->end);
    if (t->end > st->data_size)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "header entry '%s': data_offsets end at byte %llu of the data "
                           "section, past its end (%llu bytes; file truncated?)",
                           name, (unsigned long long)t->end, (unsigned long long)st->data_size);
    if (t->element_size != 0) {
        if (t->element_count > UINT64_MAX / t->element_size)
            return bad(name, "the tensor's byte size overflows 64 bits");
        bytes = t->element_count * t->element_size;
        if (bytes != t->end - t->begin)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "header entry '%s': %s shape needs %llu bytes but data_offsets "
                               "[%llu, %llu] hold %llu",
                               name, t->dtype_name, (unsigned long long)bytes,
                               (unsigned long long)t->begin, (unsigned long long)t->end,
                               (unsigned long long)(t->end - t->begin));
    }
    return WTCONV_OK;
}

static int compare_by_name(const void *a, const void *b) {
    return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int compare_by_offset(const void *a, const void *b) {
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Tensors must not share bytes: a hostile file could otherwise alias one tensor's data as
 * another's. Empty tensors occupy nothing and may sit anywhere. */
static wtconv_status check_no_overlap(st_file *st) {
    const st_tensor **order;
    wtconv_status status = WTCONV_OK;
    if (st->tensor_count < 2)
        return WTCONV_OK;
    order = malloc(st->tensor_count * sizeof *order);
    if (!order)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory checking tensor offsets");
    for (size_t i = 0; i < st->tensor_count; i++)
        order[i] = &st->tensors[i];
    qsort(order, st->tensor_count, sizeof *order, compare_by_offset);
    {
        const st_tensor *previous = NULL;
        for (size_t i = 0; i < st->tensor_count; i++) {
            if (order[i]->begin == order[i]->end)
                continue;
            if (previous && order[i]->begin < previous->end) {
                status = wtconv_fail(
                    WTCONV_ERR_MODEL_FORMAT,
                    "tensors '%s' and '%s' overlap in the data section (bytes "
                    "%llu..%llu and %llu..%llu)",
                    previous->name, order[i]->name, (unsigned long long)previous->begin,
                    (unsigned long long)previous->end, (unsigned long long)order[i]->begin,
                    (unsigned long long)order[i]->end);
                break;
            }
            previous = order[i];
        }
    }
    free(order);
    return status;
}

static wtconv_status parse_metadata(st_file *st, const json_node *meta) {
    const json_node *child;
    size_t i = 0;
    if (meta->type != JSON_OBJECT)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "\"__metadata__\" must be an object");
    if (meta->child_count == 0)
        return WTCONV_OK;
    st->metadata = calloc(meta->child_count, sizeof *st->metadata);
    if (!st->metadata)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory reading the metadata");
    for (child = node_at(st, meta->first_child); child; child = node_at(st, child->next_sibling)) {
        const char *key = json_key(&st->header, child);
        if (child->type != JSON_STRING)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "\"__metadata__\" value of '%s' is not a string", key);
        /* Keys and values are compared as C strings: an embedded NUL would alias them. */
        if (strlen(key) != child->key_len ||
            strlen(json_string(&st->header, child)) != child->str_len)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "\"__metadata__\" entry '%s' contains a NUL character", key);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(st->metadata[j].key, key))
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "\"__metadata__\" has the key '%s' twice", key);
        st->metadata[i].key = key;
        st->metadata[i].value = json_string(&st->header, child);
        i++;
    }
    st->metadata_count = i;
    return WTCONV_OK;
}

static wtconv_status parse_header(st_file *st, const char *text, size_t len) {
    size_t error_offset = 0;
    const char *error_what = NULL;
    const json_node *root, *child;
    wtconv_status status;
    size_t n = 0;
    int seen_metadata = 0;

    switch (wtconv_json_parse(text, len, &st->header, &error_offset, &error_what)) {
    case JSON_OK:
        break;
    case JSON_OUT_OF_MEMORY:
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory parsing the %zu-byte header",
                           len);
    case JSON_SYNTAX_ERROR:
        /* +8: report offsets within the file, where the header starts after its length. */
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "header is not valid JSON: %s at byte offset %zu", error_what,
                           error_offset + 8);
    }
    root = &st->header.nodes[0];
    if (root->type != JSON_OBJECT)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "header is not a JSON object");

    if (root->child_count > 0) {
        st->tensors = calloc(root->child_count, sizeof *st->tensors);
        if (!st->tensors)
            return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory reading the header");
    }
    for (child = node_at(st, root->first_child); child; child = node_at(st, child->next_sibling)) {
        if (!strcmp(json_key(&st->header, child), "__metadata__")) {
            if (seen_metadata++)
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "header has \"__metadata__\" twice");
            status = parse_metadata(st, child);
            if (status != WTCONV_OK)
                return status;
            continue;
        }
        status = parse_tensor(st, child, &st->tensors[n]);
        if (status != WTCONV_OK)
            return status;
        n++;
    }
    st->tensor_count = n;
    if (n > 1) /* qsort must not see the NULL array of an empty header */
        qsort(st->tensors, n, sizeof *st->tensors, compare_by_name);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(st->tensors[i - 1].name, st->tensors[i].name))
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "header lists tensor '%s' twice",
                               st->tensors[i].name);
    return check_no_overlap(st);
}

/* Files people mistake for safetensors, recognised by their first bytes. */
static const char *not_safetensors_hint(const unsigned char *first8) {
    if (first8[0] == 'P' && first8[1] == 'K')
        return "; this is a zip archive, as torch.save writes: export the checkpoint with "
               "tools/export_wtconv.py";
    if (first8[0] == 0x80 && first8[1] >= 2 && first8[1] <= 5)
        return "; this is a Python pickle (an old-style torch.save?): export the checkpoint "
               "with tools/export_wtconv.py";
    return "";
}

wtconv_status wtconv_st_open(const char *path, st_file *st) {
    unsigned char length_bytes[8];
    uint64_t header_len = 0;
    char *text;
    wtconv_status status;

    memset(st, 0, sizeof *st);
    status = wtconv_file_open(path, &st->file);
    if (status != WTCONV_OK)
        return status;
    if (st->file.size < 8) {
        status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                             "file is %llu bytes; a safetensors file starts with an 8-byte "
                             "header length",
                             (unsigned long long)st->file.size);
        goto fail;
    }
    status = wtconv_file_read_at(&st->file, 0, length_bytes, sizeof length_bytes);
    if (status != WTCONV_OK)
        goto fail;
    for (int i = 7; i >= 0; i--)
        header_len = header_len << 8 | length_bytes[i];
    if (header_len < 2 || header_len > ST_MAX_HEADER_BYTES || header_len > st->file.size - 8) {
        status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                             "header length %llu (bytes 0..7) is impossible for a %llu-byte file "
                             "(must be 2..min(file size - 8, %u))%s",
                             (unsigned long long)header_len, (unsigned long long)st->file.size,
                             ST_MAX_HEADER_BYTES, not_safetensors_hint(length_bytes));
        goto fail;
    }
    st->data_start = 8 + header_len;
    st->data_size = st->file.size - st->data_start;

    text = malloc((size_t)header_len);
    if (!text) {
        status = wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for a %llu-byte header",
                             (unsigned long long)header_len);
        goto fail;
    }
    status = wtconv_file_read_at(&st->file, 8, text, (size_t)header_len);
    if (status == WTCONV_OK)
        status = parse_header(st, text, (size_t)header_len);
    free(text);
    if (status == WTCONV_OK)
        return WTCONV_OK;
fail:
    wtconv_st_close(st);
    return status;
}

void wtconv_st_close(st_file *st) {
    wtconv_file_close(&st->file);
    free(st->tensors);
    free(st->metadata);
    wtconv_json_free(&st->header);
    memset(st, 0, sizeof *st);
}

const st_tensor *wtconv_st_find(const st_file *st, const char *name) {
    st_tensor key;
    key.name = name;
    if (st->tensor_count == 0)
        return NULL;
    return bsearch(&key, st->tensors, st->tensor_count, sizeof key, compare_by_name);
}

const char *wtconv_st_find_metadata(const st_file *st, const char *key) {
    for (size_t i = 0; i < st->metadata_count; i++)
        if (!strcmp(st->metadata[i].key, key))
            return st->metadata[i].value;
    return NULL;
}

wtconv_status wtconv_st_read_floats(st_file *st, const st_tensor *t, float *dst) {
    size_t bytes = (size_t)(t->end - t->begin);
    unsigned char *raw;
    wtconv_status status;
    if (t->dtype != ST_DTYPE_F32 && t->dtype != ST_DTYPE_F16 && t->dtype != ST_DTYPE_BF16)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "tensor '%s' has dtype %s; weights must be F32, F16 or BF16", t->name,
                           t->dtype_name);
    if ((uint64_t)bytes != t->end - t->begin)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "tensor '%s' is too large to load", t->name);
    raw = malloc(bytes ? bytes : 1);
    if (!raw)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory loading tensor '%s'", t->name);
    status = wtconv_file_read_at(&st->file, st->data_start + t->begin, raw, bytes);
    if (status == WTCONV_OK) {
        if (t->dtype == ST_DTYPE_F32)
            wtconv_decode_f32_le(raw, (size_t)t->element_count, dst);
        else if (t->dtype == ST_DTYPE_F16)
            wtconv_decode_f16_le(raw, (size_t)t->element_count, dst);
        else
            wtconv_decode_bf16_le(raw, (size_t)t->element_count, dst);
    } else {
        wtconv_error_prefix("tensor '%s': ", t->name);
    }
    free(raw);
    return status;
}
