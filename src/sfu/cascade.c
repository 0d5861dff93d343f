/* SPDX-License-Identifier: EUPL-1.2 */
/* The edge side of the cascade (docs/cluster.md "Cascade"; sfu/cascade.h).
 *
 * An edge room (room.h `edge`) holds audience members of a room another node owns. While it
 * has any, this module keeps ONE relay to the owner: a signaling link (core/app.h
 * rs_cascade_links) on which it joins the room as a relay participant (control/join with
 * cascade_node and cascade_secret), and an uplink transport on the room's media worker
 * (command.h `uplink`: ICE controlling, DTLS client, SRTP) that answers the owner's subscribe
 * offers. Each stage member the owner tells the relay about becomes a mirror in the edge room
 * (room.h rs_room_mirror_enter) whose tracks are the uplink's incoming streams: the worker
 * forwards them to the local audience as it does a local publisher's, and sends the audience's
 * keyframe requests and its own NACKs for what the owner→edge hop lost up the uplink.
 *
 * Everything from the owner is untrusted input: JSON fields are typed and bounded, the SDP
 * goes through rs_sdp_parse and must carry our own server's shapes (ICE credentials that fit,
 * a SHA-256 fingerprint, an IP literal candidate that is the owner's media address in its
 * node record, edge_owner.media_ip); anything else is dropped and counted
 * (ratsaal_cascade_bad_input_total), and a relay that cannot go on is closed and retried with
 * a backoff (ratsaal_cascade_failures_total). Control thread only. */
#include "sfu/cascade.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/podium.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "rtc/sdp.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

#define STAGE_MAX 32 /* stage members mirrored per edge room */
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 15000
#define UPLINK_BITRATE_BPS 20000000u /* what we tell the owner we take (REMB): every layer */

struct member {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    enum rs_role role;
};

enum edge_state { E_IDLE, E_CONNECTING, E_JOINED };

struct edge {
    struct rs_room *room;
    struct rs_cascade_link *link;
    enum edge_state state;
    int64_t retry_at_ms;
    unsigned failures; /* in a row */
    bool give_up;      /* failed RS_CASCADE_GIVE_UP times in a row: rs_cascade_poll ends it */
    uint32_t key;      /* owner key of the uplink's events */
    struct transport up;
    unsigned up_worker;
    bool up_added;
    char up_remote_ufrag[RS_SFU_UFRAG_SIZE], up_remote_pwd[RS_SFU_PWD_SIZE];
    uint8_t up_fp[32];
    unsigned n_members;
    struct member members[STAGE_MAX];
    struct edge *next; /* all edges, for worker events */
};

static struct edge *g_edges;

extern const struct rs_feature rs_cascade_feature;
#define EDGE(room) (*(struct edge **)rs_room_state((struct rs_room *)(room), &rs_cascade_feature))

static void bad_input(const struct edge *e, const char *what)
{
    rs_metric_inc(RS_M_CASCADE_BAD_INPUT);
    RS_WARN("cascade", "event=bad_input room=%s what=%s", e->room->id, what);
}

static void send_json(struct edge *e, json_t *j)
{
    struct rs_app *app = e->room->app;
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (s && e->link && app->cascade_links.send(e->link, s, strlen(s)))
        RS_WARN("cascade", "event=send_failed room=%s", e->room->id);
    free(s);
}

/* ---- mirrors and their tracks ---- */

static enum source source_of(const char *name)
{
    for (int s = 0; s < SRC__COUNT; s++)
        if (name && strcmp(name, rs_ms__source_names[s]) == 0)
            return (enum source)s;
    return SRC__COUNT;
}

static struct member *member_find(struct edge *e, const char *id)
{
    for (unsigned i = 0; i < e->n_members; i++)
        if (strcmp(e->members[i].id, id) == 0)
            return &e->members[i];
    return NULL;
}

/* Ends mirror p's tracks on the worker; its subscribers' slots follow. */
static void mirror_tracks_clear(struct rs_media *m, struct rs_participant *p, bool announce)
{
    struct pmedia *pm = PM(p);
    if (!pm)
        return;
    bool any = false;
    for (int s = 0; s < SRC__COUNT; s++) {
        struct track *t = &pm->tracks[s];
        if (!t->id)
            continue;
        rs_ms__send_cmd_ref(m, rs_ms__home_worker(pm), RS_CMD_TRACK_REMOVE, t->id, 0, 0, 0);
        memset(t, 0, sizeof(*t));
        any = true;
    }
    if (any && announce)
        rs_ms__tracks_changed(m, pm);
}

static void mirror_leave(struct edge *e, struct rs_participant *p)
{
    struct rs_media *m = e->room->app->media;
    if (m)
        mirror_tracks_clear(m, p, true);
    rs_room_leave(p, "left");
}

