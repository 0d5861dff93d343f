/* SPDX-License-Identifier: EUPL-1.2 */
/* Media worker internals, shared by worker.c (thread, socket, commands, timers),
 * transport.c (ICE-lite, DTLS, SRTP per peer) and router.c (tracks, subscriptions, forwarding,
 * RTCP). Everything here belongs to the one worker thread: no locks.
 *
 * Tables are fixed-size arrays indexed by small integers so that the packet path follows
 * indices, never allocates, and never searches more than a handful of entries:
 *   transport ← tid (from the command), found by peer address (hash) or ICE ufrag (tid prefix)
 *   track     ← slot index, found per transport by SSRC (small table, learned by rid/mid)
 *   sub       ← slot index, linked in its track's list and its transport's list. */
#ifndef RS_SFU_WORKER_INTERNAL_H
#define RS_SFU_WORKER_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rtc/dtls.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "sfu/command.h"
#include "sfu/relay.h"

#define RS_WK_MAX_TRACKS 8192
#define RS_WK_MAX_SUBS 65536
#define RS_WK_PKT_MAX 1500       /* largest datagram we accept or send */
#define RS_WK_RECV_BATCH 32
#define RS_WK_SEND_BATCH 128     /* packets queued before a flush (also flushed per receive batch) */
#define RS_WK_SEND_CHUNK 64      /* datagrams per sendmmsg call */
#define RS_WK_GSO_MAX_SEGS 64    /* segments per UDP GSO datagram (the kernel's UDP_MAX_SEGMENTS) */
#define RS_WK_GSO_MAX_SEG 1400   /* larger packets are sent alone: a GSO segment must fit the MTU */
#define RS_WK_GSO_MAX_BYTES 60000 /* payload of one GSO datagram, below 64 KiB */
#define RS_WK_CACHE_SLOTS 256    /* per video layer: packets kept for NACK (power of two) */
#define RS_WK_TRANSPORT_SSRCS 24 /* incoming SSRCs learned per publish transport */
#define RS_WK_ADDRS 4            /* validated peer addresses per transport */
#define RS_WK_NONE UINT32_MAX
/* epoll data of a sink's fd: this bit | tid (the worker's own fds are registered as the fd) */
#define RS_WK_EPOLL_SINK (1ull << 40)
#define RS_WK_SINK_PLI_MIN_MS 1000 /* a sink's keyframe requests per subscription */
/* ICE-TCP (ice_tcp.h): epoll data of a connection's fd is this bit | its slot */
#define RS_WK_EPOLL_TCP (1ull << 41)
#define RS_WK_TCP_MAX 1024 /* connections per worker */

enum rs_wk_state { WK_T_FREE = 0, WK_T_NEW, WK_T_DTLS, WK_T_CONNECTED, WK_T_FAILED };

struct rs_wk_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

struct rs_wk_ssrc {
    uint32_t ssrc;
    uint32_t track; /* slot index */
    uint8_t layer;
    uint8_t rtx;
};

/* A DTLS datagram that arrived (from a validated address) before the peer's fingerprint, i.e.
 * before the control thread passed on the SDP answer: kept and handled when the answer comes,
 * instead of waiting for the peer's retransmission (1 s in browsers). */
struct rs_wk_early_dtls {
    struct rs_wk_addr from;
    size_t len;
    uint8_t data[RS_WK_PKT_MAX];
};

struct rs_wk_transport {
    enum rs_wk_state state;
    uint32_t tid, owner;
    char ufrag[RS_SFU_UFRAG_SIZE];
    char pwd[RS_SFU_PWD_SIZE];
    size_t pwd_len;
    bool subscriber, dtls_client, has_fp;
    uint8_t fp[32];
    uint32_t max_bitrate_bps;

    struct rs_wk_addr addrs[RS_WK_ADDRS]; /* validated by STUN */
    unsigned n_addrs;
    int selected; /* index into addrs, -1 none */
    uint64_t last_consent_ms, created_ms;
    uint64_t rate_window_ms;
    uint32_t rate_packets, rate_stun;

    struct rs_dtls *dtls;
    struct rs_wk_early_dtls *early_dtls; /* a ClientHello that beat the peer's SDP answer */
    uint64_t dtls_timer_ms;
    uint64_t connected_ms;
    bool dtls_retired; /* handshake long done: the DTLS state was freed (SRTP keys stay) */
    struct rs_srtp srtp;
    bool srtp_ready;

    struct rs_wk_ssrc ssrcs[RS_WK_TRANSPORT_SSRCS]; /* publish: incoming streams */
    unsigned n_ssrcs;
    uint32_t first_sub; /* subscribe: subscriptions sending on this transport */

