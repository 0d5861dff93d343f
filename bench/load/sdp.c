/* SPDX-License-Identifier: EUPL-1.2 */
/* The SDP the generator writes, as text: our publish offer, and a recvonly answer derived line
 * by line from a server's subscribe offer (what a browser's answer keeps: mids, codecs,
 * rtcp-fb, extensions, rtcp-mux; with our transport and a=setup:active). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "load.h"

struct out {
    char *buf;
    size_t cap, len;
    bool overflow;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->overflow = true;
    else
        o->len += (size_t)n;
}

static void transport(struct out *o, const struct peer *p, const char *setup, bool candidate)
{
    put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n", p->ufrag, p->pwd);
    put(o, "a=fingerprint:%s\r\na=setup:%s\r\n", rs_dtls_ctx_fingerprint(g_dtls), setup);
    if (candidate)
        put(o, "a=candidate:1 1 udp 2130706431 127.0.0.1 %u typ host\r\na=end-of-candidates\r\n",
            p->lport);
}

/* The video m-section's SSRC or rid lines: one SSRC with its RTX (FID group), or, with simulcast,
 * rids listed highest first, as Chromium lists janus.js' and our web client's encodings (Janus
 * 1.1 takes the first a=rid as its substream 2; Ratsaal orders l/m/h by name). */
static void video_streams(struct out *o, const struct publisher_media *pm, unsigned id)
{
    if (pm->n_layers == 1) {
        const struct video_layer *vl = &pm->layers[0];
        put(o, "a=ssrc-group:FID %u %u\r\na=ssrc:%u cname:load%u\r\na=ssrc:%u msid:s%u v%u\r\n"
               "a=ssrc:%u cname:load%u\r\na=ssrc:%u msid:s%u v%u\r\n",
            vl->ssrc, vl->rtx_ssrc, vl->ssrc, id, vl->ssrc, id, id, vl->rtx_ssrc, id,
            vl->rtx_ssrc, id, id);
        return;
    }
    for (unsigned l = pm->n_layers; l-- > 0;)
        put(o, "a=rid:%s send\r\n", pm->layers[l].rid);
    put(o, "a=simulcast:send ");
    for (unsigned l = pm->n_layers; l-- > 0;)
        put(o, "%s%s", pm->layers[l].rid, l ? ";" : "\r\n");
}

int sdp_publish_offer(char *buf, size_t cap, const struct peer *p, const char *setup, bool video)
{
    const struct publisher_media *pm = p->pm;
    struct out o = {buf, cap, 0, false};
    unsigned id = p->owner->idx;
    put(&o, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 1000 + id);
    put(&o, "a=group:BUNDLE 0%s\r\na=msid-semantic: WMS s%u\r\n", video ? " 1" : "", id);
    put(&o, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n");
    transport(&o, p, setup, true);
    put(&o, "a=mid:0\r\na=extmap:%u urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendonly\r\n"
            "a=msid:s%u a%u\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
            "a=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:%u cname:load%u\r\n"
            "a=ssrc:%u msid:s%u a%u\r\n",
        pm->mid_ext, id, id, pm->audio_ssrc, id, pm->audio_ssrc, id, id);
    if (video) {
        put(&o, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n");
        transport(&o, p, setup, false);
        put(&o, "a=mid:1\r\na=extmap:%u urn:ietf:params:rtp-hdrext:sdes:mid\r\n", pm->mid_ext);
        if (pm->rid_ext)
            put(&o, "a=extmap:%u urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                    "a=extmap:%u urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n",
                pm->rid_ext, pm->repaired_rid_ext);
        put(&o, "a=sendonly\r\na=msid:s%u v%u\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
                "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 ccm fir\r\n"
                "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\n"
                "a=fmtp:97 apt=96\r\n",
            id, id);
        video_streams(&o, pm, id);
    }
    return o.overflow ? -ENOSPC : (int)o.len;
}

static bool starts(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

int sdp_subscribe_answer(char *buf, size_t cap, struct peer *p, const char *offer)
{
    struct out o = {buf, cap, 0, false};
    bool in_media = false, rejected = false, cand_done = false, in_video = false;
    p->video_mid[0] = 0;
    p->n_video_mids = 0;
    put(&o, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 5000 + p->owner->idx);
    for (const char *l = offer; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *next = e ? e + 1 : l + len;
        if (len && l[len - 1] == '\r')
            len--;
        if (starts(l, len, "m=")) {
            in_media = true;
            /* m=<kind> <port> <proto> <fmts> */
            const char *sp = memchr(l, ' ', len);
            rejected = sp && sp[1] == '0' && sp[2] == ' ';
            in_video = starts(l, len, "m=video ") && !rejected;
            /* m=video 9 UDP/TLS/RTP/SAVPF <primary pt> ...: first packets of this type tell
             * when video arrived (join storm: "time until all receive video") */
            unsigned port, pt;
            if (in_video && p->video_pt < 0 &&
                sscanf(l, "m=video %u UDP/TLS/RTP/SAVPF %u", &port, &pt) == 2 && pt < 128)
                p->video_pt = (int)pt;
            put(&o, "%.*s\r\n", (int)len, l);
            if (!rejected) {
                put(&o, "c=IN IP4 0.0.0.0\r\n");
                transport(&o, p, "active", !cand_done);
                cand_done = true;
            }
        } else if (!in_media) {
            if (starts(l, len, "a=group:") || starts(l, len, "a=msid-semantic"))
                put(&o, "%.*s\r\n", (int)len, l);
        } else if (starts(l, len, "a=ssrc-group:FID ")) {
            unsigned a, b;
            if (sscanf(l + 17, "%u %u", &a, &b) == 2 && p->n_rtx_ssrcs < PEER_MAX_STREAMS) {
                bool have = false;
                for (unsigned i = 0; i < p->n_rtx_ssrcs; i++)
                    have |= p->rtx_ssrcs[i] == b;
                if (!have)
                    p->rtx_ssrcs[p->n_rtx_ssrcs++] = b;
                for (unsigned i = 0; i < p->n_streams; i++)
                    if (p->streams[i].ssrc == b)
                        p->streams[i].rtx = true;
            }
        } else if (starts(l, len, "a=mid:")) {
            put(&o, "%.*s\r\n", (int)len, l);
            if (in_video && !p->video_mid[0] && len - 6 < sizeof(p->video_mid))
                snprintf(p->video_mid, sizeof(p->video_mid), "%.*s", (int)(len - 6), l + 6);
            if (in_video && p->n_video_mids < 8 && len - 6 < sizeof(p->video_mids[0]))
                snprintf(p->video_mids[p->n_video_mids++], sizeof(p->video_mids[0]), "%.*s",
                         (int)(len - 6), l + 6);
        } else if (rejected) {
            /* nothing else for a rejected m-section */
        } else if (starts(l, len, "a=sendonly") || starts(l, len, "a=sendrecv")) {
            put(&o, "a=recvonly\r\n");
        } else if (starts(l, len, "a=inactive") || starts(l, len, "a=recvonly")) {
            put(&o, "a=inactive\r\n");
        } else if (starts(l, len, "a=rtpmap:") || starts(l, len, "a=fmtp:") ||
                   starts(l, len, "a=rtcp-fb:") || starts(l, len, "a=extmap:") ||
                   starts(l, len, "a=rtcp-mux") || starts(l, len, "a=rtcp-rsize")) {
            put(&o, "%.*s\r\n", (int)len, l);
        }
        l = next;
    }
    return o.overflow ? -ENOSPC : (int)o.len;
}
