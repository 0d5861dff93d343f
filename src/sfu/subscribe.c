/* SPDX-License-Identifier: EUPL-1.2 */
/* The subscribe side of the `media` namespace: slots, subscribe offers, media/subscribe_answer,
 * media/restart_ice (which only ever restarts the subscribe connection) and media/video_size.
 *
 * Subscribe slots. A slot is one m-section of a participant's subscribe connection, mid "0",
 * "1", ... in creation order; slots are never removed from the SDP (JSEP keeps m-sections
 * forever). A slot is BOUND to a remote track, or ENDING (its track ended, the browser has not
 * yet answered an offer showing it inactive), or IDLE (negotiated inactive: reusable for a
 * later track of the same kind, so a long meeting does not grow its SDP without bound), or
 * DEAD (the browser rejected it: a stopped transceiver is never revived, its mid stays rejected).
 * An ENDING slot is not reused before the browser has seen it inactive, so one answer never
 * has to switch an m-section straight from one sender's stream to another's.
 *
 * The subtle thing is JSEP's one-offer-at-a-time rule: while an offer is unanswered, changes
 * only mark the participant dirty; the answer handler sends the next offer. Subscriptions are
 * added to the worker only once the browser answered the offer that carried them (before that
 * it could not decode the packets anyway), and removed at once when their track ends. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/random.h"
#include "rtc/sdp.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

#define MAX_SLOTS RS_SDP_MAX_MEDIA
/* Our offers may be larger than what we parse (RS_SDP_MAX_TEXT): ~1 KiB per m-section. */
#define OFFER_CAP (2 * RS_SDP_MAX_TEXT)

/* Our fixed payload types and parameters in subscribe offers. */
#define PT_OPUS 111
#define PT_VP8 96
#define PT_VP8_RTX 97
#define PT_H264 102
#define PT_H264_RTX 103
#define FMTP_OPUS "minptime=10;useinbandfec=1"
#define FMTP_H264 "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

/* ---- subscribe side ---- */

static uint32_t new_ssrc(const struct pmedia *q)
{
    for (;;) {
        uint32_t ssrc = rs_random_u32();
        bool taken = ssrc == 0;
        for (unsigned i = 0; i < q->n_slots && !taken; i++)
            taken = q->slots[i].ssrc == ssrc || q->slots[i].rtx_ssrc == ssrc;
        if (!taken)
            return ssrc;
    }
}

static void unbind_slot(struct rs_media *m, const struct pmedia *q, struct slot *s)
{
    if (s->sub_added)
        rs_ms__send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_REMOVE, s->sub_id, 0, 0,
                            0);
    s->state = SLOT_ENDING;
    s->track_id = 0;
    s->owner = 0;
    s->sub_added = false;
    s->has_size = false;
}

static void bind_slot(struct rs_media *m, struct pmedia *q, struct slot *s, const struct pmedia *r,
                      enum source src)
{
    const struct track *t = &r->tracks[src];
    s->state = SLOT_BOUND;
    s->kind = t->kind;
    s->codec = t->codec;
    s->track_id = t->id;
    s->owner = r->owner;
    memcpy(s->publisher, r->p->id, sizeof(s->publisher));
    s->source = src;
    s->ssrc = 0;
    s->rtx_ssrc = 0;
    s->ssrc = new_ssrc(q);
    s->rtx_ssrc = t->kind == RS_MEDIA_VIDEO ? new_ssrc(q) : 0;
    s->sub_id = m->next_sub_id++;
    s->sub_added = false;
    s->enabled = false;
    s->has_size = false;
}

static bool track_bound(const struct pmedia *q, uint32_t track_id)
{
    for (unsigned i = 0; i < q->n_slots; i++)
        if (q->slots[i].state == SLOT_BOUND && q->slots[i].track_id == track_id)
            return true;
    return false;
}

static bool slot_track_alive(const struct rs_participant *qp, const struct slot *s)
{
    const struct pmedia *r = rs_ms__owner_find(qp->room->app->media, s->owner);
    return r && !r->leaving && r->p->room == qp->room && r->p != qp &&
           r->tracks[s->source].id == s->track_id;
}

static void send_offer(struct rs_media *m, struct pmedia *q);

static void request_offer(struct rs_media *m, struct pmedia *q)
{
    if (q->offer_pending)
        q->offer_dirty = true;
    else
        send_offer(m, q);
}

/* Makes sure q->slots has room for one more slot (the caller checked MAX_SLOTS): a
 * participant pays for the m-sections it has, not for the 64 it might have. */
