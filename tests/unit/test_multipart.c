/* Unit tests: the multipart/form-data parser (src/media/multipart.c). */
#include <stdlib.h>
#include <string.h>

#include "codec/multipart.h"
#include "tap.h"

#define CT "multipart/form-data; boundary=XyZ"

static struct multipart_form form;

/* Parse a copy of s in an exactly sized heap block, so ASan catches any
 * read past the end. */
static enum multipart_rc parse(const char *ctype, const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    enum multipart_rc rc = multipart_parse(ctype, copy, n, &form);
    /* part data points into copy: check it and then forget it */
    for (size_t i = 0; i < form.count; i++)
        if (form.parts[i].data < copy || form.parts[i].data + form.parts[i].len > copy + n)
            rc = (enum multipart_rc)-1;
    free(copy);
    return rc;
}

static enum multipart_rc parse_s(const char *ctype, const char *s)
{
    return parse(ctype, s, strlen(s));
}

static void test_good(void)
{
    const char *body =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"model\"\r\n"
        "\r\n"
        "whisper-1\r\n"
        "--XyZ\r\n"
        "content-disposition: form-data; name=\"file\"; filename=\"talk \\\"1\\\".mp3\"\r\n"
        "Content-Type: audio/mpeg\r\n"
        "X-Other: ignored\r\n"
        "\r\n"
        "ID3\x04\0\r\nbinary--XyZ-not-a-delimiter\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=empty\r\n"
        "\r\n"
        "\r\n"
        "--XyZ--\r\n"
        "epilogue is ignored";
    size_t n = strlen("--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--XyZ\r\n"
                      "content-disposition: form-data; name=\"file\"; filename=\"talk \\\"1\\\".mp3\"\r\n"
                      "Content-Type: audio/mpeg\r\nX-Other: ignored\r\n\r\nID3\x04");
    n += 1 + strlen(body + n + 1);     /* the NUL inside the file content */
    char *copy = malloc(n);
    memcpy(copy, body, n);
    is_int(multipart_parse(CT, copy, n, &form), MULTIPART_OK, "well-formed body parses");
    is_int(form.count, 3, "three parts");
    const struct multipart_part *p = multipart_find(&form, "model");
    ok(p && p->len == 9 && memcmp(p->data, "whisper-1", 9) == 0, "text field value");
    ok(p && !p->has_filename && p->content_type[0] == '\0', "text field has no filename or type");
    p = multipart_find(&form, "file");
    is_str(p ? p->filename : NULL, "talk \"1\".mp3", "quoted filename with escapes");
    is_str(p ? p->content_type : NULL, "audio/mpeg", "part content type");
    ok(p && p->len == 34 && memcmp(p->data, "ID3\x04\0\r\nbinary--XyZ-not-a-delimiter", 34) == 0,
       "binary content with NUL and a near-delimiter kept exactly");
    p = multipart_find(&form, "empty");
    ok(p && p->len == 0, "empty value, unquoted name");
    ok(multipart_find(&form, "nope") == NULL, "unknown field not found");
    free(copy);

    is_int(parse_s("multipart/form-data; charset=utf-8; boundary=\"a b'()+_,-./:=?\"",
                   "preamble\r\n--a b'()+_,-./:=?\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n"
                   "--a b'()+_,-./:=?--"),
           MULTIPART_OK, "quoted boundary with every allowed character, after a preamble");
    is_int(form.count, 1, "one part");
    is_int(parse_s(CT, "--XyZ--"), MULTIPART_OK, "no parts at all");
    is_int(form.count, 0, "zero parts");
    is_int(parse_s(CT, "--XyZ  \t\r\nContent-Disposition: form-data; name=a;\r\n\r\nv\r\n--XyZ--"), MULTIPART_OK,
           "white space after a boundary and a trailing ';'");
    is_int(parse_s("Multipart/Form-Data;boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--XyZ--"),
           MULTIPART_OK, "media type in any case, no space before boundary");
}

