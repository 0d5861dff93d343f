/* SPDX-License-Identifier: EUPL-1.2 */
/* Messages between the control thread and the media worker.
 *
 * The control thread owns rooms, participants and SDP; the worker owns sockets, transports
 * (ICE-lite, DTLS, SRTP), publisher streams and subscriptions. They never share mutable
 * structures: the control thread sends `struct rs_cmd` through a bounded queue (worker wakes
 * on an eventfd), the worker sends `struct rs_event` back (control wakes via lws cancel).
 * Both are plain values, copied into the queue: no pointers cross threads.
 *
 * Identifiers are chosen by the control thread and are unique for the server's lifetime:
 * transport ids (tid) index the worker's transport table (1..RS_SFU_MAX_TRANSPORTS-1),
 * track ids and subscription ids are 32-bit counters. A relayed stream from another node
 * (cascading, later) will be a track whose "transport" is a relay link: nothing in a track
 * assumes a browser publisher beyond the fields below. */
#ifndef RS_SFU_COMMAND_H
#define RS_SFU_COMMAND_H

#include <stdint.h>

#define RS_SFU_MAX_TRANSPORTS 4096
#define RS_SFU_MAX_LAYERS 3
#define RS_SFU_UFRAG_SIZE 17
#define RS_SFU_PWD_SIZE 33
#define RS_SFU_MID_SIZE 17
#define RS_SFU_RID_SIZE 17

enum rs_cmd_type {
    RS_CMD_TRANSPORT_ADD,    /* new transport with local ICE credentials */
    RS_CMD_TRANSPORT_DTLS,   /* the peer's fingerprint and DTLS role are known */
    RS_CMD_TRANSPORT_ICE,    /* ICE restart: new local credentials, forget the peer address */
    RS_CMD_TRANSPORT_REMOVE, /* close and free; its tracks and subscriptions go with it */
    RS_CMD_TRACK_ADD,        /* a published track (all its simulcast layers) */
    RS_CMD_TRACK_REMOVE,
    RS_CMD_TRACK_MUTE, /* muted tracks are not forwarded */
    RS_CMD_SUB_ADD,    /* forward a track to a subscriber transport */
    RS_CMD_SUB_REMOVE,
    RS_CMD_SUB_ENABLE,     /* routing: enabled=0 stops forwarding without renegotiation */
    RS_CMD_SUB_VIDEO_SIZE, /* what the subscriber shows: drives the layer choice */
    RS_CMD_TRACK_RELAY, /* home worker: copy a track's packets to worker ref.worker (flag 1) or stop
                         */
    RS_CMD_SHUTDOWN,
};

enum rs_media_kind { RS_MEDIA_AUDIO = 1, RS_MEDIA_VIDEO = 2 };
enum rs_media_codec { RS_CODEC_OPUS = 1, RS_CODEC_VP8 = 2, RS_CODEC_H264 = 3 };

struct rs_cmd_transport {
    uint32_t tid;
    char ufrag[RS_SFU_UFRAG_SIZE];      /* ours */
    char pwd[RS_SFU_PWD_SIZE];          /* ours */
    uint8_t has_fingerprint;
    uint8_t remote_fp[32];              /* SHA-256 of the peer's certificate */
    uint8_t dtls_client;                /* 1: we are the DTLS client (peer answered passive) */
    uint8_t subscriber;                 /* 1: a subscribe transport (we send media on it) */
    uint32_t owner;                     /* participant key, for events */
    uint32_t max_bitrate_bps;           /* publish: REMB we send to the browser */
    /* A sink (record_feed.h): a subscribe transport whose "network" is sink_fd, an AF_UNIX
     * SOCK_SEQPACKET socket to a recorder; connected at once, no ICE/DTLS/SRTP. The worker
     * owns the fd from TRANSPORT_ADD on (closes it on remove, and when the add fails). */
    uint8_t sink;
    int32_t sink_fd;
    /* An uplink (cascade, docs/cluster.md "Cascade"): a publish-side transport toward another
     * node's media port, where we are the ICE controlling agent and the DTLS client. The peer
     * address is known from its SDP (so it is valid from the start), we send the binding
     * requests (USERNAME "<remote ufrag>:<ufrag>", keyed with the remote password) and start
     * the handshake once one is answered. */
    uint8_t uplink;
    uint8_t peer_v6;           /* peer_ip holds 16 bytes (else 4) */
    uint8_t peer_ip[16];
    uint16_t peer_port;        /* host order */
    char remote_ufrag[RS_SFU_UFRAG_SIZE];
    char remote_pwd[RS_SFU_PWD_SIZE];
    uint8_t cascade; /* the subscribe transport of another node's relay: counted apart */
};

