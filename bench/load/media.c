/* What a publisher sends: Opus-sized audio (120-byte payloads, 50 packets/s) and VP8 from a
 * looped IVF file, packetized per RFC 7741 (15-bit picture id, S bit on a frame's first packet,
 * marker on its last, at most 1,100 payload bytes per packet). Every payload ends with the send
 * time (8 bytes, CLOCK_MONOTONIC µs) that subscribers turn into latency.
 *
 * Feedback: a NACK is answered from a cache of the last PUB_CACHE video packets as RTX (RFC
 * 4588: RTX SSRC and sequence, original sequence number first) when RTX was negotiated, and
 * ignored otherwise (SRTP refuses to protect a repeated index). A PLI or FIR makes the next
 * frame sent the next keyframe of the file (at most one jump per 500 ms).
 *
 * Loss injection (--loss): an original packet is dropped before protection with probability
 * `loss`, so the server sees a gap exactly as after network loss; retransmissions are not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "load.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"

#define VP8_MAX_PAYLOAD 1100
#define AUDIO_PAYLOAD 120

int ivf_load(struct ivf *v, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    v->file = malloc((size_t)size);
    if (!v->file || fread(v->file, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    if (size < 32 || memcmp(v->file, "DKIF", 4))
        return -EINVAL;
    size_t hdr = v->file[6] | v->file[7] << 8;
    size_t cap = 4096;
    v->frames = calloc(cap, sizeof(*v->frames));
    for (size_t off = hdr; off + 12 <= (size_t)size;) {
        uint32_t len = v->file[off] | v->file[off + 1] << 8 | v->file[off + 2] << 16 |
                       (uint32_t)v->file[off + 3] << 24;
        off += 12;
        if (len == 0 || off + len > (size_t)size)
            break;
        if (v->n_frames == cap) {
            cap *= 2;
            v->frames = realloc(v->frames, cap * sizeof(*v->frames));
        }
        v->frames[v->n_frames++] = (struct ivf_frame){v->file + off, len, !(v->file[off] & 1)};
        off += len;
    }
    return v->n_frames ? 0 : -EINVAL;
}

void pub_media_init(struct publisher_media *pm, unsigned idx)
{
    memset(pm, 0, sizeof(*pm));
    pm->audio_ssrc = 0x10000000u + idx * 4;
    pm->video_ssrc = pm->audio_ssrc + 1;
    pm->rtx_ssrc = pm->audio_ssrc + 2;
    pm->audio_pt = 111;
    pm->video_pt = 96;
    pm->rtx_pt = 97;
    pm->mid_ext = 1;
    pm->audio_seq = (uint16_t)rs_random_u32();
    pm->video_seq = (uint16_t)rs_random_u32();
    pm->rtx_seq = (uint16_t)rs_random_u32();
    pm->picture_id = (uint16_t)(rs_random_u32() & 0x7fff);
    pm->audio_ts = rs_random_u32();
    pm->video_ts = rs_random_u32();
    pm->cache = calloc(PUB_CACHE, sizeof(*pm->cache));
}

static bool drop_now(void)
{
    return cfg.loss > 0 && (double)rs_random_u32() / 4294967296.0 < cfg.loss;
}

static size_t header(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                     uint32_t ssrc, const char *mid, uint8_t mid_ext)
{
    struct rs_rtp_ext ext = {mid_ext, (uint8_t)strlen(mid), (const uint8_t *)mid};
    struct rs_rtp_header_spec spec = {.pt = pt, .marker = marker, .seq = seq, .ts = ts,
                                      .ssrc = ssrc, .ext = &ext, .n_ext = mid_ext ? 1 : 0};
    size_t hl = 0;
    rs_rtp_build_header(buf, PKT_CAP, &spec, &hl);
    return hl;
}

static void send_audio(struct peer *p, int64_t now)
{
    struct publisher_media *pm = p->pm;
    uint8_t buf[PKT_CAP + 64];
    size_t hl = header(buf, pm->audio_pt, false, pm->audio_seq++, pm->audio_ts, pm->audio_ssrc,
                       "0", pm->mid_ext);
    pm->audio_ts += 960;
    memset(buf + hl, 0x5a, AUDIO_PAYLOAD - 8);
    buf[hl] = 0xfc; /* an Opus TOC byte: CELT FB 20 ms */
    memcpy(buf + hl + AUDIO_PAYLOAD - 8, &now, 8);
    if (drop_now()) {
        pm->dropped++;
        return;
    }
    if (peer_send_rtp(p, buf, hl + AUDIO_PAYLOAD, false) == 0)
        pm->sent_audio++;
}

