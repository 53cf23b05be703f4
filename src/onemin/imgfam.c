#include "onemin/imgfam.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const dalle2_ids[] = { "dall-e-2", NULL };
static const char *const dalle2_sizes[] = { "256x256", "512x512", "1024x1024", NULL };
static const char *const dalle3_ids[] = { "dall-e-3", NULL };
static const char *const dalle3_sizes[] = { "1024x1024", "1792x1024", "1024x1792", NULL };
static const char *const dalle3_qualities[] = { "standard", "hd", NULL };
static const char *const dalle3_styles[] = { "vivid", "natural", NULL };
static const char *const gptimg_sizes[] = { "1024x1024", "1536x1024", "1024x1536", NULL };
static const char *const gptimg_qualities[] = { "low", "medium", "high", NULL };
static const char *const sdxl_ids[] = { "stable-diffusion-xl-1024-v1-0", NULL };
static const char *const sdxl_sizes[] = { "1024x1024", "1152x896", "896x1152", "1216x832", "832x1216",
                                          "1344x768", "768x1344", "1536x640", "640x1536", NULL };
static const char *const sd16_ids[] = { "stable-diffusion-v1-6", NULL };
static const char *const leo_ids[] = {
    "6b645e3a-d64f-4341-a6d8-7a3690fbf042",   /* Phoenix */
    "b24e16ff-06e3-43eb-8d33-4416c2d75876",   /* Lightning XL */
    "e71a1c2f-4f80-4800-934f-2c68979d8cc8",   /* Anime XL */
    "1e60896f-3c26-4296-8ecc-53e2afecc132",   /* Diffusion XL */
    "aa77f04e-3eec-4034-9c07-d0f619684628",   /* Kino XL */
    "5c232a9e-9061-4777-980a-ddc8e65647c6",   /* Vision XL */
    NULL
};
static const char *const leo_albedo_ids[] = { "2067ae52-33fd-4a82-bb92-c2c55e7d2786", NULL };
static const char *const leo_sizes[] = { "512x512", "1024x1024", NULL };

static const char sd_extras[] = "{\"cfg_scale\":7,\"clip_guidance_preset\":\"NONE\",\"seed\":0,\"steps\":30}";
static const char mj_extras[] = "{\"mode\":\"fast\",\"isNiji6\":false,\"maintainModeration\":true}";

static const struct imgfam_pass mj_pass[] = {
    { "mode", "mode" }, { "isNiji6", "isNiji6" }, { "maintainModeration", "maintainModeration" },
    { "negative_prompt", "negativePrompt" }, { "negativePrompt", "negativePrompt" },
    { "image_weight", "image_weight" }, { "weird", "weird" }, { "no", "no" }, { NULL, NULL }
};
static const struct imgfam_pass sd_pass[] = {
    { "cfg_scale", "cfg_scale" }, { "clip_guidance_preset", "clip_guidance_preset" },
    { "seed", "seed" }, { "steps", "steps" }, { NULL, NULL }
};
static const struct imgfam_pass leo_pass[] = {
    { "negative_prompt", "negativePrompt" }, { "negativePrompt", "negativePrompt" }, { NULL, NULL }
};

