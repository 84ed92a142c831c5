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

/* Whether node's key is exactly `name`: compared over the key's stored length, so that a key
 * with an embedded NUL ("dtype\u0000x") is not taken for the name it starts with. */
static int key_is(const st_file *st, const json_node *node, const char *name) {
    return node->key_len == strlen(name) &&
           !memcmp(json_key(&st->header, node), name, node->key_len);
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
        const json_node **slot = key_is(st, child, "dtype")          ? &dtype
                                 : key_is(st, child, "shape")        ? &shape
                                 : key_is(st, child, "data_offsets") ? &offsets
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
    if (strlen(t->dtype_name) != dtype->str_len) /* "F32\u0000..." is not F32 */
        return bad(name, "\"dtype\" contains a NUL character");
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

static int compare_metadata_keys(const void *a, const void *b) {
    return strcmp(((const st_metadata *)a)->key, ((const st_metadata *)b)->key);
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
        st->metadata[i].key = key;
        st->metadata[i].value = json_string(&st->header, child);
        i++;
    }
    st->metadata_count = i;
    /* Duplicates, as for tensors: sorted, then neighbours (comparing every pair took 52 s in
     * create for a 1.6 MB header of 160,000 keys; 0.06 s sorted). */
    if (i > 1)
        qsort(st->metadata, i, sizeof *st->metadata, compare_metadata_keys);
    for (size_t j = 1; j < i; j++)
        if (!strcmp(st->metadata[j - 1].key, st->metadata[j].key))
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "\"__metadata__\" has the key '%s' twice",
                               st->metadata[j].key);
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
        if (key_is(st, child, "__metadata__")) { /* "__metadata__\u0000x" is a tensor name */
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

/* ---- Files that are not safetensors ------------------------------------------------------- */

/* How much of a file's start is read to recognise what else it is. */
#define SNIFF_BYTES 512

/* Reads the protobuf varint at p[*at..n). Returns 0 if it does not end there. */
static int read_varint(const unsigned char *p, size_t n, size_t *at, uint64_t *value) {
    *value = 0;
    for (int shift = 0; *at < n && shift < 64; shift += 7) {
        unsigned char byte = p[(*at)++];
        *value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return 1;
    }
    return 0;
}

static int is_printable(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    return n > 0;
}

/* 1 if p[0..n) is text: printable ASCII, tabs and line breaks, and well-formed UTF-8 (a
 * sequence cut by the end of the sniffed bytes counts as well-formed). */
static int is_text(const unsigned char *p, size_t n) {
    size_t i = 0;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) /* UTF-8 byte order mark */
        i = 3;
    while (i < n) {
        unsigned char b = p[i];
        int follow = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
        if (b < 0x80) {
            if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (follow < 0 || b > 0xf4)
            return 0;
        for (i++; follow > 0 && i < n; follow--, i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
    }
    return n > 0;
}

/* Copies up to `max` printable characters of p[0..n) into out, stopping at a line break and
 * writing any other byte as '?'. */
static void quote_start(const unsigned char *p, size_t n, size_t max, char *out, size_t cap) {
    size_t used = 0, i;
    for (i = 0; i < n && i < max && used + 4 < cap; i++) {
        if (p[i] == '\n' || p[i] == '\r')
            break;
        out[used++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    }
    if (i < n && p[i] != '\n' && p[i] != '\r' && used + 4 < cap) {
        memcpy(out + used, "...", 3);
        used += 3;
    }
    out[used] = '\0';
}

static int contains(const unsigned char *p, size_t n, const char *word) {
    size_t len = strlen(word);
    for (size_t i = 0; i + len <= n; i++)
        if (!memcmp(p + i, word, len))
            return 1;
    return 0;
}

static const char export_advice[] = "export the WTConv2d weights to safetensors with "
                                    "tools/export_wtconv.py";

/* Recognises a few formats people hand over instead of safetensors, from the file's first
 * bytes p[0..n). Writes what the file looks like into `what` and returns what to do about it,
 * or returns NULL when nothing is recognised. Claims only what the bytes show. */
static const char *recognise_format(const unsigned char *p, size_t n, char *what, size_t cap) {
    if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4) {
        /* A zip local file header; the first entry's name starts at byte 30. */
        size_t name_len = n >= 30 ? (size_t)p[26] | (size_t)p[27] << 8 : 0;
        const unsigned char *name = p + 30;
        if (name_len >= 8 && 30 + name_len <= n && is_printable(name, name_len) &&
            !memcmp(name + name_len - 8, "data.pkl", 8) &&
            (name_len == 8 || name[name_len - 9] == '/'))
            snprintf(what, cap,
                     "a PyTorch checkpoint (a zip archive, torch.save's format: its first "
                     "entry is '%.*s')",
                     (int)name_len, (const char *)name);
        else
            snprintf(what, cap,
                     "a zip archive (it starts with 'PK\\x03\\x04'), such as a checkpoint from "
                     "torch.save");
        return export_advice;
    }
    if (n >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5) {
        snprintf(what, cap,
                 "a Python pickle (protocol %d), such as a checkpoint from torch.save with "
                 "_use_new_zipfile_serialization=False or from PyTorch before 1.6",
                 p[1]);
        return export_advice;
    }
    if (n >= 4 && p[0] == 0x08) {
        /* A protobuf message starting with field 1 as a varint: ONNX's ModelProto starts with
         * ir_version, Core ML's Model (.mlmodel) with specificationVersion. Field 2 then tells
         * them apart: ONNX's producer_name is a string, Core ML's description a message whose
         * first field (an input) is tag 0x0a. */
        size_t at = 1;
        uint64_t version, len;
        if (read_varint(p, n, &at, &version) && version >= 1 && version <= 100 && at < n) {
            unsigned char tag = p[at++];
            /* The description may end past the bytes read (a real .mlmodel's does); only the
             * producer name, which is printed, must lie within them. */
            int field2 = tag == 0x12 && read_varint(p, n, &at, &len) && len > 0 && at < n;
            if (field2 && len <= 64 && len <= n - at && is_printable(p + at, (size_t)len)) {
                snprintf(what, cap, "an ONNX model (a protobuf: ir_version %llu, producer '%.*s')",
                         (unsigned long long)version, (int)len, (const char *)(p + at));
                return export_advice;
            }
            if (field2 && p[at] == 0x0a) {
                snprintf(what, cap,
                         "a Core ML model (.mlmodel, a protobuf: specificationVersion %llu)",
                         (unsigned long long)version);
                return "the Metal backend loads Core ML models named *.mlmodel, *.mlpackage or "
                       "*.mlmodelc; the CPU backend needs the layer's .safetensors file";
            }
            if (contains(p, n, "onnx")) {
                snprintf(what, cap, "an ONNX model (a protobuf: ir_version %llu, mentions 'onnx')",
                         (unsigned long long)version);
                return export_advice;
            }
        }
    }
    if (is_text(p, n)) {
        char start[48];
        size_t i = n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
            i++;
        quote_start(p + i, n - i, 32, start, sizeof start);
        if (i < n && (p[i] == '{' || p[i] == '[')) {
            snprintf(what, cap, "JSON text (it starts with \"%s\")", start);
            return "a safetensors file is binary: an 8-byte little-endian header length, then "
                   "the JSON header, then the tensor data";
        }
        snprintf(what, cap, "a text file (it starts with \"%s\")", start);
        return "a safetensors file is binary: an 8-byte little-endian header length, then a JSON "
               "header, then the tensor data";
    }
    return NULL;
}

/* The message for a header length that cannot be right: it names what the file looks like
 * when that is recognisable, then the detailed reason. */
static wtconv_status bad_header_length(st_file *st, uint64_t header_len,
                                       const unsigned char *first8) {
    unsigned char head[SNIFF_BYTES];
    size_t n = st->file.size < SNIFF_BYTES ? (size_t)st->file.size : SNIFF_BYTES;
    char what[200], reason[200];
    const char *advice = NULL;
    snprintf(reason, sizeof reason,
             "header length %llu (bytes 0..7) is impossible for a %llu-byte file (must be "
             "2..min(file size - 8, %u))",
             (unsigned long long)header_len, (unsigned long long)st->file.size,
             ST_MAX_HEADER_BYTES);
    if (wtconv_file_read_at(&st->file, 0, head, n) == WTCONV_OK)
        advice = recognise_format(head, n, what, sizeof what);
    if (advice)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "not a safetensors file: it looks like %s; %s. As safetensors: %s", what,
                           advice, reason);
    /* A real header is at most 100 MB: a length past that is no safetensors file, or one
     * whose first bytes are damaged. A smaller one past the end suggests a truncated file. */
    if (header_len > ST_MAX_HEADER_BYTES)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "not a safetensors file, or a damaged one (it starts with %02x %02x "
                           "%02x %02x %02x %02x %02x %02x): %s",
                           first8[0], first8[1], first8[2], first8[3], first8[4], first8[5],
                           first8[6], first8[7], reason);
    return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "%s%s", reason,
                       header_len >= 2 ? "; the file is truncated, or not a safetensors file" : "");
}

