/* Unit tests: the image-family table, the upstream bodies it builds, and
 * result URL joining (src/media/imgfam.c, src/media/resulturl.c). */
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "onemin/imgfam.h"
#include "onemin/resurl.h"
#include "tap.h"

/* Build the upstream body for the client's JSON request; returns it as
 * compact text (static), or "ERR <param>: <message>". */
static const char *build_task(enum imgfam_task task, const char *client_json, unsigned *n)
{
    static char out[2048];
    struct json_object *client = json_tokener_parse(client_json);
    struct json_object *m;
    const char *model = "dall-e-2";
    if (json_object_object_get_ex(client, "model", &m))
        model = json_object_get_string(m);
    const char *id = imgfam_resolve_alias(model);
    struct imgfam_error err;
    unsigned n_wanted = 0;
    struct json_object *body = imgfam_build(imgfam_for(id), task, id, client, &n_wanted, &err);
    if (body)
        snprintf(out, sizeof out, "%s",
                 json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    else
        snprintf(out, sizeof out, "ERR %s: %s", err.param, err.message);
    if (n)
        *n = n_wanted;
    json_object_put(body);
    json_object_put(client);
    return out;
}

static const char *build(const char *client_json, unsigned *n)
{
    return build_task(IMGFAM_GENERATE, client_json, n);
}

static void body_is(const char *client, const char *want, const char *name)
{
    is_str(build(client, NULL), want, "%s", name);
}

static void err_param(const char *client, const char *param, const char *name)
{
    const char *got = build(client, NULL);
    char want[64];
    snprintf(want, sizeof want, "ERR %s: ", param);
    ok(strncmp(got, want, strlen(want)) == 0, "%s -> 400 param %s (got %s)", name, param, got);
}

static void test_families(void)
{
    ok(strcmp(imgfam_for("dall-e-3")->name, "dall-e-3") == 0, "dall-e-3 family");
    ok(strcmp(imgfam_for("gpt-image-1-mini")->name, "gpt-image") == 0, "gpt-image-1-mini by prefix");
    ok(strcmp(imgfam_for("black-forest-labs/flux-1.1-pro")->name, "flux") == 0, "flux by prefix");
    ok(strcmp(imgfam_for("midjourney_7_0")->name, "midjourney") == 0, "midjourney_7_0 by prefix");
    ok(strcmp(imgfam_for("aa77f04e-3eec-4034-9c07-d0f619684628")->name, "leonardo") == 0, "Kino XL uuid");
    ok(strcmp(imgfam_for("recraft")->name, "generic") == 0, "undocumented model is generic");
    ok(strcmp(imgfam_for("dall-e-2x")->name, "generic") == 0, "exact ids are exact");
    is_str(imgfam_resolve_alias("phoenix"), "6b645e3a-d64f-4341-a6d8-7a3690fbf042", "phoenix alias");
    is_str(imgfam_resolve_alias("dall-e-3"), "dall-e-3", "non-alias unchanged");
    ok(imgfam_for("gpt-image-1")->b64_default, "gpt-image answers b64_json by default");
    ok(imgfam_for("midjourney")->long_running, "midjourney uses the long timeout");
    ok(!imgfam_for("dall-e-3")->long_running, "dall-e-3 does not");
}

static void test_bodies(void)
{
    unsigned n;
    body_is("{\"model\":\"dall-e-2\",\"prompt\":\"a fox\",\"n\":3,\"size\":\"512x512\",\"quality\":\"standard\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"dall-e-2\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":3,\"size\":\"512x512\"}}",
            "dall-e-2: n and size, quality not sent");
    body_is("{\"prompt\":\"a fox\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"dall-e-2\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"1024x1024\"}}",
            "dall-e-2 defaults");
    body_is("{\"model\":\"dall-e-3\",\"prompt\":\"a fox\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"dall-e-3\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"1024x1024\",\"quality\":\"standard\",\"style\":\"vivid\"}}",
            "dall-e-3: quality and style always sent (required upstream)");
    body_is("{\"model\":\"dall-e-3\",\"prompt\":\"a fox\",\"size\":\"1792x1024\",\"quality\":\"hd\",\"style\":\"natural\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"dall-e-3\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"1792x1024\",\"quality\":\"hd\",\"style\":\"natural\"}}",
            "dall-e-3 with the client's choices");
    body_is("{\"model\":\"gpt-image-1-mini\",\"prompt\":\"a fox\",\"n\":2,\"size\":\"auto\",\"quality\":\"auto\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"gpt-image-1-mini\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":2,\"size\":\"1024x1024\",\"quality\":\"low\"}}",
            "gpt-image-1-mini: auto size and quality become the defaults (quality low)");
    body_is("{\"model\":\"gpt-image-1\",\"prompt\":\"a fox\",\"size\":\"1536x1024\",\"quality\":\"high\",\"background\":\"auto\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"gpt-image-1\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"1536x1024\",\"quality\":\"high\"}}",
            "gpt-image-1 with quality high; GPT-image extras accepted and not sent");
    body_is("{\"model\":\"black-forest-labs/flux-pro\",\"prompt\":\"a fox\",\"n\":2,\"size\":\"1792x1024\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"black-forest-labs/flux-pro\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"num_outputs\":2,\"aspect_ratio\":\"16:9\",\"output_format\":\"webp\"}}",
            "flux: num_outputs, aspect_ratio nearest to 1792x1024, output_format webp");
    body_is("{\"model\":\"black-forest-labs/flux-dev\",\"prompt\":\"a fox\",\"size\":\"1024x1536\",\"output_format\":\"jpeg\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"black-forest-labs/flux-dev\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"num_outputs\":1,\"aspect_ratio\":\"2:3\",\"output_format\":\"jpg\"}}",
            "flux: portrait size and output_format jpeg");
    body_is("{\"model\":\"black-forest-labs/flux-schnell\",\"prompt\":\"a fox\",\"size\":\"21:9\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"black-forest-labs/flux-schnell\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"num_outputs\":1,\"aspect_ratio\":\"21:9\",\"output_format\":\"webp\"}}",
            "flux: an aspect ratio given as size");
    is_str(build("{\"model\":\"midjourney\",\"prompt\":\"a fox\",\"size\":\"1792x1024\"}", &n),
           "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"midjourney\",\"promptObject\":"
           "{\"prompt\":\"a fox\",\"n\":4,\"aspect_width\":7,\"aspect_height\":4,"
           "\"mode\":\"fast\",\"isNiji6\":false,\"maintainModeration\":true}}",
           "midjourney: always n 4, reduced aspect width/height, mode fast");
    is_int(n, 4, "midjourney without n returns all four images");
    is_str(build("{\"model\":\"midjourney_6_1\",\"prompt\":\"a fox\",\"n\":1,\"size\":\"16:9\",\"mode\":\"relax\","
                 "\"negative_prompt\":\"rain\"}", &n),
           "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"midjourney_6_1\",\"promptObject\":"
           "{\"prompt\":\"a fox\",\"n\":4,\"aspect_width\":16,\"aspect_height\":9,"
           "\"mode\":\"relax\",\"isNiji6\":false,\"maintainModeration\":true,\"negativePrompt\":\"rain\"}}",
           "midjourney: mode and negative prompt from the client");
    is_int(n, 1, "midjourney with n 1 returns one image");
    body_is("{\"model\":\"stable-diffusion-xl-1024-v1-0\",\"prompt\":\"a fox\",\"n\":2}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"stable-diffusion-xl-1024-v1-0\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"samples\":2,\"size\":\"1024x1024\",\"cfg_scale\":7,"
            "\"clip_guidance_preset\":\"NONE\",\"seed\":0,\"steps\":30}}",
            "sdxl: samples and sampler defaults");
    body_is("{\"model\":\"stable-diffusion-v1-6\",\"prompt\":\"a fox\",\"size\":\"768x512\",\"steps\":50}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"stable-diffusion-v1-6\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"samples\":1,\"width\":768,\"height\":512,\"cfg_scale\":7,"
            "\"clip_guidance_preset\":\"NONE\",\"seed\":0,\"steps\":50}}",
            "sd v1.6: width/height, a client override of steps");
    body_is("{\"model\":\"phoenix\",\"prompt\":\"a fox\",\"negative_prompt\":\"blur\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"6b645e3a-d64f-4341-a6d8-7a3690fbf042\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"1024x1024\",\"negativePrompt\":\"blur\"}}",
            "leonardo phoenix alias: uuid, n, size, negativePrompt");
    body_is("{\"model\":\"albedobase-xl\",\"prompt\":\"a fox\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"2067ae52-33fd-4a82-bb92-c2c55e7d2786\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":1,\"size\":\"512x512\"}}",
            "leonardo AlbedoBase XL defaults to 512x512");
    body_is("{\"model\":\"recraft\",\"prompt\":\"a fox\",\"n\":2,\"size\":\"1280x720\",\"quality\":\"hd\"}",
            "{\"type\":\"IMAGE_GENERATOR\",\"model\":\"recraft\",\"promptObject\":"
            "{\"prompt\":\"a fox\",\"n\":2,\"size\":\"1280x720\"}}",
            "generic: prompt, n, size");
}

static void test_validation(void)
{
    err_param("{\"model\":\"dall-e-3\"}", "prompt", "missing prompt");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"\"}", "prompt", "empty prompt");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":7}", "prompt", "prompt not a string");
    char big[1100];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = '\0';
    char req[1300];
    snprintf(req, sizeof req, "{\"model\":\"dall-e-2\",\"prompt\":\"%s\"}", big);
    err_param(req, "prompt", "dall-e-2 prompt over 1000 characters");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"n\":2}", "n", "dall-e-3 n 2");
    err_param("{\"model\":\"dall-e-2\",\"prompt\":\"x\",\"n\":0}", "n", "n 0");
    err_param("{\"model\":\"dall-e-2\",\"prompt\":\"x\",\"n\":11}", "n", "dall-e-2 n 11");
    err_param("{\"model\":\"dall-e-2\",\"prompt\":\"x\",\"n\":\"2\"}", "n", "n as a string");
    err_param("{\"model\":\"dall-e-2\",\"prompt\":\"x\",\"n\":1.5}", "n", "n fractional");
    err_param("{\"model\":\"black-forest-labs/flux-pro\",\"prompt\":\"x\",\"n\":5}", "n", "flux n 5");
    err_param("{\"model\":\"midjourney\",\"prompt\":\"x\",\"n\":5}", "n", "midjourney n 5");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"size\":\"512x512\"}", "size", "dall-e-3 512x512");
    err_param("{\"model\":\"dall-e-2\",\"prompt\":\"x\",\"size\":\"1792x1024\"}", "size", "dall-e-2 1792x1024");
    err_param("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"size\":\"1792x1024\"}", "size", "gpt-image 1792x1024");
    err_param("{\"model\":\"stable-diffusion-v1-6\",\"prompt\":\"x\",\"size\":\"500x512\"}", "size",
              "sd v1.6 not a multiple of 64");
    err_param("{\"model\":\"stable-diffusion-v1-6\",\"prompt\":\"x\",\"size\":\"16:9\"}", "size",
              "sd v1.6 takes no aspect ratio");
    err_param("{\"model\":\"recraft\",\"prompt\":\"x\",\"size\":\"big\"}", "size", "generic size not WxH");
    err_param("{\"model\":\"recraft\",\"prompt\":\"x\",\"size\":\"0x10\"}", "size", "zero width");
    err_param("{\"model\":\"recraft\",\"prompt\":\"x\",\"size\":\"99999x99999\"}", "size", "huge size");
    err_param("{\"model\":\"black-forest-labs/flux-pro\",\"prompt\":\"x\",\"size\":\"1024x1024x3\"}", "size",
              "trailing junk in size");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"size\":7}", "size", "size not a string");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"quality\":\"low\"}", "quality", "dall-e-3 quality low");
    err_param("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"quality\":\"hd\"}", "quality", "gpt-image quality hd");
    err_param("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"style\":\"anime\"}", "style", "dall-e-3 style anime");
    err_param("{\"model\":\"black-forest-labs/flux-pro\",\"prompt\":\"x\",\"output_format\":\"bmp\"}",
              "output_format", "flux output_format bmp");
    err_param("{\"model\":\"midjourney\",\"prompt\":\"x\",\"mode\":{\"a\":1}}", "mode",
              "pass-through field must be a plain value");
    const char *msg = build("{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"size\":\"1x1\"}", NULL);
    ok(strstr(msg, "1024x1024, 1792x1024, 1024x1792") != NULL, "size error lists the sizes: %s", msg);
}

