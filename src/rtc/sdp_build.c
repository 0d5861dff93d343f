/* SPDX-License-Identifier: EUPL-1.2 */
/* SDP negotiation and writing: what the SFU takes from a browser's offer, the answer that says
 * so, the subscribe offer, and what the browser's answer to it accepted.
 *
 * Our side is always the same transport: ICE-lite on one UDP port with one host candidate,
 * DTLS server (a=setup:passive in answers, a=setup:actpass in offers, which browsers resolve to
 * them being the DTLS client), everything BUNDLEd and rtcp-muxed. So negotiation is mostly a
 * filter: for each m-section of the publish offer keep one codec we can forward (Opus; VP8, or
 * H.264 packetization-mode 1 in a baseline profile, which every subscriber can decode), its RTX
 * payload type, the rtcp-fb and header extensions we understand under the offer's own ids, and
 * mirror the simulcast rids. Everything else is rejected with port 0 but keeps its a=mid and its
 * place: under JSEP the answer has exactly the offer's m-sections, in order.
 *
 * The subtle thing is that whatever we echo from the offer (mids, rids, fmtp strings) was
 * validated by the parser to a character set that cannot break a line, and every field is
 * bounded, so an answer always re-parses: the fuzz target checks exactly that. Extensions with
 * ids above 14 are not taken, so the answer never needs a=extmap-allow-mixed and the RTP path
 * only ever sees one-byte header extensions from publishers. */
#include "rtc/sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PROTO_SRTP "UDP/TLS/RTP/SAVPF"
#define HOST_PRIORITY 2130706431u /* type preference 126, local 65535, component 1 */
/* ICE-TCP host candidate: local preference 32767, so that UDP wins whenever it works */
#define HOST_PRIORITY_TCP 2122317823u

struct writer {
    char *buf;
    size_t cap, len;
    int err;
};

__attribute__((format(printf, 2, 3))) static void put(struct writer *w, const char *fmt, ...)
{
    if (w->err != 0)
        return;
    size_t room = w->cap > w->len ? w->cap - w->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room > 0 ? w->buf + w->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        w->err = -EINVAL;
    else if ((size_t)n >= room)
        w->err = -ENOSPC;
    else
        w->len += (size_t)n;
}

static int finish_text(struct writer *w, size_t *len_out)
{
    if (w->err != 0)
        return w->err;
    if (len_out != NULL)
        *len_out = w->len;
    return 0;
}