static int room_for_slot(struct pmedia *q)
{
    if (q->n_slots < q->slots_cap)
        return 0;
    unsigned cap = q->slots_cap ? 2 * q->slots_cap : 4;
    if (cap > MAX_SLOTS)
        cap = MAX_SLOTS;
    struct slot *slots = realloc(q->slots, cap * sizeof(*slots));
    if (!slots) {
        RS_ERROR("media", "event=oom participant=%s", q->p->id);
        return -ENOMEM;
    }
    q->slots = slots;
    q->slots_cap = cap;
    return 0;
}

/* Makes q's slots match every track of every other participant; offers if anything changed.
 * Ended tracks are unbound at once; new ones are bound only when an offer can go out now, so
 * that slots going idle in the pending round can take them (no needless new m-sections). */
void rs_ms__sync_subs(struct rs_media *m, struct pmedia *q)
{
    struct rs_participant *qp = q->p;
    if (qp->mirror || qp->cascade_member)
        return; /* a stand-in for someone on another node: its media comes from there */
    bool changed = false;
    for (unsigned i = 0; i < q->n_slots; i++) {
        struct slot *s = &q->slots[i];
        if (s->state == SLOT_BOUND && !slot_track_alive(qp, s)) {
            unbind_slot(m, q, s);
            changed = true;
        }
    }
    for (struct rs_participant *rp = qp->room->head; rp; rp = rp->next) {
        struct pmedia *r = PM(rp);
        if (rp == qp || !r || r->leaving)
            continue;
        for (int src = 0; src < SRC__COUNT; src++) {
            const struct track *t = &r->tracks[src];
            if (!t->id || track_bound(q, t->id))
                continue;
            if (q->offer_pending) {
                q->offer_dirty = true; /* bound after the answer */
                continue;
            }
            struct slot *s = NULL;
            for (unsigned i = 0; i < q->n_slots && !s; i++)
                if (q->slots[i].state == SLOT_IDLE && q->slots[i].kind == t->kind)
                    s = &q->slots[i];
            if (!s && q->n_slots < MAX_SLOTS && room_for_slot(q) == 0) {
                s = &q->slots[q->n_slots];
                memset(s, 0, sizeof(*s));
                snprintf(s->mid, sizeof(s->mid), "%u", q->n_slots);
                q->n_slots++;
            }
            if (!s) {
                RS_WARN("media", "event=subscribe_full participant=%s track=%u", qp->id,
                        (unsigned)t->id);
                continue;
            }
            bind_slot(m, q, s, r, (enum source)src);
            changed = true;
        }
    }
    if (changed || q->sub_ice_restart)
        request_offer(m, q);
}

void rs_ms__sync_others(struct rs_media *m, struct rs_participant *p)
{
    for (struct rs_participant *q = p->room->head; q; q = q->next)
        if (q != p && PM(q) && !PM(q)->leaving)
            rs_ms__sync_subs(m, PM(q));
}

static void offer_codec(const struct slot *s, struct rs_sdp_offer_track *o)
{
    if (s->kind == RS_MEDIA_AUDIO) {
        o->kind = RS_SDP_KIND_AUDIO;
        o->pt = PT_OPUS;
        o->codec_name = "opus";
        o->clock = 48000;
        o->channels = 2;
        o->fmtp = FMTP_OPUS;
        o->rtx_pt = -1;
        o->exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME | RS_SDP_EXT_AUDIO_LEVEL;
        o->fb = 0;
        return;
    }
    o->kind = RS_SDP_KIND_VIDEO;
    o->clock = 90000;
    if (s->codec == RS_CODEC_H264) {
        o->pt = PT_H264;
        o->codec_name = "H264";
        o->fmtp = FMTP_H264;
        o->rtx_pt = PT_H264_RTX;
    } else {
        o->pt = PT_VP8;
        o->codec_name = "VP8";
        o->rtx_pt = PT_VP8_RTX;
    }
    o->exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME;
    o->fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB;
}

/* Where q's subscribe connection goes: its room's worker, or, in a room with more than
 * spread_rooms_above participants, the worker with the fewest live transports (the publishers'
 * media reaches it through the relay rings). */
static unsigned sub_worker_for(struct rs_media *m, const struct pmedia *q)
{
    unsigned limit = q->p->room->app->cfg.spread_rooms_above;
    if (m->n_workers < 2 || limit == 0 || q->p->room->count <= limit)
        return rs_ms__home_worker(q);
    unsigned best = rs_ms__home_worker(q);
    for (unsigned k = 0; k < m->n_workers; k++)
        if (m->transports[k] < m->transports[best])
            best = k;
    return best;
}