/* 1 if `dir`/`name` opens as a regular file. */
static int has_file(const char *dir, const char *name) {
    char path[1024];
    wtconv_file file;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        wtconv_file_open(path, &file) != WTCONV_OK)
        return 0;
    wtconv_file_close(&file);
    return 1;
}

/* A Core ML model is a directory; one whose name does not say so reaches this loader, which
 * cannot open it. Adds what it is to the message: then it is a model of the wrong format
 * (WTCONV_ERR_MODEL_FORMAT); anything else keeps `status`. */
static wtconv_status explain_directory(const char *path, wtconv_status status) {
    char message[512];
    const char *kind = NULL;
    snprintf(message, sizeof message, "%s", wtconv_last_error());
    if (has_file(path, "Manifest.json"))
        kind = "a Core ML package (it holds Manifest.json)";
    else if (has_file(path, "coremldata.bin"))
        kind = "a compiled Core ML model (it holds coremldata.bin)";
    if (!kind)
        return wtconv_fail(status, "%s", message);
    return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                       "not a safetensors file: it is a directory that looks like %s; the Metal "
                       "backend loads Core ML models by name (ending in .mlpackage or "
                       ".mlmodelc), the CPU backend needs the layer's .safetensors file. "
                       "Details: %s",
                       kind, message);
}

wtconv_status wtconv_st_open(const char *path, st_file *st) {
    unsigned char length_bytes[8];
    uint64_t header_len = 0;
    char *text;
    wtconv_status status;

    memset(st, 0, sizeof *st);
    status = wtconv_file_open(path, &st->file);
    if (status != WTCONV_OK)
        return status == WTCONV_ERR_IO ? explain_directory(path, status) : status;
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
        status = bad_header_length(st, header_len, length_bytes);
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
    const st_tensor key = {.name = name}; /* bsearch's key: only the name is compared */
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
