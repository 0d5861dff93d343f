/* SPDX-License-Identifier: EUPL-1.2 */
/* ratsaal-load: a WebRTC load generator that speaks Ratsaal's signaling and Janus' video-room
 * API, with our own rtc/ code (ICE check, DTLS client, SRTP, RTP/RTCP, SDP) as its media stack.
 *
 * One thread, one epoll loop. A participant has a signaling connection (WebSocket), and a
 * publish and/or a subscribe transport (one UDP socket each, as a browser has one per
 * RTCPeerConnection). Publishers send Opus-sized audio (50 packets/s) and VP8 from a looped IVF
 * file, or three simulcast layers from three files (--simulcast); every payload ends with a tag
 * byte (audio, or the video layer) and the send time (8 bytes). Subscribers count every packet
 * per SSRC from the clear RTP header and decrypt one in N to read the tail; with
 * --switch-every-ms they also ask the server for another layer now and then and time how long
 * the first packet of that layer takes (switch.c). With --soak the same participants play a
 * meeting for minutes instead, in several rooms, coming and going (soak.c). */
#ifndef RS_BENCH_LOAD_H
#define RS_BENCH_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <signal.h>

#include "rtc/client.h"
#include "rtc/dtls.h"
#include "pacer.h"

/* ---- WebSocket client (ws.c) ---- */
struct ws {
    int fd;
    uint8_t *in;      /* unread bytes from the socket */
    size_t in_len, in_cap;
    char *msg;        /* message being reassembled from fragments */
    size_t msg_len, msg_cap;
};
/* Connects and upgrades (blocking, loopback); then reads are non-blocking. 0 or -errno.
 * `protocol` and `cookie` (the Cookie header's value) may be NULL. */
int ws_connect(struct ws *w, const char *host, uint16_t port, const char *path,
               const char *protocol, const char *cookie);
int ws_send_text(struct ws *w, const char *text, size_t len);
/* Reads what is there; calls `on_msg` for each complete text message (NUL-terminated, borrowed
 * for the call). Returns 0, or -1 when the connection closed or failed. */
int ws_read(struct ws *w, void (*on_msg)(void *arg, char *msg, size_t len), void *arg);
/* Sends a close frame (1000) and closes; ws_abort closes the socket without one, as a lost
 * network or a killed browser does. Both free the buffers. */
void ws_close(struct ws *w);
void ws_abort(struct ws *w);
/* Sends a close frame (1000) and nothing else: the caller reads on until the server's close
 * frame (ws_read returns -1), then ws_abort()s. Closing a socket that still holds unread data
 * would send a TCP reset instead of the close, which the server rightly takes for a lost
 * connection. */
int ws_send_close(struct ws *w);

/* ---- media source (media.c) ---- */
struct ivf_frame {
    const uint8_t *data;
    uint32_t len;
    bool key;
};
struct ivf {
    uint8_t *file;
    struct ivf_frame *frames;
    size_t n_frames;
};
int ivf_load(struct ivf *v, const char *path);

#define PUB_CACHE 512 /* video packets kept per publisher layer for NACK */
#define PKT_CAP 1500
#define SIM_LAYERS 3  /* simulcast layers: 0 lowest resolution .. 2 highest */

/* The payload tail every publisher packet ends with: a tag byte, then the send time
 * (CLOCK_MONOTONIC µs, 8 bytes, host order: sender and receiver are one process). */
#define TAIL_LEN 9
#define TAG_AUDIO 0xa0
#define TAG_VIDEO 0xb0 /* | layer */

struct cached_pkt {
    uint16_t seq;
    uint16_t len; /* 0: empty */
    uint8_t data[1240];
};

/* One encoding a publisher sends: the only one, or a simulcast layer (its own file, SSRC, RTX
 * SSRC, sequence and picture id, as each layer of a browser's simulcast encoder has). */
struct video_layer {
    const struct ivf *file;
    const char *rid; /* NULL without simulcast */
    uint32_t ssrc, rtx_ssrc;
    uint16_t seq, rtx_seq, picture_id;
    size_t frame; /* next frame of `file` */
    int64_t last_key_request_us;
    struct cached_pkt *cache; /* PUB_CACHE entries */
    uint64_t key_requests;    /* PLI/FIR naming this layer's SSRC */
    uint64_t keys_forced;     /* of those, the ones that made the next frame a keyframe */
};

struct publisher_media {
    uint32_t audio_ssrc;
    uint8_t audio_pt, video_pt;
    int16_t rtx_pt;     /* -1: RTX not negotiated */
    uint8_t mid_ext;    /* sdes:mid extension id, 0 none */
    uint8_t rid_ext, repaired_rid_ext; /* simulcast: rtp-stream-id ids */
    uint16_t audio_seq;
    uint32_t audio_ts, video_ts;
    unsigned n_layers;
    struct video_layer layers[SIM_LAYERS];
    int64_t next_audio_us, next_video_us;
    uint64_t sent_audio, sent_video, dropped, nacks_in, rtx_sent, plis_in, fir_in;
    uint64_t skips; /* times the generator fell > 200 ms behind its send schedule */
    struct pacer pacer; /* video, unless --no-pace */
};