static bool copy_bounded(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

/* ---- our transport ---- */

struct local_transport {
    char fingerprint[RS_SDP_FINGERPRINT_STR_SIZE];
    bool ipv6;
};

static int check_local(const struct rs_sdp_local *l, struct local_transport *t)
{
    if (l == NULL || l->ice_ufrag == NULL || l->ice_pwd == NULL || l->fingerprint == NULL ||
        l->ip == NULL || l->port == 0)
        return -EINVAL;
    size_t ulen = strlen(l->ice_ufrag), plen = strlen(l->ice_pwd);
    if (ulen < 4 || ulen > 256 || !rs_sdp__is_ice_chars(l->ice_ufrag, ulen) || plen < 22 ||
        plen > 256 || !rs_sdp__is_ice_chars(l->ice_pwd, plen))
        return -EINVAL;
    struct rs_sdp_fingerprint fp;
    if (rs_sdp_parse_fingerprint(RS_SDP_HASH_SHA256, l->fingerprint, strlen(l->fingerprint), &fp) <
        0)
        return -EINVAL;
    for (unsigned i = 0; i < fp.len; i++)
        snprintf(t->fingerprint + 3 * i, 4, i + 1 < fp.len ? "%02X:" : "%02X", fp.bytes[i]);
    unsigned char addr[16];
    if (inet_pton(AF_INET, l->ip, addr) == 1)
        t->ipv6 = false;
    else if (inet_pton(AF_INET6, l->ip, addr) == 1)
        t->ipv6 = true;
    else
        return -EINVAL;
    if (l->tcp_ip && inet_pton(AF_INET, l->tcp_ip, addr) != 1 &&
        inet_pton(AF_INET6, l->tcp_ip, addr) != 1)
        return -EINVAL;
    return 0;
}

static void put_transport(struct writer *w, const struct rs_sdp_local *l,
                          const struct local_transport *t, const char *setup)
{
    put(w, "c=IN %s %s\r\n", t->ipv6 ? "IP6" : "IP4", l->ip);
    put(w, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", l->ice_ufrag, l->ice_pwd);
    put(w, "a=fingerprint:sha-256 %s\r\na=setup:%s\r\n", t->fingerprint, setup);
    put(w, "a=candidate:1 1 udp %u %s %u typ host\r\n", HOST_PRIORITY, l->ip, (unsigned)l->port);
    if (l->tcp_port) /* browsers connect to it (tcptype active) when UDP fails */
        put(w, "a=candidate:2 1 tcp %u %s %u typ host tcptype passive\r\n", HOST_PRIORITY_TCP,
            l->tcp_ip ? l->tcp_ip : l->ip, (unsigned)l->tcp_port);
    put(w, "a=end-of-candidates\r\n");
}

static void put_session(struct writer *w, const struct rs_sdp_local *l, uint64_t version)
{
    put(w, "v=0\r\no=- %llu %llu IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n",
        (unsigned long long)l->session_id, (unsigned long long)version);
}

static void put_fb(struct writer *w, uint8_t pt, uint8_t fb)
{
    if (fb & RS_SDP_FB_REMB)
        put(w, "a=rtcp-fb:%u goog-remb\r\n", (unsigned)pt);
    if (fb & RS_SDP_FB_TWCC)
        put(w, "a=rtcp-fb:%u transport-cc\r\n", (unsigned)pt);
    if (fb & RS_SDP_FB_FIR)
        put(w, "a=rtcp-fb:%u ccm fir\r\n", (unsigned)pt);
    if (fb & RS_SDP_FB_NACK)
        put(w, "a=rtcp-fb:%u nack\r\n", (unsigned)pt);
    if (fb & RS_SDP_FB_PLI)
        put(w, "a=rtcp-fb:%u nack pli\r\n", (unsigned)pt);
}

static void put_codec(struct writer *w, uint8_t pt, const char *name, uint32_t clock,
                      uint8_t channels, const char *fmtp, uint8_t fb, int16_t rtx_pt)
{
    if (channels > 0)
        put(w, "a=rtpmap:%u %s/%lu/%u\r\n", (unsigned)pt, name, (unsigned long)clock,
            (unsigned)channels);
    else
        put(w, "a=rtpmap:%u %s/%lu\r\n", (unsigned)pt, name, (unsigned long)clock);
    put_fb(w, pt, fb);
    if (fmtp != NULL && fmtp[0] != '\0')
        put(w, "a=fmtp:%u %s\r\n", (unsigned)pt, fmtp);
    if (rtx_pt >= 0)
        put(w, "a=rtpmap:%d rtx/%lu\r\na=fmtp:%d apt=%u\r\n", rtx_pt, (unsigned long)clock, rtx_pt,
            (unsigned)pt);
}

/* ---- choosing ---- */

void rs_sdp_local_init(struct rs_sdp_local *local)
{
    memset(local, 0, sizeof *local);
    local->fb = RS_SDP_FB_ALL;
    local->exts = RS_SDP_EXT_ALL;
}

static bool is_named(const struct rs_sdp_format *f, const char *name, uint32_t clock)
{
    return f->has_rtpmap && strcasecmp(f->name, name) == 0 && f->clock == clock;
}

static enum rs_sdp_codec codec_of(const struct rs_sdp_format *f)
{
    if (is_named(f, "opus", 48000) && f->channels == 2)
        return RS_SDP_CODEC_OPUS;
    if (is_named(f, "VP8", 90000))
        return RS_SDP_CODEC_VP8;
    if (is_named(f, "H264", 90000))
        return RS_SDP_CODEC_H264;
    return RS_SDP_CODEC_NONE;
}

/* 2: constrained baseline (profile-level-id 42e0..), 1: any other baseline (42....),
 * 0: not for us. */
static int h264_rank(const struct rs_sdp_format *f)
{
    const char *p = f->profile_level_id;
    if (f->packetization_mode != 1 || strncasecmp(p, "42", 2) != 0)
        return 0;
    return strncasecmp(p + 2, "e0", 2) == 0 ? 2 : 1;
}

static const struct rs_sdp_format *pick_offered(const struct rs_sdp_media *m,
                                                const struct rs_sdp_local *l)
{
    const struct rs_sdp_format *opus = NULL, *vp8 = NULL, *h264 = NULL;
    int h264_best = 0;
    for (unsigned i = 0; i < m->n_formats; i++) {
        const struct rs_sdp_format *f = &m->formats[i];
        switch (codec_of(f)) {
        case RS_SDP_CODEC_OPUS:
            if (opus == NULL || (opus->useinbandfec != 1 && f->useinbandfec == 1))
                opus = f;
            break;
        case RS_SDP_CODEC_VP8:
            if (vp8 == NULL)
                vp8 = f;
            break;
        case RS_SDP_CODEC_H264:
            if (l->allow_h264 && h264_rank(f) > h264_best) {
                h264 = f;
                h264_best = h264_rank(f);
            }
            break;
        case RS_SDP_CODEC_NONE:
            break;
        }
    }
    if (m->kind == RS_SDP_KIND_AUDIO)
        return opus;
    if (m->kind != RS_SDP_KIND_VIDEO)
        return NULL;
    if (l->prefer_h264 && h264 != NULL)
        return h264;
    return vp8 != NULL ? vp8 : h264;
}

static const struct rs_sdp_format *find_rtx(const struct rs_sdp_media *m,
                                            const struct rs_sdp_format *codec)
{
    for (unsigned i = 0; i < m->n_formats; i++) {
        const struct rs_sdp_format *f = &m->formats[i];
        if (is_named(f, "rtx", codec->clock) && f->apt == codec->pt)
            return f;
    }
    return NULL;
}

static bool rid_declared_send(const struct rs_sdp_media *m, const char *rid)
{
    for (unsigned i = 0; i < m->n_rids; i++)
        if (m->rids[i].send && strcmp(m->rids[i].id, rid) == 0)
            return true;
    return false;
}

/* Fields that do not depend on the codec: identity, direction, msid, rids, SSRCs. */
static void choose_common(const struct rs_sdp_media *m, struct rs_sdp_media_choice *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->mid, m->mid, sizeof c->mid);
    c->kind = m->kind;
    c->dir = m->dir;
    c->rtx_pt = -1;

    memcpy(c->msid_stream, m->msid_stream, sizeof c->msid_stream);
    memcpy(c->msid_track, m->msid_track, sizeof c->msid_track);
    for (unsigned i = 0; i < m->n_ssrcs && c->msid_stream[0] == '\0'; i++) {
        const char *v = m->ssrcs[i].value;
        const char *sp = strchr(v, ' ');
        if (strcmp(m->ssrcs[i].name, "msid") != 0 || sp == NULL)
            continue;
        if (!copy_bounded(c->msid_stream, sizeof c->msid_stream, v, (size_t)(sp - v)) ||
            !copy_bounded(c->msid_track, sizeof c->msid_track, sp + 1, strlen(sp + 1)))
            c->msid_stream[0] = c->msid_track[0] = '\0';
    }

    const struct rs_sdp_simulcast *sc = &m->simulcast;
    for (unsigned s = 0; s < sc->n_send; s++) {
        for (unsigned a = 0; a < sc->send[s].n_alts; a++) {
            const struct rs_sdp_simulcast_alt *alt = &sc->send[s].alts[a];
            bool dup = false;
            for (unsigned k = 0; k < c->n_rids; k++)
                dup = dup || strcmp(c->rids[k].rid, alt->rid) == 0;
            if (!dup && c->n_rids < RS_SDP_MAX_RIDS && rid_declared_send(m, alt->rid))
                c->rids[c->n_rids++] = *alt;
        }
    }
    if (c->n_rids > 0)
        return;
    for (unsigned i = 0; i < m->n_ssrc_groups; i++) {
        const struct rs_sdp_ssrc_group *g = &m->ssrc_groups[i];
        if (g->semantics == RS_SDP_SSRC_GROUP_FID && g->n_ssrcs >= 2) {
            c->ssrc = g->ssrcs[0];
            c->rtx_ssrc = g->ssrcs[1];
            c->has_ssrc = c->has_rtx_ssrc = true;
            return;
        }
    }
    if (m->n_ssrcs > 0) {
        c->ssrc = m->ssrcs[0].ssrc;
        c->has_ssrc = true;
    }
}

static void choose_codec(const struct rs_sdp_media *m, const struct rs_sdp_format *f,
                         uint8_t fb_mask, struct rs_sdp_media_choice *c)
{
    c->codec = codec_of(f);
    c->pt = f->pt;
    c->clock = f->clock;
    c->channels = f->channels;
    memcpy(c->fmtp, f->fmtp, sizeof c->fmtp);
    c->fb = f->fb & fb_mask;
    const struct rs_sdp_format *rtx = find_rtx(m, f);
    c->rtx_pt = rtx ? rtx->pt : -1;
}

static uint8_t *ext_slot(struct rs_sdp_ext_ids *e, unsigned bit)
{
    switch (bit) {
    case RS_SDP_EXT_MID:
        return &e->mid;
    case RS_SDP_EXT_RID:
        return &e->rid;
    case RS_SDP_EXT_REPAIRED_RID:
        return &e->repaired_rid;
    case RS_SDP_EXT_AUDIO_LEVEL:
        return &e->audio_level;
    case RS_SDP_EXT_ABS_SEND_TIME:
        return &e->abs_send_time;
    case RS_SDP_EXT_TWCC:
        return &e->twcc;
    default:
        return NULL;
    }
}

/* Whether we take extmap `e` of a publish offer: understood, wanted, one-byte id, and sent
 * by the browser. The first id offered for a URI wins. */
static bool take_ext(const struct rs_sdp_extmap *e, uint8_t mask, struct rs_sdp_ext_ids *ids)
{
    unsigned bit = rs_sdp__ext_bit(e->uri);
    uint8_t *slot = ext_slot(ids, bit);
    if (slot == NULL || !(mask & bit) || *slot != 0 || e->id > 14)
        return false;
    if (e->has_dir && e->dir != RS_SDP_DIR_SENDRECV && e->dir != RS_SDP_DIR_SENDONLY)
        return false;
    *slot = (uint8_t)e->id;
    return true;
}

static bool in_bundle(const struct rs_sdp *sdp, const char *mid)
{
    for (unsigned i = 0; i < sdp->n_bundle; i++)
        if (strcmp(sdp->bundle[i], mid) == 0)
            return true;
    return false;
}

/* ---- the publish answer ---- */

static void put_simulcast_recv(struct writer *w, const struct rs_sdp_media *m,
                               const struct rs_sdp_media_choice *c)
{
    if (c->n_rids == 0)
        return;
    for (unsigned i = 0; i < c->n_rids; i++)
        put(w, "a=rid:%s recv\r\n", c->rids[i].rid);
    /* Mirror the offer's stream structure, keeping only rids we listed above. */
    put(w, "a=simulcast:recv ");
    bool first_stream = true;
    for (unsigned s = 0; s < m->simulcast.n_send; s++) {
        const struct rs_sdp_simulcast_stream *st = &m->simulcast.send[s];
        bool first_alt = true;
        for (unsigned a = 0; a < st->n_alts; a++) {
            bool listed = false;
            for (unsigned k = 0; k < c->n_rids; k++)
                listed = listed || strcmp(c->rids[k].rid, st->alts[a].rid) == 0;
            if (!listed)
                continue;
            put(w, "%s%s%s", first_alt ? (first_stream ? "" : ";") : ",",
                st->alts[a].paused ? "~" : "", st->alts[a].rid);
            first_alt = false;
        }
        if (!first_alt)
            first_stream = false;
    }
    put(w, "\r\n");
}

static void put_accepted(struct writer *w, const struct rs_sdp_media *m,
                         const struct rs_sdp_media_choice *c, const struct rs_sdp_local *l,
                         const struct local_transport *t, uint8_t ext_mask)
{
    const struct rs_sdp_format *f = NULL;
    for (unsigned i = 0; i < m->n_formats && f == NULL; i++)
        if (m->formats[i].pt == c->pt)
            f = &m->formats[i];
    if (c->rtx_pt >= 0)
        put(w, "m=%s %u %s %u %d\r\n", m->media, (unsigned)l->port, PROTO_SRTP, (unsigned)c->pt,
            c->rtx_pt);
    else
        put(w, "m=%s %u %s %u\r\n", m->media, (unsigned)l->port, PROTO_SRTP, (unsigned)c->pt);
    put_transport(w, l, t, "passive");
    put(w, "a=mid:%s\r\n", m->mid);
    struct rs_sdp_ext_ids seen = {0};
    for (unsigned i = 0; i < m->n_extmaps; i++) {
        const struct rs_sdp_extmap *e = &m->extmaps[i];
        if (take_ext(e, ext_mask, &seen))
            put(w, "a=extmap:%u%s %s\r\n", (unsigned)e->id, e->has_dir ? "/recvonly" : "", e->uri);
    }
    bool sending = c->dir == RS_SDP_DIR_SENDONLY || c->dir == RS_SDP_DIR_SENDRECV;
    put(w, "a=%s\r\na=rtcp-mux\r\n", sending ? "recvonly" : "inactive");
    if (m->rtcp_rsize)
        put(w, "a=rtcp-rsize\r\n");
    put_codec(w, c->pt, f ? f->name : rs_sdp_codec_name(c->codec), c->clock, c->channels, c->fmtp,
              c->fb, c->rtx_pt);
    put_simulcast_recv(w, m, c);
}

int rs_sdp_build_answer(const struct rs_sdp *offer, const struct rs_sdp_local *local,
                        struct rs_sdp_media_choice *choices_out, char *buf, size_t cap,
                        size_t *len_out)
{
    struct local_transport t;
    struct rs_sdp_transport remote;
    if (offer == NULL || choices_out == NULL || check_local(local, &t) < 0)
        return -EINVAL;
    if (rs_sdp_get_transport(offer, &remote) < 0 || remote.setup == RS_SDP_SETUP_PASSIVE ||
        remote.setup == RS_SDP_SETUP_HOLDCONN)
        return -EINVAL;

    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *m = &offer->media[i];
        struct rs_sdp_media_choice *c = &choices_out[i];
        choose_common(m, c);
        const struct rs_sdp_format *f = NULL;
        if ((m->kind == RS_SDP_KIND_AUDIO || m->kind == RS_SDP_KIND_VIDEO) &&
            (m->port != 0 || m->bundle_only) && strcmp(m->proto, PROTO_SRTP) == 0 &&
            m->mid[0] != '\0' && in_bundle(offer, m->mid) && m->rtcp_mux)
            f = pick_offered(m, local);
        if (f == NULL) {
            char mid[RS_SDP_MID_SIZE];
            memcpy(mid, c->mid, sizeof mid);
            memset(c, 0, sizeof *c);
            memcpy(c->mid, mid, sizeof mid);
            c->kind = m->kind;
            c->dir = m->dir;
            c->rtx_pt = -1;
            continue;
        }
        c->accepted = true;
        choose_codec(m, f, local->fb, c);
        for (unsigned k = 0; k < m->n_extmaps; k++)
            take_ext(&m->extmaps[k], local->exts, &c->ext);
    }

    struct writer w = {.buf = buf, .cap = cap};
    put_session(&w, local, local->session_version);
    bool any = false;
    for (unsigned b = 0; b < offer->n_bundle; b++) {
        for (unsigned i = 0; i < offer->n_media; i++) {
            if (choices_out[i].accepted && strcmp(choices_out[i].mid, offer->bundle[b]) == 0) {
                put(&w, "%s%s", any ? " " : "a=group:BUNDLE ", choices_out[i].mid);
                any = true;
            }
        }
    }
    if (any)
        put(&w, "\r\n");
    put(&w, "a=msid-semantic:WMS *\r\n");

    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *m = &offer->media[i];
        if (choices_out[i].accepted) {
            put_accepted(&w, m, &choices_out[i], local, &t, local->exts);
            continue;
        }
        put(&w, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->media, m->proto, m->first_fmt);
        if (m->mid[0] != '\0')
            put(&w, "a=mid:%s\r\n", m->mid);
    }
    if (w.err == 0 && w.len >= cap)
        w.err = -ENOSPC;
    return finish_text(&w, len_out);
}

