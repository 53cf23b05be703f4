#define _GNU_SOURCE 1   /* memmem */
#include "codec/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A parser position: the unread bytes p[0..n). */
struct multipart_cur {
    const char *p;
    size_t n;
};

/* Offset of the first occurrence of needle in hay, or -1. glibc's memmem is
 * linear even on adversarial input (a body of nothing but CRs). */
static long multipart_search(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    const char *hit = nlen ? memmem(hay, hlen, needle, nlen) : NULL;
    return hit ? (long)(hit - hay) : -1;
}

static int multipart_bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

static int multipart_tspecial_end(char c)
{
    return c == ';' || c == ' ' || c == '\t';
}

/* Read one parameter value at *s (token or quoted string) into out (outlen
 * bytes incl. NUL). Advances *s. Returns 0, -1 on syntax, -2 when too long. */
static int multipart_param_value(const char **s, const char *end, char *out, size_t outlen)
{
    const char *p = *s;
    size_t o = 0;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p >= end)
                return -1;             /* unterminated quote */
            char c = *p++;
            if (c == '"')
                break;
            if (c == '\\') {
                if (p >= end)
                    return -1;
                c = *p++;
            }
            if (c == '\0')
                return -1;
            if (o + 1 >= outlen)
                return -2;
            out[o++] = c;
        }
    } else {
        while (p < end && !multipart_tspecial_end(*p)) {
            if (*p == '"' || *p == '\0')
                return -1;
            if (o + 1 >= outlen)
                return -2;
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    *s = p;
    return 0;
}

/* Where multipart_params stores the parameter called key; a second occurrence of
 * the same key is an error. Parameters without a slot are checked and dropped. */
struct multipart_param_slot {
    const char *key;
    char *out;
    size_t outlen;
    int *seen;
};

static enum multipart_rc multipart_params(const char *s, const char *end, struct multipart_param_slot *slots, size_t nslots)
{
    for (;;) {
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s >= end)
            return MULTIPART_OK;
        if (*s != ';')
            return MULTIPART_BAD_HEADER;
        s++;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s >= end)
            return MULTIPART_OK;              /* a trailing ';' is harmless */
        const char *key = s;
        while (s < end && *s != '=' && !multipart_tspecial_end(*s))
            s++;
        size_t klen = (size_t)(s - key);
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s >= end || *s != '=' || klen == 0)
            return MULTIPART_BAD_HEADER;
        s++;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        struct multipart_param_slot *slot = NULL;
        for (size_t i = 0; i < nslots; i++)
            if (strlen(slots[i].key) == klen && strncasecmp(slots[i].key, key, klen) == 0)
                slot = &slots[i];
        char scratch[MULTIPART_FILENAME_MAX];
        char *out = slot ? slot->out : scratch;
        size_t outlen = slot ? slot->outlen : sizeof scratch;
        int rc = multipart_param_value(&s, end, out, outlen);
        if (rc == -2)
            return MULTIPART_FIELD_TOO_LONG;
        if (rc == -1)
            return MULTIPART_BAD_HEADER;
        if (slot) {
            if (*slot->seen)
                return MULTIPART_BAD_HEADER;  /* the same parameter twice */
            *slot->seen = 1;
        }
    }
}

static enum multipart_rc multipart_boundary(const char *ctype, char *out)
{
    if (!ctype)
        return MULTIPART_NOT_MULTIPART;
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    static const char mf[] = "multipart/form-data";
    if (strncasecmp(ctype, mf, sizeof mf - 1) != 0)
        return MULTIPART_NOT_MULTIPART;
    const char *s = ctype + sizeof mf - 1;
    const char *end = s + strlen(s);
    if (s < end && !(*s == ';' || *s == ' ' || *s == '\t'))
        return MULTIPART_NOT_MULTIPART;
    int seen = 0;
    char scratch[MULTIPART_BOUNDARY_MAX + 1];
    struct multipart_param_slot slot = { "boundary", scratch, sizeof scratch, &seen };
    enum multipart_rc rc = multipart_params(s, end, &slot, 1);
    if (rc == MULTIPART_FIELD_TOO_LONG || rc == MULTIPART_BAD_HEADER || !seen)
        return MULTIPART_NO_BOUNDARY;
    size_t blen = strlen(scratch);
    if (blen == 0 || scratch[blen - 1] == ' ')
        return MULTIPART_NO_BOUNDARY;
    for (size_t i = 0; i < blen; i++)
        if (!multipart_bchar((unsigned char)scratch[i]))
            return MULTIPART_NO_BOUNDARY;
    memcpy(out, scratch, blen + 1);
    return MULTIPART_OK;
}

