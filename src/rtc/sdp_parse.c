/* SPDX-License-Identifier: EUPL-1.2 */
/* SDP parser: text in, one fixed-size `struct rs_sdp` out.
 *
 * An SDP is untrusted input from a browser (or from whoever holds a WebSocket), so this parser
 * never allocates and never trusts a length: the whole text is capped at 64 KiB, each line at
 * 4 KiB, and every list and string has a fixed maximum in sdp.h. A line is first copied into a
 * NUL-terminated stack buffer, so the attribute parsers below can walk it with plain pointer
 * loops; numbers are read digit by digit with overflow checks rather than with strtol, which
 * would accept signs, spaces and hex.
 *
 * The grammar is RFC 8866's, applied where it protects us and relaxed where browsers differ:
 * v=, o=, s= must be the first three lines and t= must come before the first m=; an unknown
 * line type rejects the whole description (RFC 8866 section 5); unknown attributes are skipped.
 * Attribute order inside an m-section is free (Firefox writes a=fmtp before a=rtpmap), so
 * everything is keyed by payload type against the m= line's format list.
 *
 * The one subtle thing is inheritance: ICE credentials, fingerprint, setup, direction and c=
 * may be written at session level (Firefox) or per m-section (Chromium). After the last line,
 * each m-section's fields are completed from the session-level ones, so callers read only
 * `media[i]` and never need to know where a value was written. */
#include "rtc/sdp.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

struct parser {
    struct rs_sdp *sdp;
    struct rs_sdp_media *m; /* current m-section, NULL at session level */
    unsigned lines;         /* non-empty lines seen */
    bool seen_t;
    enum rs_sdp_dir session_dir;
    char session_conn[RS_SDP_ADDR_SIZE];
    bool dir_set[RS_SDP_MAX_MEDIA];
    bool mid_set[RS_SDP_MAX_MEDIA];
};

/* ---- small helpers on NUL-terminated line copies ---- */

static bool is_token_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
           c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
           (c >= 0x5e && c <= 0x7e);
}

bool rs_sdp__is_token(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char((unsigned char)s[i]))
            return false;
    return true;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool rs_sdp__is_ice_chars(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '+' && s[i] != '/')
            return false;
    return true;
}

