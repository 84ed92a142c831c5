#include "coreml_package_reader.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "model/json.h"
#include "protobuf_reader.h"
#include "test_util.h"

#define MAX_SYMBOLS 4096
#define MAX_DIMS 16
#define MAX_BLOBS 1024
#define MAX_SHOWN_VALUES 4

/* ---- A growing text ------------------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t len, cap;
    int failed;
} text;

TEST_PRINTF(2, 3) static void add(text *t, const char *fmt, ...);
static void add(text *t, const char *fmt, ...) {
    va_list ap;
    int n;
    if (t->failed)
        return;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && (size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        {
            size_t cap = t->cap ? t->cap * 2 : 4096;
            char *grown;
            while (cap - t->len <= (size_t)n)
                cap *= 2;
            grown = realloc(t->s, cap);
            if (!grown) {
                t->failed = 1;
                return;
            }
            t->s = grown;
            t->cap = cap;
        }
    }
}

/* ---- Reading state ----------------------------------------------------------------------- */

typedef struct blob_record {
    uint64_t offset; /* of its metadata record */
    int references;
} blob_record;

typedef struct reader {
    char *why;
    size_t why_size;
    int failed;
    text out;
    unsigned char *weights;
    size_t weights_size;
    blob_record blobs[MAX_BLOBS];
    int blob_count;
    /* Value names in scope and what they stand for ("input x", "%3", "fp32[4] immediate ..."). */
    char *names[MAX_SYMBOLS];
    char *meanings[MAX_SYMBOLS];
    int symbol_count;
    int op_count; /* non-const operations so far in the current block */
} reader;

TEST_PRINTF(2, 3) static void fail(reader *r, const char *fmt, ...);
static void fail(reader *r, const char *fmt, ...) {
    va_list ap;
    if (r->failed)
        return;
    r->failed = 1;
    va_start(ap, fmt);
    vsnprintf(r->why, r->why_size, fmt, ap);
    va_end(ap);
}