/* ---- the subscribe offer ---- */

static bool ok_token(const char *s, size_t max)
{
    return s != NULL && strlen(s) < max && rs_sdp__is_token(s, strlen(s));
}

static int check_track(const struct rs_sdp_offer_track *tr)
{
    if ((tr->kind != RS_SDP_KIND_AUDIO && tr->kind != RS_SDP_KIND_VIDEO) ||
        !ok_token(tr->mid, RS_SDP_MID_SIZE) || !ok_token(tr->codec_name, RS_SDP_NAME_SIZE) ||
        tr->pt > 127 || tr->clock == 0 || tr->rtx_pt > 127 || tr->rtx_pt < -1 ||
        tr->rtx_pt == tr->pt)
        return -EINVAL;
    if (tr->fmtp != NULL && (strlen(tr->fmtp) >= RS_SDP_FMTP_SIZE || strpbrk(tr->fmtp, "\r\n")))
        return -EINVAL;
    if (tr->active &&
        (!ok_token(tr->cname, RS_SDP_MSID_SIZE) || !ok_token(tr->stream_id, RS_SDP_MSID_SIZE) ||
         !ok_token(tr->track_id, RS_SDP_MSID_SIZE)))
        return -EINVAL;
    return 0;
}

static void put_offer_track(struct writer *w, const struct rs_sdp_offer_track *tr,
                            const struct rs_sdp_local *l, const struct local_transport *t)
{
    const char *kind = tr->kind == RS_SDP_KIND_AUDIO ? "audio" : "video";
    bool open = tr->active || tr->idle;
    put(w, "m=%s %u %s %u", kind, open ? (unsigned)l->port : 0u, PROTO_SRTP, (unsigned)tr->pt);
    if (tr->rtx_pt >= 0)
        put(w, " %d", tr->rtx_pt);
    put(w, "\r\n");
    if (!open) {
        put(w, "c=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\na=rtcp-mux\r\n", tr->mid);
        put_codec(w, tr->pt, tr->codec_name, tr->clock, tr->channels, tr->fmtp, 0, tr->rtx_pt);
        return;
    }
    put_transport(w, l, t, "actpass");
    put(w, "a=mid:%s\r\n", tr->mid);
    static const struct {
        unsigned bit, id;
    } exts[] = {
        {RS_SDP_EXT_MID, RS_SDP_OFFER_EXTID_MID},
        {RS_SDP_EXT_ABS_SEND_TIME, RS_SDP_OFFER_EXTID_ABS_SEND_TIME},
        {RS_SDP_EXT_TWCC, RS_SDP_OFFER_EXTID_TWCC},
        {RS_SDP_EXT_AUDIO_LEVEL, RS_SDP_OFFER_EXTID_AUDIO_LEVEL},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (!(tr->exts & exts[i].bit) ||
            (exts[i].bit == RS_SDP_EXT_AUDIO_LEVEL && tr->kind != RS_SDP_KIND_AUDIO))
            continue;
        put(w, "a=extmap:%u %s\r\n", exts[i].id, rs_sdp__ext_uri(exts[i].bit));
    }
    if (!tr->active) { /* idle: negotiated, nothing sent */
        put(w, "a=inactive\r\na=rtcp-mux\r\na=rtcp-rsize\r\n");
        put_codec(w, tr->pt, tr->codec_name, tr->clock, tr->channels, tr->fmtp, tr->fb, tr->rtx_pt);
        return;
    }
    put(w, "a=sendonly\r\na=msid:%s %s\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", tr->stream_id,
        tr->track_id);
    put_codec(w, tr->pt, tr->codec_name, tr->clock, tr->channels, tr->fmtp, tr->fb, tr->rtx_pt);
    if (tr->rtx_pt >= 0)
        put(w, "a=ssrc-group:FID %lu %lu\r\n", (unsigned long)tr->ssrc,
            (unsigned long)tr->rtx_ssrc);
    for (int k = 0; k < (tr->rtx_pt >= 0 ? 2 : 1); k++) {
        unsigned long ssrc = k == 0 ? tr->ssrc : tr->rtx_ssrc;
        put(w, "a=ssrc:%lu cname:%s\r\na=ssrc:%lu msid:%s %s\r\n", ssrc, tr->cname, ssrc,
            tr->stream_id, tr->track_id);
    }
}