static bool valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > RS_PARTICIPANT_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* A participant object of the owner's: a stage member to mirror. */
static void member_seen(struct edge *e, json_t *pj)
{
    const char *id = json_string_value(json_object_get(pj, "id"));
    const char *name = json_string_value(json_object_get(pj, "display_name"));
    const char *role = json_string_value(json_object_get(pj, "role"));
    if (!valid_id(id) || !name || strlen(name) > RS_DISPLAY_NAME_MAX_BYTES) {
        bad_input(e, "participant");
        return;
    }
    enum rs_role r = role && strcmp(role, "moderator") == 0     ? RS_ROLE_MODERATOR
                     : role && strcmp(role, "participant") == 0 ? RS_ROLE_PARTICIPANT
                                                                : RS_ROLE_GUEST;
    struct member *mb = member_find(e, id);
    if (!mb) {
        if (e->n_members == STAGE_MAX) {
            bad_input(e, "stage_full");
            return;
        }
        mb = &e->members[e->n_members++];
        snprintf(mb->id, sizeof(mb->id), "%s", id);
    }
    snprintf(mb->name, sizeof(mb->name), "%s", name);
    mb->role = r;
    struct rs_participant *p = rs_room_participant(e->room, id);
    if (p && p->mirror)
        rs_room_mirror_rename(p, name);
    else if (!p && rs_room_mirror_enter(e->room, id, name, r))
        rs_podium_edge_stage_changed(e->room);
}

static void member_gone(struct edge *e, const char *id)
{
    struct member *mb = id ? member_find(e, id) : NULL;
    if (!mb)
        return;
    *mb = e->members[--e->n_members];
    struct rs_participant *p = rs_room_participant(e->room, id);
    if (p && p->mirror) {
        mirror_leave(e, p);
        rs_podium_edge_stage_changed(e->room);
    }
}

/* ---- the uplink and the owner's subscribe offers ---- */

static void uplink_remove(struct edge *e)
{
    struct rs_media *m = e->room->app->media;
    if (!m || !e->up.tid)
        return;
    if (e->up_added)
        rs_metric_dec(RS_M_CASCADE_UPLINKS);
    rs_ms__transport_remove(m, &e->up);
    e->up_added = false;
}

/* Writes our answer to the owner's offer: every m-section answered in order, recvonly for the
 * owner's sendonly ones, the owner's payload types, rtcp-fb and header extension ids kept (so
 * its packets arrive as the tracks below expect), our ICE credentials and certificate,
 * a=setup:active (we are the DTLS client). */
int rs_cascade_build_answer(const struct rs_sdp *offer, const char *ufrag, const char *pwd,
                            const char *fingerprint, char *buf, size_t cap, size_t *len_out)
{
    size_t len = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(buf + len, cap - len, __VA_ARGS__);                                      \
        if (n_ < 0 || (size_t)n_ >= cap - len)                                                     \
            return -ENOSPC;                                                                        \
        len += (size_t)n_;                                                                         \
    } while (0)
    PUT("v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        (unsigned long long)(offer->session_id ^ 0x5a5a5a5aULL) & 0x7fffffffffffffffULL);
    PUT("a=group:BUNDLE");
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *md = &offer->media[i];
        if ((md->port || md->bundle_only) && md->rtp && md->mid[0])
            PUT(" %s", md->mid);
    }
    PUT("\r\na=msid-semantic: WMS\r\n");
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *md = &offer->media[i];
        bool rejected = !(md->port || md->bundle_only) || !md->rtp || !md->mid[0] ||
                        (md->kind != RS_SDP_KIND_AUDIO && md->kind != RS_SDP_KIND_VIDEO);
        if (rejected) {
            PUT("m=%s 0 %s %s\r\n", md->media, md->proto, md->first_fmt[0] ? md->first_fmt : "0");
            if (md->mid[0])
                PUT("a=mid:%s\r\n", md->mid);
            continue;
        }
        PUT("m=%s 9 UDP/TLS/RTP/SAVPF", md->media);
        for (unsigned f = 0; f < md->n_formats; f++)
            PUT(" %u", md->formats[f].pt);
        PUT("\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n", md->mid);
        PUT("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:active\r\n",
            ufrag, pwd, fingerprint);
        PUT("a=rtcp-mux\r\n");
        if (md->rtcp_rsize)
            PUT("a=rtcp-rsize\r\n");
        PUT("%s\r\n", md->dir == RS_SDP_DIR_SENDONLY || md->dir == RS_SDP_DIR_SENDRECV
                          ? "a=recvonly"
                          : "a=inactive");
        for (unsigned x = 0; x < md->n_extmaps; x++)
            if (rs_sdp__ext_bit(md->extmaps[x].uri))
                PUT("a=extmap:%u %s\r\n", md->extmaps[x].id, md->extmaps[x].uri);
        for (unsigned f = 0; f < md->n_formats; f++) {
            const struct rs_sdp_format *ft = &md->formats[f];
            if (!ft->has_rtpmap)
                continue;
            if (ft->channels)
                PUT("a=rtpmap:%u %s/%u/%u\r\n", ft->pt, ft->name, ft->clock, ft->channels);
            else
                PUT("a=rtpmap:%u %s/%u\r\n", ft->pt, ft->name, ft->clock);
            if (ft->fmtp[0])
                PUT("a=fmtp:%u %s\r\n", ft->pt, ft->fmtp);
            if (ft->fb & RS_SDP_FB_REMB)
                PUT("a=rtcp-fb:%u goog-remb\r\n", ft->pt);
            if (ft->fb & RS_SDP_FB_FIR)
                PUT("a=rtcp-fb:%u ccm fir\r\n", ft->pt);
            if (ft->fb & RS_SDP_FB_NACK)
                PUT("a=rtcp-fb:%u nack\r\n", ft->pt);
            if (ft->fb & RS_SDP_FB_PLI)
                PUT("a=rtcp-fb:%u nack pli\r\n", ft->pt);
        }
    }