static char *copy_span(const unsigned char *data, size_t size) {
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

static char *copy_text(const text *t) {
    return t->failed || !t->s ? NULL : copy_span((const unsigned char *)t->s, t->len);
}

static void define(reader *r, const unsigned char *name, size_t name_size, const char *meaning) {
    if (r->symbol_count >= MAX_SYMBOLS) {
        fail(r, "more than %d values in the program", MAX_SYMBOLS);
        return;
    }
    r->names[r->symbol_count] = copy_span(name, name_size);
    r->meanings[r->symbol_count] =
        meaning ? copy_span((const unsigned char *)meaning, strlen(meaning)) : NULL;
    if (!r->names[r->symbol_count] || !r->meanings[r->symbol_count])
        fail(r, "out of memory");
    r->symbol_count++;
}

static const char *lookup(reader *r, const unsigned char *name, size_t size) {
    for (int i = r->symbol_count - 1; i >= 0; i--)
        if (strlen(r->names[i]) == size && memcmp(r->names[i], name, size) == 0)
            return r->meanings[i];
    fail(r, "the program uses '%.*s' before any operation or input defines it", (int)size,
         (const char *)name);
    return "?";
}

static uint64_t le(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- Types and values (MIL.proto) -------------------------------------------------------- */

static const char *mil_dtype_name(uint64_t t) {
    switch (t) {
    case 1:
        return "bool";
    case 2:
        return "string";
    case 10:
        return "fp16";
    case 11:
        return "fp32";
    case 12:
        return "fp64";
    case 13:
        return "bf16";
    case 21:
        return "int8";
    case 22:
        return "int16";
    case 23:
        return "int32";
    case 24:
        return "int64";
    case 31:
        return "uint8";
    default:
        return NULL;
    }
}

typedef struct tensor_type {
    uint64_t dtype;
    int rank;
    int dim_count; /* Dimension entries read; must equal rank */
    uint64_t dims[MAX_DIMS];
    int known[MAX_DIMS]; /* 0: an UnknownDimension */
} tensor_type;

/* ValueType -> its tensor type; only tensors occur in the programs read here. */
static void read_value_type(reader *r, const pb_field *field, tensor_type *t) {
    pb_cursor c = pb_open_field(field), tc;
    pb_field f, g;
    int have_tensor = 0, dims = 0;
    memset(t, 0, sizeof *t);
    while (pb_next(&c, &f)) {
        if (f.number != 1 || f.wire != PB_BYTES) {
            fail(r, "a value type other than a tensor (ValueType field %u)", f.number);
            return;
        }
        have_tensor = 1;
        tc = pb_open_field(&f);
        while (pb_next(&tc, &g)) {
            if (g.number == 1 && g.wire == PB_VARINT) {
                t->dtype = g.value;
            } else if (g.number == 2 && g.wire == PB_VARINT) {
                t->rank = (int)g.value;
            } else if (g.number == 3 && g.wire == PB_BYTES) { /* one Dimension */
                pb_cursor dc = pb_open_field(&g), sc;
                pb_field d, s;
                if (dims >= MAX_DIMS) {
                    fail(r, "a tensor of more than %d dimensions", MAX_DIMS);
                    return;
                }
                t->known[dims] = 0;
                while (pb_next(&dc, &d)) {
                    if (d.number == 1 && d.wire == PB_BYTES) { /* ConstantDimension */
                        t->known[dims] = 1;
                        sc = pb_open_field(&d);
                        while (pb_next(&sc, &s))
                            if (s.number == 1 && s.wire == PB_VARINT)
                                t->dims[dims] = s.value;
                    }
                }
                dims++;
            } else if (g.number == 4) {
                fail(r, "tensor type attributes are not expected here");
            }
        }
    }
    t->dim_count = dims;
    if (!have_tensor)
        fail(r, "an empty value type");
    else if (dims != t->rank)
        fail(r, "a tensor type of rank %d with %d dimensions", t->rank, dims);
}

static void add_type(text *out, const tensor_type *t) {
    const char *name = mil_dtype_name(t->dtype);
    if (name)
        add(out, "%s[", name);
    else
        add(out, "dtype%llu[", (unsigned long long)t->dtype);
    for (int i = 0; i < t->rank && i < MAX_DIMS; i++) {
        if (!t->known[i])
            add(out, "%s?", i ? "," : "");
        else
            add(out, "%s%llu", i ? "," : "", (unsigned long long)t->dims[i]);
    }
    add(out, "]");
}

static uint64_t element_count(const tensor_type *t) {
    uint64_t n = 1;
    for (int i = 0; i < t->rank && i < MAX_DIMS; i++)
        n *= t->dims[i];
    return n;
}

static void add_digest(text *out, const unsigned char *data, size_t size) {
    wtconv_sha256 h;
    unsigned char digest[32];
    wtconv_sha256_init(&h);
    wtconv_sha256_update(&h, data, size);
    wtconv_sha256_final(&h, digest);
    add(out, "sha256:");
    for (int i = 0; i < 8; i++)
        add(out, "%02x", digest[i]);
}

/* The first values of raw little-endian data of type t, for people reading a difference. */
static void add_first_values(text *out, const tensor_type *t, const unsigned char *data,
                             size_t size) {
    const int bytes = t->dtype == 10 ? 2 : 4;
    size_t count = size / (size_t)bytes;
    add(out, " {");
    for (size_t i = 0; i < count && i < MAX_SHOWN_VALUES; i++) {
        if (t->dtype == 11) {
            uint32_t bits = (uint32_t)le(data + 4 * i, 4);
            float v;
            memcpy(&v, &bits, sizeof v);
            add(out, "%s%.9g", i ? "," : "", (double)v);
        } else {
            add(out, "%s0x%0*llx", i ? "," : "", 2 * bytes,
                (unsigned long long)le(data + (size_t)bytes * i, bytes));
        }
    }
    add(out, "%s}", count > MAX_SHOWN_VALUES ? ",..." : "");
}

static void add_blob(reader *r, text *out, const tensor_type *t, const pb_field *field) {
    pb_cursor c = pb_open_field(field);
    pb_field f;
    char *file_name = NULL;
    uint64_t offset = 0, dtype, size, data_offset;
    const unsigned char *record;
    int b, want_dtype = t->dtype == 10 ? 1 : t->dtype == 11 ? 2 : 0;
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES) {
            free(file_name);
            file_name = copy_span(f.data, f.size);
        } else if (f.number == 2 && f.wire == PB_VARINT) {
            offset = f.value;
        }
    }
    if (!file_name || strcmp(file_name, "@model_path/weights/weight.bin") != 0) {
        fail(r, "a blob value in '%s', not '@model_path/weights/weight.bin'",
             file_name ? file_name : "(no file name)");
        free(file_name);
        return;
    }
    free(file_name);
    if (!r->weights) {
        fail(r, "a blob value but no weights/weight.bin");
        return;
    }
    if (offset % 64 || offset < 64 || offset > r->weights_size || r->weights_size - offset < 64) {
        fail(r, "blob offset %llu: not a 64-aligned record inside the %zu-byte weight file",
             (unsigned long long)offset, r->weights_size);
        return;
    }
    record = r->weights + offset;
    dtype = le(record + 4, 4);
    size = le(record + 8, 8);
    data_offset = le(record + 16, 8);
    if (le(record, 4) != 0xDEADBEEFu || dtype != (uint64_t)want_dtype ||
        data_offset != offset + 64 || size > r->weights_size - data_offset ||
        size != element_count(t) * (t->dtype == 10 ? 2u : 4u)) {
        fail(r,
             "blob record at %llu: sentinel 0x%llx, dtype %llu, %llu bytes at %llu; the value "
             "needs dtype %d and %llu bytes right after the record",
             (unsigned long long)offset, (unsigned long long)le(record, 4),
             (unsigned long long)dtype, (unsigned long long)size, (unsigned long long)data_offset,
             want_dtype, (unsigned long long)(element_count(t) * (t->dtype == 10 ? 2u : 4u)));
        return;
    }
    for (b = 0; b < r->blob_count && r->blobs[b].offset != offset; b++)
        ;
    if (b == r->blob_count) {
        fail(r, "blob offset %llu is not a record of the weight file", (unsigned long long)offset);
        return;
    }
    r->blobs[b].references++;
    add(out, " blob #%d ", b);
    add_digest(out, r->weights + data_offset, (size_t)size);
    add_first_values(out, t, r->weights + data_offset, (size_t)size);
}

