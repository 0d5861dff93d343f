/* SPDX-License-Identifier: EUPL-1.2 */
/* Counters and gauges exposed at /metrics in the Prometheus text format.
 *
 * Each metric is a fixed slot in one global table, so incrementing is a relaxed atomic add
 * that is safe from the control thread and the media workers alike, with no allocation and
 * no lock. Labelled families (errors by code, drops by reason) are enumerated here, not
 * created at run time, so the exposition is complete from the first scrape. */
#ifndef RS_CORE_METRICS_H
#define RS_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum rs_metric {
    /* HTTP and signaling (control thread) */
    RS_M_HTTP_REQUESTS,
    RS_M_HTTP_2XX,
    RS_M_HTTP_3XX,
    RS_M_HTTP_4XX,
    RS_M_HTTP_5XX,
    RS_M_HTTP_CONNECTIONS,           /* gauge: open client connections (HTTP and WebSocket) */
    RS_M_HTTP_CONNECTIONS_MAX,       /* gauge: what max_connections came to under the fd limit */
    RS_M_HTTP_REFUSED_PER_IP,        /* the address held max_connections_per_ip, or its share */
    RS_M_HTTP_REFUSED_BUSY,          /* the server was 3/4 full and the address held enough */
    RS_M_HTTP_REFUSED_NO_FD,         /* max_connections reached, or out of file descriptors */
    RS_M_HTTP_CLOSED_HEADER_TIMEOUT, /* headers (or body) not complete within header_timeout_s */
    RS_M_WS_CONNECTIONS_TOTAL,
    RS_M_WS_CONNECTIONS, /* gauge */
    RS_M_ROOMS,          /* gauge */
    RS_M_PARTICIPANTS,   /* gauge */
    RS_M_JOINS_TOTAL,
    RS_M_MESSAGES_IN,
    RS_M_MESSAGES_OUT,
    RS_M_CHAT_MESSAGES,
    RS_M_CHAT_PRIVATE,      /* private messages between two participants */
    RS_M_REACTIONS,         /* reactions shown (room/reaction.c) */
    RS_M_REACTIONS_DROPPED, /* reactions over the rate of one per participant and second */
    RS_M_WS_CLOSED_FLOOD,
    RS_M_WS_CLOSED_SLOW,
    RS_M_WS_CLOSED_JOIN_TIMEOUT, /* in no room nor lobby for join_timeout_s */
    RS_M_WS_CLOSED_TOO_LARGE,    /* a message larger than any action accepts (1009) */
    RS_M_WS_CLOSED_PROTOCOL,     /* a frame breaking RFC 6455, closed by libwebsockets */
    RS_M_WS_SILENT,              /* a pinging client fell silent (signaling/session.c) */
    /* media plane (workers) */
    RS_M_RTP_PACKETS_IN,
    RS_M_RTP_BYTES_IN,
    RS_M_RTP_PACKETS_OUT,
    RS_M_RTP_BYTES_OUT,
    RS_M_RTCP_PACKETS_IN,
    RS_M_RTCP_PACKETS_OUT,
    RS_M_STUN_REQUESTS,
    RS_M_DTLS_HANDSHAKES,
    RS_M_DTLS_FAILURES,
    RS_M_DTLS_FINGERPRINT_MISMATCH, /* the peer's certificate is not the one its SDP names */
    RS_M_SRTP_SESSIONS_GCM,         /* transports whose DTLS chose SRTP_AEAD_AES_128_GCM */
    RS_M_SRTP_SESSIONS_CM,          /* ... SRTP_AES128_CM_HMAC_SHA1_80 (e.g. aiortc, older peers) */
    RS_M_NACKS_IN,
    RS_M_NACKS_OUT,
    RS_M_PLIS_IN,
    RS_M_PLIS_OUT,
    RS_M_FIRS_OUT,
    RS_M_RETRANSMISSIONS,
    RS_M_LAYER_PROBES_OK,     /* a subscriber stepped up past its REMB, and the REMB followed */
    RS_M_LAYER_PROBES_FAILED, /* ... and the REMB fell, or did not grow enough in time */
    RS_M_TRANSPORTS,       /* gauge */
    RS_M_MEDIA_TRACKS,        /* gauge: tracks in the media workers' tables (relay copies too) */
    RS_M_MEDIA_SUBSCRIPTIONS, /* gauge: subscriptions in the media workers' tables */
    RS_M_UDP_SENDS,        /* datagrams handed to the kernel (a GSO datagram counts once) */
    RS_M_UDP_GSO_SEGMENTS, /* packets that went out as segments of a GSO datagram */
    RS_M_MEDIA_WORKERS,    /* gauge: media worker threads */
    RS_M_RELAY_PACKETS,    /* packets a worker passed to another worker (rooms spread out) */
    RS_M_RECORD_FEED_PACKETS,           /* RTP/RTCP handed to recorders (sfu/record_feed.h) */
    RS_M_RECORD_FEED_DROPPED,           /* ... dropped: the recorder's socket was full */
    RS_M_RECORD_FEED_KEYFRAME_REQUESTS, /* recorders' keyframe requests passed on (≤ 1/s/track) */
    RS_M_ICE_TCP_CONNECTIONS_TOTAL,     /* ICE-TCP connections accepted (sfu/ice_tcp.h) */
    RS_M_ICE_TCP_CONNECTIONS,           /* gauge: ... open */
    RS_M_ICE_TCP_DROPPED_BUFFER_FULL,   /* packets dropped: the connection's buffer was full */
    RS_M_ICE_TCP_DROPPED_BAD_FRAME,     /* connections closed: bad length, or a frame not from
                                         * a peer validated by a binding request */
    RS_M_ICE_TCP_DROPPED_IDLE,          /* connections closed: unbound or silent too long */
    RS_M_ICE_TCP_DROPPED_LIMIT,         /* connections refused: too many (unbound) */
    /* identity */
    RS_M_LOGINS,
    RS_M_LOBBY_WAITING, /* gauge */
    /* participants in rooms by role (gauges; in the order of enum rs_role), meetings ended */
    RS_M_ROLE_GUESTS,
    RS_M_ROLE_PARTICIPANTS,
    RS_M_ROLE_MODERATORS,
    RS_M_MEETINGS_ENDED, /* moderation/end */
    RS_M_SESSIONS_PURGED,
    RS_M_SPOTLIGHT_CHANGES, /* moderation/spotlight set or cleared */
    /* the edge: requests refused before any route, by reason */
    RS_M_HTTP_REFUSED_HOST,    /* Host is not a name of this server (DNS rebinding) */
    RS_M_HTTP_REFUSED_ORIGIN,  /* Origin unreadable or over-long, or a foreign WebSocket one */
    RS_M_HTTP_REFUSED_FRAMING, /* Transfer-Encoding (with or without Content-Length) */
    RS_M_HTTP_REFUSED_METRICS, /* /metrics without the token or from an address not allowed */
    /* where the client address came from (http/server.c rs_http_client_addr) */
    RS_M_FORWARDED_CLIENT,  /* a trusted proxy's header named the client */
    RS_M_FORWARDED_PROXY,   /* a trusted proxy sent no header: the proxy is the client */
    RS_M_FORWARDED_UNKNOWN, /* the header's hop next to trusted ones was no address */
    RS_M_FORWARDED_INVALID, /* a trusted proxy's header could not be read */
    RS_M_FORWARDED_IGNORED, /* a forwarding header from a peer that is no trusted proxy */
    /* chairing (room/chair.c) */
    RS_M_CHAIR_MUTES,          /* participants muted by the chair */
    RS_M_CHAIR_CAMERAS_OFF,    /* cameras turned off by the chair */
    RS_M_CHAIR_REMOVALS,       /* participants removed (banned or not) */
    RS_M_CHAIR_TO_LOBBY,       /* participants sent back to the lobby */
    RS_M_CHAIR_REFUSED_LOCKED, /* joins refused: the meeting was locked */
    RS_M_CHAIR_REFUSED_BANNED, /* joins refused: the account was banned from the meeting */
    RS_M_CHAIR_UNMUTE_REFUSED, /* self-unmutes refused by a microphone restriction */
    RS_M_SPEAKERS_REQUESTS,    /* requests for the floor (room/speakers.c) */
    RS_M_SPEAKERS_TURNS,       /* turns given */
    RS_M_SPEAKING_TURNS_STORED,      /* finished turns written for the meeting's record */
    RS_M_SPEAKING_TURN_WRITE_FAILED, /* finished turns the store did not take */
    /* votes (room/vote.c) */
    RS_M_VOTES_OPENED,
    RS_M_VOTES_CLOSED,    /* closed by hand or at the deadline, result counted */
    RS_M_VOTES_CANCELLED,
    RS_M_BALLOTS_CAST,    /* committed to the store and acknowledged */
    RS_M_BALLOTS_REFUSED_ALREADY_VOTED,
    RS_M_BALLOTS_REFUSED_CLOSED,
    RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE,
    RS_M_BALLOTS_REFUSED_INVALID_OPTION,
    /* polls and the meeting timer (room/poll.c, room/timer.c) */
    RS_M_POLLS_CREATED,
    RS_M_POLLS_CLOSED, /* closed with results (not cancelled) */
    RS_M_POLL_ANSWERS, /* answers given, changes included */
    RS_M_TIMERS_STARTED,
    /* attendance (room/attendance.c) */
    RS_M_ATTENDANCE_ROWS,         /* stays written to the attendance list */
    RS_M_ATTENDANCE_WRITE_FAILED, /* rows the store did not take (not written or not closed) */
    /* store statements that failed, by why (store/store_fault.h) */
    RS_M_STORE_ERRORS_FULL, /* the disk (or the database) is full */
    RS_M_STORE_ERRORS_BUSY, /* another process held the database's write lock */
    RS_M_STORE_ERRORS_IO,   /* anything else */
    /* session roles, agenda and minutes (room/session.c, room/agenda.c) */
    RS_M_SESSION_ROLE_CHAIR,        /* the chair given or taken */
    RS_M_SESSION_ROLE_MINUTE_TAKER, /* the minute-taker given or taken */
    RS_M_AGENDA_CHANGES,            /* agenda items added, changed, moved, removed, made current */
    RS_M_MINUTES_SAVED,             /* minutes stored (agenda/minutes) */
    /* the meeting's record (http/record_api.c) */
    RS_M_RECORD_EXPORTS_JSON,
    RS_M_RECORD_EXPORTS_HTML,
    /* whisper groups (room/whisper.c) */
    RS_M_WHISPER_GROUPS,             /* groups created */
    RS_M_WHISPER_INVITATIONS,        /* invitations sent */
    RS_M_WHISPERS_STARTED,           /* the key pressed and the whisper routed */
    RS_M_WHISPER_REFUSED_NOT_MEMBER, /* whisper/start refused: not a member of the group */
    RS_M_WHISPER_REFUSED_FORBIDDEN,  /* ... the moderators forbade whispering */
    RS_M_WHISPER_REFUSED_MUTED,      /* ... the chair keeps the microphone silent */
    RS_M_WHISPER_REFUSED_LIMIT,      /* group size or groups per person/meeting */
    /* breakout rooms (room/breakout.c) */
    RS_M_BREAKOUT_OPENED,     /* breakout/open */
    RS_M_BREAKOUT_CLOSED,     /* closed by the chair (breakout/close) */
    RS_M_BREAKOUT_TIMEOUTS,   /* closed when the duration ran out */
    RS_M_BREAKOUT_MOVES,      /* a participant placed (assign, choose, visit, random) */
    RS_M_BREAKOUT_BROADCASTS, /* breakout/broadcast */
    RS_M_BREAKOUT_ROOMS,      /* gauge: open sub-rooms */
    /* podium mode (room/podium.c, sfu/publish.c) */
    RS_M_PODIUM_AUDIENCE,           /* gauge: audience members in rooms */
    RS_M_PODIUM_QUESTIONS,          /* questions asked */
    RS_M_PODIUM_QUESTIONS_REFUSED,  /* podium/ask refused: too_many_questions */
    RS_M_PODIUM_STAGE_CHANGES,      /* podium mode switched, someone called up or sent back */
    RS_M_PODIUM_PUBLISH_REFUSED,    /* media/publish refused: not_on_stage */
    /* recording and livestream (room/recording.c) */
    RS_M_RECORDINGS_ACTIVE_RECORDING,  /* gauge: recording kinds starting or running */
    RS_M_RECORDINGS_ACTIVE_STREAM,     /* gauge: stream kinds starting or running */
    RS_M_RECORDING_STARTS_RECORDING,   /* recording/start of a recording */
    RS_M_RECORDING_STARTS_STREAM,      /* recording/start of a stream */
    RS_M_RECORDING_FAILURES_RECORDING, /* recorders of a recording that failed */
    RS_M_RECORDING_FAILURES_STREAM,    /* recorders of a stream that failed */
    RS_M_RECORDING_CONSENTS_GIVEN,     /* recording/consent answers that changed to given */
    RS_M_RECORDING_CONSENTS_DECLINED,  /* ... to declined (withdrawals included) */
    RS_M_RECORDINGS_RESUMED_RECORDING, /* recordings continued from a snapshot (failover) */
    RS_M_RECORDINGS_RESUMED_STREAM,    /* streams continued from a snapshot (failover) */
    /* recordings and the public livestream (http/recording_api.c, http/live.c) */
    RS_M_RECORDINGS_DELETED_USER,      /* DELETE .../recordings/{rid} */
    RS_M_RECORDINGS_DELETED_RETENTION, /* expired, removed by the retention job */
    /* meetings' records past their retention period (http/retention.c) */
    RS_M_RETENTION_DELETED_ATTENDANCE, /* attendance stays deleted */
    RS_M_RETENTION_DELETED_SPEAKING,   /* speaking turns deleted */
    RS_M_RETENTION_DELETED_MINUTES,    /* agenda items' minutes blanked */
    RS_M_RETENTION_DELETED_VOTES,      /* closed votes deleted with ballots and record */
    RS_M_RETENTION_FAILURES,           /* runs (or kinds of a run) the store refused */
    RS_M_LIVE_REQUESTS_PAGE,           /* GET /live/{id} */
    RS_M_LIVE_REQUESTS_PLAYLIST,       /* GET /live/{id}/index.m3u8 */
    RS_M_LIVE_REQUESTS_SEGMENT,        /* GET /live/{id}/segNNNNN.ts */
    RS_M_LIVE_REQUESTS_INFO,           /* GET /live/{id}/info.json */
    RS_M_TURN_CREDENTIALS, /* TURN credentials handed out with control/joined (core/turn_cred.h) */
    /* resuming a participant after its connection dropped (room/control.c) */
    RS_M_RESUMES_OK,      /* control/join with a valid resume token */
    RS_M_RESUMES_EXPIRED, /* ... whose grace period had ended */
    RS_M_RESUMES_INVALID, /* ... unknown, used, another room, or its owner still connected */
    RS_M_PARTICIPANTS_RECONNECTING, /* gauge: kept in the room while their socket is gone */
    /* the cluster (http/cluster_glue.c copies them from cluster/ on each tick) */
    RS_M_CLUSTER_READY,              /* gauge: 1 when registered and Redis answers */
    RS_M_CLUSTER_NODES,              /* gauge: live nodes at the last listing */
    RS_M_CLUSTER_LEASES,             /* gauge: rooms this node owns */
    RS_M_CLUSTER_HEARTBEAT_FAILURES, /* heartbeats that failed */
    RS_M_CLUSTER_NODE_CONFLICTS,     /* another live process registered with our node id */
    RS_M_CLUSTER_MALFORMED,          /* records, owners, cursors, events refused */
    RS_M_CLUSTER_LEASES_LOST,        /* renewals that found another owner */
    RS_M_CLUSTER_LEASES_RETAKEN,     /* renewals that found the lease gone and took it again */
    RS_M_CLUSTER_SNAPSHOTS_WRITTEN,  /* room snapshots written to Redis (room/snapshot.h) */
    RS_M_CLUSTER_SNAPSHOTS_RESTORED, /* rooms rebuilt from a snapshot here */
    RS_M_CLUSTER_PARTICIPANTS_RESTORED, /* participants restored from snapshots */
    RS_M_CLUSTER_SNAPSHOT_ERRORS,    /* snapshots or parts refused, too large, or not written */
    RS_M_CLUSTER_ROOMS_MOVED,        /* rooms handed over to other nodes by a drain */
    RS_M_CLUSTER_PLACED_SELF,        /* new rooms placed on this node (http/cluster_place.h) */
    RS_M_CLUSTER_PLACED_OTHER,       /* new rooms this node placed on another, less loaded one */
    RS_M_REDIS_TIMEOUTS,             /* Redis: no reply within the command timeout */
    RS_M_REDIS_IO_ERRORS,            /* Redis: broken connections, unreadable replies */
    RS_M_REDIS_CONNECT_ERRORS,       /* Redis: connections that could not be opened */
    RS_M_REDIS_SERVER_ERRORS,        /* Redis: error replies */
    /* changes made on one node for a room another node serves (http/cluster_events.c) */
    RS_M_CLUSTER_EVENTS_SENT,    /* appended to the owner's stream */
    RS_M_CLUSTER_EVENTS_APPLIED, /* read from a stream and applied by this node, the owner */
    RS_M_CLUSTER_EVENTS_IGNORED, /* read but not applied: unknown type or already stale */
    RS_M_CLUSTER_EVENTS_FAILED,  /* could not be sent (Redis): the live room misses the change */
    RS_M_CLUSTER_SHARED_STORAGE, /* gauge: 1 when every live node's marker is in both dirs */
    RS_M_CLUSTER_SWEPT_STAYS,      /* attendance stays of gone nodes closed (cluster_sweep.h) */
    RS_M_CLUSTER_SWEPT_RECORDINGS, /* recordings of gone nodes marked interrupted */
    /* cascade (docs/cluster.md "Cascade") */
    RS_M_CASCADE_UPLINKS,            /* gauge: relays this node opened to owners (edge side) */
    RS_M_CASCADE_RELAY_SUBSCRIBERS,  /* gauge: other nodes' relays joined here (owner side) */
    RS_M_CASCADE_PACKETS_IN,         /* RTP received over relays from owners */
    RS_M_CASCADE_BYTES_IN,
    RS_M_CASCADE_PACKETS_OUT,        /* RTP sent to other nodes' relays */
    RS_M_CASCADE_BYTES_OUT,
    RS_M_CASCADE_CONNECTS,           /* relay signaling connections opened (reconnects too) */
    RS_M_CASCADE_FAILURES,           /* relays that failed (signaling or media) */
    RS_M_CASCADE_REFUSED,            /* relay joins refused here: no or a wrong cluster secret */
    RS_M_CASCADE_BAD_INPUT,          /* messages or SDP from an owner dropped as malformed */
    RS_M_CASCADE_EDGE_JOINS,         /* audience joins served here for a room another node owns */
    RS_M_CASCADE_REMOTE_MEMBERS,     /* gauge: other nodes' audience members in rooms owned here */
    RS_M_CASCADE_MEMBER_ACTIONS,     /* actions of other nodes' audience members run here */
    RS_M_CASCADE_CALLUPS,            /* other nodes' audience members called up to the stage */
    RS_M__COUNT
};

