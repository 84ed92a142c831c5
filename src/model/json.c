#include "model/json.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

typedef struct parser {
    const unsigned char *text;
    size_t len;
    size_t pos;
    json_doc *doc;
    const char *error_what;
    int out_of_memory;
} parser;

static int fail(parser *p, const char *what) {
    if (!p->error_what)
        p->error_what = what;
    return 0;
}

static void skip_space(parser *p) {
    while (p->pos < p->len) {
        unsigned char ch = p->text[p->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        p->pos++;
    }
}

static uint32_t new_node(parser *p, json_type type) {
    json_doc *doc = p->doc;
    if (doc->node_count == JSON_MAX_NODES) {
        fail(p, "too many values (the limit is 4194304)");
        return JSON_NONE;
    }
    if (doc->node_count == doc->node_capacity) {
        uint32_t capacity = doc->node_capacity ? doc->node_capacity * 2 : 64;
        json_node *grown;
        if (capacity > JSON_MAX_NODES)
            capacity = JSON_MAX_NODES;
        grown = realloc(doc->nodes, (size_t)capacity * sizeof(json_node));
        if (!grown) {
            p->out_of_memory = 1;
            return JSON_NONE;
        }
        doc->nodes = grown;
        doc->node_capacity = capacity;
    }
    memset(&doc->nodes[doc->node_count], 0, sizeof(json_node));
    doc->nodes[doc->node_count].type = (uint8_t)type;
    doc->nodes[doc->node_count].key = JSON_NONE;
    doc->nodes[doc->node_count].str = JSON_NONE;
    doc->nodes[doc->node_count].first_child = JSON_NONE;
    doc->nodes[doc->node_count].next_sibling = JSON_NONE;
    return doc->node_count++;
}

static int hex_digit(unsigned char ch) {
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int read_hex4(parser *p, unsigned *value) {
    unsigned v = 0;
    if (p->len - p->pos < 4)
        return fail(p, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p->text[p->pos + (size_t)i]);
        if (d < 0)
            return fail(p, "bad hex digit in \\u escape");
        v = v * 16 + (unsigned)d;
    }
    p->pos += 4;
    *value = v;
    return 1;
}

static void put_utf8(char *out, size_t *n, unsigned cp) {
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Parses a string at p->pos (which is at the opening quote) into the pool. Decoded text is
 * never longer than its JSON spelling, and the quotes leave room for the NUL, so a pool the
 * size of the input always suffices. */
static int parse_string(parser *p, uint32_t *offset, uint32_t *length) {
    json_doc *doc = p->doc;
    char *out = doc->pool + doc->pool_used;
    size_t n = 0;
    p->pos++; /* opening quote */
    for (;;) {
        unsigned char ch;
        if (p->pos >= p->len)
            return fail(p, "unterminated string");
        ch = p->text[p->pos];
        if (ch == '"') {
            p->pos++;
            break;
        }
        if (ch < 0x20)
            return fail(p, "control character in string");
        if (ch == '\\') {
            unsigned cp;
            if (p->pos + 1 >= p->len)
                return fail(p, "unterminated escape");
            ch = p->text[p->pos + 1];
            p->pos += 2;
            switch (ch) {
            case '"':
                out[n++] = '"';
                break;
            case '\\':
                out[n++] = '\\';
                break;
            case '/':
                out[n++] = '/';
                break;
            case 'b':
                out[n++] = '\b';
                break;
            case 'f':
                out[n++] = '\f';
                break;
            case 'n':
                out[n++] = '\n';
                break;
            case 'r':
                out[n++] = '\r';
                break;
            case 't':
                out[n++] = '\t';
                break;
            case 'u':
                if (!read_hex4(p, &cp))
                    return 0;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return fail(p, "lone low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned low;
                    if (p->len - p->pos < 2 || p->text[p->pos] != '\\' ||
                        p->text[p->pos + 1] != 'u')
                        return fail(p, "lone high surrogate in \\u escape");
                    p->pos += 2;
                    if (!read_hex4(p, &low))
                        return 0;
                    if (low < 0xDC00 || low > 0xDFFF)
                        return fail(p, "bad surrogate pair in \\u escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                put_utf8(out, &n, cp);
                break;
            default:
                return fail(p, "unknown escape in string");
            }
        } else {
            size_t seq = wtconv_utf8_sequence((const char *)p->text + p->pos, p->len - p->pos);
            if (seq == 0)
                return fail(p, "invalid UTF-8 in string");
            memcpy(out + n, p->text + p->pos, seq);
            n += seq;
            p->pos += seq;
        }
    }
    out[n] = '\0';
    *offset = doc->pool_used;
    *length = (uint32_t)n; /* n < len <= JSON_MAX_TEXT */
    doc->pool_used += (uint32_t)n + 1;
    return 1;
}

static int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

static int parse_number(parser *p, json_node *node) {
    int plain = 1;
    uint64_t value = 0;
    int overflow = 0;
    if (p->text[p->pos] == '-') {
        plain = 0;
        p->pos++;
    }
    if (p->pos >= p->len || !is_digit(p->text[p->pos]))
        return fail(p, "bad number");
    if (p->text[p->pos] == '0') {
        p->pos++;
    } else {
        while (p->pos < p->len && is_digit(p->text[p->pos])) {
            unsigned d = (unsigned)(p->text[p->pos] - '0');
            if (value > (UINT64_MAX - d) / 10)
                overflow = 1;
            else
                value = value * 10 + d;
            p->pos++;
        }
    }
    if (p->pos < p->len && p->text[p->pos] == '.') {
        plain = 0;
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos]))
            return fail(p, "bad fraction in number");
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        plain = 0;
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos]))
            return fail(p, "bad exponent in number");
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    node->is_uint = (uint8_t)(plain && !overflow);
    node->uint_value = node->is_uint ? value : 0;
    return 1;
}