/* The elements of an immediate TensorValue, by its oneof member. */
static void add_immediate_tensor(reader *r, text *out, const tensor_type *t, const pb_field *tv) {
    pb_cursor c = pb_open_field(tv), vc;
    pb_field member, f;
    uint64_t count = 0;
    uint32_t kind = 0;
    add(out, " immediate {");
    while (pb_next(&c, &member)) {
        kind = member.number;
        if (member.wire != PB_BYTES) {
            fail(r, "a malformed TensorValue");
            return;
        }
        vc = pb_open_field(&member);
        while (pb_next(&vc, &f)) {
            if (f.number != 1)
                continue;
            if (member.number == 1) { /* floats */
                uint32_t v[4096];
                size_t n = 0;
                if (!pb_repeated_fixed32(&f, v, &n, 4096))
                    fail(r, "a float list too long or malformed");
                for (size_t i = 0; i < n; i++, count++) {
                    float x;
                    memcpy(&x, &v[i], sizeof x);
                    add(out, "%s%.9g", count ? "," : "", (double)x);
                }
            } else if (member.number == 2 || member.number == 3 || member.number == 5) {
                uint64_t v[4096];
                size_t n = 0;
                if (!pb_repeated_varints(&f, v, &n, 4096))
                    fail(r, "an integer list too long or malformed");
                for (size_t i = 0; i < n; i++, count++)
                    add(out, "%s%lld", count ? "," : "",
                        member.number == 2 ? (long long)(int32_t)v[i] : (long long)v[i]);
            } else if (member.number == 4 && f.wire == PB_BYTES) {
                add(out, "%s\"%.*s\"", count++ ? "," : "", (int)f.size, (const char *)f.data);
            } else if (member.number == 7 && f.wire == PB_BYTES) {
                add(out, "%sbytes:", count++ ? "," : "");
                for (size_t i = 0; i < f.size; i++)
                    add(out, "%02x", f.data[i]);
            } else {
                fail(r, "TensorValue member %u is not expected", member.number);
            }
        }
    }
    add(out, "}");
    if (kind != 7 && count != element_count(t) && !(t->rank == 0 && count == 1))
        fail(r, "an immediate value of %llu elements for a type of %llu", (unsigned long long)count,
             (unsigned long long)element_count(t));
}