static void test_urls(void)
{
    struct buf b;
    buf_init(&b, 256);
    resurl_join(&b, "https://asset.1min.ai", "images/a.png");
    is_str(buf_str(&b), "https://asset.1min.ai/images/a.png", "join with one slash");
    buf_clear(&b);
    resurl_join(&b, "https://asset.1min.ai///", "//images/a.png");
    is_str(buf_str(&b), "https://asset.1min.ai/images/a.png", "extra slashes on both sides removed");
    buf_clear(&b);
    resurl_join(&b, "http://127.0.0.1:9/cdn/", "development/images/a.png");
    is_str(buf_str(&b), "http://127.0.0.1:9/cdn/development/images/a.png", "base with a path");
    buf_clear(&b);
    resurl_join(&b, "https://asset.1min.ai", "HTTPS://signed.example/x?sig=1");
    is_str(buf_str(&b), "HTTPS://signed.example/x?sig=1", "absolute URL kept");
    buf_clear(&b);
    is_int(resurl_join(&b, "https://asset.1min.ai", "///"), -1, "empty path refused");
    is_int(resurl_join(&b, "https://asset.1min.ai", NULL), -1, "no path refused");
    struct buf small;
    buf_init(&small, 10);
    is_int(resurl_join(&small, "https://asset.1min.ai", "images/a.png"), -1, "full buffer refused");
    is_int(small.len, 0, "and left empty");
    buf_free(&small);
    ok(resurl_is_absolute("http://x") && !resurl_is_absolute("images/http://x"), "absolute test");
    buf_free(&b);
}