/* Drop reasons on the media path. */
enum rs_drop {
    RS_DROP_BAD_STUN,
    RS_DROP_STUN_AUTH,
    RS_DROP_UNKNOWN_ADDRESS,
    RS_DROP_SRTP_AUTH,
    RS_DROP_SRTP_REPLAY,
    RS_DROP_UNKNOWN_SSRC,
    RS_DROP_TOO_LARGE,
    RS_DROP_TRUNCATED,
    RS_DROP_BAD_RTP,
    RS_DROP_BAD_RTCP,
    RS_DROP_BAD_DTLS,
    RS_DROP_NOT_CONNECTED,
    RS_DROP_RATE,
    RS_DROP_QUEUE_FULL,
    RS_DROP_SEND_FAILED,
    RS_DROP_UNKNOWN_KIND,
    RS_DROP_SRTP_SSRC_LIMIT,
    RS_DROP_RELAY_FULL,    /* the ring to another worker was full */
    RS_DROP_RELAY_UNKNOWN, /* relayed packet for a track this worker has no copy of (yet) */
    RS_DROP__COUNT
};

/* Signaling error codes (docs/protocol.md). The string is the wire code. */
enum rs_err {
    RS_ERR_INVALID_JSON,
    RS_ERR_NOT_OBJECT,
    RS_ERR_BINARY_FRAME,
    RS_ERR_FRAME_TOO_LARGE,
    RS_ERR_TOO_DEEP,
    RS_ERR_MISSING_FIELD,
    RS_ERR_INVALID_TYPE,
    RS_ERR_UNKNOWN_NS,
    RS_ERR_UNKNOWN_ACTION,
    RS_ERR_EMPTY_VALUE,
    RS_ERR_TOO_LONG,
    RS_ERR_INVALID_VALUE,
    RS_ERR_INVALID_ROOM,
    RS_ERR_NOT_JOINED,
    RS_ERR_ALREADY_JOINED,
    RS_ERR_ROOM_FULL,
    RS_ERR_RATE_LIMITED,
    RS_ERR_INTERNAL,
    RS_ERR_INVALID_SDP,
    RS_ERR_STALE_REVISION,
    RS_ERR_DTLS_FAILED,
    RS_ERR_ICE_TIMEOUT,
    RS_ERR_UNAUTHORIZED,
    RS_ERR_FORBIDDEN,
    RS_ERR_NOT_FOUND,
    RS_ERR_INVALID_INVITE,
    RS_ERR_PASSWORD_REQUIRED,
    RS_ERR_WRONG_PASSWORD,
    RS_ERR_LOBBY_REJECTED,
    RS_ERR_TOO_MANY_ATTEMPTS,
    RS_ERR_MEETING_LOCKED,
    RS_ERR_BANNED,
    RS_ERR_MIC_RESTRICTED,
    RS_ERR_CHAT_DISABLED,
    RS_ERR_MEETING_ENDED,
    RS_ERR_ALREADY_VOTED,  /* vote/cast: this voter's ballot is already in */
    RS_ERR_VOTE_CLOSED,    /* vote/cast: the vote is closed (or cancelled) */
    RS_ERR_NOT_ELIGIBLE,   /* vote/cast: not in the vote's electorate */
    RS_ERR_INVALID_OPTION, /* vote/cast, poll/answer: no such option */
    RS_ERR_POLL_CLOSED,    /* poll/answer, poll/close, poll/cancel: no poll is open */
    RS_ERR_NOT_CHAIR,      /* a chair action by a moderator while someone else chairs */
    RS_ERR_NOT_MODERATOR,  /* session/set_role: only a moderator may hold the chair */
    RS_ERR_GUEST_NOT_ALLOWED, /* session/set_role: a guest may not take the minutes */
    RS_ERR_AGENDA_ITEM_IN_USE, /* agenda/remove, PUT agenda: current, or minutes or votes */
    RS_ERR_TOO_MANY_ITEMS,     /* agenda/add: the agenda has RS_AGENDA_ITEMS_MAX items */
    RS_ERR_WHISPER_FORBIDDEN,  /* whisper/start: the moderators forbade whispering */
    RS_ERR_NOT_GROUP_MEMBER,   /* whisper/start, leave: not a member of the group */
    RS_ERR_NOT_GROUP_OWNER,    /* whisper/invite, remove: only the group's owner */
    RS_ERR_NOT_INVITED,        /* whisper/accept, decline: no open invitation */
    RS_ERR_GROUP_FULL,         /* whisper/create, invite: RS_WHISPER_GROUP_MAX reached */
    RS_ERR_TOO_MANY_GROUPS,    /* whisper/create, accept: groups per person or meeting */
    RS_ERR_BREAKOUT_CLOSED,    /* breakout/assign, choose, …: no breakout rooms are open */
    RS_ERR_NOT_ON_STAGE,       /* media/publish: an audience member (podium) */
    RS_ERR_PODIUM_OFF,         /* podium/call_up, send_back, ask, ...: podium mode is off */
    RS_ERR_TOO_MANY_QUESTIONS, /* podium/ask: open questions per person or meeting */
    RS_ERR_ALREADY_RUNNING,      /* recording/start: that kind runs already */
    RS_ERR_NOT_RUNNING,          /* recording/stop, pause, ...: that kind does not run */
    RS_ERR_RECORDER_UNAVAILABLE, /* recording/start: the recorder could not be started */
    RS_ERR_UNKNOWN_TARGET,       /* recording/target: no configured target with this id */
    RS_ERR_STILL_CONNECTED, /* control/join with resume: the participant's socket still talks */
    RS_ERR_STORAGE_FULL,    /* nothing stored: the server's disk is full */
    RS_ERR_STORAGE_BUSY,    /* nothing stored: another program holds the database's lock */
    RS_ERR_MOVED,           /* control/join: another node of the cluster serves the room */
    RS_ERR__COUNT
};

