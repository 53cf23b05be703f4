/* Unit tests: base64 and format sniffing (src/media). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "codec/b64.h"
#include "codec/sniff.h"
#include "tap.h"

static void enc_is(const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 1024);
    int rc = b64_encode(&b, in, strlen(in));
    ok(rc == 0 && strcmp(buf_str(&b), want) == 0, "b64 encode '%s' -> '%s' (got '%s')", in, want, buf_str(&b));
    is_int(b64_encoded_len(strlen(in)), strlen(want), "b64 encoded length of '%s'", in);
    buf_free(&b);
}

/* in, printable on one TAP line */
static const char *shown(const char *in)
{
    static char out[64];
    size_t o = 0;
    for (; *in && o + 3 < sizeof out; in++) {
        if (*in == '\r' || *in == '\n')
            out[o++] = '\\', out[o++] = *in == '\r' ? 'r' : 'n';
        else
            out[o++] = *in;
    }
    out[o] = '\0';
    return out;
}

static void dec_is(const char *in, int want_rc, const char *want)
{
    struct buf b;
    buf_init(&b, 1024);
    int rc = b64_decode(&b, in, strlen(in));
    if (want_rc == 0)
        ok(rc == 0 && b.len == strlen(want) && memcmp(buf_str(&b), want, b.len) == 0,
           "b64 decode '%s' -> '%s' (rc %d)", shown(in), want, rc);
    else
        ok(rc == want_rc && b.len == 0, "b64 decode '%s' fails with %d (rc %d)", shown(in), want_rc, rc);
    buf_free(&b);
}

static void test_b64(void)
{
    /* RFC 4648 §10 */
    enc_is("", "");
    enc_is("f", "Zg==");
    enc_is("fo", "Zm8=");
    enc_is("foo", "Zm9v");
    enc_is("foob", "Zm9vYg==");
    enc_is("fooba", "Zm9vYmE=");
    enc_is("foobar", "Zm9vYmFy");
    dec_is("", 0, "");
    dec_is("Zg==", 0, "f");
    dec_is("Zm8=", 0, "fo");
    dec_is("Zm9vYmFy", 0, "foobar");
    dec_is("Zg", 0, "f");                      /* padding may be left out */
    dec_is("Zm8", 0, "fo");
    dec_is(" Zm9v\r\nYmFy\n", 0, "foobar");    /* white space is skipped */
    dec_is("Zm9vY", -1, NULL);                 /* one character left over */
    dec_is("Zm9v!mFy", -1, NULL);              /* not in the alphabet */
    dec_is("Zm9v-_Fy", -1, NULL);              /* URL-safe alphabet refused */
    dec_is("Zg==Zg==", -1, NULL);              /* data after padding */
    dec_is("Zg=", -1, NULL);                   /* partial padding */
    dec_is("Zm9v=", -1, NULL);                 /* padding after a full group */
    dec_is("=", -1, NULL);
    dec_is("Zh==", -1, NULL);                  /* non-canonical trailing bits */

    /* the cap: decoding into a small buffer fails with -2 and leaves it as it was */
    struct buf b;
    buf_init(&b, 5);
    buf_append(&b, "xy", 2);
    is_int(b64_decode(&b, "Zm9vYmFy", 8), -2, "b64 decode past the cap gives -2");
    is_str(buf_str(&b), "xy", "buffer unchanged after a failed decode");
    is_int(b64_encode(&b, "foobar", 6), -1, "b64 encode past the cap gives -1");
    is_str(buf_str(&b), "xy", "buffer unchanged after a failed encode");
    buf_free(&b);

    /* round trip of every byte value, long enough for several internal chunks */
    unsigned char raw[3000];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 131 + i / 256);
    struct buf e, d;
    buf_init(&e, 1 << 20);
    buf_init(&d, 1 << 20);
    for (size_t len = sizeof raw - 3; len <= sizeof raw; len++) {
        buf_clear(&e);
        buf_clear(&d);
        int ok1 = b64_encode(&e, raw, len) == 0 && b64_decode(&d, e.data, e.len) == 0;
        ok(ok1 && d.len == len && memcmp(d.data, raw, len) == 0, "b64 round trip of %zu bytes", len);
    }
    buf_free(&e);
    buf_free(&d);
}

