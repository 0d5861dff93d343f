/* SPDX-License-Identifier: EUPL-1.2 */
/* Internals of the `media` signaling namespace, shared by media_signaling.c (entry, hooks,
 * owner table, transports), publish.c, subscribe.c, visibility.c and media_events.c. Nothing
 * outside those files includes this header: the module's interface is media_signaling.h (the
 * `media` feature the room calls through its hooks).
 *
 * Control thread only: no locks. A struct pmedia is owned by its participant (PM(p)), created
 * on first use and freed by the leaving hook; a struct rmedia is owned by its room
 * (RM(room)), freed by the room_free hook. Other participants and worker events refer to a
 * pmedia by its owner key (rs_ms__owner_find), never by a kept pointer. */
#ifndef RS_SFU_MEDIA_INTERNAL_H
#define RS_SFU_MEDIA_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "room/action.h"
#include "room/events.h"
#include "room/room.h"
#include "rtc/sdp.h"
#include "sfu/command.h"

struct rs_media;

enum source { SRC_MICROPHONE, SRC_CAMERA, SRC_SCREEN, SRC__COUNT };
extern const char *const rs_ms__source_names[SRC__COUNT + 1]; /* NULL-terminated */

#define SPEAKERS_MAX 256
#define MAX_WIDTH 7680
#define MAX_HEIGHT 4320

struct transport {
    uint32_t tid; /* 0: none yet */
    char ufrag[RS_SFU_UFRAG_SIZE];
    char pwd[RS_SFU_PWD_SIZE];
    uint64_t session_id, session_version;
    char remote_ufrag[RS_SDP_ICE_SIZE];  /* publish: to notice an ICE restart */
    struct rs_sdp_fingerprint remote_fp; /* publish: to notice a new RTCPeerConnection */
    bool dtls_sent;                      /* subscribe: RS_CMD_TRANSPORT_DTLS sent */
};

struct track {
    uint32_t id; /* 0: this source is not published */
    char mid[RS_SFU_MID_SIZE];
    uint8_t kind, codec, pt;
    int16_t rtx_pt;
    uint32_t clock;
    struct rs_ext_ids ext;
    uint8_t n_layers;
    char rids[RS_SFU_MAX_LAYERS][RS_SFU_RID_SIZE];
    uint32_t ssrc, rtx_ssrc;
    uint16_t width, height;
    bool muted;
    uint32_t relay_mask; /* workers with a copy of this track (its subscribers are there) */
};

enum slot_state { SLOT_BOUND, SLOT_ENDING, SLOT_IDLE, SLOT_DEAD };

struct slot {
    char mid[RS_SFU_MID_SIZE];
    enum slot_state state;
    uint8_t kind;  /* enum rs_media_kind */
    uint8_t codec; /* enum rs_media_codec: decides the m-line's payload types */
    /* The bound track (state BOUND). */
    uint32_t track_id;
    uint32_t owner; /* its publisher's owner key */
    char publisher[RS_PARTICIPANT_ID_LEN + 1];
    enum source source;
    uint32_t ssrc, rtx_ssrc; /* what we send with */
    uint32_t sub_id;
    bool sub_added; /* RS_CMD_SUB_ADD sent */
    bool enabled;   /* as last told to the worker */
    uint16_t width, height;
    bool has_size;
    uint32_t offered_track_id; /* the track this slot carried in the last offer, 0: inactive */
};

struct pmedia {
    struct rs_participant *p;
    uint32_t owner;
    struct pmedia *hnext;
    bool leaving;
    struct transport pub, sub;
    struct track tracks[SRC__COUNT];
    struct slot *slots; /* n_slots in use of slots_cap (doubling up to MAX_SLOTS) */
    unsigned n_slots, slots_cap;
    unsigned offered_slots; /* slots in the last offer */
    uint64_t revision;
    bool offer_pending, offer_dirty, sub_ice_restart;
};

struct rmedia {
    uint32_t key;
    unsigned worker; /* the media worker every transport of this room is placed on */
    uint32_t speakers[SPEAKERS_MAX]; /* owner keys, most recent speaker first */
    unsigned n_speakers;
    struct rs_record_feed *feeds; /* recorders' feeds of this room (record_feed.c) */
};

/* The media feature's state slots (room.h): a pmedia per participant, an rmedia per room.
 * Lvalues, NULL until created. */
extern const struct rs_feature rs_media_feature;
#define PM(p)                                                                                      \
    (*(struct pmedia **)rs_participant_state((struct rs_participant *)(p), &rs_media_feature))
#define RM(room) (*(struct rmedia **)rs_room_state((struct rs_room *)(room), &rs_media_feature))

/* ---- media_signaling.c: owner table, state, transports ---- */

/* The participant's media state for an owner key; NULL if it is gone. Returns a borrowed
 * pointer, valid until that participant leaves. */
struct pmedia *rs_ms__owner_find(const struct rs_media *m, uint32_t owner);
/* The participant's media state, created on first use (NULL without a media plane, or OOM). */
struct pmedia *rs_ms__pstate(struct rs_participant *p);
/* The room's media state, created (and the room placed on a worker) on first use; NULL on
 * OOM. Borrowed: the room owns it. */