bool rs_sdp__is_rid(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static const struct {
    unsigned bit;
    const char *uri;
} ext_uris[] = {
    {RS_SDP_EXT_MID, "urn:ietf:params:rtp-hdrext:sdes:mid"},
    {RS_SDP_EXT_RID, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"},
    {RS_SDP_EXT_REPAIRED_RID, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"},
    {RS_SDP_EXT_AUDIO_LEVEL, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
    {RS_SDP_EXT_ABS_SEND_TIME, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"},
    {RS_SDP_EXT_TWCC, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"},
};

unsigned rs_sdp__ext_bit(const char *uri)
{
    for (size_t i = 0; i < sizeof ext_uris / sizeof ext_uris[0]; i++)
        if (strcmp(uri, ext_uris[i].uri) == 0)
            return ext_uris[i].bit;
    return 0;
}

const char *rs_sdp__ext_uri(unsigned bit)
{
    for (size_t i = 0; i < sizeof ext_uris / sizeof ext_uris[0]; i++)
        if (ext_uris[i].bit == bit)
            return ext_uris[i].uri;
    return NULL;
}

/* Next whitespace-separated token of `*s`; advances `*s` past it. */
static bool next_token(const char **s, const char **tok, size_t *len)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return false;
    const char *start = p;
    while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
    *tok = start;
    *len = (size_t)(p - start);
    *s = p;
    return true;
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Length of `s` without trailing blanks. */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0 || len > 20)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (d > max || v > (max - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v;
    int rc = parse_u64(s, len, max, &v);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

static int copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return -E2BIG;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static bool tok_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

static bool tok_is_nocase(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

/* ---- fingerprint ---- */

static size_t hash_len(enum rs_sdp_hash hash)
{
    switch (hash) {
    case RS_SDP_HASH_SHA1:
        return 20;
    case RS_SDP_HASH_SHA224:
        return 28;
    case RS_SDP_HASH_SHA256:
        return 32;
    case RS_SDP_HASH_SHA384:
        return 48;
    case RS_SDP_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rs_sdp_parse_fingerprint(enum rs_sdp_hash hash, const char *text, size_t len,
                             struct rs_sdp_fingerprint *out)
{
    size_t n = hash_len(hash);
    if (n == 0 || text == NULL || len != n * 3 - 1)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_val(text[3 * i]), lo = hex_val(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < n && text[3 * i + 2] != ':'))
            return -EINVAL;
        out->bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    out->hash = hash;
    out->len = (uint8_t)n;
    return 0;
}

static int attr_fingerprint(struct rs_sdp_fingerprint *fp, const char *v)
{
    static const struct {
        const char *name;
        enum rs_sdp_hash hash;
    } names[] = {
        {"sha-1", RS_SDP_HASH_SHA1},     {"sha-224", RS_SDP_HASH_SHA224},
        {"sha-256", RS_SDP_HASH_SHA256}, {"sha-384", RS_SDP_HASH_SHA384},
        {"sha-512", RS_SDP_HASH_SHA512},
    };
    const char *tok, *val;
    size_t len, vlen;
    if (!next_token(&v, &tok, &len) || !next_token(&v, &val, &vlen))
        return -EINVAL;
    if (*skip_space(v) != '\0')
        return -EINVAL;
    enum rs_sdp_hash hash = RS_SDP_HASH_NONE;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (tok_is_nocase(tok, len, names[i].name))
            hash = names[i].hash;
    if (hash == RS_SDP_HASH_NONE)
        return rs_sdp__is_token(tok, len) ? 0 : -EINVAL; /* unknown hash: skip (RFC 8122) */
    struct rs_sdp_fingerprint parsed;
    memset(&parsed, 0, sizeof parsed); /* padding too: parses compare equal with memcmp */
    int rc = rs_sdp_parse_fingerprint(hash, val, vlen, &parsed);
    if (rc < 0)
        return rc;
    /* Several lines may be given; keep sha-256 when present, else the first. */
    if (fp->hash == RS_SDP_HASH_NONE ||
        (fp->hash != RS_SDP_HASH_SHA256 && hash == RS_SDP_HASH_SHA256))
        *fp = parsed;
    return 0;
}

/* ---- session-level lines ---- */

static int line_origin(struct parser *ps, const char *v)
{
    const char *tok[6];
    size_t len[6];
    for (int i = 0; i < 6; i++)
        if (!next_token(&v, &tok[i], &len[i]))
            return -EINVAL;
    if (*skip_space(v) != '\0')
        return -EINVAL;
    if (parse_u64(tok[1], len[1], UINT64_MAX, &ps->sdp->session_id) < 0 ||
        parse_u64(tok[2], len[2], UINT64_MAX, &ps->sdp->session_version) < 0)
        return -EINVAL;
    return 0;
}

static int line_time(const char *v)
{
    const char *tok;
    size_t len;
    uint64_t t;
    for (int i = 0; i < 2; i++)
        if (!next_token(&v, &tok, &len) || parse_u64(tok, len, UINT64_MAX, &t) < 0)
            return -EINVAL;
    return *skip_space(v) == '\0' ? 0 : -EINVAL;
}

static int line_connection(struct parser *ps, const char *v)
{
    const char *net, *type, *addr;
    size_t nlen, tlen, alen;
    if (!next_token(&v, &net, &nlen) || !next_token(&v, &type, &tlen) ||
        !next_token(&v, &addr, &alen) || *skip_space(v) != '\0')
        return -EINVAL;
    if (!rs_sdp__is_token(net, nlen) || !rs_sdp__is_token(type, tlen))
        return -EINVAL;
    char *dst = ps->m ? ps->m->conn_addr : ps->session_conn;
    return copy_str(dst, RS_SDP_ADDR_SIZE, addr, alen);
}

static int line_media(struct parser *ps, const char *v)
{
    struct rs_sdp *sdp = ps->sdp;
    if (sdp->n_media == RS_SDP_MAX_MEDIA)
        return -E2BIG;
    struct rs_sdp_media *m = &sdp->media[sdp->n_media];
    ps->m = m;
    sdp->n_media++;

    const char *tok;
    size_t len;
    if (!next_token(&v, &tok, &len) || !rs_sdp__is_token(tok, len))
        return -EINVAL;
    int rc = copy_str(m->media, sizeof m->media, tok, len);
    if (rc < 0)
        return rc;
    if (strcmp(m->media, "audio") == 0)
        m->kind = RS_SDP_KIND_AUDIO;
    else if (strcmp(m->media, "video") == 0)
        m->kind = RS_SDP_KIND_VIDEO;
    else if (strcmp(m->media, "application") == 0)
        m->kind = RS_SDP_KIND_APPLICATION;
    else
        m->kind = RS_SDP_KIND_OTHER;

    if (!next_token(&v, &tok, &len))
        return -EINVAL;
    const char *slash = memchr(tok, '/', len);
    size_t plen = slash ? (size_t)(slash - tok) : len;
    uint32_t port, nports;
    if (parse_u32(tok, plen, 65535, &port) < 0)
        return -EINVAL;
    if (slash && parse_u32(slash + 1, len - plen - 1, 65535, &nports) < 0)
        return -EINVAL;
    m->port = (uint16_t)port;

    if (!next_token(&v, &tok, &len))
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char((unsigned char)tok[i]) && tok[i] != '/')
            return -EINVAL;
    if ((rc = copy_str(m->proto, sizeof m->proto, tok, len)) < 0)
        return rc;
    m->rtp = strstr(m->proto, "RTP/") != NULL;

    size_t n_fmts = 0;
    while (next_token(&v, &tok, &len)) {
        if (n_fmts++ == 0 && (rc = copy_str(m->first_fmt, sizeof m->first_fmt, tok, len)) < 0)
            return rc;
        if (!m->rtp) {
            if (!rs_sdp__is_token(tok, len))
                return -EINVAL;
            continue;
        }
        uint32_t pt;
        if (parse_u32(tok, len, 127, &pt) < 0)
            return -EINVAL;
        for (unsigned i = 0; i < m->n_formats; i++)
            if (m->formats[i].pt == pt)
                return -EINVAL;
        if (m->n_formats == RS_SDP_MAX_FORMATS)
            return -E2BIG;
        struct rs_sdp_format *f = &m->formats[m->n_formats++];
        f->pt = (uint8_t)pt;
        f->apt = -1;
        f->packetization_mode = -1;
        f->useinbandfec = -1;
    }
    return n_fmts > 0 ? 0 : -EINVAL;
}

/* ---- attributes ---- */

static struct rs_sdp_format *find_format(struct rs_sdp_media *m, uint32_t pt)
{
    for (unsigned i = 0; i < m->n_formats; i++)
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    return NULL;
}

/* Reads the leading "<pt>" of rtpmap/fmtp/rtcp-fb. Returns the format (NULL if the m= line
 * does not list it, which RFC 8866 says to ignore), or sets *rc on a syntax error. */
static struct rs_sdp_format *attr_pt(struct rs_sdp_media *m, const char **v, int *rc)
{
    const char *tok;
    size_t len;
    uint32_t pt;
    *rc = 0;
    if (!next_token(v, &tok, &len) || parse_u32(tok, len, 127, &pt) < 0) {
        *rc = -EINVAL;
        return NULL;
    }
    return find_format(m, pt);
}

static int attr_rtpmap(struct rs_sdp_media *m, const char *v)
{
    int rc;
    struct rs_sdp_format *f = attr_pt(m, &v, &rc);
    if (rc < 0)
        return rc;
    const char *tok;
    size_t len;
    if (!next_token(&v, &tok, &len) || *skip_space(v) != '\0')
        return -EINVAL;
    const char *s1 = memchr(tok, '/', len);
    if (s1 == NULL)
        return -EINVAL;
    size_t nlen = (size_t)(s1 - tok);
    const char *clock = s1 + 1;
    size_t rest = len - nlen - 1;
    const char *s2 = memchr(clock, '/', rest);
    size_t clen = s2 ? (size_t)(s2 - clock) : rest;
    uint32_t hz, ch = 0;
    if (!rs_sdp__is_token(tok, nlen) || parse_u32(clock, clen, UINT32_MAX, &hz) < 0 || hz == 0)
        return -EINVAL;
    if (s2 && (parse_u32(s2 + 1, rest - clen - 1, 255, &ch) < 0 || ch == 0))
        return -EINVAL;
    if (f == NULL)
        return 0;
    if ((rc = copy_str(f->name, sizeof f->name, tok, nlen)) < 0)
        return rc;
    f->has_rtpmap = true;
    f->clock = hz;
    f->channels = (uint8_t)ch;
    return 0;
}

/* Picks the parameters we act on out of "a=b;c=d"; anything malformed is left unparsed (the
 * raw string is still echoed), since fmtp syntax is codec-specific. */
static void parse_fmtp_params(struct rs_sdp_format *f)
{
    const char *p = f->fmtp;
    while (*p != '\0') {
        p = skip_space(p);
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - p);
            const char *val = eq + 1;
            size_t vlen = len - klen - 1;
            while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
                vlen--;
            uint32_t n;
            if (tok_is(p, klen, "apt") && parse_u32(val, vlen, 127, &n) == 0)
                f->apt = (int16_t)n;
            else if (tok_is(p, klen, "packetization-mode") && parse_u32(val, vlen, 2, &n) == 0)
                f->packetization_mode = (int8_t)n;
            else if (tok_is(p, klen, "useinbandfec") && parse_u32(val, vlen, 1, &n) == 0)
                f->useinbandfec = (int8_t)n;
            else if (tok_is(p, klen, "profile-level-id") && vlen == 6) {
                bool hex = true;
                for (size_t i = 0; i < 6; i++)
                    hex = hex && hex_val(val[i]) >= 0;
                if (hex)
                    copy_str(f->profile_level_id, sizeof f->profile_level_id, val, 6);
            }
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
}

static int attr_fmtp(struct rs_sdp_media *m, const char *v)
{
    int rc;
    struct rs_sdp_format *f = attr_pt(m, &v, &rc);
    if (rc < 0 || f == NULL)
        return rc;
    v = skip_space(v);
    if ((rc = copy_str(f->fmtp, sizeof f->fmtp, v, trimmed_len(v))) < 0)
        return rc;
    parse_fmtp_params(f);
    return 0;
}

static int attr_rtcp_fb(struct rs_sdp_media *m, const char *v)
{
    const char *tok, *type, *sub = NULL;
    size_t len, tlen, slen = 0;
    if (!next_token(&v, &tok, &len))
        return -EINVAL;
    bool all = tok_is(tok, len, "*");
    uint32_t pt = 0;
    if (!all && parse_u32(tok, len, 127, &pt) < 0)
        return -EINVAL;
    if (!next_token(&v, &type, &tlen))
        return -EINVAL;
    next_token(&v, &sub, &slen);
    uint8_t bit = 0;
    if (tok_is(type, tlen, "nack"))
        bit = sub == NULL ? RS_SDP_FB_NACK : tok_is(sub, slen, "pli") ? RS_SDP_FB_PLI : 0;
    else if (tok_is(type, tlen, "ccm") && sub != NULL && tok_is(sub, slen, "fir"))
        bit = RS_SDP_FB_FIR;
    else if (tok_is(type, tlen, "goog-remb") && sub == NULL)
        bit = RS_SDP_FB_REMB;
    else if (tok_is(type, tlen, "transport-cc") && sub == NULL)
        bit = RS_SDP_FB_TWCC;
    for (unsigned i = 0; i < m->n_formats; i++)
        if (all || m->formats[i].pt == pt)
            m->formats[i].fb |= bit;
    return 0;
}

static int parse_dir(const char *tok, size_t len, enum rs_sdp_dir *out)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int i = 0; i < 4; i++) {
        if (tok_is(tok, len, names[i])) {
            *out = (enum rs_sdp_dir)i;
            return 0;
        }
    }
    return -EINVAL;
}

static int attr_extmap(struct rs_sdp_media *m, const char *v)
{
    const char *tok, *uri;
    size_t len, ulen;
    if (!next_token(&v, &tok, &len) || !next_token(&v, &uri, &ulen))
        return -EINVAL;
    const char *slash = memchr(tok, '/', len);
    size_t ilen = slash ? (size_t)(slash - tok) : len;
    uint32_t id;
    if (parse_u32(tok, ilen, 255, &id) < 0 || id == 0 || id == 15)
        return -EINVAL;
    struct rs_sdp_extmap e;
    memset(&e, 0, sizeof e);
    e.id = (uint16_t)id;
    if (slash != NULL) {
        if (parse_dir(slash + 1, len - ilen - 1, &e.dir) < 0)
            return -EINVAL;
        e.has_dir = true;
    }
    int rc = copy_str(e.uri, sizeof e.uri, uri, ulen);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].id == id)
            return -EINVAL; /* one id, one URI (RFC 8285) */
    if (m->n_extmaps == RS_SDP_MAX_EXTMAPS)
        return -E2BIG;
    m->extmaps[m->n_extmaps++] = e;
    return 0;
}

static int attr_ssrc(struct rs_sdp_media *m, const char *v)
{
    const char *tok;
    size_t len;
    uint32_t ssrc;
    if (!next_token(&v, &tok, &len) || parse_u32(tok, len, UINT32_MAX, &ssrc) < 0)
        return -EINVAL;
    v = skip_space(v);
    const char *colon = strchr(v, ':');
    size_t nlen = colon ? (size_t)(colon - v) : trimmed_len(v);
    if (!rs_sdp__is_token(v, nlen))
        return -EINVAL;
    if (m->n_ssrcs == RS_SDP_MAX_SSRCS)
        return -E2BIG;
    struct rs_sdp_ssrc_attr *a = &m->ssrcs[m->n_ssrcs];
    a->ssrc = ssrc;
    int rc = copy_str(a->name, sizeof a->name, v, nlen);
    if (rc == 0 && colon != NULL)
        rc = copy_str(a->value, sizeof a->value, colon + 1, trimmed_len(colon + 1));
    if (rc < 0)
        return rc;
    m->n_ssrcs++;
    return 0;
}

static int attr_ssrc_group(struct rs_sdp_media *m, const char *v)
{
    const char *tok;
    size_t len;
    if (!next_token(&v, &tok, &len) || !rs_sdp__is_token(tok, len))
        return -EINVAL;
    if (m->n_ssrc_groups == RS_SDP_MAX_SSRC_GROUPS)
        return -E2BIG;
    struct rs_sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups];
    memset(g, 0, sizeof *g);
    g->semantics = tok_is(tok, len, "FID")   ? RS_SDP_SSRC_GROUP_FID
                   : tok_is(tok, len, "SIM") ? RS_SDP_SSRC_GROUP_SIM
                                             : RS_SDP_SSRC_GROUP_OTHER;
    while (next_token(&v, &tok, &len)) {
        uint32_t ssrc;
        if (parse_u32(tok, len, UINT32_MAX, &ssrc) < 0)
            return -EINVAL;
        if (g->n_ssrcs == RS_SDP_MAX_GROUP_SSRCS)
            return -E2BIG;
        g->ssrcs[g->n_ssrcs++] = ssrc;
    }
    if (g->n_ssrcs == 0)
        return -EINVAL;
    m->n_ssrc_groups++;
    return 0;
}

static int attr_msid(struct rs_sdp_media *m, const char *v)
{
    const char *id, *app = NULL;
    size_t ilen, alen = 0;
    if (!next_token(&v, &id, &ilen) || !rs_sdp__is_token(id, ilen))
        return -EINVAL;
    if (next_token(&v, &app, &alen) && (!rs_sdp__is_token(app, alen) || next_token(&v, &id, &ilen)))
        return -EINVAL;
    int rc = copy_str(m->msid_stream, sizeof m->msid_stream, id, ilen);
    if (rc == 0)
        rc = copy_str(m->msid_track, sizeof m->msid_track, app ? app : "", alen);
    return rc;
}

static int attr_rid(struct rs_sdp_media *m, const char *v)
{
    const char *id, *dir;
    size_t ilen, dlen;
    if (!next_token(&v, &id, &ilen) || !rs_sdp__is_rid(id, ilen) || !next_token(&v, &dir, &dlen))
        return -EINVAL;
    if (!tok_is(dir, dlen, "send") && !tok_is(dir, dlen, "recv"))
        return -EINVAL;
    if (m->n_rids == RS_SDP_MAX_RIDS)
        return -E2BIG;
    struct rs_sdp_rid *r = &m->rids[m->n_rids];
    int rc = copy_str(r->id, sizeof r->id, id, ilen);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i].id, r->id) == 0)
            return -EINVAL;
    r->send = tok_is(dir, dlen, "send");
    v = skip_space(v);
    if ((rc = copy_str(r->restrictions, sizeof r->restrictions, v, trimmed_len(v))) < 0)
        return rc;
    m->n_rids++;
    return 0;
}

