/* SPDX-License-Identifier: EUPL-1.2 */
/* Forwarding: publisher streams in, subscriptions out.
 *
 * A track is what a publisher sends on one m-line: audio, or video in up to three simulcast
 * layers (each its own SSRC, found by the rid header extension the first time it is seen).
 * A subscription forwards one track to one subscriber transport under an SSRC of its own.
 * For video it forwards exactly one layer at a time; the layer it should forward (target)
 * comes from what the subscriber shows (video_size) and its bandwidth estimate (REMB), and a
 * switch happens only on a keyframe of the target layer, so the decoder never sees a layer
 * change mid-picture. Sequence numbers and timestamps are rewritten per subscription to stay
 * continuous across switches, restarts and pauses: out = in + offset, with the offset
 * recomputed at each switch from the last packet sent.
 *
 * Probing: a browser's REMB is a receive-side estimate that never rises above about 1.5 times
 * what it receives, so a subscriber on a small layer reports too little for the next one even
 * on a fast link, and budget alone would keep it down for good (the top layer costs about three
 * times the middle one). When the estimate sits at that cap (at least 5/4 of what we send: the
 * receiver sees no congestion), one subscription per transport is stepped up one layer anyway
 * and held there until the estimate has grown to pay for it (success), or falls (congestion),
 * or RS_PROBE_MAX_MS pass (failure: no new probe for a back-off that doubles, 4 s to 32 s).
 * The layer a subscription gets is given up for budget only when the estimate is below what
 * the transport forwards (congestion), not whenever a layer's bitrate, keyframes and all,
 * pokes above it: that flapped between layers every second or two, a keyframe each time.
 *
 * Every forwarded packet is rebuilt: our own RTP header (subscriber's PT, SSRC, seq, ts and
 * header extension ids, which differ from the publisher's) followed by the publisher's
 * payload, then SRTP-protected for that subscriber. Retransmissions (NACK) come from a per-
 * layer cache of received payloads and are sent as RTX, never as a repeat of the original
 * sequence number: with AES-GCM a repeated SRTP index with different bytes would reuse a
 * nonce, so libsrtp is configured to refuse repeats and RTX gives each resend a fresh index.
 *
 * Audio levels (RFC 6464) of every audio track are averaged over RS_SPEAKER_MS windows; the
 * loudest track per room above a threshold becomes the active speaker (event to control). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "sfu/worker_internal.h"

#define RS_SPEAKER_MS 400
#define RS_SPEAKER_LEVEL 70      /* average RFC 6464 level (-dBov) below which someone speaks */
#define RS_LAYER_EVAL_MS 500
#define RS_LAYER_ACTIVE_MS 1500
/* Keyframe requests per layer at most this often. A little over libwebrtc's 300 ms minimum
 * keyframe interval: a request sent exactly 300 ms after the last keyframe can be refused by
 * the browser, and then the subscriber waits for the next re-request. */
#define RS_PLI_MIN_MS 320
#define RS_RTCP_INTERVAL_MS 1000
#define RS_NACK_MAX_GAP 64
#define RS_AUDIO_BPS 64000       /* budget kept for each audio subscription */
#define RS_PROBE_MAX_MS 20000
#define RS_PROBE_BACKOFF_MS 4000
#define RS_PROBE_BACKOFF_MAX_MS 32000

int rs_wk__router_init(struct rs_wk *w)
{
    w->tracks = calloc(RS_WK_MAX_TRACKS, sizeof(*w->tracks));
    w->subs = calloc(RS_WK_MAX_SUBS, sizeof(*w->subs));
    w->track_end = w->sub_end = 0;
    return w->tracks && w->subs ? 0 : -ENOMEM;
}

static void free_caches(struct rs_wk_track *tr)
{
    for (int l = 0; l < RS_SFU_MAX_LAYERS; l++) {
        free(tr->layers[l].cache);
        tr->layers[l].cache = NULL;
    }
}

void rs_wk__router_free(struct rs_wk *w)
{
    if (w->tracks)
        for (uint32_t i = 0; i < w->track_end; i++)
            free_caches(&w->tracks[i]);
    free(w->tracks);
    free(w->subs);
    w->tracks = NULL;
    w->subs = NULL;
}

static struct rs_wk_track *track_find(struct rs_wk *w, uint32_t id, uint32_t *idx)
{
    for (uint32_t i = 0; i < w->track_end; i++) {
        if (w->tracks[i].in_use && w->tracks[i].id == id) {
            if (idx)
                *idx = i;
            return &w->tracks[i];
        }
    }
    return NULL;
}

static struct rs_wk_sub *sub_find(struct rs_wk *w, uint32_t id, uint32_t *idx)
{
    for (uint32_t i = 0; i < w->sub_end; i++) {
        if (w->subs[i].in_use && w->subs[i].id == id) {
            if (idx)
                *idx = i;
            return &w->subs[i];
        }
    }
    return NULL;
}

static void ssrc_learn(struct rs_wk_transport *t, uint32_t ssrc, uint32_t track, uint8_t layer,
                       uint8_t rtx)
{
    if (ssrc == 0 || t->n_ssrcs >= RS_WK_TRANSPORT_SSRCS)
        return;
    for (unsigned i = 0; i < t->n_ssrcs; i++)
        if (t->ssrcs[i].ssrc == ssrc)
            return;
    t->ssrcs[t->n_ssrcs++] = (struct rs_wk_ssrc){ssrc, track, layer, rtx};
}

static void ssrc_forget_track(struct rs_wk_transport *t, uint32_t track)
{
    unsigned j = 0;
    for (unsigned i = 0; i < t->n_ssrcs; i++)
        if (t->ssrcs[i].track != track)
            t->ssrcs[j++] = t->ssrcs[i];
    t->n_ssrcs = j;
}

void rs_wk__track_add(struct rs_wk *w, const struct rs_cmd_track *c)
{
    struct rs_wk_transport *t = c->relay ? NULL : rs_wk__transport(w, c->tid);
    if ((!t && !c->relay) || c->n_layers == 0 || c->n_layers > RS_SFU_MAX_LAYERS ||
        track_find(w, c->track_id, NULL))
        return;
    if (c->relay && (!w->relay || c->home >= w->relay->n || c->home == w->index))
        return;
    uint32_t idx = 0;
    while (idx < RS_WK_MAX_TRACKS && w->tracks[idx].in_use)
        idx++;
    if (idx == RS_WK_MAX_TRACKS) {
        RS_ERROR("worker", "event=track_table_full");
        return;
    }
    struct rs_wk_track *tr = &w->tracks[idx];
    memset(tr, 0, sizeof(*tr));
    tr->in_use = true;
    rs_metric_inc(RS_M_MEDIA_TRACKS);
    tr->id = c->track_id;
    tr->tid = c->relay ? 0 : c->tid;
    tr->relayed = c->relay != 0;
    tr->home = c->home;
    tr->owner = c->owner;
    tr->room = c->room;
    tr->kind = c->kind;
    tr->codec = c->codec;
    tr->pt = c->pt;
    tr->rtx_pt = c->rtx_pt;
    tr->clock = c->clock ? c->clock : (c->kind == RS_MEDIA_AUDIO ? 48000 : 90000);
    tr->ext = c->ext;
    memcpy(tr->mid, c->mid, sizeof(tr->mid));
    tr->mid[sizeof(tr->mid) - 1] = 0;
    tr->n_layers = c->n_layers;
    tr->width = c->width;
    tr->height = c->height;
    tr->muted = c->muted;
    tr->screen = c->screen;
    tr->first_sub = RS_WK_NONE;
    for (int l = 0; l < c->n_layers; l++) {
        memcpy(tr->layers[l].rid, c->rids[l], sizeof(tr->layers[l].rid));
        tr->layers[l].rid[sizeof(tr->layers[l].rid) - 1] = 0;
        if (tr->kind == RS_MEDIA_VIDEO && !c->relay) { /* a copy's: while it has subscribers */
            tr->layers[l].cache = calloc(RS_WK_CACHE_SLOTS, sizeof(struct rs_wk_cached));
            if (!tr->layers[l].cache) {
                free_caches(tr);
                tr->in_use = false;
                rs_metric_dec(RS_M_MEDIA_TRACKS);
                return;
            }
        }
    }
    if (t && c->n_layers == 1 && c->ssrc) {
        tr->layers[0].ssrc = c->ssrc;
        ssrc_learn(t, c->ssrc, idx, 0, 0);
        if (c->rtx_ssrc) {
            tr->layers[0].rtx_ssrc = c->rtx_ssrc;
            ssrc_learn(t, c->rtx_ssrc, idx, 0, 1);
        }
    }
    if (idx >= w->track_end)
        w->track_end = idx + 1;
    RS_DEBUG("worker", "event=track_added track=%u tid=%u kind=%u layers=%u", tr->id, tr->tid,
             tr->kind, tr->n_layers);
}

