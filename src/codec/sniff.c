#include "codec/sniff.h"

#include <string.h>
#include <strings.h>

/* The formats the relay accepts or produces. Order matters only for
 * sniff_by_name, which takes the first entry of a name. */
static const struct sniff_fmt sniff_formats[] = {
    { "png",  "image/png",  "png",  SNIFF_IMAGE },
    { "jpeg", "image/jpeg", "jpg",  SNIFF_IMAGE },
    { "gif",  "image/gif",  "gif",  SNIFF_IMAGE },
    { "webp", "image/webp", "webp", SNIFF_IMAGE },
    { "mp3",  "audio/mpeg", "mp3",  SNIFF_AUDIO },
    { "wav",  "audio/wav",  "wav",  SNIFF_AUDIO },
    { "flac", "audio/flac", "flac", SNIFF_AUDIO },
    { "ogg",  "audio/ogg",  "ogg",  SNIFF_AUDIO },
    { "opus", "audio/opus", "opus", SNIFF_AUDIO },
    { "m4a",  "audio/mp4",  "m4a",  SNIFF_AUDIO },
    { "mp4",  "video/mp4",  "mp4",  SNIFF_AUDIO },
    { "webm", "audio/webm", "webm", SNIFF_AUDIO },
    { "aac",  "audio/aac",  "aac",  SNIFF_AUDIO },
    { "pcm",  "audio/pcm",  "pcm",  SNIFF_AUDIO },
};

enum { F_PNG, F_JPEG, F_GIF, F_WEBP, F_MP3, F_WAV, F_FLAC, F_OGG, F_OPUS, F_M4A, F_MP4, F_WEBM, F_AAC };

static const struct sniff_fmt *pick(unsigned idx, unsigned mask)
{
    const struct sniff_fmt *f = &sniff_formats[idx];
    return (f->kind & mask) ? f : NULL;
}

static int starts(const unsigned char *p, size_t n, size_t off, const char *magic, size_t mlen)
{
    return n >= off + mlen && memcmp(p + off, magic, mlen) == 0;
}

const struct sniff_fmt *sniff_magic(const void *data, size_t n, unsigned mask)
{
    const unsigned char *p = data;
    if (starts(p, n, 0, "\x89PNG\r\n\x1a\n", 8))
        return pick(F_PNG, mask);
    if (starts(p, n, 0, "\xff\xd8\xff", 3))
        return pick(F_JPEG, mask);
    if (starts(p, n, 0, "GIF87a", 6) || starts(p, n, 0, "GIF89a", 6))
        return pick(F_GIF, mask);
    if (starts(p, n, 0, "RIFF", 4) && starts(p, n, 8, "WEBP", 4))
        return pick(F_WEBP, mask);
    if (starts(p, n, 0, "RIFF", 4) && starts(p, n, 8, "WAVE", 4))
        return pick(F_WAV, mask);
    if (starts(p, n, 0, "fLaC", 4))
        return pick(F_FLAC, mask);
    if (starts(p, n, 0, "OggS", 4))
        return starts(p, n, 28, "OpusHead", 8) ? pick(F_OPUS, mask) : pick(F_OGG, mask);
    if (starts(p, n, 0, "\x1a\x45\xdf\xa3", 4))
        return pick(F_WEBM, mask);
    if (starts(p, n, 4, "ftyp", 4))
        return (starts(p, n, 8, "M4A ", 4) || starts(p, n, 8, "M4B ", 4)) ? pick(F_M4A, mask)
                                                                         : pick(F_MP4, mask);
    if (starts(p, n, 0, "ID3", 3))
        return pick(F_MP3, mask);
    /* MPEG audio frame sync: 11 set bits. Layer bits 00 mean ADTS AAC. */
    if (n >= 2 && p[0] == 0xff && (p[1] & 0xe0) == 0xe0)
        return (p[1] & 0x06) == 0 ? pick(F_AAC, mask) : pick(F_MP3, mask);
    return NULL;
}