/* "h;m;l", "1,2;~3": streams split by ';', alternatives by ',', '~' marks paused. */
static int simulcast_list(const char *s, size_t len, struct rs_sdp_simulcast_stream *streams,
                          uint8_t *n_out)
{
    if (len >= 4 && memcmp(s, "rid=", 4) == 0) { /* pre-RFC 8853 form (old Firefox) */
        s += 4;
        len -= 4;
    }
    uint8_t n = 0;
    size_t i = 0;
    for (;;) {
        if (n == RS_SDP_MAX_RIDS)
            return -E2BIG;
        struct rs_sdp_simulcast_stream *st = &streams[n++];
        st->n_alts = 0;
        for (;;) {
            size_t start = i;
            while (i < len && s[i] != ',' && s[i] != ';')
                i++;
            const char *alt = s + start;
            size_t alen = i - start;
            bool paused = alen > 0 && alt[0] == '~';
            if (paused) {
                alt++;
                alen--;
            }
            if (!rs_sdp__is_rid(alt, alen))
                return -EINVAL;
            if (st->n_alts == RS_SDP_MAX_SIMULCAST_ALTS)
                return -E2BIG;
            struct rs_sdp_simulcast_alt *a = &st->alts[st->n_alts++];
            int rc = copy_str(a->rid, sizeof a->rid, alt, alen);
            if (rc < 0)
                return rc;
            a->paused = paused;
            if (i == len || s[i] == ';')
                break;
            i++; /* ',' */
        }
        if (i == len)
            break;
        i++; /* ';' */
    }
    *n_out = n;
    return 0;
}