static struct rs_relay_msg *relay_reserve(struct rs_wk *w, unsigned to);
static void relay_want(struct rs_wk *w, struct rs_wk_track *tr, bool want);

static void sub_unlink(struct rs_wk *w, uint32_t idx)
{
    struct rs_wk_sub *s = &w->subs[idx];
    if (s->track != RS_WK_NONE && s->track < w->track_end) {
        struct rs_wk_track *tr = &w->tracks[s->track];
        uint32_t *pp = &tr->first_sub;
        while (*pp != RS_WK_NONE && *pp != idx)
            pp = &w->subs[*pp].next_in_track;
        if (*pp == idx)
            *pp = s->next_in_track;
        if (tr->in_use && tr->relayed && tr->first_sub == RS_WK_NONE)
            relay_want(w, tr, false);
    }
    struct rs_wk_transport *t = rs_wk__transport(w, s->tid);
    if (t) {
        uint32_t *pp = &t->first_sub;
        while (*pp != RS_WK_NONE && *pp != idx)
            pp = &w->subs[*pp].next_in_transport;
        if (*pp == idx)
            *pp = s->next_in_transport;
    }
    if (s->in_use)
        rs_metric_dec(RS_M_MEDIA_SUBSCRIPTIONS);
    memset(s, 0, sizeof(*s));
}

static struct rs_relay_msg *relay_reserve(struct rs_wk *w, unsigned to)
{
    struct rs_relay_msg *m = rs_relay_reserve(rs_relay_ring(w->relay, w->index, to));
    if (!m)
        rs_metric_drop(RS_DROP_RELAY_FULL);
    return m;
}

/* Publishes the message. The first one to a worker in a batch wakes it at once, so that it
 * works in parallel with us; later ones are announced at the flush. */
static void relay_commit(struct rs_wk *w, unsigned to)
{
    rs_relay_commit(rs_relay_ring(w->relay, w->index, to));
    if (!(w->relay_woken & (1u << to))) {
        w->relay_woken |= 1u << to;
        rs_relay_wake(w->relay, to);
    } else {
        w->relay_dirty |= 1u << to;
    }
}

/* A relay copy gained its first subscription or lost its last: the home worker copies packets
 * to this worker only while someone here wants them. */
static void relay_want(struct rs_wk *w, struct rs_wk_track *tr, bool want)
{
    if (!want)
        free_caches(tr); /* nobody here to answer NACKs for; allocated again when needed */
    struct rs_relay_msg *m = relay_reserve(w, tr->home);
    if (!m)
        return;
    m->kind = RS_RELAY_WANT;
    m->track_id = tr->id;
    m->layer = want;
    relay_commit(w, tr->home);
}

/* Home worker: tells every worker with a copy of the track that it ended. */
static void relay_gone(struct rs_wk *w, struct rs_wk_track *tr)
{
    for (unsigned k = 0; w->relay && k < w->relay->n; k++) {
        if (!(tr->relay_to & (1u << k)))
            continue;
        struct rs_relay_msg *m = relay_reserve(w, k);
        if (!m)
            continue; /* the copy stays until its subscriptions go; it gets no packets */
        m->kind = RS_RELAY_GONE;
        m->track_id = tr->id;
        relay_commit(w, k);
    }
}

void rs_wk__track_remove(struct rs_wk *w, uint32_t track_id)
{
    uint32_t idx;
    struct rs_wk_track *tr = track_find(w, track_id, &idx);
    if (!tr)
        return;
    if (tr->relay_to)
        relay_gone(w, tr);
    if (w->relay_cache_id == track_id)
        w->relay_cache_id = 0;
    while (tr->first_sub != RS_WK_NONE)
        sub_unlink(w, tr->first_sub);
    struct rs_wk_transport *t = rs_wk__transport(w, tr->tid);
    if (t)
        ssrc_forget_track(t, idx);
    free_caches(tr);
    memset(tr, 0, sizeof(*tr));
    rs_metric_dec(RS_M_MEDIA_TRACKS);
}

static void request_keyframe(struct rs_wk *w, struct rs_wk_track *tr, int layer)
{
    if (layer < 0 || layer >= tr->n_layers || tr->kind != RS_MEDIA_VIDEO)
        return;
    struct rs_wk_layer *l = &tr->layers[layer];
    if (tr->relayed) { /* the publisher is on the home worker: ask there */
        if (w->now_ms - l->last_pli_ms < RS_PLI_MIN_MS)
            return;
        struct rs_relay_msg *m = relay_reserve(w, tr->home);
        if (!m)
            return;
        l->last_pli_ms = w->now_ms;
        m->kind = RS_RELAY_KEYFRAME;
        m->track_id = tr->id;
        m->layer = (uint8_t)layer;
        relay_commit(w, tr->home);
        return;
    }
    if (!l->ssrc || w->now_ms - l->last_pli_ms < RS_PLI_MIN_MS)
        return;
    struct rs_wk_transport *pub = rs_wk__transport(w, tr->tid);
    if (!pub)
        return;
    l->last_pli_ms = w->now_ms;
    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t len;
    if (rs_rtcp_build_pli(o->data, sizeof(o->data), pub->rtcp_ssrc, l->ssrc, &len) == 0 &&
        rs_wk__send_rtcp(w, pub, o, len) == 0)
        rs_metric_inc(RS_M_PLIS_OUT);
}

void rs_wk__track_mute(struct rs_wk *w, uint32_t track_id, bool muted)
{
    struct rs_wk_track *tr = track_find(w, track_id, NULL);
    if (!tr || tr->muted == muted)
        return;
    tr->muted = muted;
    if (!muted) {
        /* resume every subscription cleanly: new offsets, and for video a fresh keyframe */
        for (uint32_t s = tr->first_sub; s != RS_WK_NONE; s = w->subs[s].next_in_track)
            w->subs[s].cur_layer = -1;
        for (int l = 0; l < tr->n_layers; l++)
            request_keyframe(w, tr, l);
    }
}