/* Value -> "dtype[shape] immediate {...}" or "dtype[shape] blob #i sha256:... {...}". */
static void add_value(reader *r, text *out, const pb_field *value) {
    pb_cursor c = pb_open_field(value), ic;
    pb_field f, g;
    tensor_type t;
    int have_type = 0, have_value = 0;
    memset(&t, 0, sizeof t);
    while (pb_next(&c, &f)) {
        if (f.number == 2 && f.wire == PB_BYTES) {
            read_value_type(r, &f, &t);
            have_type = 1;
        }
    }
    if (!have_type) {
        fail(r, "a value without a type");
        return;
    }
    add_type(out, &t);
    c = pb_open_field(value);
    while (pb_next(&c, &f)) {
        if (f.number == 3 && f.wire == PB_BYTES) {
            ic = pb_open_field(&f);
            while (pb_next(&ic, &g)) {
                if (g.number == 1 && g.wire == PB_BYTES)
                    add_immediate_tensor(r, out, &t, &g);
                else
                    fail(r, "an immediate value other than a tensor");
            }
            have_value = 1;
        } else if (f.number == 5 && f.wire == PB_BYTES) {
            add_blob(r, out, &t, &f);
            have_value = 1;
        }
    }
    if (!have_value)
        fail(r, "a value with neither an immediate value nor a blob");
}

/* ---- Program structure ------------------------------------------------------------------- */

/* A map<string, X> entry: key (1) and value (2). */
static int map_entry(const pb_field *entry, pb_field *key, pb_field *value) {
    pb_cursor c = pb_open_field(entry);
    pb_field f;
    int have = 0;
    memset(key, 0, sizeof *key);
    memset(value, 0, sizeof *value);
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES) {
            *key = f;
            have |= 1;
        } else if (f.number == 2) {
            *value = f;
            have |= 2;
        }
    }
    return !c.malformed && (have & 1);
}

static int compare_fields_by_key(const void *a, const void *b) {
    pb_field ka, va, kb, vb;
    size_t n;
    int cmp;
    map_entry(a, &ka, &va);
    map_entry(b, &kb, &vb);
    n = ka.size < kb.size ? ka.size : kb.size;
    cmp = memcmp(ka.data, kb.data, n);
    return cmp ? cmp : (ka.size > kb.size) - (ka.size < kb.size);
}

/* The entries of map field `number` of `message`, sorted by key (at most cap). */
static size_t sorted_entries(reader *r, const pb_field *message, uint32_t number, pb_field *out,
                             size_t cap) {
    pb_cursor c = pb_open_field(message);
    pb_field f, k, v;
    size_t n = 0;
    while (pb_next(&c, &f)) {
        if (f.number != number)
            continue;
        if (f.wire != PB_BYTES || !map_entry(&f, &k, &v) || n >= cap) {
            fail(r, "a malformed or oversized map (field %u)", number);
            return 0;
        }
        out[n++] = f;
    }
    qsort(out, n, sizeof *out, compare_fields_by_key);
    return n;
}

static void read_named_value_type(reader *r, const pb_field *nvt, pb_field *name, tensor_type *t) {
    pb_cursor c = pb_open_field(nvt);
    pb_field f;
    int have_type = 0;
    memset(name, 0, sizeof *name);
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES)
            *name = f;
        else if (f.number == 2 && f.wire == PB_BYTES) {
            read_value_type(r, &f, t);
            have_type = 1;
        }
    }
    if (!name->data || !have_type)
        fail(r, "a named value without a name or type");
}