static int attr_simulcast(struct rs_sdp_media *m, const char *v)
{
    struct rs_sdp_simulcast *sc = &m->simulcast;
    if (sc->n_send || sc->n_recv)
        return -EINVAL; /* one a=simulcast per m-section */
    const char *dir, *list;
    size_t dlen, llen;
    int pairs = 0;
    while (next_token(&v, &dir, &dlen)) {
        if (!next_token(&v, &list, &llen) || pairs++ == 2)
            return -EINVAL;
        int rc;
        if (tok_is(dir, dlen, "send") && sc->n_send == 0)
            rc = simulcast_list(list, llen, sc->send, &sc->n_send);
        else if (tok_is(dir, dlen, "recv") && sc->n_recv == 0)
            rc = simulcast_list(list, llen, sc->recv, &sc->n_recv);
        else
            rc = -EINVAL;
        if (rc < 0)
            return rc;
    }
    return pairs > 0 ? 0 : -EINVAL;
}

static int attr_candidate(struct rs_sdp_media *m, const char *v)
{
    const char *raw = skip_space(v);
    const char *tok[8];
    size_t len[8];
    for (int i = 0; i < 8; i++)
        if (!next_token(&v, &tok[i], &len[i]))
            return -EINVAL;
    uint32_t component, priority, port;
    if (!rs_sdp__is_ice_chars(tok[0], len[0]) || len[0] > 32 ||
        parse_u32(tok[1], len[1], 256, &component) < 0 || component == 0 ||
        parse_u32(tok[3], len[3], UINT32_MAX, &priority) < 0 ||
        parse_u32(tok[5], len[5], 65535, &port) < 0 || !tok_is(tok[6], len[6], "typ") ||
        !rs_sdp__is_token(tok[7], len[7]))
        return -EINVAL;
    bool udp = tok_is_nocase(tok[2], len[2], "udp"), tcp = tok_is_nocase(tok[2], len[2], "tcp");
    if (!udp && !tcp)
        return rs_sdp__is_token(tok[2], len[2]) ? 0 : -EINVAL; /* other transport: skip */
    if (m->n_candidates == RS_SDP_MAX_CANDIDATES)
        return -E2BIG;
    struct rs_sdp_candidate *c = &m->candidates[m->n_candidates];
    int rc = copy_str(c->raw, sizeof c->raw, raw, trimmed_len(raw));
    if (rc == 0)
        rc = copy_str(c->addr, sizeof c->addr, tok[4], len[4]);
    if (rc < 0)
        return rc;
    c->component = (uint16_t)component;
    c->tcp = tcp;
    c->priority = priority;
    c->port = (uint16_t)port;
    c->type = tok_is(tok[7], len[7], "host")    ? RS_SDP_CAND_HOST
              : tok_is(tok[7], len[7], "srflx") ? RS_SDP_CAND_SRFLX
              : tok_is(tok[7], len[7], "prflx") ? RS_SDP_CAND_PRFLX
              : tok_is(tok[7], len[7], "relay") ? RS_SDP_CAND_RELAY
                                                : RS_SDP_CAND_OTHER;
    m->n_candidates++;
    return 0;
}

