/* SPDX-License-Identifier: EUPL-1.2 */
/* The media plane's side of a recording or livestream: a feed hands the already-decrypted RTP
 * of the tracks a recording may contain to a ratsaal-recorder process over an AF_UNIX
 * SOCK_SEQPACKET socket (docs/recording.md).
 *
 * On the worker the feed is a subscriber transport whose "network" is that socket (a sink
 * transport): every published track of the room gets a subscription on it like a browser's,
 * so routing, layer choice, RTCP sender reports (lip sync) and keyframe requests take the
 * paths a browser's subscriptions take. Nothing is encrypted again; a full socket drops the
 * packet and counts it (the worker never blocks). What the recorder sends back on the socket
 * (RTCP: PLI, NACK, receiver reports) is handled as RTCP from that subscriber, keyframe
 * requests at most one per second per track.
 *
 * Which tracks flow is the feature's decision (ops->includes), asked again on every routing
 * change of the room (rs_ms__refresh_enabled) and on rs_record_feed_refresh. A track that
 * starts to be included is announced first (ops->track, added) and then enabled; one that
 * stops is disabled on the worker and announced as removed in the same step, so the recorder
 * can hide its tile and mute its audio at once.
 *
 * The feed ANDs what holds for every listener (the chair's mutes and turn-offs, the podium's
 * stage) into ops->includes. Video is asked at a small simulcast layer (640x360 while at most
 * four videos are included, 320x180 above; screen shares 1280x720): the recorder scales.
 *
 * The ops are called from inside media-plane changes (a refresh, a participant leaving): they
 * must not open or close feeds; a refresh they cause (directly, or by changing the room's
 * routing) runs after the current one. rs_record_feed_close calls none of them. A feed still open
 * when its room is freed is closed and freed then (the media feature's room_free hook, which
 * runs after the room features' own): do not use it afterwards.
 *
 * Control thread only. */
#ifndef RS_SFU_RECORD_FEED_H
#define RS_SFU_RECORD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "room/room.h"

struct rs_media;
struct rs_record_feed;

enum rs_record_source { RS_RECORD_MIC = 0, RS_RECORD_CAMERA = 1, RS_RECORD_SCREEN = 2 };

/* A track as the recorder needs to know it before its first packet. */
struct rs_record_track {
    uint32_t ssrc;   /* the SSRC the feed sends it with (unique within the feed) */
    uint8_t kind;    /* enum rs_media_kind */
    uint8_t codec;   /* enum rs_media_codec */
    uint8_t pt;      /* payload type on the socket */
    uint32_t clock;  /* RTP clock rate */
    enum rs_record_source source;
    char participant[RS_PARTICIPANT_ID_LEN + 1];
    char name[RS_DISPLAY_NAME_MAX_BYTES + 1];
};

struct rs_record_feed_ops {
    /* Whether participant `p`'s track of `source` may be in the recording now. */
    bool (*includes)(void *arg, struct rs_room *room, const struct rs_participant *p,
                     enum rs_record_source source);
    /* A track starts (added) or stops (!added) being forwarded to the recorder. */
    void (*track)(void *arg, const struct rs_record_track *t, bool added);
    /* The room's active speaker changed (NULL: none); only called for included participants. */
    void (*speaker)(void *arg, const struct rs_participant *p);
};

/* Opens a feed for `room` (borrowed) on its worker, sending to `data_fd`, one end of an
 * AF_UNIX SOCK_SEQPACKET socketpair; the feed takes ownership of the fd (closed by the worker
 * when the feed closes, also on failure). `ops` and `arg` are borrowed until close. Returns the
 * feed, or NULL with a one-line reason in `err` (no free transport, queue full). */
struct rs_record_feed *rs_record_feed_open(struct rs_media *m, struct rs_room *room, int data_fd,
                                           const struct rs_record_feed_ops *ops, void *arg,
                                           char *err, size_t errlen);
/* Asks ops->includes again for every track of the room and applies the differences. */
void rs_record_feed_refresh(struct rs_record_feed *f);
/* Stops forwarding, removes the sink transport from the worker (which closes the fd), frees. */
void rs_record_feed_close(struct rs_record_feed *f);

#endif