#undef PUT
    *len_out = len;
    return 0;
}

/* Whether the address `ip` (4 or 16 bytes) is `owner_ip`, the owner's node-record media
 * address, in any of its spellings. */
static bool is_owner_ip(const uint8_t *ip, bool v6, const char *owner_ip)
{
    uint8_t want[16];
    return inet_pton(v6 ? AF_INET6 : AF_INET, owner_ip, want) == 1 &&
           memcmp(ip, want, v6 ? 16 : 4) == 0;
}

/* The owner's ICE credentials, fingerprint and candidate, as our own server writes them.
 * -EINVAL for a transport of another shape, -EPERM for a candidate that is not `owner_ip`:
 * another node's word alone must not make us send binding requests to an arbitrary address. */
static int offer_transport(const struct rs_sdp *offer, const char *owner_ip, char *ufrag,
                           char *pwd, uint8_t fp[32], struct rs_cmd_transport *ct)
{
    struct rs_sdp_transport tr;
    if (rs_sdp_get_transport(offer, &tr) || strlen(tr.ice_ufrag) >= RS_SFU_UFRAG_SIZE ||
        strlen(tr.ice_pwd) >= RS_SFU_PWD_SIZE || strlen(tr.ice_pwd) < 22 ||
        tr.fingerprint->hash != RS_SDP_HASH_SHA256 || tr.fingerprint->len != 32)
        return -EINVAL;
    snprintf(ufrag, RS_SFU_UFRAG_SIZE, "%s", tr.ice_ufrag);
    snprintf(pwd, RS_SFU_PWD_SIZE, "%s", tr.ice_pwd);
    memcpy(fp, tr.fingerprint->bytes, 32);
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *md = &offer->media[i];
        for (unsigned c = 0; c < md->n_candidates; c++) {
            const struct rs_sdp_candidate *cd = &md->candidates[c];
            if (cd->tcp || cd->component != 1 || !cd->port)
                continue;
            if (inet_pton(AF_INET, cd->addr, ct->peer_ip) == 1) {
                ct->peer_v6 = 0;
            } else if (inet_pton(AF_INET6, cd->addr, ct->peer_ip) == 1) {
                ct->peer_v6 = 1;
            } else {
                continue; /* an mDNS name or garbage: not from one of our nodes */
            }
            ct->peer_port = cd->port;
            return is_owner_ip(ct->peer_ip, ct->peer_v6, owner_ip) ? 0 : -EPERM;
        }
    }
    return -ENOENT;
}