static int attr_group(struct parser *ps, const char *v)
{
    struct rs_sdp *sdp = ps->sdp;
    const char *tok;
    size_t len;
    if (!next_token(&v, &tok, &len) || !rs_sdp__is_token(tok, len))
        return -EINVAL;
    bool bundle = tok_is(tok, len, "BUNDLE") && !sdp->has_bundle;
    if (bundle)
        sdp->has_bundle = true;
    while (next_token(&v, &tok, &len)) {
        if (!rs_sdp__is_token(tok, len))
            return -EINVAL;
        if (!bundle)
            continue;
        if (sdp->n_bundle == RS_SDP_MAX_MEDIA)
            return -E2BIG;
        char *dst = sdp->bundle[sdp->n_bundle];
        int rc = copy_str(dst, RS_SDP_MID_SIZE, tok, len);
        if (rc < 0)
            return rc;
        for (unsigned i = 0; i < sdp->n_bundle; i++)
            if (strcmp(sdp->bundle[i], dst) == 0)
                return -EINVAL;
        sdp->n_bundle++;
    }
    return 0;
}

static int attr_ice(struct rs_sdp_ice *ice, const char *name, const char *v)
{
    if (strcmp(name, "ice-options") == 0) { /* kept raw: "trickle", "trickle renomination" */
        v = skip_space(v);
        return rs_sdp__is_token(v, 1)
                   ? copy_str(ice->options, sizeof ice->options, v, trimmed_len(v))
                   : -EINVAL;
    }
    size_t len = trimmed_len(v);
    if (!rs_sdp__is_ice_chars(v, len))
        return -EINVAL;
    char *dst = strcmp(name, "ice-ufrag") == 0 ? ice->ufrag : ice->pwd;
    return copy_str(dst, RS_SDP_ICE_SIZE, v, len);
}