/* The families. The last row is the generic fallback and matches anything. */
static const struct imgfam imgfam_table[] = {
    { .name = "dall-e-2", .ids = dalle2_ids, .n_max = 10, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING, .sizes = dalle2_sizes,
      .default_size = "1024x1024", .prompt_max = 1000 },
    { .name = "dall-e-3", .ids = dalle3_ids, .n_max = 1, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING, .sizes = dalle3_sizes,
      .default_size = "1024x1024", .qualities = dalle3_qualities, .default_quality = "standard",
      .styles = dalle3_styles, .default_style = "vivid", .prompt_max = 4000 },
    { .name = "gpt-image", .id_prefix = "gpt-image-", .n_max = 10, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING, .sizes = gptimg_sizes,
      .default_size = "1024x1024", .qualities = gptimg_qualities, .default_quality = "low",
      .prompt_max = 32000, .b64_default = 1 },
    { .name = "flux", .id_prefix = "black-forest-labs/flux", .n_max = 4, .n_default = 1,
      .count = IMGFAM_COUNT_NUM_OUTPUTS, .size = IMGFAM_SIZE_ASPECT_RATIO,
      .dim_min = 64, .dim_max = 4096, .dim_step = 1, .default_size = "1024x1024",
      .format_field = "output_format", .default_format = "webp", .prompt_max = 32000 },
    { .name = "midjourney", .id_prefix = "midjourney", .n_max = 4, .n_default = 4, .upstream_n = 4,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_ASPECT_WH,
      .dim_min = 1, .dim_max = 4096, .dim_step = 1, .default_size = "1024x1024",
      .prompt_max = 6000, .extras = mj_extras, .pass = mj_pass, .long_running = 1 },
    { .name = "stable-diffusion-xl", .ids = sdxl_ids, .n_max = 10, .n_default = 1,
      .count = IMGFAM_COUNT_SAMPLES, .size = IMGFAM_SIZE_STRING, .sizes = sdxl_sizes,
      .default_size = "1024x1024", .prompt_max = 2000, .extras = sd_extras, .pass = sd_pass },
    { .name = "stable-diffusion-v1-6", .ids = sd16_ids, .n_max = 10, .n_default = 1,
      .count = IMGFAM_COUNT_SAMPLES, .size = IMGFAM_SIZE_WIDTH_HEIGHT,
      .dim_min = 320, .dim_max = 1536, .dim_step = 64, .default_size = "512x512",
      .prompt_max = 2000, .extras = sd_extras, .pass = sd_pass },
    { .name = "leonardo", .ids = leo_ids, .n_max = 4, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING, .sizes = leo_sizes,
      .default_size = "1024x1024", .prompt_max = 1500, .pass = leo_pass },
    { .name = "leonardo", .ids = leo_albedo_ids, .n_max = 4, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING, .sizes = leo_sizes,
      .default_size = "512x512", .prompt_max = 1500, .pass = leo_pass },
    { .name = "generic", .n_max = 10, .n_default = 1,
      .count = IMGFAM_COUNT_N, .size = IMGFAM_SIZE_STRING,
      .dim_min = 64, .dim_max = 4096, .dim_step = 1, .default_size = "1024x1024",
      .prompt_max = 32000 },
};

static const struct {
    const char *alias, *id;
} imgfam_aliases[] = {
    { "phoenix", "6b645e3a-d64f-4341-a6d8-7a3690fbf042" },
    { "lightning-xl", "b24e16ff-06e3-43eb-8d33-4416c2d75876" },
    { "anime-xl", "e71a1c2f-4f80-4800-934f-2c68979d8cc8" },
    { "diffusion-xl", "1e60896f-3c26-4296-8ecc-53e2afecc132" },
    { "kino-xl", "aa77f04e-3eec-4034-9c07-d0f619684628" },
    { "vision-xl", "5c232a9e-9061-4777-980a-ddc8e65647c6" },
    { "albedobase-xl", "2067ae52-33fd-4a82-bb92-c2c55e7d2786" },
};

/* Flux's aspect ratios, as width and height terms. */
static const unsigned flux_ratios[][2] = {
    { 1, 1 }, { 16, 9 }, { 21, 9 }, { 3, 2 }, { 2, 3 }, { 4, 5 }, { 5, 4 },
    { 3, 4 }, { 4, 3 }, { 9, 16 }, { 9, 21 },
};

#define NROWS (sizeof imgfam_table / sizeof imgfam_table[0])

const char *imgfam_resolve_alias(const char *model)
{
    for (size_t i = 0; i < sizeof imgfam_aliases / sizeof imgfam_aliases[0]; i++)
        if (strcmp(imgfam_aliases[i].alias, model) == 0)
            return imgfam_aliases[i].id;
    return model;
}

static int in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

const struct imgfam *imgfam_for(const char *model_id)
{
    for (size_t i = 0; i + 1 < NROWS; i++) {
        const struct imgfam *f = &imgfam_table[i];
        if (in_list(f->ids, model_id))
            return f;
        if (f->id_prefix && strncmp(model_id, f->id_prefix, strlen(f->id_prefix)) == 0)
            return f;
    }
    return &imgfam_table[NROWS - 1];
}

static struct json_object *fail(struct imgfam_error *err, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct json_object *fail(struct imgfam_error *err, const char *param, const char *fmt, ...)
{
    va_list ap;
    snprintf(err->param, sizeof err->param, "%s", param);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return NULL;
}

/* Parse "WxH" or "W:H" (positive integers below 100000). Returns 0 or -1. */
static int parse_dims(const char *s, unsigned *w, unsigned *h, char *sep)
{
    char *end;
    if (*s < '1' || *s > '9')
        return -1;
    unsigned long a = strtoul(s, &end, 10);
    if (a >= 100000 || (*end != 'x' && *end != ':'))
        return -1;
    *sep = *end;
    const char *t = end + 1;
    if (*t < '1' || *t > '9')
        return -1;
    unsigned long b = strtoul(t, &end, 10);
    if (b >= 100000 || *end)
        return -1;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return 0;
}

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A JSON value the relay may copy upstream: no objects, arrays or non-finite numbers. */
static int plain_value(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_boolean:
        return 1;
    case json_type_double:
        return isfinite(json_object_get_double(v));
    default:
        return 0;
    }
}