    uint32_t rtcp_ssrc; /* our SSRC for RTCP sent on this transport */
    uint64_t next_rtcp_ms;
    uint32_t remb_bps;  /* subscriber's latest REMB estimate, 0 = none yet */
    uint64_t remb_ms;
    uint64_t next_layer_ms;
    /* a step up that the REMB does not yet allow (router.c, "probing"): one at a time */
    uint64_t probe_until_ms; /* 0 = no probe running */
    uint64_t next_probe_ms;  /* no new probe before (after a failed one) */
    uint32_t probe_backoff_ms;
    uint32_t probe_remb; /* the REMB when the probe started: falling below it ends the probe */
    uint32_t probe_sub;  /* id of the subscription stepped up */
    int probe_layer;

    /* A sink (record_feed.h): packets go to sink_fd in the clear, RTCP comes back from it. */
    bool sink, sink_polled; /* sink_polled: sink_fd is in the worker's epoll set */
    int sink_fd;

    /* An uplink (command.h): we send binding requests to addrs[0] and are the DTLS client. */
    bool uplink, uplink_answered;
    bool cascade; /* the subscribe transport of another node's relay (counted apart) */
    char remote_ufrag[RS_SFU_UFRAG_SIZE];
    char remote_pwd[RS_SFU_PWD_SIZE];
    uint64_t tie_breaker;
    uint64_t next_check_ms;
    uint8_t check_txid[12]; /* the last binding request's transaction id */
};

struct rs_wk_cached {
    uint16_t seq;
    uint16_t len; /* 0 = empty */
    uint32_t ts;
    bool marker, keyframe;
    uint8_t hdr_len_unused;
    uint8_t data[RS_WK_PKT_MAX]; /* payload only (after the RTP header, padding removed) */
};

struct rs_wk_layer {
    uint32_t ssrc, rtx_ssrc;
    char rid[RS_SFU_RID_SIZE];
    bool active;
    uint64_t last_pkt_ms;
    /* receive statistics for our RR to the publisher */
    bool seq_init;
    uint16_t max_seq;
    uint32_t cycles, base_seq, received, expected_prior, received_prior;
    uint32_t last_sr_mid; /* middle 32 bits of the SR's NTP time */
    uint64_t last_sr_ms;
    uint64_t sr_ntp;      /* last SR: NTP ↔ RTP mapping, for our SRs to subscribers */
    uint32_t sr_rtp;
    /* bitrate over the last second */
    uint64_t win_start_ms, win_bytes;
    uint32_t bitrate_bps;
    uint64_t last_pli_ms;
    struct rs_wk_cached *cache; /* RS_WK_CACHE_SLOTS entries, video only */
};

struct rs_wk_track {
    bool in_use;
    uint32_t id, tid, owner, room;
    uint8_t kind, codec, pt;
    int16_t rtx_pt;
    uint32_t clock;
    struct rs_ext_ids ext;
    char mid[RS_SFU_MID_SIZE];
    uint8_t n_layers;
    struct rs_wk_layer layers[RS_SFU_MAX_LAYERS];
    uint16_t width, height;
    bool muted, screen;
    /* audio level (RFC 6464: 0 loud .. 127 silent) accumulated between speaker decisions */
    uint32_t level_sum, level_n;
    uint64_t last_voice_ms;
    bool speaker;
    uint32_t speaker_streak; /* windows in a row as its room's loudest */
    uint32_t silent_windows; /* while it is the speaker: windows in a row without voice */
    uint32_t room_slot;      /* scratch for active_speakers() */
    uint32_t first_sub;
    /* Rooms spread over workers (relay.h): on the home worker, bit k = copy this track's
     * packets to worker k; on another worker, `relayed` marks the copy and `home` says where
     * keyframe requests go. */
    uint32_t relay_to;
    bool relayed;
    uint8_t home;
};

struct rs_wk_sub {
    bool in_use;
    uint32_t id, tid, track;
    uint32_t ssrc, rtx_ssrc;
    uint8_t pt;
    int16_t rtx_pt;
    struct rs_ext_ids ext;
    char mid[RS_SFU_MID_SIZE];
    bool enabled, nack, remb;
    uint16_t want_w, want_h; /* 0,0 + sized: hidden */
    bool sized;
    int cur_layer, target_layer; /* -1: none */
    bool started;
    uint16_t seq_offset, last_out_seq, switch_out_seq, rtx_seq;
    uint32_t ts_offset, last_out_ts;
    uint64_t last_out_ms;
    uint16_t pid_offset, last_out_pid; /* VP8 picture id continuity across switches */
    uint8_t tl0_offset, last_out_tl0;
    bool has_pid;
    uint32_t packets_sent, octets_sent;
    uint32_t next_in_track, next_in_transport;
    uint64_t sink_pli_ms; /* a sink's last keyframe request for this subscription passed on */
    bool sink_pli;
};