static int line_attribute(struct parser *ps, char *line)
{
    char *name = line;
    char *colon = strchr(line, ':');
    const char *v = "";
    if (colon != NULL) {
        *colon = '\0';
        v = colon + 1;
    }
    size_t nlen = strlen(name);
    if (!rs_sdp__is_token(name, nlen))
        return -EINVAL;
    struct rs_sdp_media *m = ps->m;
    struct rs_sdp *sdp = ps->sdp;
    enum rs_sdp_dir dir;

    if (parse_dir(name, nlen, &dir) == 0) {
        if (m != NULL) {
            m->dir = dir;
            ps->dir_set[m - sdp->media] = true;
        } else {
            ps->session_dir = dir;
        }
        return 0;
    }
    if (strcmp(name, "ice-ufrag") == 0 || strcmp(name, "ice-pwd") == 0 ||
        strcmp(name, "ice-options") == 0)
        return attr_ice(m ? &m->ice : &sdp->ice, name, v);
    if (strcmp(name, "fingerprint") == 0)
        return attr_fingerprint(m ? &m->fingerprint : &sdp->fingerprint, v);
    if (strcmp(name, "setup") == 0) {
        static const char *const names[] = {"", "actpass", "active", "passive", "holdconn"};
        size_t len = trimmed_len(v);
        for (int i = 1; i < 5; i++) {
            if (tok_is(v, len, names[i])) {
                *(m ? &m->setup : &sdp->setup) = (enum rs_sdp_setup)i;
                return 0;
            }
        }
        return -EINVAL;
    }
    if (m == NULL) {
        if (strcmp(name, "ice-lite") == 0)
            sdp->ice_lite = true;
        else if (strcmp(name, "group") == 0)
            return attr_group(ps, v);
        return 0; /* other session-level attributes (msid-semantic, extmap-allow-mixed) */
    }
    if (strcmp(name, "mid") == 0) {
        size_t len = trimmed_len(v);
        if (ps->mid_set[m - sdp->media] || !rs_sdp__is_token(v, len))
            return -EINVAL;
        ps->mid_set[m - sdp->media] = true;
        return copy_str(m->mid, sizeof m->mid, v, len);
    }
    if (m->rtp && strcmp(name, "rtpmap") == 0)
        return attr_rtpmap(m, v);
    if (m->rtp && strcmp(name, "fmtp") == 0)
        return attr_fmtp(m, v);
    if (m->rtp && strcmp(name, "rtcp-fb") == 0)
        return attr_rtcp_fb(m, v);
    if (strcmp(name, "extmap") == 0)
        return attr_extmap(m, v);
    if (strcmp(name, "ssrc") == 0)
        return attr_ssrc(m, v);
    if (strcmp(name, "ssrc-group") == 0)
        return attr_ssrc_group(m, v);
    if (strcmp(name, "msid") == 0)
        return attr_msid(m, v);
    if (strcmp(name, "rid") == 0)
        return attr_rid(m, v);
    if (strcmp(name, "simulcast") == 0)
        return attr_simulcast(m, v);
    if (strcmp(name, "candidate") == 0)
        return attr_candidate(m, v);
    if (strcmp(name, "rtcp-mux") == 0)
        m->rtcp_mux = true;
    else if (strcmp(name, "rtcp-rsize") == 0)
        m->rtcp_rsize = true;
    else if (strcmp(name, "end-of-candidates") == 0)
        m->end_of_candidates = true;
    else if (strcmp(name, "bundle-only") == 0)
        m->bundle_only = true;
    return 0;
}

