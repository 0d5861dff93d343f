/* SPDX-License-Identifier: EUPL-1.2 */
/* What a publisher sends: Opus-sized audio (120-byte payloads, 50 packets/s) and VP8 from a
 * looped IVF file, or with --simulcast three layers from three files (bench/setup.sh makes them:
 * 320x180, 640x360 and 1280x720 of the same pattern), each with its own SSRC, RTX SSRC,
 * sequence and picture id, named by the rid header extension as a browser names them.
 *
 * VP8 is packetized per RFC 7741 (15-bit picture id, S bit on a frame's first packet, marker on
 * its last) and split the way libwebrtc splits a frame (RtpPacketizer::SplitAboutEqually): as
 * few packets as fit VP8_MAX_PAYLOAD frame bytes each, all about the same size, the last
 * `remainder` packets one byte larger, so the packet sizes on the wire look like a browser's.
 * Every payload ends with the tail (load.h): a tag byte saying audio or which video layer, and
 * the send time that subscribers turn into latency.
 *
 * Feedback: a NACK is answered from the named layer's cache of its last PUB_CACHE packets as RTX
 * (RFC 4588: the layer's RTX SSRC and sequence, original sequence number first; with simulcast
 * the repaired-rtp-stream-id extension names the layer) when RTX was negotiated, and ignored
 * otherwise (SRTP refuses to protect a repeated index). A PLI or FIR makes the next frame that
 * layer sends its file's next keyframe, at most one per layer per KEY_MIN_US (single layer) or
 * SIM_KEY_MIN_US (simulcast: libwebrtc's minimum keyframe send interval per stream).
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

#define VP8_MAX_PAYLOAD 1100 /* frame bytes per packet, besides descriptor and tail */
#define VP8_DESC_LEN 4
#define AUDIO_PAYLOAD 120
#define KEY_MIN_US 500000
#define SIM_KEY_MIN_US 300000

static const char *const sim_rids[SIM_LAYERS] = {"l", "m", "h"};

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

/* Average bitrate of a looped file at 30 frames/s. */
static double ivf_bitrate(const struct ivf *v)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < v->n_frames; i++)
        bytes += v->frames[i].len;
    return v->n_frames ? (double)bytes * 8 * 30 / (double)v->n_frames : 0;
}

void pub_media_init(struct publisher_media *pm, unsigned idx)
{
    memset(pm, 0, sizeof(*pm));
    pm->audio_ssrc = 0x10000000u + idx * 8;
    pm->audio_pt = 111;
    pm->video_pt = 96;
    pm->rtx_pt = 97;
    pm->mid_ext = 1;
    pm->audio_seq = (uint16_t)rs_random_u32();
    pm->audio_ts = rs_random_u32();
    pm->video_ts = rs_random_u32();
    pm->n_layers = cfg.simulcast ? SIM_LAYERS : 1;
    if (cfg.simulcast) {
        pm->rid_ext = 10; /* the ids Chromium offers */
        pm->repaired_rid_ext = 11;
    }
    /* each publisher starts at its own place in the looped file, so periodic keyframes of
     * different publishers do not all fall together (browsers are not synchronised); all
     * layers of one publisher start together, their keyframes are at the same frames */
    size_t start = g_video[0].n_frames ? rs_random_u32() % g_video[0].n_frames : 0;
    for (unsigned l = 0; l < pm->n_layers; l++) {
        struct video_layer *vl = &pm->layers[l];
        vl->file = &g_video[l];
        vl->frame = vl->file->n_frames ? start % vl->file->n_frames : 0;
        vl->rid = cfg.simulcast ? sim_rids[l] : NULL;
        vl->ssrc = pm->audio_ssrc + 1 + 2 * l;
        vl->rtx_ssrc = vl->ssrc + 1;
        vl->seq = (uint16_t)rs_random_u32();
        vl->rtx_seq = (uint16_t)rs_random_u32();
        vl->picture_id = (uint16_t)(rs_random_u32() & 0x7fff);
        vl->cache = calloc(PUB_CACHE, sizeof(*vl->cache));
    }
    if (cfg.video && !cfg.no_pace) {
        /* like libwebrtc: one pacer per connection at 2.5 × the video bitrate of all layers */
        double bps = 0;
        for (unsigned l = 0; l < pm->n_layers; l++)
            bps += ivf_bitrate(pm->layers[l].file);
        if (pacer_init(&pm->pacer, (uint32_t)(bps * PACER_FACTOR), 4096)) {
            fprintf(stderr, "out of memory for the pacer\n");
            exit(1);
        }
        pm->pacer.on_late = late_record;
    }
}

void pub_media_free(struct publisher_media *pm)
{
    for (unsigned l = 0; l < pm->n_layers; l++) {
        free(pm->layers[l].cache);
        pm->layers[l].cache = NULL;
    }
    pacer_free(&pm->pacer);
}