/* ---- transport (peer.c) ---- */
enum peer_state { PEER_IDLE, PEER_CHECKING, PEER_DTLS, PEER_READY, PEER_FAILED };

#define PEER_MAX_STREAMS 64
struct rx_stream {
    uint32_t ssrc;
    bool rtx;       /* learned from the SDP's FID group */
    bool started;
    uint64_t ext_max; /* extended highest sequence number */
    uint64_t first;   /* extended first sequence number */
    uint64_t received, dups, reordered;
    uint8_t seen[128]; /* bitmap of the last 1024 sequence numbers (dups vs late) */
    uint32_t nacked;   /* seqs asked for */
    bool video;        /* a decrypted packet carried a video tail tag */
};

struct participant;
struct peer {
    int kind; /* epoll tag: 2 */
    struct participant *owner;
    bool publish;
    struct rs_client c;
    int fd;
    uint16_t lport;
    char ufrag[16], pwd[40];
    enum peer_state state;
    int64_t start_us, ready_us, first_rtp_us, next_check_us, dtls_timer_us;
    struct publisher_media *pm; /* publish transports */
    /* subscribe transports */
    struct rx_stream streams[PEER_MAX_STREAMS];
    unsigned n_streams;
    uint32_t rtx_ssrcs[PEER_MAX_STREAMS];
    unsigned n_rtx_ssrcs;
    char video_mid[16]; /* mid of the first video m-section of the subscribe offer */
    char video_mids[8][16]; /* every video m-section's mid (audience: a layer for each) */
    unsigned n_video_mids;
    int video_pt;       /* primary payload type of the offer's video, -1 none yet */
    int64_t first_video_us; /* first packet of that payload type (subscribers) */
    uint64_t rx_rtp, rx_rtcp, rx_bytes, decrypt_fail, rx_rtx;
    uint64_t rx_all; /* every RTP packet, also of streams past PEER_MAX_STREAMS */
};

/* Prepares a socket on 127.0.0.1 and our ICE credentials (for the SDP we write). */
int peer_init(struct peer *p, struct participant *owner, bool publish);
/* Starts ICE + DTLS toward the remote transport taken from `sdp_text`. */
int peer_start(struct peer *p, const char *sdp_text, size_t len);
void peer_on_readable(struct peer *p);
void peer_timers(struct peer *p, int64_t now_us);
void peer_close(struct peer *p);
int peer_send_rtp(struct peer *p, uint8_t *buf, size_t len, bool rtcp);

/* ---- SDP text (sdp.c) ---- */
/* Our publish offer: audio (mid 0) and video (mid 1), sendonly, with a=ssrc lines; with
 * simulcast the video m-section names its layers by rid instead (a=rid, a=simulcast). */
int sdp_publish_offer(char *out, size_t cap, const struct peer *p, const char *setup,
                      bool video);
/* A recvonly answer to a server's subscribe offer: every m-section answered in order with the
 * same mid, codecs and extensions, our ICE credentials, fingerprint and a=setup:active. Also
 * records the offer's RTX SSRCs and its first video mid into `p`. */
int sdp_subscribe_answer(char *out, size_t cap, struct peer *p, const char *offer);

/* ---- participants and signaling (sig_ratsaal.c, sig_janus.c) ---- */
enum server_kind { SERVER_RATSAAL, SERVER_JANUS };

/* A subscriber's layer switching (switch.c). */
struct layer_switch {
    int cur;          /* layer of the last video packet read, -1 not known yet */
    int want;         /* layer asked for and not seen yet, -1 none */
    bool in_window;   /* `want` was asked for during the steady window */
    unsigned step;    /* position in the switch pattern */
    int64_t asked_us, next_us;
};

struct participant {
    int kind; /* epoll tag: 1 */
    unsigned idx;
    bool publishes, subscribes;
    struct ws ws;
    bool ws_open, failed;
    int64_t join_start_us;
    struct peer pub, sub;
    struct publisher_media pm;
    struct layer_switch sw;
    /* Ratsaal */
    char id[32];
    char watched[32]; /* participant id of the first video track in the subscribe offer */
    /* Janus */
    uint64_t session, pub_handle, sub_handle, feed;
    bool sub_requested;
    /* podium (--podium): this publisher went on stage and published */
    bool published;
    bool pub_up;            /* "webrtcup" for the publish handle: the feed can be subscribed */
    unsigned join_retries;  /* subscriber joins refused with "No such feed" */
    int64_t join_retry_us;  /* when to join again, 0 none */
};

void ratsaal_start(struct participant *pa);
void ratsaal_on_msg(void *arg, char *msg, size_t len);
/* Sends our publish offer (once per join: pa->published). */
void ratsaal_publish(struct participant *pa);
/* A `media` event (`ev`): publish_answer starts the publish transport, subscribe_offer is
 * answered (subscribers). `msg` is borrowed. */