/* ---- driver ---- */

static int parse_line(struct parser *ps, char *line, size_t len)
{
    if (len < 2 || line[1] != '=')
        return -EINVAL;
    char type = line[0];
    char *v = line + 2;
    unsigned n = ps->lines++;
    static const char order[] = {'v', 'o', 's'};
    if (n < 3 || type == 'v' || type == 'o' || type == 's') {
        if (n >= 3 || type != order[n])
            return -EINVAL; /* exactly one of each, first, in this order */
    }
    switch (type) {
    case 'v':
        return strcmp(v, "0") == 0 ? 0 : -EINVAL;
    case 'o':
        return line_origin(ps, v);
    case 's':
        return 0;
    case 't':
        if (ps->m != NULL)
            return -EINVAL;
        ps->seen_t = true;
        return line_time(v);
    case 'm':
        if (!ps->seen_t)
            return -EINVAL;
        return line_media(ps, v);
    case 'c':
        return line_connection(ps, v);
    case 'a':
        return line_attribute(ps, v);
    case 'i':
    case 'u':
    case 'e':
    case 'p':
    case 'b':
    case 'r':
    case 'z':
    case 'k':
        return 0;
    default:
        return -EINVAL; /* unknown type letter: RFC 8866 section 5 */
    }
}

static int finish(struct parser *ps)
{
    struct rs_sdp *sdp = ps->sdp;
    if (!ps->seen_t)
        return -EINVAL;
    for (unsigned i = 0; i < sdp->n_media; i++) {
        struct rs_sdp_media *m = &sdp->media[i];
        if (!ps->dir_set[i])
            m->dir = ps->session_dir;
        if (m->conn_addr[0] == '\0')
            memcpy(m->conn_addr, ps->session_conn, sizeof m->conn_addr);
        if (m->ice.ufrag[0] == '\0')
            memcpy(m->ice.ufrag, sdp->ice.ufrag, sizeof m->ice.ufrag);
        if (m->ice.pwd[0] == '\0')
            memcpy(m->ice.pwd, sdp->ice.pwd, sizeof m->ice.pwd);
        if (m->ice.options[0] == '\0')
            memcpy(m->ice.options, sdp->ice.options, sizeof m->ice.options);
        if (m->fingerprint.hash == RS_SDP_HASH_NONE)
            m->fingerprint = sdp->fingerprint;
        if (m->setup == RS_SDP_SETUP_NONE)
            m->setup = sdp->setup;
        for (unsigned j = 0; j < i; j++)
            if (m->mid[0] != '\0' && strcmp(m->mid, sdp->media[j].mid) == 0)
                return -EINVAL; /* mids are unique (RFC 5888) */
    }
    return 0;
}