/* Variations and edits: the same family fields, another feature; a
 * variation takes no prompt, an edit needs one (docs/upstream-api.md §4.5). */
static void test_tasks(void)
{
    is_str(build_task(IMGFAM_VARY, "{\"prompt\":\"ignored\",\"n\":2,\"size\":\"512x512\"}", NULL),
           "{\"type\":\"IMAGE_VARIATOR\",\"model\":\"dall-e-2\",\"promptObject\":{\"n\":2,\"size\":\"512x512\"}}",
           "a variation: IMAGE_VARIATOR without the prompt");
    is_str(build_task(IMGFAM_EDIT, "{\"model\":\"gpt-image-1\",\"prompt\":\"a cat\"}", NULL),
           "{\"type\":\"IMAGE_EDITOR\",\"model\":\"gpt-image-1\",\"promptObject\":{\"prompt\":\"a cat\",\"n\":1,"
           "\"size\":\"1024x1024\",\"quality\":\"low\"}}", "an edit: IMAGE_EDITOR with the family's quality");
    ok(strncmp(build_task(IMGFAM_INPAINT, "{\"prompt\":\"x\"}", NULL), "{\"type\":\"IMAGE_INPAINTER\"", 25) == 0,
       "an edit with a mask: IMAGE_INPAINTER");
    ok(strncmp(build_task(IMGFAM_EDIT, "{}", NULL), "ERR prompt: ", 12) == 0, "an edit needs a prompt");
}

int main(void)
{
    test_families();
    test_bodies();
    test_validation();
    test_urls();
    test_tasks();
    return tap_done();
}