struct rs_wk_out {
    struct rs_wk_addr to;
    size_t len;
    uint64_t arrival_ns; /* arrival (CLOCK_REALTIME) of the datagram that caused it, 0 = timer */
    uint8_t data[RS_WK_PKT_MAX + 64];
};

struct rs_wk_flush_slot {
    uint32_t gen; /* == w->flush_gen: in use in this flush */
    uint16_t head, tail;
};

struct rs_wk_tcp_conn; /* ice_tcp.c */

struct rs_wk {
    int fd;        /* the UDP socket */
    int epfd;      /* epoll: the socket and the command queue */
    int family;
    struct rs_dtls_ctx *dtls;
    struct rs_queue *cmds, *events;
    void (*wake)(void *);
    void *wake_arg;
    bool wake_pending;
    volatile int stop;
    uint64_t now_ms;
    unsigned index;              /* which worker (label of the per-worker metrics) */
    struct rs_relay_mesh *relay; /* rings to and from the other workers; NULL with one worker */
    uint32_t relay_woken;        /* workers woken since the last flush */
    uint32_t relay_dirty;        /* workers pushed to after that: wake them at the flush */
    uint32_t relay_cache_id, relay_cache_idx; /* last relayed track id → its slot */
    /* packet counters, added to the shared metrics once per flush instead of one atomic add
     * per packet (several workers would contend for those cache lines) */
    struct {
        uint64_t rtp_in, rtp_in_bytes, rtcp_in, rtp_out, rtp_out_bytes, rtcp_out, relay_out;
        uint64_t feed_packets, feed_dropped, feed_keyframes; /* sinks (record_feed.h) */
        uint64_t cascade_in, cascade_in_bytes, cascade_out, cascade_out_bytes; /* cascade */
    } ctr;

    struct rs_wk_transport transports[RS_SFU_MAX_TRANSPORTS];
    struct rs_wk_track *tracks; /* RS_WK_MAX_TRACKS */
    struct rs_wk_sub *subs;     /* RS_WK_MAX_SUBS */
    uint32_t n_tracks_hint, n_subs_hint;

    /* peer address → tid, open addressing (transport.c). Allocated for addr_map_cap entries
     * but used only up to addr_map_mask + 1, which grows with the addresses in use: a sparse
     * table would touch one page per peer. */
    struct rs_wk_addr_entry {
        struct rs_wk_addr addr;
        uint32_t tid; /* 0 = empty, RS_WK_NONE = deleted */
    } *addr_map;
    uint32_t addr_map_cap;
    uint32_t addr_map_mask;                /* slots in use - 1 (a power of two - 1) */
    uint32_t addr_map_live, addr_map_dead; /* entries, tombstones */

    struct rs_wk_out *out; /* RS_WK_SEND_BATCH */
    unsigned n_out;
    /* UDP GSO (Linux ≥ 4.18): at a flush, packets to the same peer are grouped and runs of
     * equal size go out as one datagram the kernel segments. Off when the kernel refuses it. */
    bool gso;
    uint64_t arrival_ns; /* the datagram being handled: its kernel receive time; 0 otherwise */
    uint32_t flush_gen;
    struct rs_wk_flush_slot *flush_map; /* 2 × RS_WK_SEND_BATCH, keyed by destination */
    uint16_t *flush_next;               /* RS_WK_SEND_BATCH: next packet to the same peer */
    uint16_t *flush_order;              /* RS_WK_SEND_BATCH: first packet of each peer */

    /* ICE-TCP (ice_tcp.c): the listening socket (-1: none) and its connections by slot */
    int tcp_fd;
    uint16_t tcp_port;     /* what tcp_fd listens on */
    struct rs_wk_tcp_conn *tcp[RS_WK_TCP_MAX];
    unsigned tcp_end;      /* one past the highest slot in use */
    unsigned tcp_unbound;  /* connections no binding request has tied to a transport yet */
    uint32_t tcp_gen;      /* connection generations: a slot's old address never matches */
    uint16_t tcp_dirty[RS_WK_TCP_MAX]; /* slots with bytes queued since the last flush */
    unsigned n_tcp_dirty;
    bool tcp_reap;         /* a connection broke while sending: close it at the next timer */
    uint64_t tcp_sweep_ms; /* next idle check */

    uint64_t next_speaker_ms;
    uint32_t max_tid;              /* highest transport id ever added (bounds the timer loops) */
    uint32_t track_end, sub_end;   /* one past the highest track / subscription slot in use */
};