struct rmedia *rs_ms__room_state(struct rs_room *room, struct rs_media *m);
/* A fresh owner key (participants, rooms and record feeds share the key space). */
uint32_t rs_ms__new_key(struct rs_media *m);
/* The worker of pm's room (borrows pm). */
unsigned rs_ms__home_worker(const struct pmedia *pm);
/* New ICE credentials for `t` (borrowed), whose tid is set. */
void rs_ms__new_credentials(struct transport *t);
uint64_t rs_ms__new_session_id(void);
/* Fills `l` (caller's) for an SDP of transport `t`; `l` borrows `m`'s and `t`'s strings. */
void rs_ms__local_for(const struct rs_media *m, const struct transport *t, struct rs_sdp_local *l);
/* A command naming one id (RS_CMD_SUB_ENABLE, RS_CMD_TRACK_MUTE, ...) to worker `wk`. */
void rs_ms__send_cmd_ref(struct rs_media *m, unsigned wk, enum rs_cmd_type type, uint32_t id,
                         uint8_t flag, uint16_t width, uint16_t height);
/* A transport command for `t` of `pm` (both borrowed); `remote` (borrowed, may be NULL) is the
 * browser's fingerprint. The send's result goes to *rc unless rc is NULL. */
void rs_ms__send_transport(struct rs_media *m, enum rs_cmd_type type, const struct pmedia *pm,
                           const struct transport *t, bool subscriber,
                           const struct rs_sdp_fingerprint *remote, bool dtls_client, int *rc);
/* Removes `t` from its worker, releases its tid and clears it; nothing if it has none. */
void rs_ms__transport_remove(struct rs_media *m, struct transport *t);

/* ---- publish.c: media/publish, media/track_state, tracks ---- */

/* The action handlers get their fields typed from the dispatcher, at these indices of
 * call->arg (the table in media_signaling.c declares them in this order). Each borrows `pm` and
 * `call`, returns 0 or -EINVAL with call->err set. */
enum { RS_MS_PUBLISH_SDP, RS_MS_PUBLISH_TRACKS };
enum { RS_MS_ANSWER_REVISION, RS_MS_ANSWER_SDP };
enum { RS_MS_RESTART_PC };
enum { RS_MS_PC_SUBSCRIBE, RS_MS_PC_PUBLISH }; /* its values */
enum { RS_MS_TRACK_STATE_SOURCE, RS_MS_TRACK_STATE_MUTED };
enum { RS_MS_SIZE_PARTICIPANT, RS_MS_SIZE_SOURCE, RS_MS_SIZE_WIDTH, RS_MS_SIZE_HEIGHT };
#define RS_MEDIA_MAX_TRACK_ENTRIES 8

int rs_ms__media_publish(struct rs_media *m, struct pmedia *pm, struct rs_call *call);
int rs_ms__media_track_state(struct rs_media *m, struct pmedia *pm, struct rs_call *call);
/* The RS_CMD_TRACK_ADD command (into the caller's `c`) for pm's track of source `src`. */
void rs_ms__track_cmd(struct rs_cmd *c, const struct pmedia *pm, enum source src);
/* Forgets pm's publish connection and its tracks; returns whether any track went. */
bool rs_ms__publish_reset(struct rs_media *m, struct pmedia *pm);
/* pm's tracks changed: everyone else's subscriptions follow, the room hears of it. */
void rs_ms__tracks_changed(struct rs_media *m, struct pmedia *pm);

/* ---- subscribe.c: slots, offers, media/subscribe_answer, restart_ice, video_size ---- */

int rs_ms__media_subscribe_answer(struct rs_media *m, struct pmedia *q, struct rs_call *call);
int rs_ms__media_restart_ice(struct rs_media *m, struct pmedia *pm, struct rs_call *call);
int rs_ms__media_video_size(struct rs_media *m, struct pmedia *q, struct rs_call *call);
/* Makes q's slots match the room's tracks; offers if anything changed. */
void rs_ms__sync_subs(struct rs_media *m, struct pmedia *q);
/* rs_ms__sync_subs for every other present participant of p's room. */
void rs_ms__sync_others(struct rs_media *m, struct rs_participant *p);
/* The SDP's header extension ids in the worker's form. */
void rs_ms__copy_ext(struct rs_ext_ids *dst, const struct rs_sdp_ext_ids *src);

/* ---- visibility.c: who receives what ---- */

/* Whether subscriber q's slot `s` (both borrowed) should be forwarded now. */
bool rs_ms__slot_wants_enabled(struct rs_room *room, const struct pmedia *q, const struct slot *s);
/* The room's audience (room/audio_routes.h) changed: the feature's audience_changed hook. */
void rs_ms__audience_changed(struct rs_room *room);
/* Recomputes every subscription's `enabled` in the room; tells the worker about changes. */
void rs_ms__refresh_enabled(struct rs_media *m, struct rs_room *room);
/* pm just became the room's active speaker: it moves to the front of the speaker order, the
 * room hears an active_speaker event, last-N follows. */
void rs_ms__on_active_speaker(struct rs_media *m, struct pmedia *pm);

/* ---- record_feed.c: the room's recorder feeds ---- */

/* Every feed of the room asks its feature again and applies the differences (called at the
 * end of rs_ms__refresh_enabled and on a track's mute). */
void rs_ms__feeds_refresh(struct rs_room *room);
/* pm (borrowed) became the room's active speaker: feeds that include it say so. */
void rs_ms__feeds_speaker(struct rs_room *room, const struct pmedia *pm);
/* The room goes: its feeds still open are closed and freed. */
void rs_ms__feeds_room_free(struct rs_room *room);

#endif