/* One operation: a const is remembered as its value; anything else is printed. */
static void read_operation(reader *r, const pb_field *op, int depth) {
    pb_cursor c = pb_open_field(op);
    pb_field f, entries[64], k, v;
    char type[64] = "";
    size_t n;
    int outputs = 0, this_op;
    while (pb_next(&c, &f))
        if (f.number == 1 && f.wire == PB_BYTES)
            snprintf(type, sizeof type, "%.*s", (int)f.size, (const char *)f.data);
    if (!type[0]) {
        fail(r, "an operation without a type");
        return;
    }
    if (strcmp(type, "const") == 0) {
        text value = {0};
        pb_field output = {0}, name;
        tensor_type t;
        n = sorted_entries(r, op, 5, entries, 64);
        for (size_t i = 0; i < n; i++) {
            map_entry(&entries[i], &k, &v);
            if (k.size == 3 && memcmp(k.data, "val", 3) == 0)
                add_value(r, &value, &v);
        }
        c = pb_open_field(op);
        while (pb_next(&c, &f))
            if (f.number == 3 && f.wire == PB_BYTES) {
                output = f;
                outputs++;
            } else if (f.number == 2 || f.number == 4) {
                fail(r, "a const operation with inputs or blocks");
            }
        if (outputs != 1 || !value.s) {
            fail(r, "a const operation without exactly one output and a \"val\"");
            free(value.s);
            return;
        }
        read_named_value_type(r, &output, &name, &t);
        define(r, name.data, name.size, value.s);
        free(value.s);
        return;
    }
    this_op = r->op_count++;
    add(&r->out, "%*sop %%%d %s\n", 2 * depth, "", this_op, type);
    n = sorted_entries(r, op, 2, entries, 64);
    for (size_t i = 0; i < n; i++) {
        pb_cursor ac, bc;
        pb_field arg, binding;
        int count = 0;
        map_entry(&entries[i], &k, &v);
        add(&r->out, "%*s  in %.*s =", 2 * depth, "", (int)k.size, (const char *)k.data);
        ac = pb_open_field(&v);
        while (pb_next(&ac, &arg)) {
            if (arg.number != 1 || arg.wire != PB_BYTES)
                continue;
            bc = pb_open_field(&arg);
            add(&r->out, "%s", count++ ? "," : "");
            while (pb_next(&bc, &binding)) {
                if (binding.number == 1 && binding.wire == PB_BYTES)
                    add(&r->out, " %s", lookup(r, binding.data, binding.size));
                else if (binding.number == 2 && binding.wire == PB_BYTES) {
                    add(&r->out, " ");
                    add_value(r, &r->out, &binding);
                }
            }
        }
        add(&r->out, "\n");
    }
    n = sorted_entries(r, op, 5, entries, 64);
    for (size_t i = 0; i < n; i++) {
        map_entry(&entries[i], &k, &v);
        if (k.size == 4 && memcmp(k.data, "name", 4) == 0)
            continue;
        add(&r->out, "%*s  attr %.*s = ", 2 * depth, "", (int)k.size, (const char *)k.data);
        add_value(r, &r->out, &v);
        add(&r->out, "\n");
    }
    c = pb_open_field(op);
    while (pb_next(&c, &f)) {
        if (f.number == 3 && f.wire == PB_BYTES) {
            pb_field name;
            tensor_type t;
            char meaning[32];
            read_named_value_type(r, &f, &name, &t);
            add(&r->out, "%*s  out ", 2 * depth, "");
            add_type(&r->out, &t);
            add(&r->out, "\n");
            snprintf(meaning, sizeof meaning, outputs ? "%%%d.%d" : "%%%d", this_op, outputs);
            define(r, name.data, name.size, meaning);
            outputs++;
        } else if (f.number == 4) {
            fail(r, "operation %s has nested blocks, which are not expected here", type);
        }
    }
}

static void read_block(reader *r, const pb_field *block, int depth) {
    pb_cursor c = pb_open_field(block);
    pb_field f;
    r->op_count = 0;
    while (pb_next(&c, &f)) {
        if (f.number == 1)
            fail(r, "block inputs are not expected in a function's main block");
        else if (f.number == 3 && f.wire == PB_BYTES)
            read_operation(r, &f, depth);
        else if (f.number == 4)
            fail(r, "block attributes are not expected");
    }
    c = pb_open_field(block);
    while (pb_next(&c, &f))
        if (f.number == 2 && f.wire == PB_BYTES)
            add(&r->out, "%*soutput %s\n", 2 * depth, "", lookup(r, f.data, f.size));
}

static void read_function(reader *r, const pb_field *name, const pb_field *function) {
    pb_cursor c = pb_open_field(function);
    pb_field f, entries[8], k, v;
    size_t n;
    const int symbols_before = r->symbol_count;
    add(&r->out, "function %.*s\n", (int)name->size, (const char *)name->data);
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES) {
            pb_field input;
            tensor_type t;
            char meaning[300];
            read_named_value_type(r, &f, &input, &t);
            add(&r->out, "  input %.*s ", (int)input.size, (const char *)input.data);
            add_type(&r->out, &t);
            add(&r->out, "\n");
            snprintf(meaning, sizeof meaning, "input %.*s", (int)input.size,
                     (const char *)input.data);
            define(r, input.data, input.size, meaning);
        } else if (f.number == 2 && f.wire == PB_BYTES) {
            add(&r->out, "  opset %.*s\n", (int)f.size, (const char *)f.data);
        }
    }
    n = sorted_entries(r, function, 4, entries, 8);
    for (size_t i = 0; i < n; i++) {
        map_entry(&entries[i], &k, &v);
        add(&r->out, "  attribute %.*s\n", (int)k.size, (const char *)k.data);
    }
    n = sorted_entries(r, function, 3, entries, 8);
    for (size_t i = 0; i < n; i++) {
        map_entry(&entries[i], &k, &v);
        add(&r->out, "  block %.*s\n", (int)k.size, (const char *)k.data);
        read_block(r, &v, 2);
    }
    while (r->symbol_count > symbols_before) { /* a function's names are its own */
        r->symbol_count--;
        free(r->names[r->symbol_count]);
        free(r->meanings[r->symbol_count]);
    }
}

