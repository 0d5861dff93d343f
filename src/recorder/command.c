/* SPDX-License-Identifier: EUPL-1.2 */
/* Parsing of ratsaal-recorder's control commands (see command.h).
 *
 * The table `commands` maps each "cmd" to a function that reads that command's fields. Field
 * readers share one shape: a missing optional field keeps the default, a present field of the
 * wrong type, out of range or too long is an error naming the field. Unknown fields are
 * ignored so that a newer server can add some without breaking an older recorder. */
#include "recorder/command.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct parse {
    json_t *obj;
    char *err;
    size_t err_len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->err_len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Copies string field `key` into `dst` (size `cap`). Missing: error when `required`, else
 * `dst` keeps its value. Empty strings are errors unless `allow_empty`. */
static int str_field(struct parse *p, const char *key, char *dst, size_t cap, bool required,
                     bool allow_empty)
{
    json_t *v = json_object_get(p->obj, key);
    if (!v)
        return required ? fail(p, "missing field %s", key) : 0;
    if (!json_is_string(v))
        return fail(p, "field %s must be a string", key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (memchr(s, '\0', n))
        return fail(p, "field %s contains a NUL byte", key);
    if (n == 0 && !allow_empty)
        return fail(p, "field %s must not be empty", key);
    if (n >= cap)
        return fail(p, "field %s too long (max %zu bytes)", key, cap - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* Reads integer field `key` within [min, max] into `dst`; missing keeps the default unless
 * `required`. */
static int int_field(struct parse *p, const char *key, long long min, long long max,
                     long long *dst, bool required)
{
    json_t *v = json_object_get(p->obj, key);
    if (!v)
        return required ? fail(p, "missing field %s", key) : 0;
    if (!json_is_integer(v))
        return fail(p, "field %s must be an integer", key);
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return fail(p, "field %s out of range (%lld..%lld)", key, min, max);
    *dst = x;
    return 0;
}

static int int_into(struct parse *p, const char *key, long long min, long long max, int *dst)
{
    long long x = *dst;
    int rc = int_field(p, key, min, max, &x, false);
    *dst = (int)x;
    return rc;
}

/* Reads string field `key` that must be one of `names` (NULL-terminated); its index goes to
 * `dst`. */
static int enum_field(struct parse *p, const char *key, const char *const *names, int *dst,
                      bool required)
{
    char buf[32] = "";
    int rc = str_field(p, key, buf, sizeof buf, required, false);
    if (rc != 0 || !buf[0])
        return rc;
    for (int i = 0; names[i]; i++)
        if (strcmp(buf, names[i]) == 0) {
            *dst = i;
            return 0;
        }
    return fail(p, "field %s has an unknown value", key);
}

static const char *const layouts[] = {"speaker", "grid", NULL};
static const char *const kinds[] = {"recording", "stream", NULL};
static const char *const output_types[] = {"file", "hls", "rtmp", NULL};
static const char *const formats[] = {"mp4", "webm", NULL};
static const char *const track_kinds[] = {"audio", "video", NULL};
static const char *const codecs[] = {"opus", "vp8", "h264", NULL};
static const char *const sources[] = {"microphone", "camera", "screen", NULL};

static int parse_start(struct parse *p, struct rs_rec_cmd *c)
{
    int kind = 0, layout = RS_REC_LAYOUT_SPEAKER;
    c->width = 1280, c->height = 720, c->fps = 30, c->video_kbps = 2500, c->audio_kbps = 128;
    snprintf(c->locale, sizeof c->locale, "de");
    int rc = enum_field(p, "kind", kinds, &kind, true);
    if (!rc)
        rc = int_into(p, "width", 160, 3840, &c->width);
    if (!rc)
        rc = int_into(p, "height", 120, 2160, &c->height);
    if (!rc)
        rc = int_into(p, "fps", 1, 60, &c->fps);
    if (!rc)
        rc = enum_field(p, "layout", layouts, &layout, false);
    if (!rc)
        rc = int_into(p, "video_kbps", 100, 20000, &c->video_kbps);
    if (!rc)
        rc = int_into(p, "audio_kbps", 32, 512, &c->audio_kbps);
    if (!rc)
        rc = str_field(p, "title", c->title, sizeof c->title, false, true);
    if (!rc)
        rc = str_field(p, "locale", c->locale, sizeof c->locale, false, false);
    if (rc)
        return rc;
    if (c->width % 2 || c->height % 2)
        return fail(p, "width and height must be even");
    c->stream = kind == 1;
    c->layout = (enum rs_rec_layout)layout;
    return 0;
}

static int parse_output_add(struct parse *p, struct rs_rec_cmd *c)
{
    int type = 0, format = RS_REC_FORMAT_MP4;
    c->segment_s = 2, c->playlist_len = 6;
    int rc = str_field(p, "id", c->id, sizeof c->id, true, false);
    if (!rc)
        rc = enum_field(p, "type", output_types, &type, true);
    if (rc)
        return rc;
    c->output = (enum rs_rec_output_type)type;
    switch (c->output) {
    case RS_REC_OUT_FILE:
        rc = str_field(p, "path", c->path, sizeof c->path, true, false);
        if (!rc)
            rc = enum_field(p, "format", formats, &format, false);
        c->format = (enum rs_rec_format)format;
        break;
    case RS_REC_OUT_HLS:
        rc = str_field(p, "dir", c->path, sizeof c->path, true, false);
        if (!rc)
            rc = int_into(p, "segment_s", 1, 30, &c->segment_s);
        if (!rc)
            rc = int_into(p, "playlist_len", 1, 100, &c->playlist_len);
        break;
    case RS_REC_OUT_RTMP:
        rc = str_field(p, "url", c->path, sizeof c->path, true, false);
        if (!rc && strncmp(c->path, "rtmp://", 7) != 0 && strncmp(c->path, "rtmps://", 8) != 0)
            rc = fail(p, "field url must start with rtmp:// or rtmps://");
        break;
    }
    if (!rc && c->output != RS_REC_OUT_RTMP && c->path[0] != '/')
        rc = fail(p, "field %s must be an absolute path",
                  c->output == RS_REC_OUT_FILE ? "path" : "dir");
    return rc;
}

static int parse_output_remove(struct parse *p, struct rs_rec_cmd *c)
{
    return str_field(p, "id", c->id, sizeof c->id, true, false);
}

static int ssrc_field(struct parse *p, struct rs_rec_cmd *c)
{
    long long ssrc = 0;
    int rc = int_field(p, "ssrc", 0, UINT32_MAX, &ssrc, true);
    c->ssrc = (uint32_t)ssrc;
    return rc;
}

static int parse_track_add(struct parse *p, struct rs_rec_cmd *c)
{
    int kind = 0, codec = 0, source = 0;
    long long pt = 0, clock = 0;
    int rc = ssrc_field(p, c);
    if (!rc)
        rc = enum_field(p, "kind", track_kinds, &kind, true);
    if (!rc)
        rc = enum_field(p, "codec", codecs, &codec, true);
    if (!rc)
        rc = int_field(p, "pt", 0, 127, &pt, true);
    if (!rc)
        rc = int_field(p, "clock", 1000, 1000000, &clock, false);
    if (!rc)
        rc = str_field(p, "participant", c->participant, sizeof c->participant, true, false);
    if (!rc)
        rc = str_field(p, "name", c->name, sizeof c->name, false, true);
    if (!rc)
        rc = enum_field(p, "source", sources, &source, false);
    if (rc)
        return rc;
    c->video = kind == 1;
    c->codec = (enum rs_rec_codec)codec;
    c->pt = (int)pt;
    c->source = (enum rs_rec_source)(json_object_get(p->obj, "source")
                                         ? source
                                         : (c->video ? RS_REC_SOURCE_CAMERA
                                                     : RS_REC_SOURCE_MICROPHONE));
    if (c->video != (c->codec != RS_REC_CODEC_OPUS))
        return fail(p, "codec does not match kind");
    if (c->video != (c->source != RS_REC_SOURCE_MICROPHONE))
        return fail(p, "source does not match kind");
    c->clock = clock ? (uint32_t)clock : (c->video ? 90000 : 48000);
    return 0;
}

static int parse_track_remove(struct parse *p, struct rs_rec_cmd *c)
{
    return ssrc_field(p, c);
}

static int parse_speaker(struct parse *p, struct rs_rec_cmd *c)
{
    json_t *v = json_object_get(p->obj, "participant");
    if (!v || json_is_null(v))
        return 0; /* no active speaker */
    return str_field(p, "participant", c->participant, sizeof c->participant, false, true);
}

static int parse_layout(struct parse *p, struct rs_rec_cmd *c)
{
    int layout = 0;
    int rc = enum_field(p, "layout", layouts, &layout, true);
    c->layout = (enum rs_rec_layout)layout;
    return rc;
}

static int parse_pause(struct parse *p, struct rs_rec_cmd *c)
{
    json_t *v = json_object_get(p->obj, "on");
    if (!v)
        return fail(p, "missing field on");
    if (!json_is_boolean(v))
        return fail(p, "field on must be a boolean");
    c->on = json_is_true(v);
    return 0;
}

static int parse_slate(struct parse *p, struct rs_rec_cmd *c)
{
    return str_field(p, "text", c->name, sizeof c->name, true, true);
}

static int parse_stop(struct parse *p, struct rs_rec_cmd *c)
{
    return 0;
}

static const struct {
    const char *name;
    enum rs_rec_cmd_type type;
    int (*parse)(struct parse *p, struct rs_rec_cmd *c);
} commands[] = {
    {"start", RS_REC_START, parse_start},
    {"output_add", RS_REC_OUTPUT_ADD, parse_output_add},
    {"output_remove", RS_REC_OUTPUT_REMOVE, parse_output_remove},
    {"track_add", RS_REC_TRACK_ADD, parse_track_add},
    {"track_remove", RS_REC_TRACK_REMOVE, parse_track_remove},
    {"speaker", RS_REC_SPEAKER, parse_speaker},
    {"layout", RS_REC_LAYOUT, parse_layout},
    {"pause", RS_REC_PAUSE, parse_pause},
    {"slate", RS_REC_SLATE, parse_slate},
    {"stop", RS_REC_STOP, parse_stop},
};

int rs_rec_cmd_parse(const char *line, size_t len, struct rs_rec_cmd *out, char *err,
                     size_t err_len)
{
    char dummy[1];
    struct parse p = {.err = err_len ? err : dummy, .err_len = err_len ? err_len : sizeof dummy};
    p.err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (len > RS_REC_LINE_MAX)
        return fail(&p, "line too long (max %d bytes)", RS_REC_LINE_MAX);
    json_error_t jerr;
    p.obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!p.obj)
        return fail(&p, "bad JSON: %s", jerr.text);
    int rc;
    char cmd[32] = "";
    if (!json_is_object(p.obj)) {
        rc = fail(&p, "a command must be a JSON object");
        goto out_free;
    }
    rc = str_field(&p, "cmd", cmd, sizeof cmd, true, false);
    if (rc)
        goto out_free;
    rc = fail(&p, "unknown cmd");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            p.err[0] = '\0';
            out->type = commands[i].type;
            rc = commands[i].parse(&p, out);
            break;
        }
    if (rc)
        memset(out, 0, sizeof *out);
out_free:
    json_decref(p.obj);
    return rc;
}
