/* recskip: see recskip.h. */
#include "onemin/recskip.h"

#include <string.h>

void recskip_init(struct recskip *r, struct buf *out, const char *name)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->name = name;
    r->name_len = strlen(name);
}

static int recskip_in_object(const struct recskip *r)
{
    return r->depth > 0 && (r->objects >> (r->depth - 1) & 1);
}

/* Follow one byte outside strings: nesting, and where member names are. */
static void recskip_structure(struct recskip *r, char c)
{
    switch (c) {
    case '{':
    case '[':
        if (r->depth == 64) {
            r->lost = 1;
            return;
        }
        r->depth++;
        if (c == '{')
            r->objects |= (uint64_t)1 << (r->depth - 1);
        else
            r->objects &= ~((uint64_t)1 << (r->depth - 1));
        r->key_next = c == '{';
        break;
    case '}':
    case ']':
        if (r->depth > 0)
            r->depth--;
        r->key_next = 0;
        break;
    case ',':
        r->key_next = recskip_in_object(r);
        break;
    case '"':
        r->in_str = 1;
        r->in_key = r->key_next;
        r->key_next = 0;
        r->klen = 0;
        r->kmatch = 1;
        break;
    default:
        break;
    }
}

/* One byte of a string: escapes, its end, and matching a member name. */
static void recskip_string(struct recskip *r, char c)
{
    if (r->esc) {
        r->esc = 0;
        r->kmatch = 0;
    } else if (c == '\\') {
        r->esc = 1;
        r->kmatch = 0;
    } else if (c == '"') {
        r->in_str = 0;
        r->colon_wait = r->in_key && r->kmatch && r->klen == r->name_len && !r->skipping;
        r->in_key = 0;
    } else if (r->in_key) {
        r->kmatch = r->kmatch && r->klen < r->name_len && r->name[r->klen] == c;
        r->klen++;
    }
}

int recskip_feed(struct recskip *r, const char *p, size_t n)
{
    size_t run = 0;             /* start of the bytes to copy as they are */
    for (size_t i = 0; i < n && !r->lost; i++) {
        char c = p[i];
        if (r->in_str) {
            recskip_string(r, c);
            continue;
        }
        if (r->skipping) {
            /* the value ends at a ',' or the closing '}' of its object */
            if ((c == ',' || c == '}') && r->depth == r->skip_depth) {
                r->skipping = 0;
                run = i;
            } else {
                recskip_structure(r, c);
                r->key_next = 0;
                continue;
            }
        }
        if (c == ':' && r->colon_wait) {
            r->colon_wait = 0;
            if (buf_append(r->out, p + run, i + 1 - run) < 0 || buf_puts(r->out, "null") < 0)
                return -1;
            r->skipping = 1;
            r->skip_depth = r->depth;
            run = i + 1;
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            r->colon_wait = 0;
        recskip_structure(r, c);
    }
    if (r->skipping && !r->lost)
        return 0;
    return buf_append(r->out, p + run, n - run) < 0 ? -1 : 0;
}