static void read_program(reader *r, const pb_field *program) {
    pb_cursor c = pb_open_field(program);
    pb_field f, entries[8], k, v;
    size_t n;
    while (pb_next(&c, &f))
        if (f.number == 1 && f.wire == PB_VARINT)
            add(&r->out, "program version %llu\n", (unsigned long long)f.value);
    n = sorted_entries(r, program, 4, entries, 8);
    for (size_t i = 0; i < n; i++) {
        map_entry(&entries[i], &k, &v);
        add(&r->out, "program attribute %.*s\n", (int)k.size, (const char *)k.data);
    }
    n = sorted_entries(r, program, 2, entries, 8);
    for (size_t i = 0; i < n; i++) {
        map_entry(&entries[i], &k, &v);
        read_function(r, &k, &v);
    }
}

/* ---- Model description (Model.proto, FeatureTypes.proto) -------------------------------- */

static void read_feature(reader *r, const char *kind, const pb_field *feature) {
    pb_cursor c = pb_open_field(feature), tc, ac;
    pb_field f, g, h;
    add(&r->out, "%s", kind);
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES) {
            add(&r->out, " %.*s", (int)f.size, (const char *)f.data);
        } else if (f.number == 3 && f.wire == PB_BYTES) {
            tc = pb_open_field(&f);
            while (pb_next(&tc, &g)) {
                if (g.number == 1000 && g.wire == PB_VARINT) {
                    add(&r->out, " optional=%llu", (unsigned long long)g.value);
                } else if (g.number == 5 && g.wire == PB_BYTES) {
                    uint64_t shape[MAX_DIMS];
                    size_t rank = 0;
                    add(&r->out, " multiarray");
                    ac = pb_open_field(&g);
                    while (pb_next(&ac, &h)) {
                        if (h.number == 1) {
                            if (!pb_repeated_varints(&h, shape, &rank, MAX_DIMS))
                                fail(r, "a malformed feature shape");
                        } else if (h.number == 2 && h.wire == PB_VARINT) {
                            add(&r->out, " %s",
                                h.value == 65568   ? "FLOAT32"
                                : h.value == 65552 ? "FLOAT16"
                                : h.value == 65600 ? "DOUBLE"
                                                   : "other-dtype");
                        } else {
                            add(&r->out, " array-field-%u", h.number);
                        }
                    }
                    add(&r->out, " [");
                    for (size_t i = 0; i < rank; i++)
                        add(&r->out, "%s%lld", i ? "," : "", (long long)shape[i]);
                    add(&r->out, "]");
                } else {
                    add(&r->out, " feature-type-%u", g.number);
                }
            }
        }
    }
    add(&r->out, "\n");
}

/* Whether bytes [p, p + n) are well-formed UTF-8, as protobuf requires of a string field (the
 * Core ML model's parser refuses the model otherwise): each sequence checked by its code point. */