int rs_sdp_build_offer(const struct rs_sdp_local *local, const struct rs_sdp_offer_track *tracks,
                       size_t n, uint64_t session_version, char *buf, size_t cap, size_t *len_out)
{
    struct local_transport t;
    if ((tracks == NULL && n > 0) || n > RS_SDP_MAX_MEDIA || check_local(local, &t) < 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (check_track(&tracks[i]) < 0)
            return -EINVAL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(tracks[i].mid, tracks[j].mid) == 0)
                return -EINVAL;
    }
    struct writer w = {.buf = buf, .cap = cap};
    put_session(&w, local, session_version);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (tracks[i].active || tracks[i].idle) {
            put(&w, "%s%s", any ? " " : "a=group:BUNDLE ", tracks[i].mid);
            any = true;
        }
    }
    if (any)
        put(&w, "\r\n");
    put(&w, "a=msid-semantic:WMS *\r\n");
    for (size_t i = 0; i < n; i++)
        put_offer_track(&w, &tracks[i], local, &t);
    if (w.err == 0 && w.len >= cap)
        w.err = -ENOSPC;
    return finish_text(&w, len_out);
}

/* ---- the browser's answer to our offer ---- */

int rs_sdp_parse_answer_choices(const struct rs_sdp *answer, struct rs_sdp_media_choice *out,
                                size_t max)
{
    if (answer == NULL || out == NULL)
        return -EINVAL;
    if (max < answer->n_media)
        return -E2BIG;
    for (unsigned i = 0; i < answer->n_media; i++) {
        const struct rs_sdp_media *m = &answer->media[i];
        struct rs_sdp_media_choice *c = &out[i];
        choose_common(m, c);
        if ((m->port == 0 && !m->bundle_only) || !m->rtp ||
            (m->kind != RS_SDP_KIND_AUDIO && m->kind != RS_SDP_KIND_VIDEO))
            continue;
        const struct rs_sdp_format *f = NULL;
        for (unsigned k = 0; k < m->n_formats && f == NULL; k++)
            if (codec_of(&m->formats[k]) != RS_SDP_CODEC_NONE)
                f = &m->formats[k];
        if (f == NULL)
            continue;
        c->accepted = true;
        choose_codec(m, f, RS_SDP_FB_ALL, c);
        for (unsigned k = 0; k < m->n_extmaps; k++) {
            uint8_t *slot = ext_slot(&c->ext, rs_sdp__ext_bit(m->extmaps[k].uri));
            if (slot != NULL && *slot == 0 && m->extmaps[k].id <= 255)
                *slot = (uint8_t)m->extmaps[k].id;
        }
    }
    return 0;
}