static void test_bad(void)
{
    const char *one = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--\r\n";
    is_int(parse_s(NULL, one), MULTIPART_NOT_MULTIPART, "no Content-Type");
    is_int(parse_s("application/json", one), MULTIPART_NOT_MULTIPART, "JSON");
    is_int(parse_s("multipart/form-dataX; boundary=XyZ", one), MULTIPART_NOT_MULTIPART, "wrong media type");
    is_int(parse_s("multipart/form-data", one), MULTIPART_NO_BOUNDARY, "missing boundary");
    is_int(parse_s("multipart/form-data; boundary=", one), MULTIPART_NO_BOUNDARY, "empty boundary");
    is_int(parse_s("multipart/form-data; boundary=\"XyZ", one), MULTIPART_NO_BOUNDARY, "unterminated quoted boundary");
    is_int(parse_s("multipart/form-data; boundary=a<b", one), MULTIPART_NO_BOUNDARY, "boundary with a bad character");
    is_int(parse_s("multipart/form-data; boundary=\"ab \"", one), MULTIPART_NO_BOUNDARY, "boundary ending in space");
    is_int(parse_s("multipart/form-data; boundary=XyZ; boundary=XyZ", one), MULTIPART_NO_BOUNDARY, "two boundaries");
    char longb[200] = "multipart/form-data; boundary=";
    memset(longb + strlen(longb), 'b', 71);
    is_int(parse_s(longb, one), MULTIPART_NO_BOUNDARY, "boundary of 71 characters");

    is_int(parse_s(CT, ""), MULTIPART_NO_START, "empty body");
    is_int(parse_s(CT, "--Other\r\n"), MULTIPART_NO_START, "wrong boundary");
    is_int(parse_s(CT, "--XyZ"), MULTIPART_TRUNCATED, "only the first boundary");
    is_int(parse_s(CT, "--XyZ\r"), MULTIPART_TRUNCATED, "cut inside the CRLF");
    is_int(parse_s(CT, "--XyZx\r\n"), MULTIPART_BAD_DELIMITER, "junk after the boundary");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"), MULTIPART_TRUNCATED,
           "cut inside the headers");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a"), MULTIPART_TRUNCATED,
           "cut inside a header line");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue"), MULTIPART_TRUNCATED,
           "cut inside the content");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--XyZ"), MULTIPART_TRUNCATED,
           "no closing '--'");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--"), MULTIPART_NO_NAME, "no name");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--"), MULTIPART_NO_NAME,
           "empty name");
    is_int(parse_s(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--"), MULTIPART_NO_DISPOSITION,
           "no Content-Disposition");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--"), MULTIPART_NO_DISPOSITION,
           "not form-data");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--"),
           MULTIPART_BAD_HEADER, "two Content-Disposition headers");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--"),
           MULTIPART_BAD_HEADER, "name given twice");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--"), MULTIPART_BAD_HEADER,
           "unterminated quoted name");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\nNo colon here\r\n\r\nv\r\n--XyZ--"),
           MULTIPART_BAD_HEADER, "header line without a colon");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--XyZ--"), MULTIPART_BAD_HEADER,
           "folded header line");
    is_int(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nv\r\n--XyZ--"), MULTIPART_BAD_HEADER,
           "bare LF inside a header line");
    is_int(parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nv\r\n--XyZ--", 58), MULTIPART_BAD_HEADER,
           "NUL in a header");

    /* huge headers: one long line, then many short ones */
    size_t big = MULTIPART_HEADERS_MAX + 100;
    char *s = malloc(big + 200);
    strcpy(s, "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ");
    size_t l = strlen(s);
    memset(s + l, 'p', big);
    strcpy(s + l + big, "\r\n\r\nv\r\n--XyZ--");
    is_int(parse_s(CT, s), MULTIPART_HEADERS_TOO_BIG, "a header line longer than the limit");
    strcpy(s, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n");
    l = strlen(s);
    while (l < big) {
        memcpy(s + l, "X: y\r\n", 6);
        l += 6;
    }
    strcpy(s + l, "\r\nv\r\n--XyZ--");
    is_int(parse_s(CT, s), MULTIPART_HEADERS_TOO_BIG, "many header lines past the limit");
    free(s);

    char name[300];
    memset(name, 'n', sizeof name);
    name[sizeof name - 1] = '\0';
    char body[800];
    snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; name=\"%.*s\"\r\n\r\nv\r\n--XyZ--",
             MULTIPART_NAME_MAX, name);
    is_int(parse_s(CT, body), MULTIPART_FIELD_TOO_LONG, "name of MULTIPART_NAME_MAX characters");
    snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; name=a; filename=\"%s\"\r\n\r\nv\r\n--XyZ--",
             name);
    is_int(parse_s(CT, body), MULTIPART_FIELD_TOO_LONG, "filename too long");

    /* too many parts */
    size_t cap = (MULTIPART_MAX_PARTS + 1) * 64 + 16;
    s = malloc(cap);
    l = 0;
    for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
        l += (size_t)snprintf(s + l, cap - l, "--XyZ\r\nContent-Disposition: form-data; name=f%d\r\n\r\nv\r\n", i);
    strcpy(s + l, "--XyZ--");
    is_int(parse_s(CT, s), MULTIPART_TOO_MANY_PARTS, "more than MULTIPART_MAX_PARTS parts");
    free(s);

    ok(strstr(multipart_strerror(MULTIPART_TRUNCATED), "cut short") != NULL, "error text for a truncated body");
}

/* Every prefix of a good body is refused (never MULTIPART_OK with parts, never a crash). */
static void test_prefixes(void)
{
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                       "Content-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n--XyZ--";
    size_t n = strlen(body);
    int all = 1;
    for (size_t i = 0; i < n - 1; i++) {
        enum multipart_rc rc = parse(CT, body, i);
        if (rc == MULTIPART_OK)
            all = 0;
    }
    ok(all, "all %zu proper prefixes of a body are refused", n - 1);
    is_int(parse(CT, body, n), MULTIPART_OK, "the whole body parses");
}

int main(void)
{
    test_good();
    test_bad();
    test_prefixes();
    return tap_done();
}