static void send_offer(struct rs_media *m, struct pmedia *q)
{
    struct rs_participant *qp = q->p;
    if (q->n_slots == 0)
        return;
    struct transport *t = &q->sub;
    if (!t->tid) {
        t->tid = rs_sfu_alloc_tid(m, sub_worker_for(m, q));
        if (!t->tid) {
            RS_ERROR("media", "event=no_tid participant=%s", qp->id);
            return;
        }
        rs_ms__new_credentials(t);
        t->session_id = rs_ms__new_session_id();
        t->dtls_sent = false;
        rs_ms__send_transport(m, RS_CMD_TRANSPORT_ADD, q, t, true, NULL, false, NULL);
        q->sub_ice_restart = false;
    } else if (q->sub_ice_restart) {
        rs_ms__new_credentials(t);
        rs_ms__send_transport(m, RS_CMD_TRANSPORT_ICE, q, t, true, NULL, false, NULL);
        q->sub_ice_restart = false;
        RS_INFO("media", "event=ice_restart pc=subscribe participant=%s tid=%u", qp->id,
                (unsigned)t->tid);
    }

    struct rs_sdp_offer_track tracks[MAX_SLOTS];
    char track_ids[MAX_SLOTS][RS_SDP_MSID_SIZE];
    json_t *list = json_array();
    for (unsigned i = 0; i < q->n_slots; i++) {
        const struct slot *s = &q->slots[i];
        struct rs_sdp_offer_track *o = &tracks[i];
        memset(o, 0, sizeof(*o));
        o->mid = s->mid;
        offer_codec(s, o);
        o->active = s->state == SLOT_BOUND;
        o->idle = s->state == SLOT_ENDING || s->state == SLOT_IDLE;
        if (!o->active)
            continue;
        snprintf(track_ids[i], sizeof(track_ids[i]), "%s-%s", s->publisher,
                 rs_ms__source_names[s->source]);
        o->ssrc = s->ssrc;
        o->rtx_ssrc = s->rtx_ssrc;
        o->cname = s->publisher;
        o->stream_id = s->publisher;
        o->track_id = track_ids[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:s}", "mid", s->mid, "participant",
                                        s->publisher, "source", rs_ms__source_names[s->source],
                                        "kind", s->kind == RS_MEDIA_AUDIO ? "audio" : "video"));
    }
    char *buf = malloc(OFFER_CAP);
    size_t len = 0;
    struct rs_sdp_local l;
    rs_ms__local_for(m, t, &l);
    int rc = buf ? rs_sdp_build_offer(&l, tracks, q->n_slots, t->session_version + 1, buf,
                                      OFFER_CAP, &len)
                 : -ENOMEM;
    if (rc) {
        RS_ERROR("media", "event=offer_failed participant=%s tid=%u rc=%d", qp->id,
                 (unsigned)t->tid, rc);
        free(buf);
        json_decref(list);
        return;
    }
    t->session_version++;
    q->revision++;
    q->offer_pending = true;
    q->offer_dirty = false;
    q->offered_slots = q->n_slots;
    for (unsigned i = 0; i < q->n_slots; i++)
        q->slots[i].offered_track_id = q->slots[i].state == SLOT_BOUND ? q->slots[i].track_id : 0;
    json_t *ev = rs_event("media", "subscribe_offer", "{s:I, s:s%, s:o}", "revision",
                          (json_int_t)q->revision, "sdp", buf, len, "tracks", list);
    free(buf);
    rs_emit_one(qp, ev);
    RS_INFO("media", "event=subscribe_offer participant=%s tid=%u revision=%llu m_lines=%u", qp->id,
            (unsigned)t->tid, (unsigned long long)q->revision, q->n_slots);
}

void rs_ms__copy_ext(struct rs_ext_ids *dst, const struct rs_sdp_ext_ids *src)
{
    dst->mid = src->mid;
    dst->rid = src->rid;
    dst->repaired_rid = src->repaired_rid;
    dst->audio_level = src->audio_level;
    dst->abs_send_time = src->abs_send_time;
    dst->twcc = src->twcc;
}

/* Subscriptions on worker `wk` to a track published on another worker need a copy of the track
 * there, fed by the publisher's worker (relay.h): created on first use. */