void rs_wk__sub_add(struct rs_wk *w, const struct rs_cmd_sub *c)
{
    uint32_t tidx;
    struct rs_wk_track *tr = track_find(w, c->track_id, &tidx);
    struct rs_wk_transport *t = rs_wk__transport(w, c->tid);
    if (!tr || !t || !t->subscriber || sub_find(w, c->sub_id, NULL))
        return;
    uint32_t idx = 0;
    while (idx < RS_WK_MAX_SUBS && w->subs[idx].in_use)
        idx++;
    if (idx == RS_WK_MAX_SUBS) {
        RS_ERROR("worker", "event=sub_table_full");
        return;
    }
    struct rs_wk_sub *s = &w->subs[idx];
    memset(s, 0, sizeof(*s));
    s->in_use = true;
    rs_metric_inc(RS_M_MEDIA_SUBSCRIPTIONS);
    s->id = c->sub_id;
    s->tid = c->tid;
    s->track = tidx;
    s->ssrc = c->ssrc;
    s->rtx_ssrc = c->rtx_ssrc;
    s->pt = c->pt;
    s->rtx_pt = c->rtx_pt;
    s->ext = c->ext;
    memcpy(s->mid, c->mid, sizeof(s->mid));
    s->mid[sizeof(s->mid) - 1] = 0;
    s->enabled = c->enabled;
    s->nack = c->nack;
    s->remb = c->remb;
    s->cur_layer = -1;
    s->target_layer = tr->kind == RS_MEDIA_VIDEO ? tr->n_layers - 1 : 0;
    s->rtx_seq = (uint16_t)rs_random_u32();
    if (tr->relayed && tr->first_sub == RS_WK_NONE)
        relay_want(w, tr, true);
    s->next_in_track = tr->first_sub;
    tr->first_sub = idx;
    s->next_in_transport = t->first_sub;
    t->first_sub = idx;
    if (idx >= w->sub_end)
        w->sub_end = idx + 1;
    t->next_layer_ms = 0; /* choose a layer at the next tick */
    request_keyframe(w, tr, s->target_layer);
}

void rs_wk__sub_remove(struct rs_wk *w, uint32_t sub_id)
{
    uint32_t idx;
    if (sub_find(w, sub_id, &idx))
        sub_unlink(w, idx);
}

void rs_wk__sub_enable(struct rs_wk *w, uint32_t sub_id, bool enabled)
{
    struct rs_wk_sub *s = sub_find(w, sub_id, NULL);
    if (!s || s->enabled == enabled)
        return;
    s->enabled = enabled;
    if (enabled) {
        s->cur_layer = -1; /* resynchronise offsets; video waits for a keyframe */
        request_keyframe(w, &w->tracks[s->track], s->target_layer);
    }
}

void rs_wk__sub_size(struct rs_wk *w, uint32_t sub_id, uint16_t width, uint16_t height)
{
    struct rs_wk_sub *s = sub_find(w, sub_id, NULL);
    if (!s)
        return;
    s->sized = true;
    s->want_w = width;
    s->want_h = height;
    struct rs_wk_transport *t = rs_wk__transport(w, s->tid);
    if (t)
        t->next_layer_ms = 0;
}

void rs_wk__router_transport_gone(struct rs_wk *w, struct rs_wk_transport *t)
{
    if (t->subscriber) {
        while (t->first_sub != RS_WK_NONE)
            sub_unlink(w, t->first_sub);
        return;
    }
    for (uint32_t i = 0; i < w->track_end; i++)
        if (w->tracks[i].in_use && w->tracks[i].tid == t->tid)
            rs_wk__track_remove(w, w->tracks[i].id);
}

/* ---- receive path ---- */

static uint32_t abs_send_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* 6.18 fixed point seconds, 24 bits */
    uint64_t v = ((uint64_t)ts.tv_sec << 18) + (((uint64_t)ts.tv_nsec << 18) / 1000000000u);
    return (uint32_t)(v & 0xFFFFFF);
}

/* Finds the track and layer of a new SSRC from the mid/rid extensions (or the payload type
 * when the publisher sends no mid), and remembers the answer. */
static int ssrc_resolve(struct rs_wk *w, struct rs_wk_transport *t, const struct rs_rtp_hdr *h,
                        struct rs_wk_ssrc *out)
{
    for (unsigned i = 0; i < t->n_ssrcs; i++) {
        if (t->ssrcs[i].ssrc == h->ssrc) {
            *out = t->ssrcs[i];
            return 0;
        }
    }
    if (t->n_ssrcs >= RS_WK_TRANSPORT_SSRCS)
        return -ENOSPC;
    struct rs_wk_track *match = NULL;
    uint32_t match_idx = 0;
    int layer = 0, rtx = 0;
    for (uint32_t i = 0; i < w->track_end && !match; i++) {
        struct rs_wk_track *tr = &w->tracks[i];
        if (!tr->in_use || tr->tid != t->tid)
            continue;
        char mid[RS_SFU_MID_SIZE];
        if (tr->ext.mid && rs_rtp_ext_string(h, tr->ext.mid, mid, sizeof(mid)) == 0) {
            if (strcmp(mid, tr->mid) != 0)
                continue;
        } else if (h->pt != tr->pt && (tr->rtx_pt < 0 || h->pt != (uint8_t)tr->rtx_pt)) {
            continue;
        }
        rtx = tr->rtx_pt >= 0 && h->pt == (uint8_t)tr->rtx_pt;
        char rid[RS_SFU_RID_SIZE];
        layer = 0;
        if (tr->n_layers > 1) {
            int found = -1;
            uint8_t id = tr->ext.rid;
            if (tr->ext.repaired_rid &&
                rs_rtp_ext_string(h, tr->ext.repaired_rid, rid, sizeof(rid)) == 0) {
                rtx = 1;
                id = 0;
            } else if (!(id && rs_rtp_ext_string(h, id, rid, sizeof(rid)) == 0)) {
                continue; /* simulcast stream without rid yet: wait for one that has it */
            }
            for (int l = 0; l < tr->n_layers; l++)
                if (strcmp(tr->layers[l].rid, rid) == 0)
                    found = l;
            if (found < 0)
                continue;
            layer = found;
        }
        match = tr;
        match_idx = i;
    }
    if (!match)
        return -ENOENT;
    if (rtx)
        match->layers[layer].rtx_ssrc = h->ssrc;
    else
        match->layers[layer].ssrc = h->ssrc;
    ssrc_learn(t, h->ssrc, match_idx, (uint8_t)layer, (uint8_t)rtx);
    *out = (struct rs_wk_ssrc){h->ssrc, match_idx, (uint8_t)layer, (uint8_t)rtx};
    return 0;
}

static void layer_stats(struct rs_wk *w, struct rs_wk_layer *l, uint16_t seq, size_t bytes)
{
    l->active = true;
    l->last_pkt_ms = w->now_ms;
    if (!l->seq_init) {
        l->seq_init = true;
        l->max_seq = seq;
        l->base_seq = seq;
        l->cycles = 0;
        l->received = 0;
        l->win_start_ms = w->now_ms;
    } else {
        uint16_t delta = (uint16_t)(seq - l->max_seq);
        if (delta < 0x8000) {
            if (seq < l->max_seq)
                l->cycles += 65536;
            l->max_seq = seq;
        }
    }
    l->received++;
    l->win_bytes += bytes;
    if (w->now_ms - l->win_start_ms >= 1000) {
        l->bitrate_bps = (uint32_t)(l->win_bytes * 8000 / (w->now_ms - l->win_start_ms));
        l->win_bytes = 0;
        l->win_start_ms = w->now_ms;
    }
}