static int well_formed_utf8(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        unsigned long cp = len == 1 ? c : len == 2 ? c & 31 : len == 3 ? c & 15 : c & 7;
        if (!len || i + len > n)
            return 0;
        for (size_t j = 1; j < len; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + j] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static void read_description(reader *r, const pb_field *description) {
    pb_cursor c = pb_open_field(description), mc;
    pb_field f, g, entries[256], k, v;
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_BYTES)
            read_feature(r, "input", &f);
        else if (f.number == 10 && f.wire == PB_BYTES)
            read_feature(r, "output", &f);
        else if (f.number == 13 || f.number == 20 || f.number == 50)
            fail(r,
                 "ModelDescription field %u (states, functions, training inputs) is not "
                 "expected",
                 f.number);
    }
    c = pb_open_field(description);
    while (pb_next(&c, &f)) {
        size_t n;
        if (f.number != 100 || f.wire != PB_BYTES)
            continue;
        n = sorted_entries(r, &f, 100, entries, 256);
        for (size_t i = 0; i < n; i++) {
            map_entry(&entries[i], &k, &v);
            if (!well_formed_utf8(k.data, k.size) || (v.data && !well_formed_utf8(v.data, v.size)))
                fail(r, "Metadata entry '%.*s' is not well-formed UTF-8", (int)k.size,
                     (const char *)k.data);
            if (k.size > 7 && memcmp(k.data, "wtconv.", 7) == 0)
                add(&r->out, "metadata %.*s = \"%.*s\"\n", (int)k.size, (const char *)k.data,
                    (int)v.size, v.data ? (const char *)v.data : "");
        }
        mc = pb_open_field(&f);
        while (pb_next(&mc, &g))
            if (g.number != 100 && (g.number < 1 || g.number > 4))
                fail(r, "Metadata field %u is not expected", g.number);
            else if (g.number != 100 && g.wire == PB_BYTES && !well_formed_utf8(g.data, g.size))
                fail(r, "Metadata field %u (a string) is not well-formed UTF-8", g.number);
    }
}

static void read_model(reader *r, const unsigned char *data, size_t size) {
    pb_cursor c = pb_open(data, size);
    pb_field f;
    int programs = 0;
    while (pb_next(&c, &f)) {
        if (f.number == 1 && f.wire == PB_VARINT)
            add(&r->out, "specification version %llu\n", (unsigned long long)f.value);
        else if (f.number == 10 && f.wire == PB_VARINT && f.value)
            add(&r->out, "updatable\n");
    }
    if (c.malformed)
        fail(r, "model.mlmodel is not a valid protobuf message");
    c = pb_open(data, size);
    while (pb_next(&c, &f))
        if (f.number == 2 && f.wire == PB_BYTES)
            read_description(r, &f);
    c = pb_open(data, size);
    while (pb_next(&c, &f)) {
        if (f.number == 502 && f.wire == PB_BYTES) {
            read_program(r, &f);
            programs++;
        } else if (f.number >= 200) {
            fail(r, "a model of type %u, not an ML program (502)", f.number);
        }
    }
    if (programs != 1)
        fail(r, "%d ML programs in the model; need exactly one", programs);
}

/* ---- Weight file and manifest --------------------------------------------------------------- */

static void read_weight_records(reader *r) {
    uint64_t count, at = 64;
    if (r->weights_size < 64 || le(r->weights + 4, 4) != 2) {
        fail(r, "weight.bin: no 64-byte header of version 2");
        return;
    }
    count = le(r->weights, 4);
    for (uint64_t i = 0; i < 7; i++)
        if (le(r->weights + 8 + 8 * i, 8) != 0)
            fail(r, "weight.bin: reserved header field %llu is not zero", (unsigned long long)i);
    while (at < r->weights_size) {
        uint64_t size, data;
        if (r->weights_size - at < 64 || le(r->weights + at, 4) != 0xDEADBEEFu) {
            fail(r, "weight.bin: no blob record (sentinel 0xDEADBEEF) at offset %llu",
                 (unsigned long long)at);
            return;
        }
        size = le(r->weights + at + 8, 8);
        data = le(r->weights + at + 16, 8);
        if (data != at + 64 || size > r->weights_size - data) {
            fail(r, "weight.bin: the record at %llu puts %llu bytes at %llu",
                 (unsigned long long)at, (unsigned long long)size, (unsigned long long)data);
            return;
        }
        if (r->blob_count >= MAX_BLOBS) {
            fail(r, "weight.bin: more than %d blobs", MAX_BLOBS);
            return;
        }
        r->blobs[r->blob_count].offset = at;
        r->blobs[r->blob_count++].references = 0;
        at = (data + size + 63) / 64 * 64;
    }
    if ((uint64_t)r->blob_count != count)
        fail(r, "weight.bin: the header counts %llu blobs, the file holds %d",
             (unsigned long long)count, r->blob_count);
}

static const json_node *member(const json_doc *doc, const json_node *object, const char *key) {
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (uint32_t i = object->first_child; i != JSON_NONE; i = doc->nodes[i].next_sibling)
        if (strcmp(json_key(doc, &doc->nodes[i]), key) == 0)
            return &doc->nodes[i];
    return NULL;
}