static void ensure_relay(struct rs_media *m, const struct slot *s, unsigned wk)
{
    struct pmedia *r = rs_ms__owner_find(m, s->owner);
    if (!r || rs_ms__home_worker(r) == wk)
        return;
    for (int src = 0; src < SRC__COUNT; src++) {
        struct track *t = &r->tracks[src];
        if (t->id != s->track_id || (t->relay_mask & (1u << wk)))
            continue;
        struct rs_cmd c;
        rs_ms__track_cmd(&c, r, (enum source)src);
        c.u.track.relay = 1;
        c.u.track.home = (uint8_t)rs_ms__home_worker(r);
        c.u.track.tid = 0;
        if (rs_sfu_send(m, wk, &c) != 0)
            return;
        struct rs_cmd on;
        memset(&on, 0, sizeof(on));
        on.type = RS_CMD_TRACK_RELAY;
        on.u.ref.id = t->id;
        on.u.ref.flag = 1;
        on.u.ref.worker = (uint8_t)wk;
        if (rs_sfu_send(m, rs_ms__home_worker(r), &on) == 0)
            t->relay_mask |= 1u << wk;
        RS_DEBUG("media", "event=track_relay track=%u from_worker=%u to_worker=%u", (unsigned)t->id,
                 rs_ms__home_worker(r), wk);
    }
}

static void sub_add(struct rs_media *m, struct pmedia *q, struct slot *s,
                    const struct rs_sdp_media_choice *c)
{
    unsigned wk = rs_sfu_worker_of(m, q->sub.tid);
    ensure_relay(m, s, wk);
    struct rs_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.type = RS_CMD_SUB_ADD;
    struct rs_cmd_sub *sub = &cmd.u.sub;
    struct rs_sdp_offer_track o;
    memset(&o, 0, sizeof(o));
    offer_codec(s, &o);
    sub->sub_id = s->sub_id;
    sub->tid = q->sub.tid;
    sub->track_id = s->track_id;
    sub->ssrc = s->ssrc;
    /* The answer's payload types win (a browser may renumber); it names the codec we offered. */
    sub->pt = c->codec != RS_SDP_CODEC_NONE ? c->pt : o.pt;
    sub->rtx_pt = s->kind == RS_MEDIA_VIDEO ? c->rtx_pt : -1;
    sub->rtx_ssrc = sub->rtx_pt >= 0 ? s->rtx_ssrc : 0;
    rs_ms__copy_ext(&sub->ext, &c->ext);
    snprintf(sub->mid, sizeof(sub->mid), "%s", s->mid);
    s->enabled = rs_ms__slot_wants_enabled(q->p->room, q, s);
    sub->enabled = s->enabled;
    sub->nack = (c->fb & RS_SDP_FB_NACK) != 0;
    sub->remb = (c->fb & RS_SDP_FB_REMB) != 0;
    if (rs_sfu_send(m, wk, &cmd) == 0)
        s->sub_added = true;
    if (s->sub_added && s->has_size)
        rs_ms__send_cmd_ref(m, wk, RS_CMD_SUB_VIDEO_SIZE, s->sub_id, 0, s->width, s->height);
}

/* Where answers are parsed: a struct rs_sdp is 2.7 MB (64 m-sections of all SDP may hold), and
 * a fresh allocation of it is mapped and faulted in page by page for every answer (some
 * milliseconds each, measured), which a thousand listeners answering the offers of a new stage
 * would pay together on the control thread. Kept for the process's life; control thread only.
 * NULL on OOM. */
static struct rs_sdp *answer_buffer(void)
{
    static struct rs_sdp *buf;
    if (!buf)
        buf = malloc(sizeof(*buf));
    return buf;
}

