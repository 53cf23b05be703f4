/* test_model_alias: RELAY_MODEL_ALIASES parsing and the four resolution rules. */
#include <stdlib.h>
#include <string.h>

#include "api/model_alias.h"
#include "tap.h"

static struct catalog_model cat[] = {
    { .id = "gpt-4o", .kinds = CATALOG_CHAT },
    { .id = "claude-3-5-sonnet-20240620", .kinds = CATALOG_CHAT, .created = 1735689600 },
    { .id = "claude-3-5-haiku-20241022", .kinds = CATALOG_CHAT },
    { .id = "claude-sonnet-4-20250514", .kinds = CATALOG_CHAT },
    { .id = "claude-sonnet-4-5-20250929", .kinds = CATALOG_CHAT },
    { .id = "claude-opus-4-20250514", .kinds = CATALOG_CHAT },
    { .id = "claude-opus-4-1-20250805", .kinds = CATALOG_CHAT },
    { .id = "claude-opus-4-1", .kinds = CATALOG_CHAT, .created = 1735689600 },  /* undated, older by createdAt */
    { .id = "claude-image-sonnet-20990101", .kinds = CATALOG_IMAGE },           /* not a chat model */
};
#define NCAT (sizeof cat / sizeof cat[0])

static void expect(const struct model_aliases *a, const char *name, const char *want, int want_rule, const char *what)
{
    int rule = -1;
    long i = model_alias_resolve(a, name, cat, NCAT, &rule);
    is_str(i >= 0 ? cat[i].id : NULL, want, "%s: %s", what, name);
    is_int(rule, want_rule, "%s: rule", what);
}

int main(void)
{
    struct model_aliases a;
    char err[256] = "";
    is_int(model_alias_parse(&a, " claude-sonnet-4-5 = gpt-4o ,my-fast=claude-3-5-haiku-20241022,, ", err, sizeof err), 0,
           "aliases parse");
    is_int(a.n, 2, "two aliases, empty entries skipped");
    is_str(a.map[0].from, "claude-sonnet-4-5", "spaces trimmed (from)");
    is_str(a.map[0].to, "gpt-4o", "spaces trimmed (to)");
    is_int(model_alias_parse(&a, "", err, sizeof err), 0, "empty spec");
    is_int(a.n, 0, "no aliases");
    is_int(model_alias_parse(&a, "a=b,broken", err, sizeof err), -1, "entry without '='");
    ok(strstr(err, "RELAY_MODEL_ALIASES") && strstr(err, "'broken'"), "error names the variable and the entry");
    is_int(model_alias_parse(&a, "=b", err, sizeof err), -1, "empty client name");
    is_int(model_alias_parse(&a, "a=", err, sizeof err), -1, "empty target");
    char big[200 * 8];
    big[0] = '\0';
    for (int i = 0; i < 70; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%sa%d=b", i ? "," : "", i);
    is_int(model_alias_parse(&a, big, err, sizeof err), -1, "too many aliases");

    is_int(model_alias_table()->n, 0, "the process table starts empty");
    setenv("RELAY_MODEL_ALIASES", "x=gpt-4o", 1);
    is_int(model_alias_configure(err, sizeof err), 0, "configured from the environment");
    is_int(model_alias_table()->n, 1, "one alias from the environment");
    setenv("RELAY_MODEL_ALIASES", "x", 1);
    is_int(model_alias_configure(err, sizeof err), -1, "a bad RELAY_MODEL_ALIASES is refused");
    unsetenv("RELAY_MODEL_ALIASES");

    model_alias_parse(&a, "claude-sonnet-4-5=gpt-4o,ghost=nope", err, sizeof err);
    expect(&a, "claude-sonnet-4-5", "gpt-4o", 1, "explicit alias wins over the family");
    expect(&a, "ghost", NULL, 1, "alias to a model the catalogue lacks");
    expect(&a, "gpt-4o", "gpt-4o", 2, "catalogue name");
    expect(NULL, "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 3, "alias of a dated model");
    expect(NULL, "claude-sonnet-4-5-20250101", "claude-sonnet-4-5-20250929", 3, "other date of the same version");
    expect(NULL, "claude-sonnet-4.5", "claude-sonnet-4-5-20250929", 3, "dotted version");
    expect(NULL, "anthropic/claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 3, "provider prefix");
    expect(NULL, "claude-sonnet-4", "claude-sonnet-4-20250514", 3, "claude-sonnet-4 is not claude-sonnet-4-5");
    expect(NULL, "claude-opus-4-1", "claude-opus-4-1", 2, "catalogue has the alias itself");
    expect(NULL, "claude-opus-4-1-20250806", "claude-opus-4-1-20250805", 3, "dated beats undated");
    expect(NULL, "claude-3-5-sonnet-latest", "claude-3-5-sonnet-20240620", 3, "-latest");
    expect(NULL, "claude-haiku-4-5-20251001", "claude-3-5-haiku-20241022", 4, "tier: newest haiku");
    expect(NULL, "claude-opus-4-5", "claude-opus-4-1-20250805", 4, "tier: newest opus");
    expect(NULL, "claude-sonnet-5", "claude-sonnet-4-5-20250929", 4, "tier: newest sonnet, never an image model");
    expect(NULL, "claude-instant-1", NULL, 0, "no tier");
    expect(NULL, "gpt-5", NULL, 0, "not a Claude name");
    return tap_done();
}