/* RTP header extension ids as negotiated on one side (0 = not negotiated). */
struct rs_ext_ids {
    uint8_t mid, rid, repaired_rid, audio_level, abs_send_time, twcc;
};

struct rs_cmd_track {
    uint32_t track_id;
    uint32_t tid;   /* the publisher's transport */
    uint32_t owner; /* participant key (active speaker events) */
    uint32_t room;  /* room key: active speaker is chosen among a room's audio tracks */
    uint8_t kind;   /* enum rs_media_kind */
    uint8_t codec;  /* enum rs_media_codec */
    uint8_t pt;
    int16_t rtx_pt; /* -1: none */
    uint32_t clock;
    struct rs_ext_ids ext;
    char mid[RS_SFU_MID_SIZE];
    /* Simulcast: n_layers rids, lowest resolution first. Without simulcast n_layers = 1 and
     * rids[0] is "" (the stream is found by ssrc, or by mid when the SDP had no a=ssrc). */
    uint8_t n_layers;
    char rids[RS_SFU_MAX_LAYERS][RS_SFU_RID_SIZE];
    uint32_t ssrc, rtx_ssrc; /* non-simulcast, from the SDP; 0 when unknown */
    uint16_t width, height;  /* of the top layer, as the client reported; 0 unknown */
    /* A copy of a track published on worker `home`, fed with its packets through the relay
     * rings (relay.h): no transport (tid 0), subscriptions on this worker use it. */
    uint8_t relay, home;
    uint8_t muted;
    uint8_t screen; /* a screen share (never dropped by last-N) */
};

struct rs_cmd_sub {
    uint32_t sub_id;
    uint32_t tid;      /* the subscriber's transport */
    uint32_t track_id;
    uint32_t ssrc;     /* the SSRC we send with */
    uint32_t rtx_ssrc; /* 0: no RTX */
    uint8_t pt;
    int16_t rtx_pt;
    struct rs_ext_ids ext; /* ids on the subscriber's side */
    char mid[RS_SFU_MID_SIZE]; /* the subscriber's m-line (sent in the mid extension) */
    uint8_t enabled;
    uint8_t nack, remb;    /* rtcp-fb the subscriber accepted */
};

struct rs_cmd {
    enum rs_cmd_type type;
    union {
        struct rs_cmd_transport transport;
        struct rs_cmd_track track;
        struct rs_cmd_sub sub;
        struct {
            uint32_t id; /* tid, track_id or sub_id */
            uint8_t flag; /* muted / enabled / relaying */
            uint16_t width, height;
            uint8_t worker; /* TRACK_RELAY: the worker to copy to */
        } ref;
    } u;
};

enum rs_event_type {
    RS_EV_TRANSPORT_CONNECTED, /* DTLS done, SRTP keyed */
    RS_EV_TRANSPORT_FAILED,    /* reason: enum rs_transport_failure */
    RS_EV_ACTIVE_SPEAKER,      /* owner of the loudest audio track */
    RS_EV_TRACK_FLOWING,       /* first packet of a track arrived (layer = which) */
};

enum rs_transport_failure {
    RS_FAIL_DTLS = 1,
    RS_FAIL_FINGERPRINT,
    RS_FAIL_ICE_TIMEOUT,
    RS_FAIL_SINK, /* a sink's socket failed or its recorder closed it */
};

struct rs_event {
    enum rs_event_type type;
    uint32_t tid;
    uint32_t owner;
    uint32_t room;
    uint32_t track_id;
    int reason;
};

#endif