static void nack_gap(struct rs_wk *w, struct rs_wk_transport *pub, struct rs_wk_layer *l,
                     uint16_t prev_max, uint16_t seq)
{
    uint16_t gap = (uint16_t)(seq - prev_max);
    if (gap < 2 || gap > RS_NACK_MAX_GAP)
        return;
    uint16_t missing[RS_NACK_MAX_GAP];
    size_t n = 0;
    for (uint16_t s = (uint16_t)(prev_max + 1); s != seq && n < RS_NACK_MAX_GAP; s++)
        missing[n++] = s;
    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t len;
    if (rs_rtcp_build_nack(o->data, sizeof(o->data), pub->rtcp_ssrc, l->ssrc, missing, n,
                           &len) == 0 &&
        rs_wk__send_rtcp(w, pub, o, len) == 0)
        rs_metric_add(RS_M_NACKS_OUT, n);
}

struct fwd_pkt {
    uint16_t seq;
    uint32_t ts;
    bool marker, keyframe;
    const uint8_t *payload;
    size_t payload_len;
    bool has_level, voice;
    uint8_t level;
    bool vp8; /* `desc` is valid */
    struct rs_vp8_desc desc;
};

/* Builds, protects and queues one packet for subscription `s`. `rtx_osn` >= 0 makes it an RTX
 * retransmission of that original sequence number. */
static void emit(struct rs_wk *w, struct rs_wk_sub *s, struct rs_wk_transport *st,
                 struct rs_wk_track *tr, const struct fwd_pkt *p, int rtx_osn)
{
    struct rs_rtp_ext ext[3];
    size_t n_ext = 0;
    uint8_t ast[3], lvl;
    if (s->ext.mid && s->mid[0])
        ext[n_ext++] = (struct rs_rtp_ext){s->ext.mid, (uint8_t)strlen(s->mid),
                                           (const uint8_t *)s->mid};
    if (s->ext.abs_send_time) {
        uint32_t v = abs_send_time_now();
        ast[0] = (uint8_t)(v >> 16);
        ast[1] = (uint8_t)(v >> 8);
        ast[2] = (uint8_t)v;
        ext[n_ext++] = (struct rs_rtp_ext){s->ext.abs_send_time, 3, ast};
    }
    if (s->ext.audio_level && p->has_level && rtx_osn < 0) {
        lvl = (uint8_t)((p->voice ? 0x80 : 0) | (p->level & 0x7F));
        ext[n_ext++] = (struct rs_rtp_ext){s->ext.audio_level, 1, &lvl};
    }
    uint16_t out_seq = (uint16_t)(p->seq + s->seq_offset);
    struct rs_rtp_header_spec spec = {
        .pt = rtx_osn >= 0 ? (uint8_t)s->rtx_pt : s->pt,
        .marker = p->marker,
        .seq = rtx_osn >= 0 ? s->rtx_seq++ : out_seq,
        .ts = p->ts + s->ts_offset,
        .ssrc = rtx_osn >= 0 ? s->rtx_ssrc : s->ssrc,
        .ext = ext,
        .n_ext = n_ext,
    };
    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t hlen;
    if (rs_rtp_build_header(o->data, sizeof(o->data), &spec, &hlen))
        return;
    size_t extra = rtx_osn >= 0 ? 2 : 0;
    if (hlen + extra + p->payload_len + RS_SRTP_MAX_RTP_TRAILER > sizeof(o->data)) {
        rs_metric_drop(RS_DROP_TOO_LARGE);
        return;
    }
    if (rtx_osn >= 0) {
        o->data[hlen] = (uint8_t)(rtx_osn >> 8);
        o->data[hlen + 1] = (uint8_t)rtx_osn;
    }
    uint8_t *payload = o->data + hlen + extra;
    memcpy(payload, p->payload, p->payload_len);
    if (p->vp8 && s->has_pid) {
        /* picture ids continue across layer switches, so the receiver's frame-reference
         * tracking never sees the other layer's numbering jump backwards */
        if (p->desc.has_picture_id)
            rs_vp8_set_picture_id(payload, p->payload_len, &p->desc,
                                  (uint16_t)(p->desc.picture_id + s->pid_offset));
        if (p->desc.has_tl0picidx)
            rs_vp8_set_tl0picidx(payload, p->payload_len, &p->desc,
                                 (uint8_t)(p->desc.tl0picidx + s->tl0_offset));
    }
    if (rs_wk__send_rtp(w, st, o, hlen + extra + p->payload_len) != 0)
        return;
    if (rtx_osn >= 0) {
        rs_metric_inc(RS_M_RETRANSMISSIONS);
        return;
    }
    if ((int16_t)(out_seq - s->last_out_seq) > 0 || s->packets_sent == 0) {
        /* keep the switch point within a quarter of the 16-bit space behind the newest
         * packet, so the signed comparisons against it stay valid however long a layer runs */
        if ((uint16_t)(out_seq - s->switch_out_seq) > 0x4000)
            s->switch_out_seq = (uint16_t)(out_seq - 0x4000);
        s->last_out_seq = out_seq;
        s->last_out_ts = spec.ts;
        s->last_out_ms = w->now_ms;
        if (p->vp8 && p->desc.has_picture_id) {
            s->last_out_pid = (uint16_t)(p->desc.picture_id + s->pid_offset);
            s->last_out_tl0 = (uint8_t)(p->desc.tl0picidx + s->tl0_offset);
        }
    }
    s->packets_sent++;
    s->octets_sent += (uint32_t)p->payload_len;
    (void)tr;
}

/* Starts or re-synchronises a subscription on `layer` at packet `p`. */
static void sub_switch(struct rs_wk *w, struct rs_wk_sub *s, struct rs_wk_track *tr, int layer,
                       const struct fwd_pkt *p)
{
    if (!s->started) {
        s->seq_offset = (uint16_t)(rs_random_u32() - p->seq);
        s->ts_offset = rs_random_u32() - p->ts;
        s->started = true;
    } else {
        uint64_t elapsed = w->now_ms - s->last_out_ms;
        uint32_t step = (uint32_t)(elapsed * tr->clock / 1000);
        if (step == 0)
            step = 1;
        s->seq_offset = (uint16_t)(s->last_out_seq + 1 - p->seq);
        s->ts_offset = s->last_out_ts + step - p->ts;
    }
    if (p->vp8 && p->desc.has_picture_id) {
        if (!s->has_pid) {
            s->pid_offset = 0;
            s->tl0_offset = 0;
            s->has_pid = true;
        } else {
            s->pid_offset = (uint16_t)(s->last_out_pid + 1 - p->desc.picture_id);
            s->tl0_offset = (uint8_t)(s->last_out_tl0 + 1 - p->desc.tl0picidx);
        }
    }
    s->switch_out_seq = (uint16_t)(p->seq + s->seq_offset);
    s->cur_layer = layer;
}