static int uplink_ensure(struct edge *e, struct rs_media *m, const struct rs_sdp *offer)
{
    char ufrag[RS_SFU_UFRAG_SIZE], pwd[RS_SFU_PWD_SIZE];
    uint8_t fp[32];
    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    int rc = offer_transport(offer, e->room->edge_owner.media_ip, ufrag, pwd, fp, &c.u.transport);
    if (rc)
        return rc == -EPERM ? rc : -EINVAL;
    if (e->up.tid) {
        if (strcmp(ufrag, e->up_remote_ufrag) == 0 && strcmp(pwd, e->up_remote_pwd) == 0 &&
            memcmp(fp, e->up_fp, 32) == 0)
            return 0;
        return -ESTALE; /* an ICE restart or a new connection: start the relay over */
    }
    struct rmedia *rm = rs_ms__room_state(e->room, m);
    if (!rm)
        return -ENOMEM;
    e->up_worker = rm->worker;
    e->up.tid = rs_sfu_alloc_tid(m, rm->worker);
    if (!e->up.tid)
        return -ENOSPC;
    rs_ms__new_credentials(&e->up);
    e->up.session_id = rs_ms__new_session_id();
    snprintf(e->up_remote_ufrag, sizeof(e->up_remote_ufrag), "%s", ufrag);
    snprintf(e->up_remote_pwd, sizeof(e->up_remote_pwd), "%s", pwd);
    memcpy(e->up_fp, fp, 32);
    c.type = RS_CMD_TRANSPORT_ADD;
    struct rs_cmd_transport *ct = &c.u.transport;
    ct->tid = e->up.tid;
    memcpy(ct->ufrag, e->up.ufrag, sizeof(ct->ufrag));
    memcpy(ct->pwd, e->up.pwd, sizeof(ct->pwd));
    ct->has_fingerprint = 1;
    memcpy(ct->remote_fp, fp, 32);
    ct->dtls_client = 1;
    ct->owner = e->key;
    ct->max_bitrate_bps = UPLINK_BITRATE_BPS;
    ct->uplink = 1;
    memcpy(ct->remote_ufrag, ufrag, sizeof(ct->remote_ufrag));
    memcpy(ct->remote_pwd, pwd, sizeof(ct->remote_pwd));
    if (rs_sfu_send(m, rm->worker, &c)) {
        rs_sfu_release_tid(m, e->up.tid);
        memset(&e->up, 0, sizeof(e->up));
        return -EAGAIN;
    }
    e->up_added = true;
    rs_metric_inc(RS_M_CASCADE_UPLINKS);
    RS_INFO("cascade", "event=uplink_open room=%s tid=%u owner=%s", e->room->id,
            (unsigned)e->up.tid, e->room->edge_owner.node);
    return 0;
}

/* The wanted track of one offered m-section. */
struct want {
    struct rs_participant *p;
    enum source src;
    struct rs_sdp_media_choice ch;
};

static void apply_tracks(struct edge *e, struct rs_media *m, json_t *tracks,
                         const struct rs_sdp *offer, struct rs_sdp_media_choice *choices)
{
    struct want wants[RS_SDP_MAX_MEDIA];
    unsigned n = 0;
    size_t i;
    json_t *tj;
    json_array_foreach(tracks, i, tj)
    {
        const char *mid = json_string_value(json_object_get(tj, "mid"));
        const char *who = json_string_value(json_object_get(tj, "participant"));
        enum source src = source_of(json_string_value(json_object_get(tj, "source")));
        if (!mid || !valid_id(who) || src == SRC__COUNT || n == RS_SDP_MAX_MEDIA) {
            bad_input(e, "track");
            continue;
        }
        struct rs_participant *p = rs_room_participant(e->room, who);
        if (!p || !p->mirror)
            continue; /* not a stage member we were told of */
        for (unsigned k = 0; k < offer->n_media; k++) {
            struct rs_sdp_media_choice *ch = &choices[k];
            if (strcmp(ch->mid, mid) != 0)
                continue;
            if (!ch->accepted || !ch->has_ssrc || ch->codec == RS_SDP_CODEC_NONE ||
                (ch->kind != RS_SDP_KIND_AUDIO && ch->kind != RS_SDP_KIND_VIDEO)) {
                bad_input(e, "track_sdp");
                break;
            }
            wants[n++] = (struct want){.p = p, .src = src, .ch = *ch};
            break;
        }
    }
    /* every mirror's tracks become what the offer says */
    for (struct rs_participant *p = e->room->head; p; p = p->next) {
        if (!p->mirror)
            continue;
        struct pmedia *pm = rs_ms__pstate(p);
        if (!pm)
            continue;
        bool changed = false;
        for (int s = 0; s < SRC__COUNT; s++) {
            const struct want *w = NULL;
            for (unsigned k = 0; k < n && !w; k++)
                if (wants[k].p == p && wants[k].src == (enum source)s)
                    w = &wants[k];
            struct track *t = &pm->tracks[s];
            if (t->id && (!w || t->ssrc != w->ch.ssrc || t->pt != w->ch.pt)) {
                rs_ms__send_cmd_ref(m, e->up_worker, RS_CMD_TRACK_REMOVE, t->id, 0, 0, 0);
                memset(t, 0, sizeof(*t));
                changed = true;
            }
            if (!w || t->id)
                continue;
            t->id = ++m->next_track_id ? m->next_track_id : ++m->next_track_id;
            snprintf(t->mid, sizeof(t->mid), "%.16s", w->ch.mid);
            t->kind = w->ch.kind == RS_SDP_KIND_AUDIO ? RS_MEDIA_AUDIO : RS_MEDIA_VIDEO;
            t->codec = w->ch.codec == RS_SDP_CODEC_OPUS  ? RS_CODEC_OPUS
                       : w->ch.codec == RS_SDP_CODEC_VP8 ? RS_CODEC_VP8
                                                         : RS_CODEC_H264;
            t->pt = w->ch.pt;
            t->rtx_pt = w->ch.rtx_pt;
            t->clock = w->ch.clock;
            rs_ms__copy_ext(&t->ext, &w->ch.ext);
            t->n_layers = 1;
            t->ssrc = w->ch.ssrc;
            t->rtx_ssrc = w->ch.has_rtx_ssrc ? w->ch.rtx_ssrc : 0;
            struct rs_cmd c;
            rs_ms__track_cmd(&c, pm, (enum source)s);
            c.u.track.tid = e->up.tid;
            rs_sfu_send(m, e->up_worker, &c);
            changed = true;
            if (t->kind == RS_MEDIA_VIDEO) /* the owner picks the layer by the size we show */
                send_json(e, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                                       "video_size", "participant", p->id, "source",
                                       rs_ms__source_names[s], "width", 1280, "height", 720));
        }
        if (changed)
            rs_ms__tracks_changed(m, pm);
    }
}