/* The client's field as a string: NULL when absent or null; -1 via *bad when
 * present but not a string. */
static const char *opt_string(struct json_object *client, const char *key, int *bad)
{
    struct json_object *v;
    if (!json_object_object_get_ex(client, key, &v) || !v)
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = 1;
        return NULL;
    }
    return json_object_get_string(v);
}

static void join_list(const char *const *list, char *out, size_t outlen)
{
    out[0] = '\0';
    for (; *list; list++) {
        size_t l = strlen(out);
        snprintf(out + l, outlen - l, "%s%s", l ? ", " : "", *list);
    }
}

/* Add the size fields of fam for size string s, or fail. */
static struct json_object *add_size(const struct imgfam *fam, struct json_object *po, const char *s,
                                    struct imgfam_error *err)
{
    unsigned w, h;
    char sep;
    int ok;
    if (fam->sizes) {
        ok = in_list(fam->sizes, s) && parse_dims(s, &w, &h, &sep) == 0;
    } else {
        ok = parse_dims(s, &w, &h, &sep) == 0;
        if (ok && sep == 'x')
            ok = w >= fam->dim_min && w <= fam->dim_max && h >= fam->dim_min && h <= fam->dim_max &&
                 w % fam->dim_step == 0 && h % fam->dim_step == 0;
        if (ok && sep == ':')
            ok = fam->size == IMGFAM_SIZE_ASPECT_RATIO || fam->size == IMGFAM_SIZE_ASPECT_WH;
    }
    if (!ok) {
        char allowed[192] = "";
        if (fam->sizes) {
            join_list(fam->sizes, allowed, sizeof allowed);
        } else {
            snprintf(allowed, sizeof allowed, "WIDTHxHEIGHT with sides from %u to %u%s%s",
                     fam->dim_min, fam->dim_max, fam->dim_step > 1 ? ", multiples of 64" : "",
                     (fam->size == IMGFAM_SIZE_ASPECT_RATIO || fam->size == IMGFAM_SIZE_ASPECT_WH)
                         ? ", or an aspect ratio W:H" : "");
        }
        return fail(err, "size", "Invalid size '%.40s' for %s models: use %s", s, fam->name, allowed);
    }

    int rc = 0;
    switch (fam->size) {
    case IMGFAM_SIZE_STRING:
        rc = json_object_object_add(po, "size", json_object_new_string(s));
        break;
    case IMGFAM_SIZE_WIDTH_HEIGHT:
        rc = json_object_object_add(po, "width", json_object_new_int((int)w));
        rc |= json_object_object_add(po, "height", json_object_new_int((int)h));
        break;
    case IMGFAM_SIZE_ASPECT_WH: {
        unsigned g = gcd(w, h);
        rc = json_object_object_add(po, "aspect_width", json_object_new_int((int)(w / g)));
        rc |= json_object_object_add(po, "aspect_height", json_object_new_int((int)(h / g)));
        break;
    }
    case IMGFAM_SIZE_ASPECT_RATIO: {
        /* nearest of Flux's ratios, by the logarithm of the ratio */
        double want = log((double)w / h), best = INFINITY;
        size_t bi = 0;
        for (size_t i = 0; i < sizeof flux_ratios / sizeof flux_ratios[0]; i++) {
            double d = fabs(log((double)flux_ratios[i][0] / flux_ratios[i][1]) - want);
            if (d < best - 1e-9)
                best = d, bi = i;
        }
        char ratio[16];
        snprintf(ratio, sizeof ratio, "%u:%u", flux_ratios[bi][0], flux_ratios[bi][1]);
        rc = json_object_object_add(po, "aspect_ratio", json_object_new_string(ratio));
        break;
    }
    }
    return rc ? NULL : po;
}

/* Check value against list (NULL or "auto" giving the default). */
static const char *choose(const char *const *list, const char *value, const char *def)
{
    if (!value || strcmp(value, "auto") == 0)
        return def;
    return in_list(list, value) ? value : NULL;
}

const char *imgfam_feature(enum imgfam_task task)
{
    static const char *const names[] = { "IMAGE_GENERATOR", "IMAGE_VARIATOR", "IMAGE_EDITOR",
                                         "IMAGE_INPAINTER" };
    return names[task];
}