static void forward(struct rs_wk *w, struct rs_wk_track *tr, int layer, const struct fwd_pkt *p)
{
    for (uint32_t si = tr->first_sub; si != RS_WK_NONE; si = w->subs[si].next_in_track) {
        struct rs_wk_sub *s = &w->subs[si];
        if (!s->enabled)
            continue;
        struct rs_wk_transport *st = &w->transports[s->tid];
        if (st->state != WK_T_CONNECTED)
            continue;
        if (tr->kind == RS_MEDIA_VIDEO) {
            if (s->target_layer < 0)
                continue;
            if (s->cur_layer != layer) {
                if (layer != s->target_layer || !p->keyframe)
                    continue;
                sub_switch(w, s, tr, layer, p);
            }
        } else if (s->cur_layer != 0) {
            sub_switch(w, s, tr, 0, p);
        }
        /* never send below the switch point: those numbers belong to the old layer */
        if ((int16_t)((uint16_t)(p->seq + s->seq_offset) - s->switch_out_seq) < 0)
            continue;
        emit(w, s, st, tr, p, -1);
    }
}

/* A video packet of layer `l`, from the publisher or relayed: is it a keyframe, and into the
 * layer's NACK cache (when it has one) for retransmissions. */
static void video_received(const struct rs_wk_track *tr, struct rs_wk_layer *l, struct fwd_pkt *p)
{
    if (tr->codec == RS_CODEC_VP8) {
        p->vp8 = rs_vp8_parse(p->payload, p->payload_len, &p->desc) == 0;
        p->keyframe = p->vp8 && p->desc.keyframe;
    } else if (tr->codec == RS_CODEC_H264) {
        bool k = false;
        p->keyframe = rs_h264_is_keyframe(p->payload, p->payload_len, &k) == 0 && k;
    }
    if (l->cache && p->payload_len <= RS_WK_PKT_MAX) {
        struct rs_wk_cached *c = &l->cache[p->seq & (RS_WK_CACHE_SLOTS - 1)];
        c->seq = p->seq;
        c->ts = p->ts;
        c->marker = p->marker;
        c->keyframe = p->keyframe;
        c->len = (uint16_t)p->payload_len;
        memcpy(c->data, p->payload, p->payload_len);
    }
}

/* Home worker: copies a packet (as forwarded to our own subscribers) to every worker that
 * serves subscribers of the track. */
static void relay_packet(struct rs_wk *w, struct rs_wk_track *tr, int layer,
                         const struct fwd_pkt *p)
{
    if (p->payload_len > RS_RELAY_PAYLOAD_MAX)
        return;
    for (unsigned k = 0; k < w->relay->n; k++) {
        if (!(tr->relay_to & (1u << k)))
            continue;
        struct rs_relay_msg *m = relay_reserve(w, k);
        if (!m)
            continue;
        m->kind = RS_RELAY_RTP;
        m->track_id = tr->id;
        m->layer = (uint8_t)layer;
        m->seq = p->seq;
        m->ts = p->ts;
        m->marker = p->marker;
        m->has_level = p->has_level;
        m->voice = p->voice;
        m->level = p->level;
        m->arrival_ns = w->arrival_ns;
        m->len = (uint16_t)p->payload_len;
        memcpy(m->payload, p->payload, p->payload_len);
        relay_commit(w, k);
        w->ctr.relay_out++;
    }
}

void rs_wk__track_relay(struct rs_wk *w, uint32_t track_id, unsigned to, bool on)
{
    struct rs_wk_track *tr = track_find(w, track_id, NULL);
    if (!tr || tr->relayed || !w->relay || to >= w->relay->n || to == w->index || to >= 32)
        return;
    if (on)
        tr->relay_to |= 1u << to;
    else
        tr->relay_to &= ~(1u << to);
    if (on && tr->kind == RS_MEDIA_VIDEO) /* the copy's subscribers start with a keyframe */
        for (int l = 0; l < tr->n_layers; l++)
            request_keyframe(w, tr, l);
}

/* A packet the home worker relayed: handled as if our copy of the track had received it. */
static void relay_rtp(struct rs_wk *w, const struct rs_relay_msg *m)
{
    struct rs_wk_track *tr = NULL;
    if (w->relay_cache_id == m->track_id && w->tracks[w->relay_cache_idx].in_use &&
        w->tracks[w->relay_cache_idx].id == m->track_id) {
        tr = &w->tracks[w->relay_cache_idx];
    } else {
        uint32_t idx;
        tr = track_find(w, m->track_id, &idx);
        if (tr) {
            w->relay_cache_id = m->track_id;
            w->relay_cache_idx = idx;
        }
    }
    if (!tr || !tr->relayed || m->layer >= tr->n_layers || m->len > RS_WK_PKT_MAX) {
        rs_metric_drop(RS_DROP_RELAY_UNKNOWN);
        return;
    }
    if (tr->muted)
        return;
    struct rs_wk_layer *l = &tr->layers[m->layer];
    struct fwd_pkt p = {
        .seq = m->seq,
        .ts = m->ts,
        .marker = m->marker,
        .payload = m->payload,
        .payload_len = m->len,
        .has_level = m->has_level,
        .voice = m->voice,
        .level = m->level,
    };
    layer_stats(w, l, p.seq, p.payload_len);
    if (tr->kind == RS_MEDIA_VIDEO) {
        if (!l->cache) /* first packet since the copy (again) has subscribers */
            l->cache = calloc(RS_WK_CACHE_SLOTS, sizeof(struct rs_wk_cached));
        video_received(tr, l, &p); /* our own subscribers' NACKs are answered here */
    }
    w->arrival_ns = m->arrival_ns;
    forward(w, tr, m->layer, &p);
    w->arrival_ns = 0;
}

void rs_wk__relay_drain(struct rs_wk *w)
{
    if (!w->relay)
        return;
    for (unsigned from = 0; from < w->relay->n; from++) {
        if (from == w->index)
            continue;
        struct rs_relay_ring *r = rs_relay_ring(w->relay, from, w->index);
        struct rs_relay_msg *m;
        while ((m = rs_relay_peek(r))) {
            if (m->kind == RS_RELAY_RTP) {
                relay_rtp(w, m);
            } else if (m->kind == RS_RELAY_KEYFRAME) {
                struct rs_wk_track *tr = track_find(w, m->track_id, NULL);
                if (tr && !tr->relayed)
                    request_keyframe(w, tr, m->layer);
            } else if (m->kind == RS_RELAY_WANT) {
                rs_wk__track_relay(w, m->track_id, from, m->layer != 0);
            } else if (m->kind == RS_RELAY_GONE) {
                struct rs_wk_track *tr = track_find(w, m->track_id, NULL);
                if (tr && tr->relayed)
                    rs_wk__track_remove(w, m->track_id);
            }
            rs_relay_release(r);
        }
    }
}