static int match_literal(parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, "unexpected character");
    p->pos += n;
    return 1;
}

static int parse_value(parser *p, uint32_t *out_index, int depth);

/* Parses the members of an array or object after its opening bracket. */
static int parse_container(parser *p, uint32_t index, int is_object, int depth) {
    uint32_t last = JSON_NONE;
    unsigned char close = is_object ? '}' : ']';
    p->pos++;
    skip_space(p);
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
        return 1;
    }
    for (;;) {
        uint32_t key = JSON_NONE, key_len = 0, child;
        skip_space(p);
        if (is_object) {
            if (p->pos >= p->len || p->text[p->pos] != '"')
                return fail(p, "expected a string key");
            if (!parse_string(p, &key, &key_len))
                return 0;
            skip_space(p);
            if (p->pos >= p->len || p->text[p->pos] != ':')
                return fail(p, "expected ':' after key");
            p->pos++;
        }
        if (!parse_value(p, &child, depth + 1))
            return 0;
        p->doc->nodes[child].key = key;
        p->doc->nodes[child].key_len = key_len;
        if (last == JSON_NONE)
            p->doc->nodes[index].first_child = child;
        else
            p->doc->nodes[last].next_sibling = child;
        p->doc->nodes[index].child_count++;
        last = child;
        skip_space(p);
        if (p->pos >= p->len)
            return fail(p, is_object ? "unterminated object" : "unterminated array");
        if (p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->text[p->pos] == close) {
            p->pos++;
            return 1;
        }
        return fail(p, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *p, uint32_t *out_index, int depth) {
    uint32_t index;
    unsigned char ch;
    if (depth > JSON_MAX_DEPTH)
        return fail(p, "nesting too deep");
    skip_space(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of text");
    ch = p->text[p->pos];
    switch (ch) {
    case '{':
    case '[':
        index = new_node(p, ch == '{' ? JSON_OBJECT : JSON_ARRAY);
        if (index == JSON_NONE)
            return 0;
        *out_index = index;
        return parse_container(p, index, ch == '{', depth);
    case '"': {
        uint32_t off, len;
        index = new_node(p, JSON_STRING);
        if (index == JSON_NONE || !parse_string(p, &off, &len))
            return 0;
        p->doc->nodes[index].str = off;
        p->doc->nodes[index].str_len = len;
        *out_index = index;
        return 1;
    }
    case 't':
    case 'f':
    case 'n':
        index = new_node(p, ch == 't' ? JSON_TRUE : ch == 'f' ? JSON_FALSE : JSON_NULL);
        if (index == JSON_NONE)
            return 0;
        *out_index = index;
        return match_literal(p, ch == 't' ? "true" : ch == 'f' ? "false" : "null");
    default:
        if (ch != '-' && !is_digit(ch))
            return fail(p, "unexpected character");
        index = new_node(p, JSON_NUMBER);
        if (index == JSON_NONE)
            return 0;
        *out_index = index;
        return parse_number(p, &p->doc->nodes[index]);
    }
}

json_result wtconv_json_parse(const char *text, size_t len, json_doc *doc, size_t *error_offset,
                              const char **error_what) {
    parser p;
    uint32_t root;
    memset(doc, 0, sizeof *doc);
    if (len > JSON_MAX_TEXT) {
        *error_offset = 0;
        *error_what = "text too long";
        return JSON_SYNTAX_ERROR;
    }
    memset(&p, 0, sizeof p);
    p.text = (const unsigned char *)text;
    p.len = len;
    p.doc = doc;
    doc->pool = malloc(len + 1);
    if (!doc->pool)
        return JSON_OUT_OF_MEMORY;
    if (parse_value(&p, &root, 1)) {
        skip_space(&p);
        if (p.pos == p.len)
            return JSON_OK;
        fail(&p, "unexpected text after the JSON value");
    }
    *error_offset = p.pos;
    *error_what = p.error_what ? p.error_what : "syntax error";
    wtconv_json_free(doc);
    return p.out_of_memory ? JSON_OUT_OF_MEMORY : JSON_SYNTAX_ERROR;
}

void wtconv_json_free(json_doc *doc) {
    free(doc->nodes);
    free(doc->pool);
    memset(doc, 0, sizeof *doc);
}