static void on_offer(struct edge *e, json_t *msg)
{
    static struct rs_sdp offer; /* large: control thread only */
    static struct rs_sdp_media_choice choices[RS_SDP_MAX_MEDIA];
    static char answer[RS_SDP_MAX_TEXT];
    struct rs_media *m = e->room->app->media;
    json_t *rev = json_object_get(msg, "revision");
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    json_t *tracks = json_object_get(msg, "tracks");
    if (!m || !json_is_integer(rev) || !sdp || !json_is_array(tracks) ||
        rs_sdp_parse(sdp, strlen(sdp), &offer) ||
        rs_sdp_parse_answer_choices(&offer, choices, RS_SDP_MAX_MEDIA)) {
        bad_input(e, "subscribe_offer");
        return;
    }
    int rc = uplink_ensure(e, m, &offer);
    if (rc) {
        if (rc == -EINVAL || rc == -EPERM)
            bad_input(e, rc == -EPERM ? "offer_address" : "offer_transport");
        rs_cascade_edge_fail(e->room, "uplink");
        return;
    }
    size_t len;
    if (rs_cascade_build_answer(&offer, e->up.ufrag, e->up.pwd, m->fingerprint, answer,
                                sizeof(answer), &len)) {
        bad_input(e, "answer_size");
        return;
    }
    send_json(e, json_pack("{s:s, s:s, s:O, s:s#}", "ns", "media", "action", "subscribe_answer",
                           "revision", rev, "sdp", answer, (int)len));
    apply_tracks(e, m, tracks, &offer, choices);
}

/* ---- the audience at the owner (room/cascade_member.h) ---- */

/* Why a local audience member left when the owner knows already (it said so): no
 * member_leave. Static strings, compared by address. */
static const char LEFT_MOVED[] = "moved", LEFT_CLOSED[] = "removed", LEFT_REFUSED[] = "refused";

/* Tells the owner about audience member `p` (again after a resume: its token changed). */
static void member_announce(struct edge *e, struct rs_participant *p)
{
    if (e->state != E_JOINED || p->mirror || p->waiting)
        return;
    char hash[65];
    if (p->resume_set)
        rs_snapshot_hex(p->resume_hash, sizeof(p->resume_hash), hash);
    else
        memset(hash, '0', 64), hash[64] = 0; /* no token: it cannot be called up */
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "ns", "cascade", "action",
                          "member_join", "member", p->id, "display_name", p->display_name, "role",
                          p->role == RS_ROLE_PARTICIPANT ? "participant" : "guest", "account",
                          p->account, "resume_hash", hash);
    if (j && p->account)
        json_object_set_new(j, "user_id", json_string(p->user_id));
    send_json(e, j);
}

int rs_cascade_edge_forward(struct rs_participant *p, json_t *msg)
{
    struct edge *e = p->room->edge ? EDGE(p->room) : NULL;
    if (!e || e->state != E_JOINED || !e->link)
        return -EAGAIN;
    size_t n = json_dumpb(msg, NULL, 0, JSON_COMPACT);
    if (n == 0 || n > RS_MSG_MAX_BYTES)
        return -E2BIG;
    send_json(e, json_pack("{s:s, s:s, s:s, s:O}", "ns", "cascade", "action", "as", "member",
                           p->id, "msg", msg));
    return 0;
}

/* What of the owner's events for a member its browser gets: the audience's part of the
 * meeting (hands, questions, the audience count, chat, reactions, the chair's word) and the
 * answers to its actions. The stage, podium/state and media come from this edge room. */
static bool member_event_passes(const char *ns, const char *ev)
{
    if (strcmp(ev, "error") == 0)
        return strcmp(ns, "media") != 0;
    if (strcmp(ns, "podium") == 0)
        return strcmp(ev, "state") != 0;
    return strcmp(ns, "hand") == 0 || strcmp(ns, "chat") == 0 || strcmp(ns, "reaction") == 0 ||
           strcmp(ns, "chair") == 0 || strcmp(ns, "moderation") == 0;
}