/* worker.c */
/* A worker without socket (fd -1) or thread: the real one, and in-process harnesses (tests,
 * benchmarks) that feed rs_wk__on_datagram and read the send batch. Borrows its arguments. */
struct rs_wk *rs_wk__new(struct rs_dtls_ctx *dtls, struct rs_queue *cmds, struct rs_queue *events);
/* Removes every transport and frees the worker (closes fds it opened). */
void rs_wk__free(struct rs_wk *w);
/* Fills `ss`/`len` with `ip` (IPv4 or IPv6 literal; NULL: every address, dual-stack) and
 * `port`. Returns 0 or -EINVAL. */
int rs_wk__bind_addr(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);
struct rs_wk_out *rs_wk__out_slot(struct rs_wk *w);
void rs_wk__out_commit(struct rs_wk *w, struct rs_wk_out *o, const struct rs_wk_addr *to,
                       size_t len);
void rs_wk__flush(struct rs_wk *w);
void rs_wk__event(struct rs_wk *w, const struct rs_event *ev);

/* transport.c */
void rs_wk__transport_add(struct rs_wk *w, const struct rs_cmd_transport *c);
void rs_wk__transport_dtls(struct rs_wk *w, const struct rs_cmd_transport *c);
void rs_wk__transport_ice(struct rs_wk *w, const struct rs_cmd_transport *c);
void rs_wk__transport_remove(struct rs_wk *w, uint32_t tid);
void rs_wk__transport_fail(struct rs_wk *w, struct rs_wk_transport *t, int reason);
void rs_wk__on_datagram(struct rs_wk *w, uint8_t *buf, size_t len, const struct rs_wk_addr *from);
void rs_wk__transport_timers(struct rs_wk *w);
/* Protects and queues an RTP or RTCP packet built in `o->data` (len bytes) to the transport's
 * selected address. Returns 0 or a negative errno (dropped and counted). */
int rs_wk__send_rtp(struct rs_wk *w, struct rs_wk_transport *t, struct rs_wk_out *o, size_t len);
int rs_wk__send_rtcp(struct rs_wk *w, struct rs_wk_transport *t, struct rs_wk_out *o, size_t len);
struct rs_wk_transport *rs_wk__transport(struct rs_wk *w, uint32_t tid);
/* The transport address `a` is validated for, or NULL. */
struct rs_wk_transport *rs_wk__addr_owner(struct rs_wk *w, const struct rs_wk_addr *a);
/* Address `a` is gone (its ICE-TCP connection closed): its transport forgets it and, when it
 * was the selected one, sends to another validated address if it has one. */
void rs_wk__addr_gone(struct rs_wk *w, const struct rs_wk_addr *a);
/* Reads what the recorder sent on sink `tid`'s socket (RTCP), at most a batch; at EOF or a
 * socket error the fd leaves the epoll set and the transport fails. */
void rs_wk__sink_readable(struct rs_wk *w, uint32_t tid);

/* router.c */
int rs_wk__router_init(struct rs_wk *w);
void rs_wk__router_free(struct rs_wk *w);
void rs_wk__track_add(struct rs_wk *w, const struct rs_cmd_track *c);
void rs_wk__track_remove(struct rs_wk *w, uint32_t track_id);
void rs_wk__track_mute(struct rs_wk *w, uint32_t track_id, bool muted);
void rs_wk__sub_add(struct rs_wk *w, const struct rs_cmd_sub *c);
void rs_wk__sub_remove(struct rs_wk *w, uint32_t sub_id);
void rs_wk__sub_enable(struct rs_wk *w, uint32_t sub_id, bool enabled);
void rs_wk__sub_size(struct rs_wk *w, uint32_t sub_id, uint16_t width, uint16_t height);
/* Home worker: start (on) or stop copying a track's packets to worker `to`. */
void rs_wk__track_relay(struct rs_wk *w, uint32_t track_id, unsigned to, bool on);
/* Handles everything the other workers put in this worker's rings. */
void rs_wk__relay_drain(struct rs_wk *w);
/* The transport is going away: drop its tracks (publish) or subscriptions (subscribe). */
void rs_wk__router_transport_gone(struct rs_wk *w, struct rs_wk_transport *t);
/* A decrypted RTP / RTCP packet from transport `t` (in place, `len` bytes). */
void rs_wk__on_rtp(struct rs_wk *w, struct rs_wk_transport *t, uint8_t *pkt, size_t len);
void rs_wk__on_rtcp(struct rs_wk *w, struct rs_wk_transport *t, uint8_t *pkt, size_t len);
void rs_wk__router_timers(struct rs_wk *w);

#endif