static const char *string_member(const json_doc *doc, const json_node *object, const char *key) {
    const json_node *m = member(doc, object, key);
    return m && m->type == JSON_STRING ? json_string(doc, m) : NULL;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_manifest(reader *r, const char *text_data, size_t size) {
    json_doc doc;
    size_t offset;
    const char *what;
    const json_node *root, *items;
    const char *version, *root_id;
    char *lines[16];
    int count = 0;
    if (wtconv_json_parse(text_data, size, &doc, &offset, &what) != JSON_OK) {
        fail(r, "Manifest.json is not JSON (byte %zu: %s)", offset, what);
        wtconv_json_free(&doc);
        return;
    }
    root = &doc.nodes[0];
    version = string_member(&doc, root, "fileFormatVersion");
    root_id = string_member(&doc, root, "rootModelIdentifier");
    items = member(&doc, root, "itemInfoEntries");
    if (!version || !root_id || !items || items->type != JSON_OBJECT || items->child_count > 16) {
        fail(r, "Manifest.json lacks fileFormatVersion, rootModelIdentifier or itemInfoEntries");
        wtconv_json_free(&doc);
        return;
    }
    add(&r->out, "manifest version %s\n", version);
    for (uint32_t i = items->first_child; i != JSON_NONE; i = doc.nodes[i].next_sibling) {
        const json_node *item = &doc.nodes[i];
        const char *path = string_member(&doc, item, "path");
        const char *name = string_member(&doc, item, "name");
        const char *author = string_member(&doc, item, "author");
        const char *description = string_member(&doc, item, "description");
        text line = {0};
        if (!path || !name || !author || !description) {
            fail(r, "Manifest.json item '%s' lacks path, name, author or description",
                 json_key(&doc, item));
            break;
        }
        add(&line, "manifest item %s name=\"%s\" author=\"%s\" description=\"%s\"%s", path, name,
            author, description, strcmp(json_key(&doc, item), root_id) == 0 ? " root" : "");
        lines[count++] = line.s;
    }
    qsort(lines, (size_t)count, sizeof lines[0], compare_strings);
    for (int i = 0; i < count; i++) {
        add(&r->out, "%s\n", lines[i] ? lines[i] : "?");
        free(lines[i]);
    }
    if (!member(&doc, items, root_id))
        fail(r, "Manifest.json: rootModelIdentifier '%s' names no item", root_id);
    wtconv_json_free(&doc);
}

int coreml_package_describe(const char *package, char **out, char *why, size_t why_size) {
    reader *r = calloc(1, sizeof *r);
    char path[4096];
    unsigned char *manifest, *model;
    size_t manifest_size = 0, model_size = 0;
    int status = -1;
    *out = NULL;
    if (!r) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    r->why = why;
    r->why_size = why_size;
    snprintf(path, sizeof path, "%s/Manifest.json", package);
    manifest = test_read_file(path, &manifest_size);
    snprintf(path, sizeof path, "%s/Data/com.apple.CoreML/model.mlmodel", package);
    model = test_read_file(path, &model_size);
    snprintf(path, sizeof path, "%s/Data/com.apple.CoreML/weights/weight.bin", package);
    r->weights = test_read_file(path, &r->weights_size);
    if (!manifest || !model) {
        fail(r, "'%s' has no %s", package,
             !manifest ? "Manifest.json" : "Data/com.apple.CoreML/model.mlmodel");
    } else {
        read_manifest(r, (const char *)manifest, manifest_size);
        if (r->weights)
            read_weight_records(r);
        read_model(r, model, model_size);
        for (int b = 0; b < r->blob_count; b++)
            if (r->blobs[b].references != 1)
                fail(r, "weight.bin: blob #%d (at %llu) is used %d times; each once", b,
                     (unsigned long long)r->blobs[b].offset, r->blobs[b].references);
        if (r->weights)
            add(&r->out, "weights %d blobs, %zu bytes\n", r->blob_count, r->weights_size);
        if (r->out.failed)
            fail(r, "out of memory");
    }
    if (!r->failed) {
        *out = copy_text(&r->out);
        status = *out ? 0 : -1;
    }
    while (r->symbol_count > 0) {
        r->symbol_count--;
        free(r->names[r->symbol_count]);
        free(r->meanings[r->symbol_count]);
    }
    free(r->out.s);
    free(r->weights);
    free(model);
    free(manifest);
    free(r);
    return status;
}