void rs_wk__on_rtp(struct rs_wk *w, struct rs_wk_transport *t, uint8_t *pkt, size_t len)
{
    struct rs_rtp_hdr h;
    if (t->subscriber || rs_rtp_parse(pkt, len, &h)) {
        rs_metric_drop(RS_DROP_BAD_RTP);
        return;
    }
    struct rs_wk_ssrc m;
    if (ssrc_resolve(w, t, &h, &m)) {
        rs_metric_drop(RS_DROP_UNKNOWN_SSRC);
        return;
    }
    struct rs_wk_track *tr = &w->tracks[m.track];
    struct rs_wk_layer *l = &tr->layers[m.layer];
    struct fwd_pkt p = {
        .seq = h.seq,
        .ts = h.ts,
        .marker = h.marker,
        .payload = pkt + h.payload_off,
        .payload_len = h.payload_len,
    };
    if (m.rtx) {
        if (h.payload_len <= 2)
            return; /* padding-only probe: nothing to forward */
        p.seq = (uint16_t)(p.payload[0] << 8 | p.payload[1]);
        p.payload += 2;
        p.payload_len -= 2;
        if (l->cache) {
            struct rs_wk_cached *c = &l->cache[p.seq & (RS_WK_CACHE_SLOTS - 1)];
            if (c->len && c->seq == p.seq)
                return; /* we already have it */
        }
    } else if (h.payload_len == 0) {
        return;
    }
    uint16_t prev_max = l->max_seq;
    bool had_seq = l->seq_init;
    layer_stats(w, l, p.seq, len);
    if (!m.rtx && had_seq && tr->kind == RS_MEDIA_VIDEO)
        nack_gap(w, t, l, prev_max, p.seq);

    if (tr->kind == RS_MEDIA_AUDIO) {
        bool voice;
        uint8_t level;
        if (tr->ext.audio_level && rs_rtp_audio_level(&h, tr->ext.audio_level, &voice, &level) == 0) {
            p.has_level = true;
            p.voice = voice;
            p.level = level;
            if (!tr->muted) {
                tr->level_sum += level;
                tr->level_n++;
            }
        }
    } else {
        video_received(tr, l, &p);
    }
    if (tr->muted)
        return;
    /* the other workers first: they copy for their subscribers while we do for ours */
    if (tr->relay_to)
        relay_packet(w, tr, m.layer, &p);
    forward(w, tr, m.layer, &p);
}

/* ---- RTCP ---- */

static struct rs_wk_sub *sub_by_ssrc(struct rs_wk *w, struct rs_wk_transport *t, uint32_t ssrc)
{
    for (uint32_t si = t->first_sub; si != RS_WK_NONE; si = w->subs[si].next_in_transport)
        if (w->subs[si].ssrc == ssrc || w->subs[si].rtx_ssrc == ssrc)
            return &w->subs[si];
    return NULL;
}

static void retransmit(struct rs_wk *w, struct rs_wk_transport *st, struct rs_wk_sub *s,
                       uint16_t out_seq)
{
    struct rs_wk_track *tr = &w->tracks[s->track];
    if (!s->rtx_ssrc || s->rtx_pt < 0 || s->cur_layer < 0 || tr->kind != RS_MEDIA_VIDEO)
        return;
    if ((int16_t)(out_seq - s->switch_out_seq) < 0 || (int16_t)(out_seq - s->last_out_seq) > 0)
        return;
    uint16_t in_seq = (uint16_t)(out_seq - s->seq_offset);
    struct rs_wk_layer *l = &tr->layers[s->cur_layer];
    if (!l->cache)
        return;
    struct rs_wk_cached *c = &l->cache[in_seq & (RS_WK_CACHE_SLOTS - 1)];
    if (!c->len || c->seq != in_seq)
        return;
    struct fwd_pkt p = {.seq = in_seq, .ts = c->ts, .marker = c->marker, .payload = c->data,
                        .payload_len = c->len};
    if (tr->codec == RS_CODEC_VP8)
        p.vp8 = rs_vp8_parse(p.payload, p.payload_len, &p.desc) == 0;
    emit(w, s, st, tr, &p, out_seq);
}

static void rtcp_from_subscriber(struct rs_wk *w, struct rs_wk_transport *t,
                                 const struct rs_rtcp_pkt *pkt)
{
    struct rs_rtcp_fb fb;
    if (pkt->pt == RS_RTCP_PSFB && (pkt->count == RS_RTCP_FMT_PLI || pkt->count == RS_RTCP_FMT_FIR)) {
        if (pkt->count == RS_RTCP_FMT_PLI) {
            if (rs_rtcp_parse_pli(pkt, &fb))
                return;
        } else {
            struct rs_rtcp_fir_entry e[4];
            size_t n;
            if (rs_rtcp_parse_fir(pkt, &fb, e, 4, &n) || n == 0)
                return;
            fb.media_ssrc = e[0].ssrc;
        }
        rs_metric_inc(RS_M_PLIS_IN);
        struct rs_wk_sub *s = sub_by_ssrc(w, t, fb.media_ssrc);
        if (s && t->sink) { /* a recorder: at most one request per track and second */
            if (s->sink_pli && w->now_ms - s->sink_pli_ms < RS_WK_SINK_PLI_MIN_MS)
                return;
            s->sink_pli = true;
            s->sink_pli_ms = w->now_ms;
            w->ctr.feed_keyframes++;
        }
        if (s)
            request_keyframe(w, &w->tracks[s->track],
                             s->cur_layer >= 0 ? s->cur_layer : s->target_layer);
    } else if (pkt->pt == RS_RTCP_PSFB && pkt->count == RS_RTCP_FMT_AFB) {
        static __thread struct rs_rtcp_remb remb; /* large; one per worker thread */
        if (rs_rtcp_parse_remb(pkt, &remb) == 0) {
            t->remb_bps = remb.bitrate_bps > UINT32_MAX ? UINT32_MAX : (uint32_t)remb.bitrate_bps;
            t->remb_ms = w->now_ms;
        }
    } else if (pkt->pt == RS_RTCP_RTPFB && pkt->count == RS_RTCP_FMT_NACK) {
        uint16_t seqs[256];
        size_t n;
        if (rs_rtcp_parse_nack(pkt, &fb, seqs, 256, &n))
            return;
        rs_metric_add(RS_M_NACKS_IN, n);
        struct rs_wk_sub *s = sub_by_ssrc(w, t, fb.media_ssrc);
        if (s && s->nack)
            for (size_t i = 0; i < n; i++)
                retransmit(w, t, s, seqs[i]);
    }
}

static void rtcp_from_publisher(struct rs_wk *w, struct rs_wk_transport *t,
                                const struct rs_rtcp_pkt *pkt)
{
    if (pkt->pt != RS_RTCP_SR)
        return;
    static __thread struct rs_rtcp_sr sr; /* large; one per worker thread */
    if (rs_rtcp_parse_sr(pkt, &sr))
        return;
    for (unsigned i = 0; i < t->n_ssrcs; i++) {
        if (t->ssrcs[i].ssrc != sr.ssrc || t->ssrcs[i].rtx)
            continue;
        struct rs_wk_layer *l = &w->tracks[t->ssrcs[i].track].layers[t->ssrcs[i].layer];
        l->last_sr_mid = (uint32_t)(sr.ntp >> 16);
        l->last_sr_ms = w->now_ms;
        l->sr_ntp = sr.ntp;
        l->sr_rtp = sr.rtp_ts;
    }
}

void rs_wk__on_rtcp(struct rs_wk *w, struct rs_wk_transport *t, uint8_t *buf, size_t len)
{
    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt pkt;
    rs_rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = rs_rtcp_iter_next(&it, &pkt)) == 0) {
        if (t->subscriber)
            rtcp_from_subscriber(w, t, &pkt);
        else
            rtcp_from_publisher(w, t, &pkt);
    }
    if (rc != -ENODATA)
        rs_metric_drop(RS_DROP_BAD_RTCP);
}

/* ---- timers: layer choice, RTCP reports, active speaker ---- */

static int layer_for_size(const struct rs_wk_track *tr, const struct rs_wk_sub *s)
{
    int top = tr->n_layers - 1;
    if (!s->sized)
        return top;
    if (s->want_w == 0 && s->want_h == 0)
        return -1;
    unsigned top_h = tr->height ? tr->height : 720, top_w = tr->width ? tr->width : 1280;
    for (int l = 0; l < top; l++) {
        unsigned shift = (unsigned)(top - l);
        if ((top_h >> shift) >= s->want_h * 9u / 10 && (top_w >> shift) >= s->want_w * 9u / 10)
            return l;
    }
    return top;
}

