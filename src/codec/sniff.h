/* sniff: what kind of image or audio a file is, from its magic bytes, its
 * MIME type or its file name — one table of formats for the whole module.
 *
 * Pure; every returned pointer is static. Thread rule: any thread. */
#ifndef RELAY_CODEC_SNIFF_H
#define RELAY_CODEC_SNIFF_H

#include <stddef.h>

enum sniff_kind { SNIFF_IMAGE = 1, SNIFF_AUDIO = 2 };

struct sniff_fmt {
    const char *name;       /* short name: "png", "mp3", ... (OpenAI's names for audio) */
    const char *mime;       /* canonical MIME type sent upstream and to clients */
    const char *ext;        /* file extension without the dot */
    enum sniff_kind kind;
};

/* The format whose magic bytes start p[0..n), or NULL. Only formats of the
 * kinds in mask (SNIFF_IMAGE | SNIFF_AUDIO) are considered. */
const struct sniff_fmt *sniff_magic(const void *p, size_t n, unsigned mask);

/* The format for a MIME type ("image/jpeg", "audio/x-wav; codecs=1"; case and
 * parameters ignored, aliases known), or NULL. */
const struct sniff_fmt *sniff_mime(const char *mime, unsigned mask);

/* The format for a file name's extension ("talk.MP3"), or NULL. */
const struct sniff_fmt *sniff_filename(const char *name, unsigned mask);

/* The format called name ("mp3", "wav", "png"), or NULL. */
const struct sniff_fmt *sniff_by_name(const char *name, unsigned mask);

/* An audio file's format: magic bytes first, then the MIME type, then the
 * file name (either may be NULL). NULL when none of them is known. */
const struct sniff_fmt *sniff_audio(const void *p, size_t n, const char *mime, const char *filename);

#endif