static void test_sniff(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *name;
    } magic[] = {
        { "\x89PNG\r\n\x1a\n\0\0", 10, "png" },
        { "\xff\xd8\xff\xe0", 4, "jpeg" },
        { "GIF89a..", 8, "gif" },
        { "GIF87a..", 8, "gif" },
        { "RIFF\x10\0\0\0WEBPVP8 ", 16, "webp" },
        { "RIFF\x10\0\0\0WAVEfmt ", 16, "wav" },
        { "ID3\x04\0\0", 6, "mp3" },
        { "\xff\xfb\x90\x64", 4, "mp3" },
        { "\xff\xf1\x50\x80", 4, "aac" },
        { "fLaC\0\0", 6, "flac" },
        { "OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0OpusHead", 36, "opus" },
        { "OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01vorbis", 35, "ogg" },
        { "\x1a\x45\xdf\xa3\x01", 5, "webm" },
        { "\0\0\0\x20" "ftypM4A \0", 13, "m4a" },
        { "\0\0\0\x20" "ftypisom\0", 13, "mp4" },
    };
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++) {
        const struct sniff_fmt *f = sniff_magic(magic[i].bytes, magic[i].n, SNIFF_IMAGE | SNIFF_AUDIO);
        is_str(f ? f->name : NULL, magic[i].name, "magic bytes of %s", magic[i].name);
    }
    ok(sniff_magic("\x89PNG\r\n\x1a", 7, SNIFF_IMAGE) == NULL, "a truncated PNG signature is not PNG");
    ok(sniff_magic("RIFF\0\0\0\0WEB", 11, SNIFF_IMAGE) == NULL, "RIFF without the full WEBP tag");
    ok(sniff_magic("", 0, SNIFF_IMAGE | SNIFF_AUDIO) == NULL, "empty input");
    ok(sniff_magic("\x89PNG\r\n\x1a\n", 8, SNIFF_AUDIO) == NULL, "PNG is not audio");
    ok(sniff_magic("ID3\x04", 4, SNIFF_IMAGE) == NULL, "MP3 is not an image");
    ok(sniff_magic("<html>", 6, SNIFF_IMAGE | SNIFF_AUDIO) == NULL, "HTML is neither");

    const struct sniff_fmt *f;
    f = sniff_mime("IMAGE/JPG", SNIFF_IMAGE);
    is_str(f ? f->mime : NULL, "image/jpeg", "image/jpg alias, any case");
    f = sniff_mime(" audio/x-wav; codecs=1", SNIFF_AUDIO);
    is_str(f ? f->name : NULL, "wav", "audio/x-wav with parameters");
    ok(sniff_mime("image/svg+xml", SNIFF_IMAGE) == NULL, "svg is not accepted");
    ok(sniff_mime("image/pngx", SNIFF_IMAGE) == NULL, "no prefix matches");
    ok(sniff_mime(NULL, SNIFF_IMAGE) == NULL, "NULL MIME");
    f = sniff_filename("Talk.MPGA", SNIFF_AUDIO);
    is_str(f ? f->name : NULL, "mp3", "extension .MPGA");
    ok(sniff_filename("noext", SNIFF_AUDIO) == NULL, "no extension");
    ok(sniff_filename("x.", SNIFF_AUDIO) == NULL, "empty extension");
    ok(sniff_filename("x.png", SNIFF_AUDIO) == NULL, "image extension is not audio");
    f = sniff_by_name("opus", SNIFF_AUDIO);
    is_str(f ? f->mime : NULL, "audio/opus", "format by name");

    f = sniff_audio("ID3\x04", 4, "audio/wav", "a.flac");
    is_str(f ? f->name : NULL, "mp3", "audio: magic bytes win");
    f = sniff_audio("????", 4, "audio/wav", "a.flac");
    is_str(f ? f->name : NULL, "wav", "audio: then the MIME type");
    f = sniff_audio("????", 4, "application/octet-stream", "a.flac");
    is_str(f ? f->name : NULL, "flac", "audio: then the file name");
    ok(sniff_audio("????", 4, "application/octet-stream", "a.txt") == NULL, "audio: unknown");
    ok(sniff_audio("\x89PNG\r\n\x1a\n", 8, "audio/mpeg", "a.mp3") == NULL,
       "audio: PNG bytes labelled mp3 are refused");
}

int main(void)
{
    test_b64();
    test_sniff();
    return tap_done();
}
