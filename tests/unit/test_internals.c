/* Unit tests of internal pieces against closed forms: the JSON parser, the float decoders and
 * the UTF-8 check of the strings written into Core ML models. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "model/dtype.h"
#include "model/json.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

static int parses(const char *text) {
    json_doc doc;
    size_t offset;
    const char *what;
    json_result r = wtconv_json_parse(text, strlen(text), &doc, &offset, &what);
    wtconv_json_free(&doc);
    return r == JSON_OK;
}

static void test_json(void) {
    json_doc doc;
    size_t offset = 0;
    const char *what = NULL;
    const char *text = "{\"a\\u00e9\\ud83d\\ude00\": [0, 18446744073709551615, "
                       "18446744073709551616, -1, 1.5e3, true, null], \"b\": \"x\\ny\"}";
    if (wtconv_json_parse(text, strlen(text), &doc, &offset, &what) != JSON_OK) {
        check(0, what);
        return;
    }
    {
        const json_node *root = &doc.nodes[0];
        const json_node *a = &doc.nodes[root->first_child];
        const json_node *e0 = &doc.nodes[a->first_child];
        const json_node *e1 = &doc.nodes[e0->next_sibling];
        const json_node *e2 = &doc.nodes[e1->next_sibling];
        const json_node *e3 = &doc.nodes[e2->next_sibling];
        const json_node *e4 = &doc.nodes[e3->next_sibling];
        const json_node *b = &doc.nodes[a->next_sibling];
        check(root->type == JSON_OBJECT && root->child_count == 2, "object with two members");
        check(!strcmp(json_key(&doc, a), "a\xc3\xa9\xf0\x9f\x98\x80"),
              "\\u escapes and a surrogate pair decode to UTF-8");
        check(a->type == JSON_ARRAY && a->child_count == 7, "array of seven");
        check(e0->is_uint && e0->uint_value == 0, "0 is a uint");
        check(e1->is_uint && e1->uint_value == 18446744073709551615ull, "UINT64_MAX is a uint");
        check(!e2->is_uint, "UINT64_MAX + 1 is not a uint");
        check(!e3->is_uint && !e4->is_uint, "negative and fractional numbers are not uints");
        check(b->type == JSON_STRING && !strcmp(json_string(&doc, b), "x\ny"), "escaped string");
    }
    wtconv_json_free(&doc);
    check(!parses("{\"a\":01}"), "leading zero refused");
    check(!parses("{\"a\":1,}"), "trailing comma refused");
    check(!parses("{\"a\":\"\t\"}"), "raw control character refused");
    check(!parses("{\"a\":\"\xc0\xaf\"}"), "overlong UTF-8 refused");
    check(!parses("{\"a\":\"\xed\xa0\x80\"}"), "UTF-8 encoded surrogate refused");
    check(!parses("{\"a\":tru}"), "bad literal refused");
    check(!parses(""), "empty text refused");
    check(parses("  {}  "), "surrounding whitespace allowed");
}

static void test_decoders(void) {
    const unsigned char f16[] = {0x00, 0x3C, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0xC0, 0x00, 0x7C};
    const unsigned char bf16[] = {0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40};
    const unsigned char f32[] = {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xBF};
    float out[5];
    wtconv_decode_f16_le(f16, 5, out);
    check(out[0] == 1.0f && out[1] == 65504.0f && out[2] == ldexpf(1.0f, -24) && out[3] == -2.0f &&
              isinf(out[4]),
          "F16: 1, max normal, smallest subnormal, -2, +Inf");
    wtconv_decode_bf16_le(bf16, 3, out);
    check(out[0] == 1.0f && out[1] == -2.0f && out[2] == 3.140625f, "BF16: 1, -2, 3.140625");
    wtconv_decode_f32_le(f32, 2, out);
    check(out[0] == 1.0f && out[1] == -0.5f, "F32 little-endian: 1, -0.5");
}

/* Well-formed sequences from Unicode's table (lengths by hand), each malformed kind, and copies
 * that replace bad bytes and cut only between characters. */
static void test_utf8(void) {
    static const struct {
        const char *s;
        size_t len;
    } seqs[] = {{"A", 1},
                {"\xc2\x80", 2},
                {"\xdf\xbf", 2},
                {"\xe0\xa0\x80", 3},
                {"\xed\x9f\xbf", 3},
                {"\xef\xbf\xbf", 3},
                {"\xf0\x90\x80\x80", 4},
                {"\xf4\x8f\xbf\xbf", 4},
                {"", 0},
                {"\x80", 0},
                {"\xc0\xaf", 0},
                {"\xc1\xbf", 0},
                {"\xe0\x9f\xbf", 0},
                {"\xed\xa0\x80", 0},
                {"\xf0\x8f\xbf\xbf", 0},
                {"\xf4\x90\x80\x80", 0},
                {"\xf5\x80\x80\x80", 0},
                {"\xc3", 0},
                {"\xe2\x82", 0}};
    char out[8], what[64];
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        snprintf(what, sizeof what, "utf8 sequence %zu: length %zu", i, seqs[i].len);
        check(wtconv_utf8_sequence(seqs[i].s, strlen(seqs[i].s)) == seqs[i].len, what);
    }
    check(wtconv_utf8_sequence("\xc3\xa9", 1) == 0,
          "utf8 sequence: a character cut by the bytes available is none");
    wtconv_utf8_copy(out, sizeof out, "mod\xe8le");
    check(strcmp(out, "mod?le") == 0, "utf8 copy: a bad byte becomes '?'");
    wtconv_utf8_copy(out, sizeof out, "abcde\xc3\xa9");
    check(strcmp(out, "abcde\xc3\xa9") == 0, "utf8 copy: a two-byte character fits whole");
    wtconv_utf8_copy(out, sizeof out, "abcdef\xc3\xa9");
    check(strcmp(out, "abcdef") == 0, "utf8 copy: a character that does not fit is left out");
    wtconv_utf8_copy(out, 1, "abc");
    check(out[0] == '\0', "utf8 copy: one byte holds the terminator only");
}

int main(void) {
    test_json();
    test_decoders();
    test_utf8();
    printf("internals: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