static bool code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    return n >= 1 && n <= 32;
}

/* A cascade event of the owner's about one of our audience members. The room is gone after it
 * when that member was its last one. */
static void member_event(struct edge *e, const char *ev, json_t *msg)
{
    struct rs_room *room = e->room;
    const char *id = json_string_value(json_object_get(msg, "member"));
    if (!valid_id(id)) {
        bad_input(e, "member");
        return;
    }
    struct rs_participant *p = rs_room_participant(room, id);
    if (!p || p->mirror)
        return; /* gone meanwhile */
    if (strcmp(ev, "to") == 0) {
        json_t *inner = json_object_get(msg, "msg");
        const char *ins = json_string_value(json_object_get(inner, "ns"));
        const char *iev = json_string_value(json_object_get(inner, "event"));
        if (!ins || !iev) {
            bad_input(e, "member_msg");
            return;
        }
        if (member_event_passes(ins, iev))
            rs_emit_one(p, json_incref(inner));
        return;
    }
    struct rs_peer *peer = p->peer;
    const char *why;
    if (strcmp(ev, "move") == 0) {
        /* called up: its browser continues on the owner with its resume token */
        why = LEFT_MOVED;
        rs_metric_error(RS_ERR_MOVED);
        rs_emit_peer(peer, rs_event("control", "error", "{s:s, s:s, s:s, s:s}", "code", "moved",
                                    "url", room->edge_owner.url, "node", room->edge_owner.node,
                                    "text", "called up: the stage is on another server"));
    } else if (strcmp(ev, "member_refused") == 0) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        const char *text = json_string_value(json_object_get(msg, "text"));
        if (!code_valid(code) || (text && strlen(text) > 200)) {
            bad_input(e, "member_refused");
            code = "forbidden";
            text = NULL;
        }
        why = LEFT_REFUSED;
        rs_emit_peer(peer, rs_event("control", "error", "{s:s, s:s}", "code", code, "text",
                                    text ? text : "the meeting's server refused this join"));
    } else if (strcmp(ev, "close") == 0) {
        why = LEFT_CLOSED; /* the owner let it go (removed by the chair, say) */
    } else {
        return;
    }
    RS_INFO("cascade", "event=member_%s room=%s participant=%s", ev, room->id, p->id);
    rs_room_leave(p, why);
    rs_peer_close(peer, 1000, why);
}

/* ---- messages from the owner ---- */

/* Returns true when podium mode ended at the owner: the edge room ended (it may be freed, and
 * `e` with it: the caller must not touch either). */
static bool podium_from_owner(struct edge *e, json_t *podium)
{
    if (!json_is_object(podium))
        return false;
    if (!json_is_true(json_object_get(podium, "on"))) {
        /* podium mode ended at the owner: the audience goes there (moved) */
        RS_INFO("cascade", "event=podium_off room=%s", e->room->id);
        rs_room_edge_moved(e->room); /* may free the room, and `e` with it */
        return true;
    }
    json_t *pl = json_object_get(podium, "participants");
    json_t *stage = json_object_get(podium, "stage");
    size_t i;
    json_t *pj;
    if (json_is_array(stage)) {
        /* the stage's ids: a mirror not on it any more (sent back to the audience) goes */
        for (unsigned k = 0; k < e->n_members;) {
            bool keep = false;
            json_array_foreach(stage, i, pj)
            {
                const char *id = json_string_value(pj);
                keep |= id && strcmp(id, e->members[k].id) == 0;
            }
            if (keep) {
                k++;
            } else {
                char id[RS_PARTICIPANT_ID_LEN + 1];
                snprintf(id, sizeof(id), "%s", e->members[k].id);
                member_gone(e, id);
            }
        }
    }
    if (json_is_array(pl)) {
        /* the whole list the relay sees (the stage): mirrors not in it go */
        for (unsigned k = 0; k < e->n_members;) {
            bool keep = false;
            json_array_foreach(pl, i, pj)
            {
                const char *id = json_string_value(json_object_get(pj, "id"));
                keep |= id && strcmp(id, e->members[k].id) == 0;
            }
            if (keep) {
                k++;
            } else {
                char id[RS_PARTICIPANT_ID_LEN + 1];
                snprintf(id, sizeof(id), "%s", e->members[k].id);
                member_gone(e, id);
            }
        }
        json_array_foreach(pl, i, pj) member_seen(e, pj);
    }
    return false;
}

