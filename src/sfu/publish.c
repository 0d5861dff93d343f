/* SPDX-License-Identifier: EUPL-1.2 */
/* The publish side of the `media` namespace: media/publish and media/track_state.
 *
 * A participant's publish connection carries what it sends. The browser offers, we answer; each
 * sending m-section, named in the message's `tracks` entries with its source (microphone,
 * camera, screen), becomes a track on the room's worker (RS_CMD_TRACK_ADD). A participant
 * publishes at most one track per source. When tracks appear, change or end, everyone else's
 * subscribe slots follow (rs_ms__tracks_changed → subscribe.c) and the room hears a
 * participant_updated.
 *
 * The subtle thing is telling a renegotiation from a new connection. The same DTLS fingerprint
 * and ICE ufrag: the same connection, and a track whose parameters did not change (track_same)
 * keeps its id, so its subscribers see nothing. A new ufrag: an ICE restart of the same
 * transport. A different fingerprint: a new RTCPeerConnection, so the old transport and all its
 * tracks go (rs_ms__publish_reset) and the offer is answered on a fresh one. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "room/chair.h"
#include "room/podium.h"
#include "rtc/sdp.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

/* ---- small helpers ---- */

/* Copies a NUL-terminated `src` that fits into `cap` bytes; false (dst untouched) if not. */
static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);
    if (len >= cap)
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

/* ---- field validation ---- */

static int parse_source(const char *s)
{
    for (int i = 0; i < SRC__COUNT; i++)
        if (strcmp(s, rs_ms__source_names[i]) == 0)
            return i;
    return -1;
}

struct entry {
    char mid[RS_SFU_MID_SIZE];
    enum source source;
    uint16_t width, height;
};

static int entry_dim(json_t *e, const char *name, unsigned max, unsigned i, uint16_t *out,
                     struct rs_msg_error *err)
{
    json_t *v = json_object_get(e, name);
    if (!v)
        return 0;
    if (!json_is_integer(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, name, "tracks[%u].%s must be an integer", i,
                         name);
        return -EINVAL;
    }
    json_int_t n = json_integer_value(v);
    if (n < 0 || n > (json_int_t)max) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, name, "tracks[%u].%s must be 0 to %u", i, name,
                         max);
        return -EINVAL;
    }
    *out = (uint16_t)n;
    return 0;
}

/* The elements of `tracks` (borrowed; the dispatcher checked it is an array of at most
 * RS_MEDIA_MAX_TRACK_ENTRIES). */
static int get_entries(json_t *arr, struct entry *out, unsigned *n, struct rs_msg_error *err)
{
    *n = 0;
    for (unsigned i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        struct entry *en = &out[*n];
        memset(en, 0, sizeof(*en));
        if (!json_is_object(e)) {
            rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "tracks", "tracks[%u] must be an object", i);
            return -EINVAL;
        }
        json_t *mid = json_object_get(e, "mid"), *src = json_object_get(e, "source");
        if (!mid || !src) {
            rs_msg_error_set(err, RS_ERR_MISSING_FIELD, mid ? "source" : "mid",
                             "tracks[%u].%s is missing", i, mid ? "source" : "mid");
            return -EINVAL;
        }
        if (!json_is_string(mid) || !json_is_string(src)) {
            const char *f = json_is_string(mid) ? "source" : "mid";
            rs_msg_error_set(err, RS_ERR_INVALID_TYPE, f, "tracks[%u].%s must be a string", i, f);
            return -EINVAL;
        }
        size_t mlen = json_string_length(mid);
        if (mlen == 0 || mlen >= RS_SFU_MID_SIZE) {
            rs_msg_error_set(err, mlen ? RS_ERR_TOO_LONG : RS_ERR_EMPTY_VALUE, "mid",
                             "tracks[%u].mid must be 1 to %d bytes", i, RS_SFU_MID_SIZE - 1);
            return -EINVAL;
        }
        int s = parse_source(json_string_value(src));
        if (s < 0) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "source",
                             "tracks[%u].source must be microphone, camera or screen", i);
            return -EINVAL;
        }
        memcpy(en->mid, json_string_value(mid), mlen + 1);
        en->source = (enum source)s;
        if (entry_dim(e, "width", MAX_WIDTH, i, &en->width, err) ||
            entry_dim(e, "height", MAX_HEIGHT, i, &en->height, err))
            return -EINVAL;
        for (unsigned k = 0; k < *n; k++) {
            if (strcmp(out[k].mid, en->mid) == 0 || out[k].source == en->source) {
                rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                                 "tracks[%u] repeats a mid or a source", i);
                return -EINVAL;
            }
        }
        (*n)++;
    }
    return 0;
}