static void send_frame(struct peer *p, int64_t now)
{
    struct publisher_media *pm = p->pm;
    const struct ivf_frame *fr = &g_ivf.frames[pm->frame];
    pm->frame = (pm->frame + 1) % g_ivf.n_frames;
    size_t n_pkts = (fr->len + VP8_MAX_PAYLOAD - 1) / VP8_MAX_PAYLOAD;
    size_t chunk = (fr->len + n_pkts - 1) / n_pkts;
    uint16_t pid = pm->picture_id;
    pm->picture_id = (pm->picture_id + 1) & 0x7fff;
    for (size_t i = 0, off = 0; i < n_pkts; i++) {
        size_t n = fr->len - off < chunk ? fr->len - off : chunk;
        uint8_t buf[PKT_CAP + 64];
        uint16_t seq = pm->video_seq++;
        size_t hl = header(buf, pm->video_pt, i + 1 == n_pkts, seq, pm->video_ts, pm->video_ssrc,
                           "1", pm->mid_ext);
        uint8_t *d = buf + hl;
        d[0] = 0x80 | (i == 0 ? 0x10 : 0); /* X, S, PID 0 */
        d[1] = 0x80;                       /* I: picture id present */
        d[2] = 0x80 | (uint8_t)(pid >> 8); /* M: 15-bit picture id */
        d[3] = (uint8_t)pid;
        memcpy(d + 4, fr->data + off, n);
        memcpy(d + 4 + n, &now, 8);
        size_t len = hl + 4 + n + 8;
        off += n;
        struct cached_pkt *c = &pm->cache[seq % PUB_CACHE];
        if (len <= sizeof(c->data)) {
            c->seq = seq;
            c->len = (uint16_t)len;
            memcpy(c->data, buf, len);
        }
        if (drop_now()) {
            pm->dropped++;
            continue;
        }
        if (peer_send_rtp(p, buf, len, false) == 0)
            pm->sent_video++;
    }
    pm->video_ts += 3000;
}

void pub_media_tick(struct peer *p, int64_t now)
{
    struct publisher_media *pm = p->pm;
    int guard = 0;
    while (now >= pm->next_audio_us && guard++ < 10) {
        send_audio(p, now);
        pm->next_audio_us += 20000;
    }
    if (now - pm->next_audio_us > 200000) {
        pm->next_audio_us = now; /* we fell behind: do not burst */
        pm->skips++;
    }
    if (!cfg.video)
        return;
    guard = 0;
    while (now >= pm->next_video_us && guard++ < 4) {
        send_frame(p, now);
        pm->next_video_us += 33333;
    }
    if (now - pm->next_video_us > 200000) {
        pm->next_video_us = now;
        pm->skips++;
    }
}

static void resend(struct peer *p, uint16_t seq)
{
    struct publisher_media *pm = p->pm;
    struct cached_pkt *c = &pm->cache[seq % PUB_CACHE];
    if (pm->rtx_pt < 0 || !c->len || c->seq != seq)
        return;
    struct rs_rtp_hdr h;
    if (rs_rtp_parse(c->data, c->len, &h))
        return;
    uint8_t buf[PKT_CAP + 64];
    size_t hl = header(buf, (uint8_t)pm->rtx_pt, h.marker, pm->rtx_seq++, h.ts, pm->rtx_ssrc, "1",
                       pm->mid_ext);
    buf[hl] = (uint8_t)(seq >> 8);
    buf[hl + 1] = (uint8_t)seq;
    memcpy(buf + hl + 2, c->data + h.payload_off, h.payload_len);
    if (peer_send_rtp(p, buf, hl + 2 + h.payload_len, false) == 0)
        pm->rtx_sent++;
}

void pub_on_rtcp(struct peer *p, const uint8_t *buf, size_t len)
{
    struct publisher_media *pm = p->pm;
    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt pkt;
    rs_rtcp_iter_init(&it, buf, len);
    while (rs_rtcp_iter_next(&it, &pkt) == 0) {
        struct rs_rtcp_fb fb;
        uint16_t seqs[256];
        size_t n;
        if (rs_rtcp_parse_nack(&pkt, &fb, seqs, 256, &n) == 0) {
            pm->nacks_in += n;
            for (size_t i = 0; i < n; i++)
                resend(p, seqs[i]);
            continue;
        }
        struct rs_rtcp_fir_entry fe[4];
        bool pli = rs_rtcp_parse_pli(&pkt, &fb) == 0;
        bool fir = !pli && rs_rtcp_parse_fir(&pkt, &fb, fe, 4, &n) == 0;
        if (!pli && !fir)
            continue;
        pli ? pm->plis_in++ : pm->fir_in++;
        int64_t t = now_us();
        if (t - pm->last_key_request_us < 500000)
            continue;
        pm->last_key_request_us = t;
        for (size_t k = 0; k < g_ivf.n_frames; k++) {
            size_t f = (pm->frame + k) % g_ivf.n_frames;
            if (g_ivf.frames[f].key) {
                pm->frame = f;
                break;
            }
        }
    }
}