static bool layer_active(const struct rs_wk *w, const struct rs_wk_layer *l)
{
    return l->active && w->now_ms - l->last_pkt_ms < RS_LAYER_ACTIVE_MS;
}

/* Picks each video subscription's layer. Returns true while a subscription waits for a
 * keyframe of its target layer (its request may have been refused: ask again soon). */
static void probe_end(struct rs_wk *w, struct rs_wk_transport *t, bool ok)
{
    RS_DEBUG("worker", "event=layer_probe_end tid=%u sub=%u ok=%d remb=%u", t->tid, t->probe_sub,
             ok, t->remb_bps);
    t->probe_until_ms = 0;
    rs_metric_inc(ok ? RS_M_LAYER_PROBES_OK : RS_M_LAYER_PROBES_FAILED);
    if (ok) {
        t->probe_backoff_ms = 0;
        t->next_probe_ms = w->now_ms;
        return;
    }
    t->probe_backoff_ms = t->probe_backoff_ms ? t->probe_backoff_ms * 2 : RS_PROBE_BACKOFF_MS;
    if (t->probe_backoff_ms > RS_PROBE_BACKOFF_MAX_MS)
        t->probe_backoff_ms = RS_PROBE_BACKOFF_MAX_MS;
    t->next_probe_ms = w->now_ms + t->probe_backoff_ms;
}

/* Layer `l` for subscription `s` given the budget, or a probe one layer above what it gets. */
static int probe_layer(struct rs_wk *w, struct rs_wk_transport *t, struct rs_wk_sub *s,
                       const struct rs_wk_track *tr, int want, int l, uint64_t sent)
{
    if (t->probe_until_ms && s->id == t->probe_sub) {
        if (l >= t->probe_layer) {
            probe_end(w, t, true); /* the estimate pays for it now */
            return l;
        }
        return t->probe_layer < want ? t->probe_layer : want;
    }
    int up = s->cur_layer + 1;
    if (t->probe_until_ms || !t->remb_bps || w->now_ms < t->next_probe_ms ||
        s->cur_layer < 0 || l > s->cur_layer || up > want || up >= tr->n_layers ||
        !layer_active(w, &tr->layers[up]) || (uint64_t)t->remb_bps * 4 < sent * 5)
        return l;
    t->probe_until_ms = w->now_ms + RS_PROBE_MAX_MS;
    t->probe_remb = t->remb_bps;
    t->probe_sub = s->id;
    t->probe_layer = up;
    RS_DEBUG("worker", "event=layer_probe tid=%u sub=%u from=%d to=%d remb=%u sent=%llu", t->tid,
             s->id, s->cur_layer, up, t->remb_bps, (unsigned long long)sent);
    return up;
}

static bool choose_layers(struct rs_wk *w, struct rs_wk_transport *t)
{
    bool waiting = false;
    bool fresh = t->remb_bps && w->now_ms - t->remb_ms < 5000;
    uint64_t budget = fresh ? t->remb_bps : UINT64_MAX;
    uint64_t sent = 0; /* what this transport forwards now */
    bool probed_here = false;
    for (uint32_t si = t->first_sub; si != RS_WK_NONE; si = w->subs[si].next_in_transport) {
        struct rs_wk_sub *s = &w->subs[si];
        const struct rs_wk_track *tr = &w->tracks[s->track];
        probed_here |= s->id == t->probe_sub;
        if (!s->enabled)
            continue;
        if (tr->kind == RS_MEDIA_AUDIO) {
            budget = budget > RS_AUDIO_BPS ? budget - RS_AUDIO_BPS : 0;
            sent += tr->layers[0].bitrate_bps;
        } else if (s->cur_layer >= 0) {
            sent += tr->layers[s->cur_layer].bitrate_bps;
        }
    }
    bool congested = fresh && t->remb_bps < sent;
    if (t->probe_until_ms &&
        (!fresh || !probed_here || w->now_ms >= t->probe_until_ms ||
         (uint64_t)t->remb_bps * 100 < (uint64_t)t->probe_remb * 95))
        probe_end(w, t, false);
    for (uint32_t si = t->first_sub; si != RS_WK_NONE; si = w->subs[si].next_in_transport) {
        struct rs_wk_sub *s = &w->subs[si];
        struct rs_wk_track *tr = &w->tracks[s->track];
        if (tr->kind != RS_MEDIA_VIDEO || !s->enabled)
            continue;
        int want = layer_for_size(tr, s);
        int l = want;
        bool any_active = false;
        for (int k = 0; k < tr->n_layers; k++)
            any_active |= layer_active(w, &tr->layers[k]);
        /* step down past layers that are too expensive, or silent (when anything flows); the
         * layer it gets (or one below) only when the estimate is below what it receives: a
         * layer's bitrate swings with its keyframes, the receiver's estimate is what counts */
        while (l > 0 && ((any_active && !layer_active(w, &tr->layers[l])) ||
                         (tr->layers[l].bitrate_bps > budget &&
                          (l > s->cur_layer || congested))))
            l--;
        if (l >= 0 && any_active && !layer_active(w, &tr->layers[l])) {
            /* nothing active at or below the wish: take the lowest active one above it */
            for (int up = l + 1; up < tr->n_layers; up++) {
                if (layer_active(w, &tr->layers[up])) {
                    l = up;
                    break;
                }
            }
        }
        if (fresh && l >= 0)
            l = probe_layer(w, t, s, tr, want, l, sent);
        if (l >= 0)
            budget = budget > tr->layers[l].bitrate_bps ? budget - tr->layers[l].bitrate_bps : 0;
        /* no probe right after a step down */
        if (l < s->target_layer && l < want && t->next_probe_ms < w->now_ms + RS_PROBE_BACKOFF_MS)
            t->next_probe_ms = w->now_ms + RS_PROBE_BACKOFF_MS;
        if (l != s->target_layer) {
            RS_DEBUG("worker", "event=layer_target sub=%u from=%d to=%d budget=%llu", s->id,
                     s->target_layer, l, (unsigned long long)budget);
            s->target_layer = l;
        }
        if (s->target_layer >= 0 && s->target_layer != s->cur_layer) {
            request_keyframe(w, tr, s->target_layer);
            waiting = true;
        }
        if (s->target_layer < 0)
            s->cur_layer = -1;
    }
    return waiting;
}

static uint64_t ntp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t sec = (uint64_t)ts.tv_sec + 2208988800u;
    uint64_t frac = ((uint64_t)ts.tv_nsec << 32) / 1000000000u;
    return sec << 32 | frac;
}