/* Rejected authentication/authorisation attempts (docs/api.md), counted by reason. */
enum rs_auth_reject {
    RS_AUTH_INVALID_STATE,
    RS_AUTH_IDP_ERROR,
    RS_AUTH_TOKEN_EXCHANGE,
    RS_AUTH_INVALID_TOKEN,
    RS_AUTH_TENANT_MISSING,
    RS_AUTH_INVALID_CREDENTIALS,
    RS_AUTH_RATE_LIMITED,
    RS_AUTH_CSRF,
    RS_AUTH_UNAUTHORIZED,
    RS_AUTH_FORBIDDEN,
    RS_AUTH_INVALID_INVITE,
    RS_AUTH_WRONG_PASSWORD,
    RS_AUTH_OPEN_REDIRECT,
    RS_AUTH__COUNT
};
void rs_metric_auth_reject(enum rs_auth_reject r);
uint64_t rs_metric_auth_reject_get(enum rs_auth_reject r);

const char *rs_err_code(enum rs_err err);
const char *rs_drop_reason(enum rs_drop drop);

void rs_metric_add(enum rs_metric m, uint64_t n);
void rs_metric_set(enum rs_metric m, uint64_t v); /* gauges */
void rs_metric_inc(enum rs_metric m);
void rs_metric_dec(enum rs_metric m);
uint64_t rs_metric_get(enum rs_metric m);
void rs_metric_drop(enum rs_drop reason);
uint64_t rs_metric_drop_get(enum rs_drop reason);
void rs_metric_error(enum rs_err err);
uint64_t rs_metric_error_get(enum rs_err err);