void ratsaal_media_event(struct participant *pa, const char *ev, json_t *msg);
void janus_start(struct participant *pa);
void janus_on_msg(void *arg, char *msg, size_t len);
/* Janus only: subscribe to every publisher's feed but our own (after the publish phase). */
void janus_subscribe(struct participant *pa);
/* Janus only: a subscriber join refused for a feed not yet published is retried from here. */
void janus_timers(struct participant *pa, int64_t now);
/* Asks the server for simulcast `layer` of the watched video (Ratsaal: video_size with that
 * layer's resolution; Janus: configure with substream). */
void ratsaal_request_layer(struct participant *pa, int layer);
void janus_request_layer(struct participant *pa, int layer);

/* switch.c */
void switch_init(struct layer_switch *sw);
/* Asks for the next layer when due (subscribers, --switch-every-ms, once switching is on). */
void switch_tick(struct participant *pa, int64_t now);
/* A decrypted video packet of `layer` arrived at `t`. */
void switch_on_layer(struct participant *pa, int layer, int64_t t);
/* Whether the subscriber should decrypt its video now to see the layer change. */
bool switch_watching(const struct participant *pa);
/* True while switches requested in the window are still outstanding. */
bool switch_pending_in_window(void);
struct switch_stats {
    uint64_t requested, completed;
    double p50_ms, p99_ms, max_ms;
};
void switch_stats(struct switch_stats *st);
extern bool g_switching; /* subscribers switch layers (set after every subscriber joined) */

/* ---- globals (main.c) ---- */
struct load_config {
    enum server_kind server;
    const char *host;
    uint16_t port;
    const char *room;
    unsigned pubs, subs;
    bool pubs_subscribe; /* meeting: publishers subscribe to each other */
    bool video;
    double join_rate;
    double warmup_s, duration_s;
    unsigned decrypt_every;
    double loss; /* fraction of original packets a publisher drops before sending */
    bool nack;   /* subscribers NACK gaps in video */
    int server_pid;
    const char *ivf_path;
    bool simulcast;            /* publishers send three layers (bench/data/sim_*.ivf) */
    bool no_pace;              /* video frames leave in one burst instead of paced */
    unsigned switch_every_ms;  /* subscribers switch layers this often, 0 never */
    const char *label;
    enum rs_srtp_profile profile;
    /* --podium: publisher 0 (the room's first, so its moderator) switches podium mode on and
     * calls the other publishers onto the stage; subscribers are the receive-only audience */
    bool podium;
    bool receive_only; /* --receive-only: no publisher here (another generator publishes) */
    int audience_layer; /* subscribers ask for this simulcast layer of every video, -1 never */
    int verbose; /* --verbose; twice: every keyframe request and switch */
    /* --soak (soak.c): rooms file, participants over all rooms, media participants per room,
     * RSS CSV, its sampling period, mean stay between leaves, request timeout, random seed */
    const char *soak_rooms;
    unsigned soak_participants, soak_media;
    const char *soak_csv;
    double soak_sample_s, soak_churn_s, soak_timeout_s;
    unsigned long long soak_seed;
};
extern struct load_config cfg;
extern struct rs_dtls_ctx *g_dtls;
extern struct ivf g_video[SIM_LAYERS]; /* the one file, or one per simulcast layer */
extern struct participant **g_parts;
extern unsigned g_n_parts;
extern int g_epoll;
extern uint64_t g_errors;

int64_t now_us(void);
void loop_watch(int fd, void *tag);
void note_error(struct participant *pa, const char *what);
/* Runs the event loop until `until_us`, or until `done` (called every turn) says so, or a
 * signal set g_stop. */
void run_loop(int64_t until_us, bool (*done)(void));
extern volatile sig_atomic_t g_stop;

/* soak.c: the --soak run (returns the exit status); its signaling handler; a seat's
 * WebSocket that closed or failed. */
int soak_main(void);
void soak_on_msg(void *arg, char *msg, size_t len);
void soak_on_closed(struct participant *pa);

/* media.c */
void pub_media_init(struct publisher_media *pm, unsigned idx);
/* Frees what pub_media_init allocated (a publisher that left and will publish again). */
void pub_media_free(struct publisher_media *pm);
/* Sends what is due at `now`: audio, captured video frames, paced packets. */
void pub_media_tick(struct peer *p, int64_t now);
/* When the publisher next has something to send (µs), or -1 (not sending). */
int64_t pub_media_due(const struct peer *p);
/* Send lateness (µs after a browser would have sent a packet), counted in the steady window. */
void late_record(int64_t us);
void pub_on_rtcp(struct peer *p, const uint8_t *buf, size_t len);

/* peer.c: latency samples (µs), filled during the steady window. */
void lat_record(int64_t us);
extern bool g_measuring;
extern bool g_podium_on; /* publisher 0 saw podium/state with on: true */

#endif