struct json_object *imgfam_build(const struct imgfam *fam, enum imgfam_task task, const char *model_id,
                                 struct json_object *client, unsigned *n_wanted,
                                 struct imgfam_error *err)
{
    struct json_object *body = NULL, *po = NULL, *v;
    char allowed[128];
    int bad = 0;
    err->param[0] = '\0';
    err->message[0] = '\0';

    /* a variation has no prompt (OpenAI's variations take none) */
    const char *prompt = task == IMGFAM_VARY ? NULL : opt_string(client, "prompt", &bad);
    if (task != IMGFAM_VARY && (bad || !prompt || !*prompt))
        return fail(err, "prompt", "'prompt' is required and must be a non-empty string");
    if (prompt && strlen(prompt) > fam->prompt_max)
        return fail(err, "prompt", "'prompt' is longer than the %zu characters %s models accept",
                    fam->prompt_max, fam->name);

    unsigned n = fam->n_default;
    if (json_object_object_get_ex(client, "n", &v) && v) {
        int64_t x = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || x < 1 || x > (int64_t)fam->n_max)
            return fail(err, "n", "'n' must be an integer from 1 to %u for %s models", fam->n_max, fam->name);
        n = (unsigned)x;
    }

    const char *size = opt_string(client, "size", &bad);
    if (bad)
        return fail(err, "size", "'size' must be a string");
    if (!size || strcmp(size, "auto") == 0)
        size = fam->default_size;

    const char *quality = NULL, *style = NULL, *format = NULL;
    if (fam->qualities) {
        quality = choose(fam->qualities, opt_string(client, "quality", &bad), fam->default_quality);
        if (bad || !quality) {
            join_list(fam->qualities, allowed, sizeof allowed);
            return fail(err, "quality", "Invalid quality for %s models: use %s", fam->name, allowed);
        }
    }
    if (fam->styles) {
        style = choose(fam->styles, opt_string(client, "style", &bad), fam->default_style);
        if (bad || !style) {
            join_list(fam->styles, allowed, sizeof allowed);
            return fail(err, "style", "Invalid style for %s models: use %s", fam->name, allowed);
        }
    }
    if (fam->format_field) {
        static const char *const formats[] = { "png", "jpeg", "jpg", "webp", NULL };
        format = choose(formats, opt_string(client, "output_format", &bad), fam->default_format);
        if (bad || !format)
            return fail(err, "output_format", "Invalid output_format: use png, jpeg or webp");
        if (strcmp(format, "jpeg") == 0)
            format = "jpg";
    }

    po = json_object_new_object();
    body = json_object_new_object();
    if (!po || !body)
        goto oom;
    static const char *const count_names[] = { "n", "num_outputs", "samples" };
    if ((prompt && json_object_object_add(po, "prompt", json_object_new_string(prompt))) ||
        json_object_object_add(po, count_names[fam->count],
                               json_object_new_int((int)(fam->upstream_n ? fam->upstream_n : n))))
        goto oom;
    if (!add_size(fam, po, size, err))
        goto out;
    if ((quality && json_object_object_add(po, "quality", json_object_new_string(quality))) ||
        (style && json_object_object_add(po, "style", json_object_new_string(style))) ||
        (format && json_object_object_add(po, fam->format_field, json_object_new_string(format))))
        goto oom;
    if (fam->extras) {
        struct json_object *ex = json_tokener_parse(fam->extras);
        if (!ex)
            goto oom;
        json_object_object_foreach(ex, key, val)
            json_object_object_add(po, key, json_object_get(val));
        json_object_put(ex);
    }
    for (const struct imgfam_pass *p = fam->pass; p && p->from; p++) {
        if (!json_object_object_get_ex(client, p->from, &v) || !v)
            continue;
        if (!plain_value(v)) {
            fail(err, p->from, "'%s' must be a string, number or boolean", p->from);
            goto out;
        }
        if (json_object_object_add(po, p->to, json_object_get(v)))
            goto oom;
    }

    if (json_object_object_add(body, "type", json_object_new_string(imgfam_feature(task))) ||
        json_object_object_add(body, "model", json_object_new_string(model_id)) ||
        json_object_object_add(body, "promptObject", po))
        goto oom;
    *n_wanted = n;
    return body;

oom:
    err->param[0] = '\0';
    snprintf(err->message, sizeof err->message, "out of memory");
out:
    json_object_put(po);
    json_object_put(body);
    return NULL;
}