static const struct {
    const char *mime;
    unsigned idx;
} sniff_mime_aliases[] = {
    { "image/png", F_PNG }, { "image/jpeg", F_JPEG }, { "image/jpg", F_JPEG },
    { "image/pjpeg", F_JPEG }, { "image/gif", F_GIF }, { "image/webp", F_WEBP },
    { "audio/mpeg", F_MP3 }, { "audio/mp3", F_MP3 }, { "audio/mpga", F_MP3 },
    { "audio/mpeg3", F_MP3 }, { "audio/x-mpeg-3", F_MP3 },
    { "audio/wav", F_WAV }, { "audio/x-wav", F_WAV }, { "audio/wave", F_WAV },
    { "audio/vnd.wave", F_WAV }, { "audio/flac", F_FLAC }, { "audio/x-flac", F_FLAC },
    { "audio/ogg", F_OGG }, { "application/ogg", F_OGG }, { "audio/opus", F_OPUS },
    { "audio/mp4", F_M4A }, { "audio/m4a", F_M4A }, { "audio/x-m4a", F_M4A },
    { "video/mp4", F_MP4 }, { "audio/webm", F_WEBM }, { "video/webm", F_WEBM },
    { "audio/aac", F_AAC }, { "audio/x-aac", F_AAC },
};

const struct sniff_fmt *sniff_mime(const char *mime, unsigned mask)
{
    if (!mime)
        return NULL;
    while (*mime == ' ' || *mime == '\t')
        mime++;
    size_t n = strcspn(mime, "; \t");
    for (size_t i = 0; i < sizeof sniff_mime_aliases / sizeof sniff_mime_aliases[0]; i++)
        if (strlen(sniff_mime_aliases[i].mime) == n &&
            strncasecmp(sniff_mime_aliases[i].mime, mime, n) == 0)
            return pick(sniff_mime_aliases[i].idx, mask);
    return NULL;
}

static const struct {
    const char *ext;
    unsigned idx;
} sniff_ext_aliases[] = {
    { "png", F_PNG }, { "jpg", F_JPEG }, { "jpeg", F_JPEG }, { "gif", F_GIF }, { "webp", F_WEBP },
    { "mp3", F_MP3 }, { "mpga", F_MP3 }, { "mpeg", F_MP3 }, { "wav", F_WAV }, { "flac", F_FLAC },
    { "ogg", F_OGG }, { "oga", F_OGG }, { "opus", F_OPUS }, { "m4a", F_M4A }, { "mp4", F_MP4 },
    { "webm", F_WEBM }, { "aac", F_AAC },
};

const struct sniff_fmt *sniff_filename(const char *name, unsigned mask)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || !dot[1])
        return NULL;
    for (size_t i = 0; i < sizeof sniff_ext_aliases / sizeof sniff_ext_aliases[0]; i++)
        if (strcasecmp(sniff_ext_aliases[i].ext, dot + 1) == 0)
            return pick(sniff_ext_aliases[i].idx, mask);
    return NULL;
}

const struct sniff_fmt *sniff_by_name(const char *name, unsigned mask)
{
    for (size_t i = 0; name && i < sizeof sniff_formats / sizeof sniff_formats[0]; i++)
        if ((sniff_formats[i].kind & mask) && strcmp(sniff_formats[i].name, name) == 0)
            return &sniff_formats[i];
    return NULL;
}

const struct sniff_fmt *sniff_audio(const void *p, size_t n, const char *mime, const char *filename)
{
    /* bytes that are recognisably something else (an image) are not audio */
    const struct sniff_fmt *f = sniff_magic(p, n, SNIFF_IMAGE | SNIFF_AUDIO);
    if (f)
        return f->kind == SNIFF_AUDIO ? f : NULL;
    if (!f)
        f = sniff_mime(mime, SNIFF_AUDIO);
    if (!f)
        f = sniff_filename(filename, SNIFF_AUDIO);
    return f;
}