void rs_cascade_on_message(struct rs_room *room, const char *text, size_t len)
{
    struct edge *e = EDGE(room);
    if (!e)
        return;
    json_error_t jerr;
    json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *ns = json_string_value(json_object_get(msg, "ns"));
    const char *ev = json_string_value(json_object_get(msg, "event"));
    if (!ns || !ev) {
        bad_input(e, "json");
        json_decref(msg);
        return;
    }
    if (strcmp(ev, "error") == 0) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        RS_WARN("cascade", "event=owner_error room=%s ns=%.16s code=%.32s", room->id, ns,
                code ? code : "-");
        if (strcmp(ns, "control") == 0 && e->state != E_JOINED)
            rs_cascade_edge_fail(room, "refused");
    } else if (strcmp(ns, "cascade") == 0) {
        member_event(e, ev, msg); /* may free the room, and `e` with it */
        json_decref(msg);
        return;
    } else if (strcmp(ns, "control") == 0 && strcmp(ev, "joined") == 0) {
        e->state = E_JOINED;
        e->failures = 0;
        RS_INFO("cascade", "event=relay_joined room=%s owner=%s", room->id, room->edge_owner.node);
        json_t *pl = json_object_get(msg, "participants");
        size_t i;
        json_t *pj;
        const char *self = json_string_value(json_object_get(msg, "id"));
        json_array_foreach(pl, i, pj)
        {
            const char *id = json_string_value(json_object_get(pj, "id"));
            if (id && self && strcmp(id, self) == 0)
                continue;
            member_seen(e, pj);
        }
        if (podium_from_owner(e, json_object_get(msg, "podium"))) {
            json_decref(msg); /* the room ended, and may be freed */
            return;
        }
        /* the owner learns of the audience here */
        for (struct rs_participant *p = room->head; p; p = p->next)
            member_announce(e, p);
    } else if (strcmp(ns, "control") == 0 && strcmp(ev, "participant_joined") == 0) {
        member_seen(e, json_object_get(msg, "participant"));
    } else if (strcmp(ns, "control") == 0 && strcmp(ev, "participant_updated") == 0) {
        json_t *pj = json_object_get(msg, "participant");
        const char *id = json_string_value(json_object_get(pj, "id"));
        if (id && member_find(e, id)) {
            if (json_is_false(json_object_get(pj, "stage")))
                member_gone(e, id); /* sent back to the audience: off the stage */
            else
                member_seen(e, pj);
        }
    } else if (strcmp(ns, "control") == 0 && strcmp(ev, "participant_left") == 0) {
        member_gone(e, json_string_value(json_object_get(msg, "id")));
    } else if (strcmp(ns, "podium") == 0 && strcmp(ev, "state") == 0) {
        podium_from_owner(e, msg);
    } else if (strcmp(ns, "media") == 0 && strcmp(ev, "subscribe_offer") == 0) {
        on_offer(e, msg);
    } else if (strcmp(ns, "control") == 0 && strcmp(ev, "ended") == 0) {
        /* the chair ended the meeting: the audience goes to the owner, which says so */
        json_decref(msg);
        rs_room_edge_moved(room); /* frees the room, and `e` with it */
        return;
    }
    json_decref(msg);
}

/* ---- the link ---- */

static void link_open_cb(void *ctx)
{
    struct rs_room *room = ctx;
    struct edge *e = EDGE(room);
    if (!e)
        return;
    const struct rs_config *cfg = &room->app->cfg;
    send_json(e, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join",
                           "room", room->id, "display_name", "relay", "cascade_node",
                           cfg->cluster_node_id, "cascade_secret", cfg->cluster_secret));
}

static void link_message_cb(void *ctx, const char *text, size_t len)
{
    rs_cascade_on_message(ctx, text, len);
}

static void link_closed_cb(void *ctx, const char *why)
{
    struct rs_room *room = ctx;
    struct edge *e = EDGE(room);
    if (!e)
        return;
    e->link = NULL; /* reported closed: it is gone */
    rs_cascade_edge_fail(room, why);
}

static const struct rs_cascade_link_cb link_cb = {
    .on_open = link_open_cb, .on_message = link_message_cb, .on_closed = link_closed_cb};

static void edge_connect(struct edge *e)
{
    struct rs_app *app = e->room->app;
    if (!app->cascade_links.open || e->state != E_IDLE)
        return;
    e->link = app->cascade_links.open(app->cascade_links.user, e->room->edge_owner.url, &link_cb,
                                      e->room);
    if (!e->link) {
        rs_cascade_edge_fail(e->room, "connect");
        return;
    }
    e->state = E_CONNECTING;
    rs_metric_inc(RS_M_CASCADE_CONNECTS);
    RS_INFO("cascade", "event=relay_connecting room=%s owner=%s", e->room->id,
            e->room->edge_owner.node);
}

/* Stops the relay: link, uplink, mirrors. */
static void edge_stop(struct edge *e, bool mirrors)
{
    struct rs_app *app = e->room->app;
    if (e->link) {
        struct rs_cascade_link *l = e->link;
        e->link = NULL;
        app->cascade_links.close(l);
    }
    if (mirrors) {
        for (struct rs_participant *p = e->room->head, *next; p; p = next) {
            next = p->next;
            if (p->mirror && rs_room_real_count(e->room))
                mirror_leave(e, p);
        }
        e->n_members = 0;
    }
    uplink_remove(e);
    e->state = E_IDLE;
}

