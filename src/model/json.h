/* Internal: a small, strict JSON parser for safetensors headers (RFC 8259, UTF-8 only).
 *
 * Built for hostile input: the nesting depth is bounded, every string is checked to be valid
 * UTF-8 with escapes decoded, numbers are checked against the JSON grammar, and anything after
 * the top-level value other than whitespace is an error. The parsed document is a flat array of
 * nodes linked by index, plus one pool holding every decoded string. */
#ifndef WTCONV_MODEL_JSON_H
#define WTCONV_MODEL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_NONE UINT32_MAX
#define JSON_MAX_DEPTH 64
/* A bound on the values of one document (a safetensors header has about ten per tensor), so
 * that a hostile header costs at most ~160 MB of nodes, not 40 times its own size. */
#define JSON_MAX_NODES (1u << 22)
/* Offsets and indices are 32-bit to keep nodes small; longer texts are refused. */
#define JSON_MAX_TEXT (UINT32_MAX - 1u)

typedef enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_node {
    uint64_t uint_value;   /* numbers: the value when is_uint */
    uint32_t key;          /* object members: pool offset of the decoded key, else JSON_NONE */
    uint32_t key_len;      /* bytes, without the terminating NUL */
    uint32_t str;          /* strings: pool offset of the decoded, NUL-terminated value */
    uint32_t str_len;      /* bytes; may contain NUL bytes from \u0000 */
    uint32_t first_child;  /* arrays and objects: index of the first element, or JSON_NONE */
    uint32_t next_sibling; /* index of the next element of the parent, or JSON_NONE */
    uint32_t child_count;
    uint8_t type;    /* a json_type */
    uint8_t is_uint; /* numbers: 1 if a plain non-negative integer that fits uint64 */
} json_node;

typedef struct json_doc {
    json_node *nodes; /* nodes[0] is the top-level value */
    uint32_t node_count;
    uint32_t node_capacity;
    char *pool;
    uint32_t pool_used;
} json_doc;

typedef enum json_result { JSON_OK, JSON_SYNTAX_ERROR, JSON_OUT_OF_MEMORY } json_result;

/* Parses text[0..len). On JSON_SYNTAX_ERROR, *error_offset is the byte offset of the problem
 * and *error_what a short description (also for a text over JSON_MAX_TEXT bytes or over
 * JSON_MAX_NODES values). The doc is empty on failure; free it either way. */
json_result wtconv_json_parse(const char *text, size_t len, json_doc *doc, size_t *error_offset,
                              const char **error_what);
void wtconv_json_free(json_doc *doc);

static inline const char *json_key(const json_doc *doc, const json_node *node) {
    return doc->pool + node->key;
}
static inline const char *json_string(const json_doc *doc, const json_node *node) {
    return doc->pool + node->str;
}

#endif