static void pace_send(void *arg, uint8_t *pkt, size_t len)
{
    struct peer *p = arg;
    if (peer_send_rtp(p, pkt, len, false) == 0)
        p->pm->sent_video++;
}

int64_t pub_media_due(const struct peer *p)
{
    const struct publisher_media *pm = p->pm;
    if (!pm || p->state != PEER_READY)
        return -1;
    int64_t due = pm->next_audio_us;
    if (cfg.video && pm->next_video_us < due)
        due = pm->next_video_us;
    int64_t paced = pm->pacer.q ? pacer_due(&pm->pacer) : -1;
    if (paced >= 0 && paced < due)
        due = paced;
    return due;
}

static bool drop_now(void)
{
    return cfg.loss > 0 && (double)rs_random_u32() / 4294967296.0 < cfg.loss;
}

/* The RTP header with the mid extension and, for a simulcast layer, its rid (or repaired rid
 * on RTX). */
static size_t header(uint8_t *buf, const struct publisher_media *pm, uint8_t pt, bool marker,
                     uint16_t seq, uint32_t ts, uint32_t ssrc, const char *mid, const char *rid,
                     bool rtx)
{
    struct rs_rtp_ext ext[2];
    size_t n = 0;
    if (pm->mid_ext)
        ext[n++] = (struct rs_rtp_ext){pm->mid_ext, (uint8_t)strlen(mid), (const uint8_t *)mid};
    uint8_t rid_id = rtx ? pm->repaired_rid_ext : pm->rid_ext;
    if (rid && rid_id)
        ext[n++] = (struct rs_rtp_ext){rid_id, (uint8_t)strlen(rid), (const uint8_t *)rid};
    struct rs_rtp_header_spec spec = {
        .pt = pt, .marker = marker, .seq = seq, .ts = ts, .ssrc = ssrc, .ext = ext, .n_ext = n};
    size_t hl = 0;
    rs_rtp_build_header(buf, PKT_CAP, &spec, &hl);
    return hl;
}

static void put_tail(uint8_t *end, uint8_t tag, int64_t now)
{
    end[0] = tag;
    memcpy(end + 1, &now, 8);
}

static void send_audio(struct peer *p, int64_t now)
{
    struct publisher_media *pm = p->pm;
    uint8_t buf[PKT_CAP + 64];
    size_t hl = header(buf, pm, pm->audio_pt, false, pm->audio_seq++, pm->audio_ts, pm->audio_ssrc,
                       "0", NULL, false);
    pm->audio_ts += 960;
    memset(buf + hl, 0x5a, AUDIO_PAYLOAD - TAIL_LEN);
    buf[hl] = 0xfc; /* an Opus TOC byte: CELT FB 20 ms */
    put_tail(buf + hl + AUDIO_PAYLOAD - TAIL_LEN, TAG_AUDIO, now);
    if (drop_now()) {
        pm->dropped++;
        return;
    }
    if (peer_send_rtp(p, buf, hl + AUDIO_PAYLOAD, false) == 0)
        pm->sent_audio++;
}

/* libwebrtc's split of `len` bytes into packets of at most `max` (no first/last packet
 * reductions, as for VP8): the fewest packets, sizes differing by at most one byte, the larger
 * ones last. Returns the number of packets; packet i carries split_size(...) bytes. */
static size_t split_count(size_t len, size_t max)
{
    return len ? (len + max - 1) / max : 1;
}

static size_t split_size(size_t len, size_t n_pkts, size_t i)
{
    size_t base = len / n_pkts, larger = len % n_pkts;
    return base + (i >= n_pkts - larger ? 1 : 0);
}

/* nominal: when the frame was due to be captured (now or a little before) */
static void send_frame(struct peer *p, unsigned layer, int64_t now, int64_t nominal)
{
    struct publisher_media *pm = p->pm;
    struct video_layer *vl = &pm->layers[layer];
    const struct ivf_frame *fr = &vl->file->frames[vl->frame];
    vl->frame = (vl->frame + 1) % vl->file->n_frames;
    size_t n_pkts = split_count(fr->len, VP8_MAX_PAYLOAD);
    uint16_t pid = vl->picture_id;
    vl->picture_id = (vl->picture_id + 1) & 0x7fff;
    for (size_t i = 0, off = 0; i < n_pkts; i++) {
        size_t n = split_size(fr->len, n_pkts, i);
        uint8_t buf[PKT_CAP + 64];
        uint16_t seq = vl->seq++;
        size_t hl = header(buf, pm, pm->video_pt, i + 1 == n_pkts, seq, pm->video_ts, vl->ssrc, "1",
                           vl->rid, false);
        uint8_t *d = buf + hl;
        d[0] = 0x80 | (i == 0 ? 0x10 : 0); /* X, S, PID 0 */
        d[1] = 0x80;                       /* I: picture id present */
        d[2] = 0x80 | (uint8_t)(pid >> 8); /* M: 15-bit picture id */
        d[3] = (uint8_t)pid;
        memcpy(d + VP8_DESC_LEN, fr->data + off, n);
        put_tail(d + VP8_DESC_LEN + n, (uint8_t)(TAG_VIDEO | layer), now);
        size_t len = hl + VP8_DESC_LEN + n + TAIL_LEN;
        off += n;
        struct cached_pkt *c = &vl->cache[seq % PUB_CACHE];
        if (len <= sizeof(c->data)) {
            c->seq = seq;
            c->len = (uint16_t)len;
            memcpy(c->data, buf, len);
        }
        if (drop_now()) {
            pm->dropped++;
            continue;
        }
        if (pm->pacer.q) { /* leaves when the pacer says, with the send time of then */
            pacer_push(&pm->pacer, buf, len, true, nominal);
            continue;
        }
        late_record(now - nominal);
        if (peer_send_rtp(p, buf, len, false) == 0)
            pm->sent_video++;
    }
}