void rs_cascade_edge_fail(struct rs_room *room, const char *why)
{
    struct edge *e = EDGE(room);
    if (!e)
        return;
    rs_metric_inc(RS_M_CASCADE_FAILURES);
    e->failures++;
    int64_t wait = RETRY_MIN_MS << (e->failures < 5 ? e->failures - 1 : 4);
    if (wait > RETRY_MAX_MS)
        wait = RETRY_MAX_MS;
    e->retry_at_ms = rs_mono_ms() + wait;
    RS_WARN("cascade", "event=relay_failed room=%s why=%s retry_ms=%lld", room->id, why,
            (long long)wait);
    edge_stop(e, true);
    if (e->failures >= RS_CASCADE_GIVE_UP)
        e->give_up = true; /* not here: the caller may be walking the room */
}

void rs_cascade_poll(struct rs_app *app)
{
    for (;;) {
        struct edge *e = g_edges;
        while (e && !(e->give_up && e->room->app == app))
            e = e->next;
        if (!e)
            return;
        e->give_up = false;
        RS_WARN("cascade", "event=relay_given_up room=%s owner=%s failures=%u", e->room->id,
                e->room->edge_owner.node, e->failures);
        rs_room_edge_moved(e->room); /* frees the room and `e` (the last listener leaves) */
    }
}

/* ---- feature hooks ---- */

static void cascade_joined(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    if (!room->edge || p->mirror)
        return;
    struct edge *e = EDGE(room);
    if (!e) {
        struct rs_media *m = room->app->media;
        e = calloc(1, sizeof(*e));
        if (!e || !m) {
            free(e);
            return;
        }
        e->room = room;
        e->key = rs_ms__new_key(m);
        e->next = g_edges;
        g_edges = e;
        EDGE(room) = e;
        rs_podium_edge_set(room, true);
    }
    if (e->state == E_IDLE && rs_mono_ms() >= e->retry_at_ms)
        edge_connect(e);
    member_announce(e, p);
}

static void cascade_resumed(struct rs_participant *p)
{
    struct edge *e = p->room->edge ? EDGE(p->room) : NULL;
    if (e)
        member_announce(e, p); /* its new resume token */
}

static void cascade_leaving(struct rs_participant *p)
{
    struct edge *e = p->room->edge ? EDGE(p->room) : NULL;
    if (e && !p->mirror && e->state == E_JOINED && p->leave_reason != LEFT_MOVED &&
        p->leave_reason != LEFT_CLOSED && p->leave_reason != LEFT_REFUSED)
        send_json(e, json_pack("{s:s, s:s, s:s}", "ns", "cascade", "action", "member_leave",
                               "member", p->id));
    if (!e || !p->mirror)
        return;
    struct rs_media *m = p->room->app->media;
    if (m)
        mirror_tracks_clear(m, p, false); /* the room is going: nobody to re-offer to */
}

static void cascade_tick(struct rs_room *room, int64_t now_ms)
{
    struct edge *e = room->edge ? EDGE(room) : NULL;
    (void)now_ms;
    if (e && e->state == E_IDLE && rs_room_real_count(room) && rs_mono_ms() >= e->retry_at_ms)
        edge_connect(e);
}

static void cascade_room_free(struct rs_room *room)
{
    struct edge *e = EDGE(room);
    if (!e)
        return;
    edge_stop(e, false);
    for (struct edge **pp = &g_edges; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    RS_INFO("cascade", "event=relay_closed room=%s", room->id);
    free(e);
    EDGE(room) = NULL;
}

bool rs_cascade_media_event(struct rs_media *m, const struct rs_event *ev)
{
    (void)m;
    for (struct edge *e = g_edges; e; e = e->next) {
        if (e->key != ev->owner)
            continue;
        if (ev->type == RS_EV_TRANSPORT_FAILED && ev->tid == e->up.tid)
            rs_cascade_edge_fail(e->room, "uplink_failed");
        else if (ev->type == RS_EV_TRANSPORT_CONNECTED)
            RS_INFO("cascade", "event=uplink_connected room=%s tid=%u", e->room->id,
                    (unsigned)ev->tid);
        return true;
    }
    return false;
}

static const struct rs_action actions[] = {{.name = NULL}};

/* not a client namespace: the hooks of the edge side (the owner's `cascade` actions are
 * room/cascade_member.c) */
const struct rs_feature rs_cascade_feature = {
    .ns = "cascade_edge",
    .actions = actions,
    .joined = cascade_joined,
    .resumed = cascade_resumed,
    .leaving = cascade_leaving,
    .tick = cascade_tick,
    .room_free = cascade_room_free,
};