static void reports_to_publisher(struct rs_wk *w, struct rs_wk_transport *t)
{
    static __thread struct rs_rtcp_rr rr; /* large; one per worker thread */
    memset(&rr, 0, sizeof(rr));
    rr.ssrc = t->rtcp_ssrc;
    uint32_t remb_ssrcs[RS_WK_TRANSPORT_SSRCS];
    size_t n_remb = 0;
    for (unsigned i = 0; i < t->n_ssrcs && rr.n_reports < RS_RTCP_MAX_REPORTS; i++) {
        if (t->ssrcs[i].rtx)
            continue;
        struct rs_wk_layer *l = &w->tracks[t->ssrcs[i].track].layers[t->ssrcs[i].layer];
        if (!l->seq_init)
            continue;
        struct rs_rtcp_report_block *b = &rr.reports[rr.n_reports++];
        uint32_t ext_max = l->cycles + l->max_seq;
        uint32_t expected = ext_max - l->base_seq + 1;
        uint32_t exp_int = expected - l->expected_prior;
        uint32_t rec_int = l->received - l->received_prior;
        l->expected_prior = expected;
        l->received_prior = l->received;
        int32_t lost_int = (int32_t)(exp_int - rec_int);
        b->ssrc = t->ssrcs[i].ssrc;
        b->fraction_lost = exp_int && lost_int > 0 ? (uint8_t)(((uint32_t)lost_int << 8) / exp_int) : 0;
        int64_t cum = (int64_t)expected - (int64_t)l->received;
        b->cumulative_lost = cum > 0x7FFFFF ? 0x7FFFFF : cum < -0x800000 ? -0x800000 : (int32_t)cum;
        b->ext_highest_seq = ext_max;
        b->lsr = l->last_sr_mid;
        b->dlsr = l->last_sr_ms ? (uint32_t)((w->now_ms - l->last_sr_ms) * 65536 / 1000) : 0;
        remb_ssrcs[n_remb++] = t->ssrcs[i].ssrc;
    }
    if (rr.n_reports == 0)
        return;
    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t len1, len2 = 0;
    if (rs_rtcp_build_rr(o->data, sizeof(o->data) - 200, &rr, &len1))
        return;
    if (t->max_bitrate_bps)
        rs_rtcp_build_remb(o->data + len1, sizeof(o->data) - 200 - len1, t->rtcp_ssrc,
                           t->max_bitrate_bps, remb_ssrcs, n_remb, &len2);
    rs_wk__send_rtcp(w, t, o, len1 + len2);
}

static void reports_to_subscriber(struct rs_wk *w, struct rs_wk_transport *t)
{
    struct rs_wk_out *o = NULL;
    size_t len = 0;
    uint64_t ntp = ntp_now();
    for (uint32_t si = t->first_sub; si != RS_WK_NONE; si = w->subs[si].next_in_transport) {
        struct rs_wk_sub *s = &w->subs[si];
        if (!s->packets_sent)
            continue;
        struct rs_wk_track *tr = &w->tracks[s->track];
        struct rs_rtcp_sr sr = {0};
        sr.ssrc = s->ssrc;
        sr.ntp = ntp;
        sr.rtp_ts = s->last_out_ts + (uint32_t)((w->now_ms - s->last_out_ms) * tr->clock / 1000);
        sr.packet_count = s->packets_sent;
        sr.octet_count = s->octets_sent;
        if (!o)
            o = rs_wk__out_slot(w);
        size_t n;
        if (len + 64 + RS_SRTP_MAX_RTP_TRAILER + 4 > 1100) {
            rs_wk__send_rtcp(w, t, o, len);
            o = rs_wk__out_slot(w);
            len = 0;
        }
        if (rs_rtcp_build_sr(o->data + len, sizeof(o->data) - len, &sr, &n) == 0)
            len += n;
    }
    if (o && len)
        rs_wk__send_rtcp(w, t, o, len);
}

/* Picks each room's active speaker: the loudest audio track above RS_SPEAKER_LEVEL in this
 * window. To keep the highlight from flapping between two people talking over each other, a
 * new speaker takes over only after being loudest for RS_SPEAKER_HOLD windows in a row, or when
 * the current speaker has been silent for RS_SPEAKER_HOLD windows. */
#define RS_SPEAKER_HOLD 3
static void active_speakers(struct rs_wk *w)
{
    enum { SLOTS = 1024 };
    static __thread struct { /* one per worker thread: several run this at once */
        uint32_t room, best, current;
        uint32_t best_score;
        bool used, current_spoke;
    } rooms[SLOTS];
    memset(rooms, 0, sizeof(rooms));
    for (uint32_t i = 0; i < w->track_end; i++) {
        struct rs_wk_track *tr = &w->tracks[i];
        if (!tr->in_use || tr->kind != RS_MEDIA_AUDIO)
            continue;
        uint32_t h = (tr->room * 2654435761u) % SLOTS;
        while (rooms[h].used && rooms[h].room != tr->room)
            h = (h + 1) % SLOTS;
        if (!rooms[h].used) {
            rooms[h].used = true;
            rooms[h].room = tr->room;
            rooms[h].best = rooms[h].current = RS_WK_NONE;
        }
        tr->room_slot = h;
        bool spoke = false;
        if (tr->level_n && !tr->muted) {
            uint32_t avg = tr->level_sum / tr->level_n;
            uint32_t score = 127 - avg;
            spoke = avg < RS_SPEAKER_LEVEL;
            if (spoke && score > rooms[h].best_score) {
                rooms[h].best_score = score;
                rooms[h].best = i;
            }
        }
        if (tr->speaker) {
            rooms[h].current = i;
            tr->silent_windows = spoke ? 0 : tr->silent_windows + 1;
            rooms[h].current_spoke = tr->silent_windows < RS_SPEAKER_HOLD;
        }
        tr->level_sum = tr->level_n = 0;
    }
    for (uint32_t i = 0; i < w->track_end; i++) {
        struct rs_wk_track *tr = &w->tracks[i];
        if (tr->in_use && tr->kind == RS_MEDIA_AUDIO)
            tr->speaker_streak = rooms[tr->room_slot].best == i ? tr->speaker_streak + 1 : 0;
    }
    for (int h = 0; h < SLOTS; h++) {
        if (!rooms[h].used || rooms[h].best == RS_WK_NONE || rooms[h].best == rooms[h].current)
            continue;
        struct rs_wk_track *tr = &w->tracks[rooms[h].best];
        if (rooms[h].current != RS_WK_NONE && rooms[h].current_spoke &&
            tr->speaker_streak < RS_SPEAKER_HOLD)
            continue;
        if (rooms[h].current != RS_WK_NONE)
            w->tracks[rooms[h].current].speaker = false;
        tr->speaker = true;
        struct rs_event ev = {.type = RS_EV_ACTIVE_SPEAKER, .owner = tr->owner, .room = tr->room,
                              .track_id = tr->id, .tid = tr->tid};
        rs_wk__event(w, &ev);
    }
}

void rs_wk__router_timers(struct rs_wk *w)
{
    for (uint32_t tid = 1; tid <= w->max_tid && tid < RS_SFU_MAX_TRANSPORTS; tid++) {
        struct rs_wk_transport *t = &w->transports[tid];
        if (t->state != WK_T_CONNECTED)
            continue;
        if (t->subscriber && w->now_ms >= t->next_layer_ms) {
            bool waiting = choose_layers(w, t);
            t->next_layer_ms = w->now_ms + (waiting ? RS_PLI_MIN_MS + 10 : RS_LAYER_EVAL_MS);
        }
        if (w->now_ms >= t->next_rtcp_ms) {
            /* spread reports: 1 s ± 25 % */
            t->next_rtcp_ms = w->now_ms + RS_RTCP_INTERVAL_MS * 3 / 4 +
                              rs_random_u32() % (RS_RTCP_INTERVAL_MS / 2);
            if (t->subscriber)
                reports_to_subscriber(w, t);
            else
                reports_to_publisher(w, t);
        }
    }
    if (w->now_ms >= w->next_speaker_ms) {
        w->next_speaker_ms = w->now_ms + RS_SPEAKER_MS;
        active_speakers(w);
    }
}