/* ---- publish side ---- */

/* Lowest resolution first. The client sends rids low to high in a=simulcast; Chromium's own
 * naming (h;m;l, or q;h;f) is put in that order whatever the a=simulcast order was. */
static int rid_rank(const char *rid, const struct rs_sdp_media_choice *c)
{
    static const char *const lmh[] = {"l", "m", "h"}, *const qhf[] = {"q", "h", "f"};
    bool all_lmh = true, all_qhf = true;
    for (unsigned i = 0; i < c->n_rids; i++) {
        bool in_lmh = false, in_qhf = false;
        for (int k = 0; k < 3; k++) {
            in_lmh |= strcmp(c->rids[i].rid, lmh[k]) == 0;
            in_qhf |= strcmp(c->rids[i].rid, qhf[k]) == 0;
        }
        all_lmh &= in_lmh;
        all_qhf &= in_qhf;
    }
    for (int k = 0; k < 3; k++)
        if ((all_lmh && strcmp(rid, lmh[k]) == 0) || (all_qhf && strcmp(rid, qhf[k]) == 0))
            return k;
    for (unsigned i = 0; i < c->n_rids; i++)
        if (strcmp(c->rids[i].rid, rid) == 0)
            return (int)i;
    return 0;
}

static uint8_t codec_of(enum rs_sdp_codec c)
{
    switch (c) {
    case RS_SDP_CODEC_OPUS:
        return RS_CODEC_OPUS;
    case RS_SDP_CODEC_H264:
        return RS_CODEC_H264;
    default:
        return RS_CODEC_VP8;
    }
}

static void track_from_choice(const struct rs_sdp_media_choice *c, const struct entry *en,
                              struct track *t)
{
    memset(t, 0, sizeof(*t));
    copy_str(t->mid, sizeof(t->mid), c->mid); /* it matched a tracks entry: fits */
    t->kind = c->kind == RS_SDP_KIND_AUDIO ? RS_MEDIA_AUDIO : RS_MEDIA_VIDEO;
    t->codec = codec_of(c->codec);
    t->pt = c->pt;
    t->rtx_pt = c->rtx_pt;
    t->clock = c->clock;
    rs_ms__copy_ext(&t->ext, &c->ext);
    unsigned n = 0;
    for (unsigned i = 0; i < c->n_rids && n < RS_SFU_MAX_LAYERS; i++) {
        if (copy_str(t->rids[n], RS_SFU_RID_SIZE, c->rids[i].rid))
            n++; /* longer rids cannot be forwarded: that layer is ignored */
    }
    /* insertion sort by rank: at most three */
    for (unsigned i = 1; i < n; i++)
        for (unsigned k = i; k > 0 && rid_rank(t->rids[k], c) < rid_rank(t->rids[k - 1], c); k--) {
            char tmp[RS_SFU_RID_SIZE];
            memcpy(tmp, t->rids[k], sizeof(tmp));
            memcpy(t->rids[k], t->rids[k - 1], sizeof(tmp));
            memcpy(t->rids[k - 1], tmp, sizeof(tmp));
        }
    t->n_layers = n ? (uint8_t)n : 1;
    if (n == 0) {
        t->ssrc = c->has_ssrc ? c->ssrc : 0;
        t->rtx_ssrc = c->has_rtx_ssrc ? c->rtx_ssrc : 0;
    }
    t->width = en->width;
    t->height = en->height;
}