int rs_sdp_parse(const char *text, size_t len, struct rs_sdp *out)
{
    if (text == NULL || out == NULL || len > RS_SDP_MAX_TEXT)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    struct parser ps = {.sdp = out};
    char line[RS_SDP_MAX_LINE + 1];
    size_t pos = 0;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl ? 1 : 0);
        if (l > 0 && s[l - 1] == '\r')
            l--;
        if (l == 0)
            continue;
        if (l > RS_SDP_MAX_LINE || memchr(s, '\0', l) || memchr(s, '\r', l))
            return -EINVAL;
        memcpy(line, s, l);
        line[l] = '\0';
        int rc = parse_line(&ps, line, l);
        if (rc < 0)
            return rc;
    }
    return finish(&ps);
}

int rs_sdp_get_transport(const struct rs_sdp *sdp, struct rs_sdp_transport *out)
{
    const struct rs_sdp_media *pick = NULL;
    for (unsigned i = 0; i < sdp->n_media && sdp->n_bundle > 0 && !pick; i++)
        if (strcmp(sdp->media[i].mid, sdp->bundle[0]) == 0)
            pick = &sdp->media[i];
    if (pick == NULL || pick->ice.ufrag[0] == '\0' || pick->fingerprint.hash == RS_SDP_HASH_NONE) {
        pick = NULL;
        for (unsigned i = 0; i < sdp->n_media && !pick; i++)
            if (sdp->media[i].ice.ufrag[0] != '\0' &&
                sdp->media[i].fingerprint.hash != RS_SDP_HASH_NONE)
                pick = &sdp->media[i];
    }
    const struct rs_sdp_ice *ice = pick ? &pick->ice : &sdp->ice;
    out->ice_ufrag = ice->ufrag;
    out->ice_pwd = ice->pwd;
    out->fingerprint = pick ? &pick->fingerprint : &sdp->fingerprint;
    out->setup = pick ? pick->setup : sdp->setup;
    if (ice->ufrag[0] == '\0' || ice->pwd[0] == '\0' || out->fingerprint->hash == RS_SDP_HASH_NONE)
        return -EINVAL;
    return 0;
}

const char *rs_sdp_dir_name(enum rs_sdp_dir dir)
{
    switch (dir) {
    case RS_SDP_DIR_SENDRECV:
        return "sendrecv";
    case RS_SDP_DIR_SENDONLY:
        return "sendonly";
    case RS_SDP_DIR_RECVONLY:
        return "recvonly";
    case RS_SDP_DIR_INACTIVE:
        return "inactive";
    }
    return "?";
}

const char *rs_sdp_codec_name(enum rs_sdp_codec codec)
{
    switch (codec) {
    case RS_SDP_CODEC_OPUS:
        return "opus";
    case RS_SDP_CODEC_VP8:
        return "VP8";
    case RS_SDP_CODEC_H264:
        return "H264";
    case RS_SDP_CODEC_NONE:
        break;
    }
    return "none";
}