/* Copy a header value into out, trimmed; -1 when it does not fit. */
static int multipart_copy_value(const char *v, const char *end, char *out, size_t outlen)
{
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t n = (size_t)(end - v);
    if (n >= outlen)
        return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

/* Parse the header lines of one part at c, up to and including the blank line. */
static enum multipart_rc multipart_headers(struct multipart_cur *c, struct multipart_part *part)
{
    size_t used = 0;
    int have_disp = 0, have_type = 0, have_name = 0;
    for (;;) {
        size_t lim = c->n < MULTIPART_HEADERS_MAX - used ? c->n : MULTIPART_HEADERS_MAX - used;
        long eol = multipart_search(c->p, lim, "\r\n", 2);
        if (eol < 0)
            return c->n <= MULTIPART_HEADERS_MAX - used ? MULTIPART_TRUNCATED : MULTIPART_HEADERS_TOO_BIG;
        const char *line = c->p, *lend = c->p + eol;
        used += (size_t)eol + 2;
        c->p += eol + 2;
        c->n -= (size_t)eol + 2;
        if (eol == 0)
            break;
        if (*line == ' ' || *line == '\t')
            return MULTIPART_BAD_HEADER;      /* obsolete line folding */
        for (const char *q = line; q < lend; q++)
            if ((unsigned char)*q < 0x20 && *q != '\t')
                return MULTIPART_BAD_HEADER;
        const char *colon = memchr(line, ':', (size_t)eol);
        if (!colon || colon == line)
            return MULTIPART_BAD_HEADER;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
            if (have_disp)
                return MULTIPART_BAD_HEADER;
            have_disp = 1;
            while (v < lend && (*v == ' ' || *v == '\t'))
                v++;
            if ((size_t)(lend - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
                return MULTIPART_NO_DISPOSITION;
            v += 9;
            if (v < lend && !multipart_tspecial_end(*v))
                return MULTIPART_NO_DISPOSITION;
            struct multipart_param_slot slots[2] = {
                { "name", part->name, sizeof part->name, &have_name },
                { "filename", part->filename, sizeof part->filename, &part->has_filename },
            };
            enum multipart_rc rc = multipart_params(v, lend, slots, 2);
            if (rc != MULTIPART_OK)
                return rc;
        } else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
            if (have_type)
                return MULTIPART_BAD_HEADER;
            have_type = 1;
            if (multipart_copy_value(v, lend, part->content_type, sizeof part->content_type) < 0)
                return MULTIPART_FIELD_TOO_LONG;
        }
    }
    if (!have_disp)
        return MULTIPART_NO_DISPOSITION;
    if (!have_name || !part->name[0])
        return MULTIPART_NO_NAME;
    return MULTIPART_OK;
}

/* After a delimiter: "--" ends the body; otherwise optional white space and
 * CRLF start the next part. Returns MULTIPART_OK with *closed set accordingly. */
static enum multipart_rc multipart_after_delim(struct multipart_cur *c, int *closed)
{
    if (c->n >= 2 && c->p[0] == '-' && c->p[1] == '-') {
        *closed = 1;
        return MULTIPART_OK;
    }
    while (c->n && (*c->p == ' ' || *c->p == '\t'))
        c->p++, c->n--;
    if (c->n < 2)
        return (c->n == 0 || *c->p == '\r') ? MULTIPART_TRUNCATED : MULTIPART_BAD_DELIMITER;
    if (c->p[0] != '\r' || c->p[1] != '\n')
        return MULTIPART_BAD_DELIMITER;
    c->p += 2, c->n -= 2;
    *closed = 0;
    return MULTIPART_OK;
}

enum multipart_rc multipart_parse(const char *content_type, const char *body, size_t len, struct multipart_form *form)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    char delim[MULTIPART_BOUNDARY_MAX + 5];   /* "\r\n--" + boundary + NUL */
    form->count = 0;
    enum multipart_rc rc = multipart_boundary(content_type, boundary);
    if (rc != MULTIPART_OK)
        return rc;
    size_t dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);

    struct multipart_cur c = { body, len };
    /* The first delimiter may open the body directly or follow a preamble. */
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        c.p += dlen - 2, c.n -= dlen - 2;
    } else {
        long at = multipart_search(body, len, delim, dlen);
        if (at < 0)
            return MULTIPART_NO_START;
        c.p += (size_t)at + dlen, c.n -= (size_t)at + dlen;
    }

    for (;;) {
        int closed;
        rc = multipart_after_delim(&c, &closed);
        if (rc != MULTIPART_OK || closed)
            return rc;
        if (form->count == MULTIPART_MAX_PARTS)
            return MULTIPART_TOO_MANY_PARTS;
        struct multipart_part *part = &form->parts[form->count];
        memset(part, 0, sizeof *part);
        rc = multipart_headers(&c, part);
        if (rc != MULTIPART_OK)
            return rc;
        long end = multipart_search(c.p, c.n, delim, dlen);
        if (end < 0)
            return MULTIPART_TRUNCATED;
        part->data = c.p;
        part->len = (size_t)end;
        form->count++;
        c.p += (size_t)end + dlen, c.n -= (size_t)end + dlen;
    }
}

const char *multipart_strerror(enum multipart_rc rc)
{
    switch (rc) {
    case MULTIPART_OK:              return "ok";
    case MULTIPART_NOT_MULTIPART:   return "the request body must be multipart/form-data";
    case MULTIPART_NO_BOUNDARY:     return "the Content-Type has no valid multipart boundary";
    case MULTIPART_NO_START:        return "the multipart body does not start with its boundary";
    case MULTIPART_TRUNCATED:       return "the multipart body is cut short (no closing boundary)";
    case MULTIPART_BAD_DELIMITER:   return "a multipart boundary line is followed by unexpected bytes";
    case MULTIPART_HEADERS_TOO_BIG: return "a multipart part has headers larger than 8 KiB";
    case MULTIPART_BAD_HEADER:      return "a multipart part has a malformed header";
    case MULTIPART_NO_DISPOSITION:  return "a multipart part has no Content-Disposition: form-data header";
    case MULTIPART_NO_NAME:         return "a multipart part has no name";
    case MULTIPART_FIELD_TOO_LONG:  return "a multipart part's name, filename or content type is too long";
    case MULTIPART_TOO_MANY_PARTS:  return "the multipart body has too many parts";
    }
    return "invalid multipart body";
}

const struct multipart_part *multipart_find(const struct multipart_form *form, const char *name)
{
    for (size_t i = 0; i < form->count; i++)
        if (strcmp(form->parts[i].name, name) == 0)
            return &form->parts[i];
    return NULL;
}