static bool track_same(const struct track *a, const struct track *b)
{
    return strcmp(a->mid, b->mid) == 0 && a->kind == b->kind && a->codec == b->codec &&
           a->pt == b->pt && a->rtx_pt == b->rtx_pt && a->clock == b->clock &&
           memcmp(&a->ext, &b->ext, sizeof(a->ext)) == 0 && a->n_layers == b->n_layers &&
           memcmp(a->rids, b->rids, sizeof(a->rids)) == 0 && a->ssrc == b->ssrc &&
           a->rtx_ssrc == b->rtx_ssrc;
}

void rs_ms__track_cmd(struct rs_cmd *c, const struct pmedia *pm, enum source src)
{
    const struct track *t = &pm->tracks[src];
    memset(c, 0, sizeof(*c));
    c->type = RS_CMD_TRACK_ADD;
    struct rs_cmd_track *ct = &c->u.track;
    ct->track_id = t->id;
    ct->tid = pm->pub.tid;
    ct->owner = pm->owner;
    ct->room = RM(pm->p->room)->key;
    ct->kind = t->kind;
    ct->codec = t->codec;
    ct->pt = t->pt;
    ct->rtx_pt = t->rtx_pt;
    ct->clock = t->clock;
    ct->ext = t->ext;
    memcpy(ct->mid, t->mid, sizeof(ct->mid));
    ct->n_layers = t->n_layers;
    memcpy(ct->rids, t->rids, sizeof(ct->rids));
    ct->ssrc = t->ssrc;
    ct->rtx_ssrc = t->rtx_ssrc;
    ct->width = t->width;
    ct->height = t->height;
    ct->muted = t->muted;
    ct->screen = src == SRC_SCREEN;
}

static void track_add(struct rs_media *m, const struct pmedia *pm, enum source src)
{
    struct rs_cmd c;
    rs_ms__track_cmd(&c, pm, src);
    rs_sfu_send(m, rs_ms__home_worker(pm), &c);
}

/* Forgets the publish connection (it failed, or the browser made a new one): the worker drops
 * the transport's tracks with it. Returns whether any track went. */
bool rs_ms__publish_reset(struct rs_media *m, struct pmedia *pm)
{
    bool had = false;
    for (int s = 0; s < SRC__COUNT; s++) {
        had |= pm->tracks[s].id != 0;
        memset(&pm->tracks[s], 0, sizeof(pm->tracks[s]));
    }
    rs_ms__transport_remove(m, &pm->pub);
    return had;
}

/* Tracks published and changed: everyone else's subscriptions follow. */
void rs_ms__tracks_changed(struct rs_media *m, struct pmedia *pm)
{
    rs_ms__sync_others(m, pm->p);
    rs_ms__refresh_enabled(m, pm->p->room);
    rs_emit_participant_updated(pm->p);
}

