/* imgfam: every image-model family the relay knows, as one table of data,
 * and the translation of OpenAI's image fields into each family's upstream
 * promptObject (docs/upstream-api.md §4.1).
 *
 * Families: dall-e-2, dall-e-3 (quality, style), the GPT image models
 * (quality required, default low), Flux (num_outputs, aspect_ratio), Midjourney
 * (aspect_width/aspect_height, mode, always 4 images), Stable Diffusion XL and
 * v1.6 (samples, fixed sampler defaults), Leonardo (UUID ids, friendly
 * aliases), and a generic row for catalogue image models without a documented
 * schema (prompt, n, size; the upstream's MISSING_REQUIRED_FIELDS details are
 * passed back to the client).
 *
 * Pure; rows are static and read-only. Thread rule: any thread. */
#ifndef RELAY_ONEMIN_IMGFAM_H
#define RELAY_ONEMIN_IMGFAM_H

#include <stddef.h>

struct json_object;

enum imgfam_count {
    IMGFAM_COUNT_N,            /* "n" */
    IMGFAM_COUNT_NUM_OUTPUTS,  /* "num_outputs" (Flux) */
    IMGFAM_COUNT_SAMPLES       /* "samples" (Stable Diffusion) */
};

enum imgfam_size {
    IMGFAM_SIZE_STRING,        /* "size": "1024x1024" */
    IMGFAM_SIZE_ASPECT_RATIO,  /* "aspect_ratio": nearest of Flux's ratios */
    IMGFAM_SIZE_ASPECT_WH,     /* "aspect_width"/"aspect_height": the reduced ratio */
    IMGFAM_SIZE_WIDTH_HEIGHT   /* "width"/"height" in pixels */
};

/* A body field copied from the client's request when present (extensions
 * such as Midjourney's mode), under the upstream's name. */
struct imgfam_pass {
    const char *from, *to;
};

struct imgfam {
    const char *name;                   /* family name for messages */
    const char *const *ids;             /* exact model ids, NULL-terminated, or NULL */
    const char *id_prefix;              /* ...or ids starting with this, or NULL */
    unsigned n_max;                     /* the client's n: 1..n_max */
    unsigned n_default;                 /* n when the client gives none */
    unsigned upstream_n;                /* a fixed upstream count (0: the client's n) */
    enum imgfam_count count;
    enum imgfam_size size;
    const char *const *sizes;           /* accepted sizes, NULL-terminated; NULL: any WxH */
    unsigned dim_min, dim_max, dim_step;/* bounds of any WxH when sizes is NULL */
    const char *default_size;
    const char *const *qualities;       /* accepted qualities (sent upstream); NULL: ignored */
    const char *default_quality;        /* also used for "auto" */
    const char *const *styles;          /* accepted styles (sent upstream); NULL: ignored */
    const char *default_style;
    const char *format_field;           /* upstream name of output_format, NULL: not sent */
    const char *default_format;
    size_t prompt_max;                  /* characters */
    const char *extras;                 /* fixed upstream fields, a JSON object text, or NULL */
    const struct imgfam_pass *pass;     /* {NULL, NULL}-terminated, or NULL */
    int long_running;                   /* Midjourney: use the long timeout */
    int b64_default;                    /* answer b64_json unless asked otherwise */
};

/* The model id the upstream knows for a client's name: a Leonardo alias
 * ("phoenix") gives its UUID; anything else is returned unchanged. */
const char *imgfam_resolve_alias(const char *model);

/* The family of an upstream model id; the generic row when none matches.
 * Never NULL. */
const struct imgfam *imgfam_for(const char *model_id);

/* A validation failure: the OpenAI param and a message for the client. */
struct imgfam_error {
    char param[32];
    char message[256];
};

/* What the upstream is asked to do with the family's fields (docs/upstream-api.md
 * §4.1, §4.5): generate from a prompt (IMAGE_GENERATOR), vary an image
 * (IMAGE_VARIATOR: no prompt), edit an image from a prompt (IMAGE_EDITOR), or
 * edit the masked part of it (IMAGE_INPAINTER). */
enum imgfam_task { IMGFAM_GENERATE, IMGFAM_VARY, IMGFAM_EDIT, IMGFAM_INPAINT };

/* The upstream feature name of a task ("IMAGE_VARIATOR"). */
const char *imgfam_feature(enum imgfam_task task);

/* Validate the client's request body (prompt, n, size, quality, style,
 * output_format and the family's pass-through fields) and build the whole
 * upstream body {"type":<task's feature>,"model":...,"promptObject":{...}}.
 * For the image tasks the caller adds imageUrl (and maskUrl) to promptObject
 * once the images are uploaded, so a bad field is refused before any upload.
 * Returns a new object (the caller puts it) and sets *n_wanted to the number
 * of images to return, or NULL with err filled (NULL with err->param empty
 * means out of memory). */
struct json_object *imgfam_build(const struct imgfam *fam, enum imgfam_task task, const char *model_id,
                                 struct json_object *client, unsigned *n_wanted,
                                 struct imgfam_error *err);

#endif