/* Forwarding delay histogram: time from a datagram's arrival at the media socket to the send of
 * what it caused. Bucket upper bounds in microseconds; the last bucket is +Inf. The worker
 * counts into a local array per send batch and adds it here once (one atomic add per bucket). */
#define RS_DELAY_BUCKETS 16
extern const uint32_t rs_delay_bucket_us[RS_DELAY_BUCKETS - 1];
static inline unsigned rs_delay_bucket(uint64_t us)
{
    unsigned b = 0;
    while (b < RS_DELAY_BUCKETS - 1 && us > rs_delay_bucket_us[b])
        b++;
    return b;
}
void rs_metric_delay_add(const uint64_t counts[RS_DELAY_BUCKETS], uint64_t sum_us);
uint64_t rs_metric_delay_count(unsigned bucket); /* not cumulative */

/* Per media worker (label worker="k", k < ratsaal_media_workers). */
#define RS_MW_MAX 16
enum rs_worker_metric {
    RS_MW_TRANSPORTS,  /* gauge: transports placed on the worker */
    RS_MW_ROOMS,       /* gauge: rooms placed on the worker */
    RS_MW_PACKETS_OUT, /* counter: SRTP/SRTCP packets the worker sent */
    RS_MW__COUNT
};
void rs_metric_set_worker(enum rs_worker_metric m, unsigned wk, uint64_t v);
void rs_metric_add_worker(enum rs_worker_metric m, unsigned wk, uint64_t n);
uint64_t rs_metric_worker_get(enum rs_worker_metric m, unsigned wk);
/* Worker `wk` runs as thread `tid` (0: stopped): /metrics reports its CPU time from
 * /proc/self/task/<tid>/stat as ratsaal_media_worker_cpu_seconds_total{worker}. */
void rs_metric_worker_thread(unsigned wk, int tid);

/* Writes the exposition into `buf` (at most `cap` bytes). Returns the length, or -ENOSPC. */
int rs_metrics_render(char *buf, size_t cap);

#endif
