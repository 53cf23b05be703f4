/* Unit tests: onemin/kvstore's directory backend (put, get, append,
 * delete, expiry, key rules, a directory of the wrong mode) and the owner
 * tag; codec/doctype's document detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "codec/doctype.h"
#include "onemin/kvstore.h"
#include "tap.h"

static void test_store(void)
{
    char base[] = "/tmp/kvstore-test-XXXXXX", err[128];
    struct kvstore kv = { .what = "test", .mc_prefix = "t:", .ttl_s = 60, .max_bytes = 64 };
    char *text;
    size_t len;
    ok(mkdtemp(base) != NULL, "a scratch directory");
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a/b", base);
    ok(kvstore_dir(&kv, "X_DIR", sub, "unused", err, sizeof err) == 0 && strcmp(kv.dir, sub) == 0, "an absolute dir");
    ok(kvstore_dir(&kv, "X_DIR", "relative", "unused", err, sizeof err) < 0 && strstr(err, "X_DIR"),
       "a relative dir is refused naming the variable");
    snprintf(kv.dir, sizeof kv.dir, "%s", sub);

    ok(kvstore_put(&kv, NULL, "file-0a", "{\"x\":1}", 7) == 0, "put creates the directories and the entry");
    struct stat st;
    ok(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "the directory is private");
    ok(kvstore_get(&kv, NULL, "file-0a", &text, &len) == 1 && len == 7 && strcmp(text, "{\"x\":1}") == 0, "get");
    free(text);
    ok(kvstore_get(&kv, NULL, "file-0b", &text, &len) == 0 && !text, "a missing key is 0");
    ok(kvstore_put(&kv, NULL, "../escape", "x", 1) < 0 && kvstore_get(&kv, NULL, "../escape", &text, &len) == 0,
       "a key with a slash is refused");
    ok(kvstore_put(&kv, NULL, "UPPER", "x", 1) < 0, "upper case is not a key");

    ok(kvstore_append(&kv, NULL, "idx-1", "a\n", 2) == 0 && kvstore_append(&kv, NULL, "idx-1", "b\n", 2) == 0,
       "two appends");
    ok(kvstore_get(&kv, NULL, "idx-1", &text, &len) == 1 && strcmp(text, "a\nb\n") == 0, "appends accumulate");
    free(text);

    char big[100];
    memset(big, 'z', sizeof big);
    ok(kvstore_put(&kv, NULL, "big", big, sizeof big) == 0 && kvstore_get(&kv, NULL, "big", &text, &len) == 0,
       "an entry above max_bytes reads as absent");

    ok(kvstore_delete(&kv, NULL, "file-0a") == 0 && kvstore_get(&kv, NULL, "file-0a", &text, &len) == 0,
       "delete removes it");
    ok(kvstore_delete(&kv, NULL, "file-0a") == 0, "deleting a missing entry is fine");

    char file[700];
    snprintf(file, sizeof file, "%s/idx-1", sub);
    struct timeval old[2] = { { time(NULL) - 120, 0 }, { time(NULL) - 120, 0 } };
    ok(utimes(file, old) == 0 && kvstore_get(&kv, NULL, "idx-1", &text, &len) == 0 && access(file, F_OK) < 0,
       "an expired entry is a miss and is removed");

    chmod(sub, 0755);
    ok(kvstore_put(&kv, NULL, "file-0c", "x", 1) < 0, "a directory others may read is refused");
    kv.ttl_s = 0;
    ok(kvstore_put(&kv, NULL, "file-0d", "x", 1) < 0 && kvstore_get(&kv, NULL, "file-0d", &text, &len) == 0,
       "ttl 0 stores nothing");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "clean up");
}

static void test_owner(void)
{
    char o[65];
    kvstore_owner("abc", 3, o);
    is_str(o, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "owner = hex SHA-256 of the key");
}

static void test_doctype(void)
{
    const struct doctype *d;
    ok((d = doctype_detect("%PDF-1.4\n", 9, NULL, NULL)) && strcmp(d->fmt.name, "pdf") == 0, "PDF by magic");
    ok((d = doctype_detect("%PDF-1.4\n", 9, "text/plain", "x.txt")) && strcmp(d->fmt.name, "pdf") == 0,
       "the magic wins over a wrong name");
    ok((d = doctype_detect("PK\x03\x04rest", 8, NULL, "memo.DOCX")) && strcmp(d->fmt.ext, "docx") == 0, "DOCX by name");
    ok(!doctype_detect("PK\x03\x04rest", 8, "application/zip", "a.zip"), "another ZIP is not a document");
    ok((d = doctype_detect("# Title\n", 8, "text/markdown; charset=utf-8", NULL)) && strcmp(d->fmt.name, "md") == 0 &&
       d->text, "Markdown by MIME type");
    ok((d = doctype_detect("a,b\n", 4, NULL, "t.csv")) && strcmp(d->fmt.mime, "text/csv") == 0, "CSV by name");
    ok((d = doctype_detect("h\xc3\xa9", 3, "text/plain", NULL)) && strcmp(d->fmt.name, "txt") == 0, "UTF-8 text");
    ok(!doctype_detect("h\xe9", 2, "text/plain", NULL), "not UTF-8: not text");
    ok(!doctype_detect("a\0b", 3, "text/plain", NULL), "a NUL: not text");
    ok(!doctype_detect("hello", 5, NULL, "a.bin"), "text of an unknown type is refused");
    ok(!doctype_detect("", 0, "text/plain", "a.txt"), "an empty file is not a document");
}

int main(void)
{
    test_store();
    test_owner();
    test_doctype();
    return tap_done();
}