int rs_ms__media_publish(struct rs_media *m, struct pmedia *pm, struct rs_call *call)
{
    struct rs_msg_error *err = call->err;
    struct rs_participant *p = pm->p;
    const char *text = call->arg[RS_MS_PUBLISH_SDP].str;
    size_t text_len = call->arg[RS_MS_PUBLISH_SDP].len;
    struct entry entries[RS_MEDIA_MAX_TRACK_ENTRIES];
    unsigned n_entries;
    /* the audience receives only (podium mode, audience invitations): nothing changes */
    if (!rs_podium_may_publish(p)) {
        rs_metric_inc(RS_M_PODIUM_PUBLISH_REFUSED);
        rs_msg_error_set(err, RS_ERR_NOT_ON_STAGE, NULL,
                         "you are in the audience; the chair can call you onto the stage");
        return -EACCES;
    }
    if (get_entries(call->arg[RS_MS_PUBLISH_TRACKS].json, entries, &n_entries, err))
        return -EINVAL;
    for (unsigned k = 0; k < n_entries; k++) {
        /* guests may not, unless the chair allows it; the chair may forbid anyone */
        if (entries[k].source == SRC_SCREEN && !rs_chair_may_send(p, RS_CHAIR_SCREEN)) {
            rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
            rs_msg_error_set(err, RS_ERR_FORBIDDEN, "tracks",
                             "you may not share your screen here; the chair can allow it");
            return -EACCES;
        }
    }

    int rc = -EINVAL;
    struct rs_sdp *offer = malloc(sizeof(*offer));
    struct rs_sdp_media_choice *choices = calloc(RS_SDP_MAX_MEDIA, sizeof(*choices));
    char *answer = malloc(RS_SDP_MAX_TEXT);
    if (!offer || !choices || !answer) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        goto out;
    }
    struct rs_sdp_transport rt;
    if (rs_sdp_parse(text, text_len, offer) || rs_sdp_get_transport(offer, &rt)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the offer could not be parsed or lacks ICE credentials or a "
                         "fingerprint");
        goto out;
    }
    if (rt.fingerprint->hash != RS_SDP_HASH_SHA256 || rt.fingerprint->len != 32) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp", "only sha-256 fingerprints are accepted");
        goto out;
    }
    /* Simulcast layers are told apart by rid (RFC 8851/8853), as browsers send them. Layers
     * announced only as an SSRC group (a=ssrc-group:SIM, the pre-standard way) would arrive as
     * one stream of three interleaved encodings: refuse them with a reason. */
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *md = &offer->media[i];
        for (unsigned g = 0; g < md->n_ssrc_groups && md->n_rids == 0; g++) {
            if (md->ssrc_groups[g].semantics == RS_SDP_SSRC_GROUP_SIM &&
                md->ssrc_groups[g].n_ssrcs > 1) {
                rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                                 "m-section %s announces simulcast as an SSRC group (SIM); "
                                 "send the layers with a=rid and a=simulcast",
                                 md->mid[0] ? md->mid : "?");
                goto out;
            }
        }
    }

    /* A different certificate means a new RTCPeerConnection: start its transport afresh. */
    struct transport next = pm->pub;
    bool new_pc = next.tid && memcmp(&next.remote_fp, rt.fingerprint, sizeof(next.remote_fp));
    bool first = !next.tid || new_pc;
    bool restart = !first && strcmp(next.remote_ufrag, rt.ice_ufrag) != 0;
    if (first) {
        memset(&next, 0, sizeof(next));
        next.tid = rs_sfu_alloc_tid(m, rs_ms__home_worker(pm));
        if (!next.tid) {
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the media server is full; try later");
            goto out;
        }
        rs_ms__new_credentials(&next);
        next.session_id = rs_ms__new_session_id();
    } else if (restart) {
        rs_ms__new_credentials(&next);
    }
    next.session_version++;
    struct rs_sdp_local l;
    rs_ms__local_for(m, &next, &l);
    size_t answer_len;
    int brc = rs_sdp_build_answer(offer, &l, choices, answer, RS_SDP_MAX_TEXT, &answer_len);
    if (brc) {
        rs_msg_error_set(err, brc == -EINVAL ? RS_ERR_INVALID_SDP : RS_ERR_INTERNAL, "sdp",
                         "the offer cannot be answered");
        goto out_release;
    }

    /* Every m-section the browser sends on needs its entry in `tracks`. */
    struct track want[SRC__COUNT];
    memset(want, 0, sizeof(want));
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media_choice *c = &choices[i];
        if (!c->accepted || (c->dir != RS_SDP_DIR_SENDONLY && c->dir != RS_SDP_DIR_SENDRECV))
            continue;
        const struct entry *en = NULL;
        for (unsigned k = 0; k < n_entries && !en; k++)
            if (strcmp(entries[k].mid, c->mid) == 0)
                en = &entries[k];
        if (!en) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                             "m-section %s sends media but has no entry in tracks", c->mid);
            goto out_release;
        }
        bool audio = c->kind == RS_SDP_KIND_AUDIO;
        if (audio != (en->source == SRC_MICROPHONE)) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                             "m-section %s is %s but its source is %s", c->mid,
                             audio ? "audio" : "video", rs_ms__source_names[en->source]);
            goto out_release;
        }
        track_from_choice(c, en, &want[en->source]);
        want[en->source].id = 1; /* present; the real id is given below */
    }

    /* Commit. */
    if (new_pc) {
        RS_INFO("media", "event=publish_new_pc participant=%s old_tid=%u", p->id,
                (unsigned)pm->pub.tid);
        rs_ms__publish_reset(m, pm);
    }
    if (first) {
        int src_rc;
        rs_ms__send_transport(m, RS_CMD_TRANSPORT_ADD, pm, &next, false, rt.fingerprint, false,
                              &src_rc);
        if (src_rc) {
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the media server is busy; try again");
            goto out_release;
        }
    } else if (restart) {
        rs_ms__send_transport(m, RS_CMD_TRANSPORT_ICE, pm, &next, false, NULL, false, NULL);
        RS_INFO("media", "event=ice_restart pc=publish participant=%s tid=%u", p->id,
                (unsigned)next.tid);
    }
    snprintf(next.remote_ufrag, sizeof(next.remote_ufrag), "%s", rt.ice_ufrag);
    next.remote_fp = *rt.fingerprint;
    pm->pub = next;

    bool changed = new_pc;
    for (int s = 0; s < SRC__COUNT; s++) {
        struct track *cur = &pm->tracks[s];
        if (cur->id && (!want[s].id || !track_same(cur, &want[s]))) {
            rs_ms__send_cmd_ref(m, rs_ms__home_worker(pm), RS_CMD_TRACK_REMOVE, cur->id, 0, 0, 0);
            memset(cur, 0, sizeof(*cur));
            changed = true;
        }
        if (want[s].id && !cur->id) {
            *cur = want[s];
            cur->id = m->next_track_id++;
            track_add(m, pm, (enum source)s);
            changed = true;
        } else if (want[s].id) {
            cur->width = want[s].width;
            cur->height = want[s].height;
        }
    }

    rs_emit_reply(call, rs_event("media", "publish_answer", "{s:s%}", "sdp", answer, answer_len));
    RS_INFO("media", "event=publish participant=%s tid=%u first=%d ice_restart=%d", p->id,
            (unsigned)next.tid, first, restart);
    if (changed)
        rs_ms__tracks_changed(m, pm);
    rc = 0;
    goto out;

