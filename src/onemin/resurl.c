#include "onemin/resurl.h"

#include <string.h>
#include <strings.h>

int resurl_is_absolute(const char *s)
{
    return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

int resurl_join(struct buf *out, const char *cdn_base, const char *path)
{
    if (!path)
        return -1;
    if (resurl_is_absolute(path))
        return buf_puts(out, path);
    while (*path == '/')
        path++;
    if (!*path)
        return -1;
    size_t blen = strlen(cdn_base);
    while (blen && cdn_base[blen - 1] == '/')
        blen--;
    size_t start = out->len;
    if (buf_append(out, cdn_base, blen) < 0 || buf_append(out, "/", 1) < 0 || buf_puts(out, path) < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}