int rs_ms__media_subscribe_answer(struct rs_media *m, struct pmedia *q, struct rs_call *call)
{
    struct rs_msg_error *err = call->err;
    long long rev = call->arg[RS_MS_ANSWER_REVISION].num;
    const char *text = call->arg[RS_MS_ANSWER_SDP].str;
    size_t text_len = call->arg[RS_MS_ANSWER_SDP].len;
    if (!q->offer_pending || (uint64_t)rev != q->revision) {
        rs_msg_error_set(err, RS_ERR_STALE_REVISION, "revision",
                         "revision %lld is not the latest unanswered offer (%llu)", rev,
                         (unsigned long long)q->revision);
        return -EINVAL;
    }
    int rc = -EINVAL;
    struct rs_sdp *answer = answer_buffer();
    struct rs_sdp_media_choice *choices = calloc(RS_SDP_MAX_MEDIA, sizeof(*choices));
    const struct rs_sdp_media_choice *by_slot[MAX_SLOTS] = {0};
    if (!answer || !choices) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        goto out;
    }
    struct rs_sdp_transport rt;
    if (rs_sdp_parse(text, text_len, answer) || rs_sdp_get_transport(answer, &rt) ||
        rs_sdp_parse_answer_choices(answer, choices, RS_SDP_MAX_MEDIA)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the answer could not be parsed or lacks ICE credentials or a "
                         "fingerprint");
        goto out;
    }
    if (rt.fingerprint->hash != RS_SDP_HASH_SHA256 || rt.fingerprint->len != 32 ||
        (rt.setup != RS_SDP_SETUP_ACTIVE && rt.setup != RS_SDP_SETUP_PASSIVE)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the answer needs a sha-256 fingerprint and setup active or passive");
        goto out;
    }
    for (unsigned i = 0; i < q->offered_slots; i++) {
        for (unsigned k = 0; k < answer->n_media && !by_slot[i]; k++)
            if (strcmp(choices[k].mid, q->slots[i].mid) == 0)
                by_slot[i] = &choices[k];
        if (!by_slot[i]) {
            rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp", "the answer lacks m-section %s",
                             q->slots[i].mid);
            goto out;
        }
    }

    q->offer_pending = false;
    if (!q->sub.dtls_sent) {
        rs_ms__send_transport(m, RS_CMD_TRANSPORT_DTLS, q, &q->sub, true, rt.fingerprint,
                              rt.setup == RS_SDP_SETUP_PASSIVE, NULL);
        q->sub.dtls_sent = true;
    }
    bool lost = false;
    unsigned added = 0;
    for (unsigned i = 0; i < q->offered_slots; i++) {
        struct slot *s = &q->slots[i];
        const struct rs_sdp_media_choice *c = by_slot[i];
        if (!c->accepted) {
            if (s->state == SLOT_BOUND) {
                unbind_slot(m, q, s);
                lost = true; /* its track needs another m-section */
            }
            s->state = SLOT_DEAD;
            continue;
        }
        if (s->state == SLOT_BOUND && s->offered_track_id == s->track_id && !s->sub_added) {
            sub_add(m, q, s, c);
            added++;
        } else if (s->state == SLOT_ENDING && s->offered_track_id == 0) {
            s->state = SLOT_IDLE;
        }
    }
    RS_INFO("media", "event=subscribe_answer participant=%s tid=%u revision=%llu subs_added=%u",
            q->p->id, (unsigned)q->sub.tid, (unsigned long long)q->revision, added);
    if (lost || q->offer_dirty)
        rs_ms__sync_subs(m, q);
    if (q->offer_dirty && !q->offer_pending)
        send_offer(m, q);
    rc = 0;
out:
    free(choices);
    return rc;
}

int rs_ms__media_restart_ice(struct rs_media *m, struct pmedia *pm, struct rs_call *call)
{
    if (call->arg[RS_MS_RESTART_PC].num == RS_MS_PC_PUBLISH) {
        rs_msg_error_set(call->err, RS_ERR_INVALID_VALUE, "pc",
                         "for the publish connection send a new publish offer created with "
                         "iceRestart: true");
        return -EINVAL;
    }
    if (!pm->sub.tid) {
        rs_msg_error_set(call->err, RS_ERR_INVALID_VALUE, "pc",
                         "there is no subscribe connection yet");
        return -EINVAL;
    }
    pm->sub_ice_restart = true;
    request_offer(m, pm);
    return 0;
}

static struct slot *find_sub_slot(struct pmedia *q, uint32_t track_id)
{
    for (unsigned i = 0; i < q->n_slots; i++)
        if (q->slots[i].state == SLOT_BOUND && q->slots[i].track_id == track_id)
            return &q->slots[i];
    return NULL;
}

int rs_ms__media_video_size(struct rs_media *m, struct pmedia *q, struct rs_call *call)
{
    const char *id = call->arg[RS_MS_SIZE_PARTICIPANT].str;
    enum source src = (enum source)call->arg[RS_MS_SIZE_SOURCE].num;
    long long w = call->arg[RS_MS_SIZE_WIDTH].num, h = call->arg[RS_MS_SIZE_HEIGHT].num;
    struct rs_msg_error *err = call->err;
    struct rs_participant *rp = rs_room_participant(q->p->room, id);
    struct pmedia *r = rp ? PM(rp) : NULL;
    struct slot *s = NULL;
    if (r && r != q && r->tracks[src].id && r->tracks[src].kind == RS_MEDIA_VIDEO)
        s = find_sub_slot(q, r->tracks[src].id);
    if (!s) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "participant",
                         "no video of that participant and source is offered to you");
        return -EINVAL;
    }
    s->width = (uint16_t)w;
    s->height = (uint16_t)h;
    s->has_size = true;
    if (s->sub_added)
        rs_ms__send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_VIDEO_SIZE, s->sub_id, 0,
                            s->width, s->height);
    return 0;
}