out_release:
    if (first)
        rs_sfu_release_tid(m, next.tid);
out:
    free(offer);
    free(choices);
    free(answer);
    return rc;
}

int rs_ms__media_track_state(struct rs_media *m, struct pmedia *pm, struct rs_call *call)
{
    enum source src = (enum source)call->arg[RS_MS_TRACK_STATE_SOURCE].num;
    bool muted = call->arg[RS_MS_TRACK_STATE_MUTED].num;
    struct track *t = &pm->tracks[src];
    if (!t->id) {
        rs_msg_error_set(call->err, RS_ERR_INVALID_VALUE, "source", "you do not publish %s",
                         rs_ms__source_names[src]);
        return -EINVAL;
    }
    /* unmuting oneself lifts the chair's mute, unless the chair restricted the microphones */
    if (!muted && rs_chair_self_unmute(pm->p, (enum rs_chair_source)src, call->err))
        return -EPERM;
    t->muted = muted;
    rs_ms__send_cmd_ref(m, rs_ms__home_worker(pm), RS_CMD_TRACK_MUTE, t->id, t->muted, 0, 0);
    for (unsigned k = 0; k < m->n_workers; k++) /* its copies resume cleanly too */
        if (t->relay_mask & (1u << k))
            rs_ms__send_cmd_ref(m, k, RS_CMD_TRACK_MUTE, t->id, t->muted, 0, 0);
    rs_ms__feeds_refresh(pm->p->room); /* the feature may weigh the mute */
    rs_emit_all(pm->p->room,
                rs_event("media", "track_state", "{s:s, s:s, s:b}", "participant", pm->p->id,
                         "source", rs_ms__source_names[src], "muted", t->muted),
                NULL);
    return 0;
}