void pub_media_tick(struct peer *p, int64_t now)
{
    struct publisher_media *pm = p->pm;
    int guard = 0;
    while (now >= pm->next_audio_us && guard++ < 10) {
        late_record(now - pm->next_audio_us);
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
        /* one captured frame: every layer encodes it, with the same RTP timestamp */
        for (unsigned l = 0; l < pm->n_layers; l++)
            send_frame(p, l, now, pm->next_video_us);
        pm->video_ts += 3000;
        pm->next_video_us += 33333;
    }
    if (now - pm->next_video_us > 200000) {
        pm->next_video_us = now;
        pm->skips++;
    }
    if (pm->pacer.q)
        pacer_run(&pm->pacer, now, pace_send, p);
}

/* The layer feedback names by its media SSRC; a single layer takes any feedback, as before
 * simulcast. */
static struct video_layer *layer_of(struct publisher_media *pm, uint32_t ssrc)
{
    for (unsigned l = 0; l < pm->n_layers; l++)
        if (pm->layers[l].ssrc == ssrc)
            return &pm->layers[l];
    return pm->n_layers == 1 ? &pm->layers[0] : NULL;
}

static void resend(struct peer *p, struct video_layer *vl, uint16_t seq)
{
    struct publisher_media *pm = p->pm;
    struct cached_pkt *c = &vl->cache[seq % PUB_CACHE];
    if (pm->rtx_pt < 0 || !c->len || c->seq != seq)
        return;
    struct rs_rtp_hdr h;
    if (rs_rtp_parse(c->data, c->len, &h))
        return;
    uint8_t buf[PKT_CAP + 64];
    size_t hl = header(buf, pm, (uint8_t)pm->rtx_pt, h.marker, vl->rtx_seq++, h.ts, vl->rtx_ssrc,
                       "1", vl->rid, true);
    buf[hl] = (uint8_t)(seq >> 8);
    buf[hl + 1] = (uint8_t)seq;
    memcpy(buf + hl + 2, c->data + h.payload_off, h.payload_len);
    if (peer_send_rtp(p, buf, hl + 2 + h.payload_len, false) == 0)
        pm->rtx_sent++;
}

/* The next frame `vl` sends is its file's next keyframe (rate-limited per layer). */
static void key_request(struct video_layer *vl)
{
    int64_t t = now_us();
    vl->key_requests++;
    bool throttled = t - vl->last_key_request_us < (cfg.simulcast ? SIM_KEY_MIN_US : KEY_MIN_US);
    if (cfg.verbose > 1)
        fprintf(stderr, "%lld key request ssrc %08x%s\n", (long long)t, vl->ssrc,
                throttled ? " (throttled)" : "");
    if (throttled)
        return;
    vl->last_key_request_us = t;
    vl->keys_forced++;
    for (size_t k = 0; k < vl->file->n_frames; k++) {
        size_t f = (vl->frame + k) % vl->file->n_frames;
        if (vl->file->frames[f].key) {
            vl->frame = f;
            break;
        }
    }
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
            struct video_layer *vl = layer_of(pm, fb.media_ssrc);
            for (size_t i = 0; vl && i < n; i++)
                resend(p, vl, seqs[i]);
            continue;
        }
        if (rs_rtcp_parse_pli(&pkt, &fb) == 0) {
            pm->plis_in++;
            struct video_layer *vl = layer_of(pm, fb.media_ssrc);
            if (vl)
                key_request(vl);
            continue;
        }
        struct rs_rtcp_fir_entry fe[SIM_LAYERS + 1];
        if (rs_rtcp_parse_fir(&pkt, &fb, fe, SIM_LAYERS + 1, &n) == 0) {
            pm->fir_in++;
            for (size_t i = 0; i < n; i++) {
                struct video_layer *vl = layer_of(pm, fe[i].ssrc);
                if (vl)
                    key_request(vl);
            }
        }
    }
}
