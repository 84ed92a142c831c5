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

#define JSON_NONE ((size_t)-1)
#define JSON_MAX_DEPTH 64

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
    json_type type;
    size_t key;          /* object members: pool offset of the decoded key, else JSON_NONE */
    size_t key_len;      /* bytes, without the terminating NUL */
    size_t str;          /* strings: pool offset of the decoded, NUL-terminated value */
    size_t str_len;      /* bytes; may contain NUL bytes from \u0000 */
    int is_uint;         /* numbers: 1 if a plain non-negative integer that fits uint64 */
    uint64_t uint_value; /* its value when is_uint */
    size_t first_child;  /* arrays and objects: index of the first element, or JSON_NONE */
    size_t next_sibling; /* index of the next element of the parent, or JSON_NONE */
    size_t child_count;
} json_node;

typedef struct json_doc {
    json_node *nodes; /* nodes[0] is the top-level value */
    size_t node_count;
    size_t node_capacity;
    char *pool;
    size_t pool_used;
} json_doc;

typedef enum json_result { JSON_OK, JSON_SYNTAX_ERROR, JSON_OUT_OF_MEMORY } json_result;

/* Parses text[0..len). On JSON_SYNTAX_ERROR, *error_offset is the byte offset of the problem
 * and *error_what a short description. The doc is empty on failure; free it either way. */
json_result json_parse(const char *text, size_t len, json_doc *doc, size_t *error_offset,
                       const char **error_what);
void json_free(json_doc *doc);

static inline const char *json_key(const json_doc *doc, const json_node *node) {
    return doc->pool + node->key;
}
static inline const char *json_string(const json_doc *doc, const json_node *node) {
    return doc->pool + node->str;
}

#endif
