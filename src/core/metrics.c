/* SPDX-License-Identifier: EUPL-1.2 */
/* Metric storage and Prometheus text exposition (format version 0.0.4). */
#include "core/metrics.h"
#include "core/procstat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Atomic uint64_t metrics[RS_M__COUNT];
static _Atomic uint64_t drops[RS_DROP__COUNT];
static _Atomic uint64_t errors[RS_ERR__COUNT];
static _Atomic uint64_t delay_counts[RS_DELAY_BUCKETS];
static _Atomic uint64_t delay_sum_us;

const uint32_t rs_delay_bucket_us[RS_DELAY_BUCKETS - 1] = {
    25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 50000, 250000};

void rs_metric_delay_add(const uint64_t counts[RS_DELAY_BUCKETS], uint64_t sum_us)
{
    for (unsigned i = 0; i < RS_DELAY_BUCKETS; i++)
        if (counts[i])
            atomic_fetch_add_explicit(&delay_counts[i], counts[i], memory_order_relaxed);
    atomic_fetch_add_explicit(&delay_sum_us, sum_us, memory_order_relaxed);
}

uint64_t rs_metric_delay_count(unsigned bucket)
{
    return bucket < RS_DELAY_BUCKETS
               ? atomic_load_explicit(&delay_counts[bucket], memory_order_relaxed)
               : 0;
}

static const struct {
    const char *name;
    const char *type;
    const char *help;
} metric_info[RS_M__COUNT] = {
    [RS_M_HTTP_REQUESTS] = {"ratsaal_http_requests_total", "counter", "HTTP requests served"},
    [RS_M_HTTP_2XX] = {"ratsaal_http_responses_total{class=\"2xx\"}", "counter",
                       "HTTP responses by status class"},
    [RS_M_HTTP_3XX] = {"ratsaal_http_responses_total{class=\"3xx\"}", "counter", NULL},
    [RS_M_HTTP_4XX] = {"ratsaal_http_responses_total{class=\"4xx\"}", "counter", NULL},
    [RS_M_HTTP_5XX] = {"ratsaal_http_responses_total{class=\"5xx\"}", "counter", NULL},
    [RS_M_HTTP_CONNECTIONS] = {"ratsaal_http_connections", "gauge",
                               "Open client connections (HTTP and WebSocket)"},
    [RS_M_HTTP_CONNECTIONS_MAX] = {"ratsaal_http_connections_max", "gauge",
                                   "Connections the server accepts at most (max_connections, "
                                   "lowered to fit the file descriptor limit)"},
    [RS_M_HTTP_REFUSED_PER_IP] = {"ratsaal_http_connections_refused_total{reason=\"per_ip\"}",
                                  "counter", "Connections refused when accepted, by reason"},
    [RS_M_HTTP_REFUSED_BUSY] = {"ratsaal_http_connections_refused_total{reason=\"busy\"}",
                                "counter", NULL},
    [RS_M_HTTP_REFUSED_NO_FD] = {"ratsaal_http_connections_refused_total{reason=\"no_fd\"}",
                                 "counter", NULL},
    [RS_M_HTTP_CLOSED_HEADER_TIMEOUT] =
        {"ratsaal_http_connections_closed_total{reason=\"header_timeout\"}", "counter",
         "Connections closed by the server before a request was complete, by reason"},
    [RS_M_WS_CONNECTIONS_TOTAL] = {"ratsaal_signaling_connections_total", "counter",
                                   "Signaling WebSocket connections accepted"},
    [RS_M_WS_CONNECTIONS] = {"ratsaal_signaling_connections", "gauge",
                             "Open signaling WebSocket connections"},
    [RS_M_ROOMS] = {"ratsaal_rooms", "gauge", "Rooms with at least one participant"},
    [RS_M_PARTICIPANTS] = {"ratsaal_participants", "gauge", "Participants in rooms"},
    [RS_M_JOINS_TOTAL] = {"ratsaal_joins_total", "counter", "Successful room joins"},
    [RS_M_MESSAGES_IN] = {"ratsaal_signaling_messages_in_total", "counter",
                          "Signaling messages received"},
    [RS_M_MESSAGES_OUT] = {"ratsaal_signaling_messages_out_total", "counter",
                           "Signaling messages sent"},
    [RS_M_CHAT_MESSAGES] = {"ratsaal_chat_messages_total", "counter", "Chat messages relayed"},
    [RS_M_CHAT_PRIVATE] = {"ratsaal_chat_private_messages_total", "counter",
                           "Private chat messages relayed between two participants"},
    [RS_M_REACTIONS] = {"ratsaal_reactions_total", "counter", "Reactions shown"},
    [RS_M_REACTIONS_DROPPED] = {"ratsaal_reactions_dropped_total", "counter",
                                "Reactions dropped: more than one per participant and second"},
    [RS_M_WS_CLOSED_FLOOD] = {"ratsaal_signaling_closed_total{reason=\"flood\"}", "counter",
                              "Signaling connections closed by the server"},
    [RS_M_WS_CLOSED_SLOW] = {"ratsaal_signaling_closed_total{reason=\"slow_consumer\"}", "counter",
                             NULL},
    [RS_M_WS_CLOSED_JOIN_TIMEOUT] = {"ratsaal_signaling_closed_total{reason=\"join_timeout\"}",
                                     "counter", NULL},
    [RS_M_WS_CLOSED_TOO_LARGE] = {"ratsaal_signaling_closed_total{reason=\"too_large\"}", "counter",
                                  NULL},
    [RS_M_WS_CLOSED_PROTOCOL] = {"ratsaal_signaling_closed_total{reason=\"protocol_error\"}",
                                 "counter", NULL},
    [RS_M_WS_SILENT] = {"ratsaal_signaling_silent_total", "counter",
                        "Joined clients that ping but fell silent (shown as reconnecting)"},
    [RS_M_RTP_PACKETS_IN] = {"ratsaal_rtp_packets_in_total", "counter",
                             "SRTP packets received and authenticated"},
    [RS_M_RTP_BYTES_IN] = {"ratsaal_rtp_bytes_in_total", "counter", "SRTP bytes received"},
    [RS_M_RTP_PACKETS_OUT] = {"ratsaal_rtp_packets_out_total", "counter", "SRTP packets sent"},
    [RS_M_RTP_BYTES_OUT] = {"ratsaal_rtp_bytes_out_total", "counter", "SRTP bytes sent"},
    [RS_M_RTCP_PACKETS_IN] = {"ratsaal_rtcp_packets_in_total", "counter",
                              "SRTCP compound packets received"},
    [RS_M_RTCP_PACKETS_OUT] = {"ratsaal_rtcp_packets_out_total", "counter",
                               "SRTCP compound packets sent"},
    [RS_M_STUN_REQUESTS] = {"ratsaal_stun_binding_requests_total", "counter",
                            "Valid STUN binding requests answered"},
    [RS_M_DTLS_HANDSHAKES] = {"ratsaal_dtls_handshakes_total", "counter",
                              "DTLS handshakes completed"},
    [RS_M_DTLS_FAILURES] = {"ratsaal_dtls_failures_total", "counter",
                            "DTLS handshakes failed (incl. fingerprint mismatch)"},
    [RS_M_DTLS_FINGERPRINT_MISMATCH] = {"ratsaal_dtls_fingerprint_mismatch_total", "counter",
                                        "DTLS handshakes refused: the peer's certificate does "
                                        "not match the fingerprint in its SDP"},
    [RS_M_SRTP_SESSIONS_GCM] = {"ratsaal_srtp_sessions_total{profile=\"aead_aes_128_gcm\"}",
                                "counter",
                                "Media transports connected, by the SRTP profile DTLS chose"},
    [RS_M_SRTP_SESSIONS_CM] = {"ratsaal_srtp_sessions_total{profile=\"aes_cm_128_hmac_sha1_80\"}",
                               "counter", NULL},
    [RS_M_NACKS_IN] = {"ratsaal_nacks_in_total", "counter",
                       "NACKed packets requested by subscribers"},
    [RS_M_NACKS_OUT] = {"ratsaal_nacks_out_total", "counter", "NACKs sent to publishers"},
    [RS_M_PLIS_IN] = {"ratsaal_plis_in_total", "counter", "PLIs received from subscribers"},
    [RS_M_PLIS_OUT] = {"ratsaal_plis_out_total", "counter", "PLIs sent to publishers"},
    [RS_M_FIRS_OUT] = {"ratsaal_firs_out_total", "counter", "FIRs sent to publishers"},
    [RS_M_RETRANSMISSIONS] = {"ratsaal_retransmissions_total", "counter",
                              "Packets retransmitted from the cache"},
    [RS_M_LAYER_PROBES_OK] = {"ratsaal_layer_probes_total{result=\"ok\"}", "counter",
                              "Simulcast steps up past a subscriber's bandwidth estimate, by "
                              "whether the estimate followed"},
    [RS_M_LAYER_PROBES_FAILED] = {"ratsaal_layer_probes_total{result=\"failed\"}", "counter",
                                  NULL},
    [RS_M_TRANSPORTS] = {"ratsaal_media_transports", "gauge", "Media transports (ICE/DTLS)"},
    [RS_M_MEDIA_TRACKS] = {"ratsaal_media_tracks", "gauge",
                           "Tracks in the media workers' tables, a worker's relay copies included"},
    [RS_M_MEDIA_SUBSCRIPTIONS] = {"ratsaal_media_subscriptions", "gauge",
                                  "Subscriptions (a track forwarded to a transport) in the media "
                                  "workers' tables"},
    [RS_M_UDP_SENDS] = {"ratsaal_udp_sends_total", "counter",
                        "UDP datagrams handed to the kernel (one per GSO batch)"},
    [RS_M_UDP_GSO_SEGMENTS] = {"ratsaal_udp_gso_segments_total", "counter",
                               "Packets sent as segments of a UDP GSO batch"},
    [RS_M_LOGINS] = {"ratsaal_logins_total", "counter", "Successful logins (OIDC and local)"},
    [RS_M_MEDIA_WORKERS] = {"ratsaal_media_workers", "gauge",
                            "Media worker threads (each with its own UDP port)"},
    [RS_M_RELAY_PACKETS] = {"ratsaal_relay_packets_total", "counter",
                            "Packets a media worker passed to another worker of a spread room"},
    [RS_M_RECORD_FEED_PACKETS] = {"ratsaal_record_feed_packets_total", "counter",
                                  "RTP and RTCP packets handed to recorder processes"},
    [RS_M_RECORD_FEED_DROPPED] = {"ratsaal_record_feed_dropped_total", "counter",
                                  "Packets for a recorder dropped because its socket was full"},
    [RS_M_RECORD_FEED_KEYFRAME_REQUESTS] = {"ratsaal_record_feed_keyframe_requests_total",
                                            "counter",
                                            "Recorders' keyframe requests passed to publishers"},
    [RS_M_ICE_TCP_CONNECTIONS_TOTAL] = {"ratsaal_ice_tcp_connections_total", "counter",
                                        "ICE-TCP connections accepted by the media workers"},
    [RS_M_ICE_TCP_CONNECTIONS] = {"ratsaal_ice_tcp_connections", "gauge",
                                  "ICE-TCP connections open"},
    [RS_M_ICE_TCP_DROPPED_BUFFER_FULL] = {"ratsaal_ice_tcp_dropped_total{reason=\"buffer_full\"}",
                                          "counter",
                                          "ICE-TCP: packets dropped (buffer_full) and connections "
                                          "closed (bad_frame, idle) or refused (limit)"},
    [RS_M_ICE_TCP_DROPPED_BAD_FRAME] = {"ratsaal_ice_tcp_dropped_total{reason=\"bad_frame\"}",
                                        "counter", NULL},
    [RS_M_ICE_TCP_DROPPED_IDLE] = {"ratsaal_ice_tcp_dropped_total{reason=\"idle\"}", "counter",
                                   NULL},
    [RS_M_ICE_TCP_DROPPED_LIMIT] = {"ratsaal_ice_tcp_dropped_total{reason=\"limit\"}", "counter",
                                    NULL},
    [RS_M_LOBBY_WAITING] = {"ratsaal_lobby_waiting", "gauge", "Participants waiting in lobbies"},
    [RS_M_ROLE_GUESTS] = {"ratsaal_participants_by_role{role=\"guest\"}", "gauge",
                          "Participants in rooms by role"},
    [RS_M_ROLE_PARTICIPANTS] = {"ratsaal_participants_by_role{role=\"participant\"}", "gauge",
                                NULL},
    [RS_M_ROLE_MODERATORS] = {"ratsaal_participants_by_role{role=\"moderator\"}", "gauge", NULL},
    [RS_M_MEETINGS_ENDED] = {"ratsaal_meetings_ended_total", "counter",
                             "Meetings ended for everyone by a moderator (moderation/end)"},
    [RS_M_SESSIONS_PURGED] = {"ratsaal_sessions_purged_total", "counter",
                              "Expired login sessions removed"},
    [RS_M_SPOTLIGHT_CHANGES] = {"ratsaal_spotlight_changes_total", "counter",
                                "Spotlights set or cleared by moderators"},
    [RS_M_HTTP_REFUSED_HOST] = {"ratsaal_http_refused_total{reason=\"host\"}", "counter",
                                "HTTP requests and WebSocket upgrades refused before routing"},
    [RS_M_HTTP_REFUSED_ORIGIN] = {"ratsaal_http_refused_total{reason=\"origin\"}", "counter", NULL},
    [RS_M_HTTP_REFUSED_FRAMING] = {"ratsaal_http_refused_total{reason=\"framing\"}", "counter",
                                   NULL},
    [RS_M_HTTP_REFUSED_METRICS] = {"ratsaal_http_refused_total{reason=\"metrics\"}", "counter",
                                   NULL},
    [RS_M_FORWARDED_CLIENT] = {"ratsaal_client_address_total{source=\"forwarded\"}", "counter",
                               "Requests and WebSocket connections by where the client address "
                               "came from (direct connections without a forwarding header are "
                               "not counted)"},
    [RS_M_FORWARDED_PROXY] = {"ratsaal_client_address_total{source=\"proxy\"}", "counter", NULL},
    [RS_M_FORWARDED_UNKNOWN] = {"ratsaal_client_address_total{source=\"unknown_hop\"}", "counter",
                                NULL},
    [RS_M_FORWARDED_INVALID] = {"ratsaal_client_address_total{source=\"invalid_header\"}",
                                "counter", NULL},
    [RS_M_FORWARDED_IGNORED] = {"ratsaal_client_address_total{source=\"untrusted_header\"}",
                                "counter", NULL},
    [RS_M_CHAIR_MUTES] = {"ratsaal_chair_actions_total{action=\"mute\"}", "counter",
                          "What chairs did to participants, by action"},
    [RS_M_CHAIR_CAMERAS_OFF] = {"ratsaal_chair_actions_total{action=\"camera_off\"}", "counter",
                                NULL},
    [RS_M_CHAIR_REMOVALS] = {"ratsaal_chair_actions_total{action=\"remove\"}", "counter", NULL},
    [RS_M_CHAIR_TO_LOBBY] = {"ratsaal_chair_actions_total{action=\"to_lobby\"}", "counter",
                             NULL},
    [RS_M_CHAIR_REFUSED_LOCKED] = {"ratsaal_chair_refused_total{reason=\"meeting_locked\"}",
                                   "counter",
                                   "Joins and self-unmutes a chair's decision refused, by reason"},
    [RS_M_CHAIR_REFUSED_BANNED] = {"ratsaal_chair_refused_total{reason=\"banned\"}", "counter",
                                   NULL},
    [RS_M_SPEAKERS_REQUESTS] = {"ratsaal_speakers_requests_total", "counter",
                                "Requests for the floor on speakers' lists"},
    [RS_M_SPEAKERS_TURNS] = {"ratsaal_speakers_turns_total", "counter",
                             "Turns given on speakers' lists"},
    [RS_M_SPEAKING_TURNS_STORED] = {"ratsaal_speaking_turns_stored_total", "counter",
                                    "Finished turns of managed meetings written for the record"},
    [RS_M_SPEAKING_TURN_WRITE_FAILED] = {"ratsaal_speaking_turn_write_failures_total", "counter",
                                         "Finished turns the store did not take"},
    [RS_M_CHAIR_UNMUTE_REFUSED] = {"ratsaal_chair_refused_total{reason=\"mic_restricted\"}",
                                   "counter", NULL},
    [RS_M_VOTES_OPENED] = {"ratsaal_votes_total{event=\"opened\"}", "counter",
                           "Votes opened, closed with a result, and cancelled"},
    [RS_M_VOTES_CLOSED] = {"ratsaal_votes_total{event=\"closed\"}", "counter", NULL},
    [RS_M_VOTES_CANCELLED] = {"ratsaal_votes_total{event=\"cancelled\"}", "counter", NULL},
    [RS_M_BALLOTS_CAST] = {"ratsaal_ballots_cast_total", "counter",
                           "Ballots committed to the store and acknowledged"},
    [RS_M_BALLOTS_REFUSED_ALREADY_VOTED] = {"ratsaal_ballots_refused_total{reason=\"already_voted\"}",
                                            "counter", "Ballots refused, by reason"},
    [RS_M_BALLOTS_REFUSED_CLOSED] = {"ratsaal_ballots_refused_total{reason=\"vote_closed\"}",
                                     "counter", NULL},
    [RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE] = {"ratsaal_ballots_refused_total{reason=\"not_eligible\"}",
                                           "counter", NULL},
    [RS_M_BALLOTS_REFUSED_INVALID_OPTION] =
        {"ratsaal_ballots_refused_total{reason=\"invalid_option\"}", "counter", NULL},
    [RS_M_POLLS_CREATED] = {"ratsaal_polls_total{event=\"created\"}", "counter",
                            "Polls created, and closed with results"},
    [RS_M_POLLS_CLOSED] = {"ratsaal_polls_total{event=\"closed\"}", "counter", NULL},
    [RS_M_POLL_ANSWERS] = {"ratsaal_poll_answers_total", "counter",
                           "Answers given in polls (changed answers included)"},
    [RS_M_TIMERS_STARTED] = {"ratsaal_timers_started_total", "counter", "Meeting timers started"},
    [RS_M_ATTENDANCE_ROWS] = {"ratsaal_attendance_rows_total", "counter",
                              "Stays in a meeting written to its attendance list"},
    [RS_M_ATTENDANCE_WRITE_FAILED] = {"ratsaal_attendance_write_failures_total", "counter",
                                      "Attendance rows the store did not take"},
    [RS_M_STORE_ERRORS_FULL] = {"ratsaal_store_errors_total{reason=\"full\"}", "counter",
                                "Database statements that failed, by reason"},
    [RS_M_STORE_ERRORS_BUSY] = {"ratsaal_store_errors_total{reason=\"busy\"}", "counter", NULL},
    [RS_M_STORE_ERRORS_IO] = {"ratsaal_store_errors_total{reason=\"io\"}", "counter", NULL},
    [RS_M_SESSION_ROLE_CHAIR] = {"ratsaal_session_role_changes_total{role=\"chair\"}", "counter",
                                 "Session roles given or taken, by role"},
    [RS_M_SESSION_ROLE_MINUTE_TAKER] = {
        "ratsaal_session_role_changes_total{role=\"minute_taker\"}", "counter", NULL},
    [RS_M_AGENDA_CHANGES] = {"ratsaal_agenda_changes_total", "counter",
                             "Agenda changes: items added, changed, moved, removed or made "
                             "current, and whole agendas replaced"},
    [RS_M_MINUTES_SAVED] = {"ratsaal_minutes_saved_total", "counter",
                            "Minutes of agenda items stored"},
    [RS_M_RECORD_EXPORTS_JSON] = {"ratsaal_meeting_record_exports_total{format=\"json\"}",
                                  "counter", "Meeting records exported, by format"},
    [RS_M_RECORD_EXPORTS_HTML] = {"ratsaal_meeting_record_exports_total{format=\"html\"}",
                                  "counter", NULL},
    [RS_M_WHISPER_GROUPS] = {"ratsaal_whisper_groups_total", "counter", "Whisper groups created"},
    [RS_M_WHISPER_INVITATIONS] = {"ratsaal_whisper_invitations_total", "counter",
                                  "Invitations to whisper groups"},
    [RS_M_WHISPERS_STARTED] = {"ratsaal_whispers_started_total", "counter",
                               "Whispers started (the whisper key pressed and routed)"},
    [RS_M_WHISPER_REFUSED_NOT_MEMBER] = {"ratsaal_whisper_refused_total{reason=\"not_group_member\"}",
                                         "counter", "Whisper actions refused, by reason"},
    [RS_M_WHISPER_REFUSED_FORBIDDEN] = {
        "ratsaal_whisper_refused_total{reason=\"whisper_forbidden\"}", "counter", NULL},
    [RS_M_WHISPER_REFUSED_MUTED] = {"ratsaal_whisper_refused_total{reason=\"mic_restricted\"}",
                                    "counter", NULL},
    [RS_M_WHISPER_REFUSED_LIMIT] = {"ratsaal_whisper_refused_total{reason=\"limit\"}", "counter",
                                    NULL},
    [RS_M_BREAKOUT_OPENED] = {"ratsaal_breakout_opened_total", "counter",
                              "Breakout rooms opened (once per breakout/open)"},
    [RS_M_BREAKOUT_CLOSED] = {"ratsaal_breakout_closed_total{reason=\"closed\"}", "counter",
                              "Breakouts ended: by the chair, or when the duration ran out"},
    [RS_M_BREAKOUT_TIMEOUTS] = {"ratsaal_breakout_closed_total{reason=\"timeout\"}", "counter",
                                NULL},
    [RS_M_BREAKOUT_MOVES] = {"ratsaal_breakout_moves_total", "counter",
                             "Participants placed in a breakout room or the plenary"},
    [RS_M_BREAKOUT_BROADCASTS] = {"ratsaal_breakout_broadcasts_total", "counter",
                                  "Chair's messages to every breakout room"},
    [RS_M_BREAKOUT_ROOMS] = {"ratsaal_breakout_rooms", "gauge", "Open breakout rooms"},
    [RS_M_PODIUM_AUDIENCE] = {"ratsaal_podium_audience", "gauge",
                              "Audience members (podium mode or audience invitation) in rooms"},
    [RS_M_PODIUM_QUESTIONS] = {"ratsaal_podium_questions_total", "counter",
                               "Questions asked in podium mode"},
    [RS_M_PODIUM_QUESTIONS_REFUSED] = {"ratsaal_podium_questions_refused_total", "counter",
                                       "Questions refused: too many open questions"},
    [RS_M_PODIUM_STAGE_CHANGES] = {"ratsaal_podium_stage_changes_total", "counter",
                                   "Podium mode switched, or someone called up or sent back"},
    [RS_M_PODIUM_PUBLISH_REFUSED] = {"ratsaal_podium_publish_refused_total", "counter",
                                     "media/publish refused: not on the stage"},
    [RS_M_RECORDINGS_ACTIVE_RECORDING] = {"ratsaal_recordings_active{kind=\"recording\"}", "gauge",
                                          "Recordings and streams starting or running"},
    [RS_M_RECORDINGS_ACTIVE_STREAM] = {"ratsaal_recordings_active{kind=\"stream\"}", "gauge",
                                       NULL},
    [RS_M_RECORDING_STARTS_RECORDING] = {"ratsaal_recording_starts_total{kind=\"recording\"}",
                                         "counter", "Recordings and streams started"},
    [RS_M_RECORDING_STARTS_STREAM] = {"ratsaal_recording_starts_total{kind=\"stream\"}",
                                      "counter", NULL},
    [RS_M_RECORDING_FAILURES_RECORDING] = {"ratsaal_recording_failures_total{kind=\"recording\"}",
                                           "counter", "Recorder processes that failed"},
    [RS_M_RECORDING_FAILURES_STREAM] = {"ratsaal_recording_failures_total{kind=\"stream\"}",
                                        "counter", NULL},
    [RS_M_RECORDING_CONSENTS_GIVEN] = {"ratsaal_recording_consents_total{answer=\"given\"}",
                                       "counter", "Consent answers to a recording or stream"},
    [RS_M_RECORDING_CONSENTS_DECLINED] = {
        "ratsaal_recording_consents_total{answer=\"declined\"}", "counter", NULL},
    [RS_M_RECORDINGS_RESUMED_RECORDING] = {
        "ratsaal_recordings_resumed_total{kind=\"recording\"}", "counter",
        "Recordings and streams continued by this node after a failover or drain"},
    [RS_M_RECORDINGS_RESUMED_STREAM] = {"ratsaal_recordings_resumed_total{kind=\"stream\"}",
                                        "counter", NULL},
    [RS_M_RECORDINGS_DELETED_USER] = {"ratsaal_recordings_deleted_total{reason=\"user\"}", "counter",
                                      "Recordings deleted, by a moderator or by retention"},
    [RS_M_RECORDINGS_DELETED_RETENTION] = {"ratsaal_recordings_deleted_total{reason=\"retention\"}",
                                           "counter", NULL},
    [RS_M_RETENTION_DELETED_ATTENDANCE] =
        {"ratsaal_retention_deleted_total{kind=\"attendance\"}", "counter",
         "Meeting records deleted because their retention period ended, by kind"},
    [RS_M_RETENTION_DELETED_SPEAKING] = {"ratsaal_retention_deleted_total{kind=\"speaking_turns\"}",
                                         "counter", NULL},
    [RS_M_RETENTION_DELETED_MINUTES] = {"ratsaal_retention_deleted_total{kind=\"minutes\"}",
                                        "counter", NULL},
    [RS_M_RETENTION_DELETED_VOTES] = {"ratsaal_retention_deleted_total{kind=\"votes\"}", "counter",
                                      NULL},
    [RS_M_RETENTION_FAILURES] = {"ratsaal_retention_failures_total", "counter",
                                 "Retention runs of one kind of record that the store refused"},
    [RS_M_LIVE_REQUESTS_PAGE] = {"ratsaal_live_requests_total{type=\"page\"}", "counter",
                                 "Requests to the public livestream, by what was asked for"},
    [RS_M_LIVE_REQUESTS_PLAYLIST] = {"ratsaal_live_requests_total{type=\"playlist\"}", "counter",
                                     NULL},
    [RS_M_LIVE_REQUESTS_SEGMENT] = {"ratsaal_live_requests_total{type=\"segment\"}", "counter",
                                    NULL},
    [RS_M_LIVE_REQUESTS_INFO] = {"ratsaal_live_requests_total{type=\"info\"}", "counter", NULL},
    [RS_M_TURN_CREDENTIALS] = {"ratsaal_turn_credentials_total", "counter",
                               "TURN credentials handed out with a join (turn_secret)"},
    [RS_M_RESUMES_OK] = {"ratsaal_resumes_total{result=\"ok\"}", "counter",
                         "Joins that carried a resume token, by result"},
    [RS_M_RESUMES_EXPIRED] = {"ratsaal_resumes_total{result=\"expired\"}", "counter", NULL},
    [RS_M_RESUMES_INVALID] = {"ratsaal_resumes_total{result=\"invalid\"}", "counter", NULL},
    [RS_M_PARTICIPANTS_RECONNECTING] = {"ratsaal_participants_reconnecting", "gauge",
                                        "Participants kept in their room while their connection "
                                        "is gone (resume grace period)"},
    [RS_M_CLUSTER_READY] = {"ratsaal_cluster_ready", "gauge",
                            "1 when this node is registered in the cluster and Redis answers"},
    [RS_M_CLUSTER_NODES] = {"ratsaal_cluster_nodes", "gauge",
                            "Live nodes of the cluster at the last listing"},
    [RS_M_CLUSTER_LEASES] = {"ratsaal_cluster_leases", "gauge", "Rooms this node owns"},
    [RS_M_CLUSTER_HEARTBEAT_FAILURES] = {"ratsaal_cluster_heartbeat_failures_total", "counter",
                                         "Heartbeats to Redis that failed"},
    [RS_M_CLUSTER_NODE_CONFLICTS] = {"ratsaal_cluster_node_conflicts_total", "counter",
                                     "Heartbeats refused: another process has this node id"},
    [RS_M_CLUSTER_MALFORMED] = {"ratsaal_cluster_malformed_total", "counter",
                                "Records, owners, cursors and events in Redis refused as malformed"},
    [RS_M_CLUSTER_LEASES_LOST] = {"ratsaal_cluster_leases_lost_total", "counter",
                                  "Room leases found owned by another node at renewal"},
    [RS_M_CLUSTER_LEASES_RETAKEN] = {"ratsaal_cluster_leases_retaken_total", "counter",
                                     "Room leases found gone at renewal and taken again"},
    [RS_M_CLUSTER_SNAPSHOTS_WRITTEN] = {"ratsaal_cluster_snapshots_written_total", "counter",
                                        "Room snapshots written to Redis by this node"},
    [RS_M_CLUSTER_SNAPSHOTS_RESTORED] = {"ratsaal_cluster_snapshots_restored_total", "counter",
                                         "Rooms rebuilt on this node from another's snapshot"},
    [RS_M_CLUSTER_PARTICIPANTS_RESTORED] = {"ratsaal_cluster_participants_restored_total",
                                            "counter",
                                            "Participants restored from room snapshots"},
    [RS_M_CLUSTER_SNAPSHOT_ERRORS] = {"ratsaal_cluster_snapshot_errors_total", "counter",
                                      "Room snapshots or their parts refused as malformed or "
                                      "too large, and writes that failed"},
    [RS_M_CLUSTER_ROOMS_MOVED] = {"ratsaal_cluster_rooms_moved_total", "counter",
                                  "Rooms handed over to other nodes by a drain (SIGTERM)"},
    [RS_M_CLUSTER_PLACED_SELF] = {"ratsaal_cluster_placements_total{where=\"self\"}", "counter",
                                  "Rooms opened on this node (self) and new rooms it placed on "
                                  "another node (other)"},
    [RS_M_CLUSTER_PLACED_OTHER] = {"ratsaal_cluster_placements_total{where=\"other\"}", "counter",
                                   NULL},
    [RS_M_REDIS_TIMEOUTS] = {"ratsaal_redis_errors_total{kind=\"timeout\"}", "counter",
                             "Failed Redis commands and connections, by kind"},
    [RS_M_REDIS_IO_ERRORS] = {"ratsaal_redis_errors_total{kind=\"io\"}", "counter", NULL},
    [RS_M_REDIS_CONNECT_ERRORS] = {"ratsaal_redis_errors_total{kind=\"connect\"}", "counter",
                                   NULL},
    [RS_M_REDIS_SERVER_ERRORS] = {"ratsaal_redis_errors_total{kind=\"server\"}", "counter",
                                  NULL},
    [RS_M_CLUSTER_EVENTS_SENT] = {"ratsaal_cluster_events_total{result=\"sent\"}", "counter",
                                  "Changes to a room served by another node, through its stream"},
    [RS_M_CLUSTER_EVENTS_APPLIED] = {"ratsaal_cluster_events_total{result=\"applied\"}",
                                     "counter", NULL},
    [RS_M_CLUSTER_EVENTS_IGNORED] = {"ratsaal_cluster_events_total{result=\"ignored\"}",
                                     "counter", NULL},
    [RS_M_CLUSTER_EVENTS_FAILED] = {"ratsaal_cluster_events_total{result=\"failed\"}", "counter",
                                    NULL},
    [RS_M_CLUSTER_SHARED_STORAGE] = {"ratsaal_cluster_shared_storage", "gauge",
                                     "1 when recordings_dir and live_dir are seen shared by every "
                                     "live node of the cluster"},
    [RS_M_CLUSTER_SWEPT_STAYS] = {"ratsaal_cluster_swept_total{what=\"attendance\"}", "counter",
                                  "Rows a node gone from the cluster left open, closed by this "
                                  "node (attendance stays, recordings)"},
    [RS_M_CLUSTER_SWEPT_RECORDINGS] = {"ratsaal_cluster_swept_total{what=\"recordings\"}",
                                       "counter", NULL},
    [RS_M_CASCADE_UPLINKS] = {"ratsaal_cascade_uplinks", "gauge",
                              "Relays this node holds to the owners of rooms it serves the "
                              "audience of"},
    [RS_M_CASCADE_RELAY_SUBSCRIBERS] = {"ratsaal_cascade_relay_subscribers", "gauge",
                                        "Other nodes' relays subscribed to rooms this node owns"},
    [RS_M_CASCADE_PACKETS_IN] = {"ratsaal_cascade_packets_in_total", "counter",
                                 "RTP packets received over relays from owner nodes"},
    [RS_M_CASCADE_BYTES_IN] = {"ratsaal_cascade_bytes_in_total", "counter",
                               "RTP bytes received over relays from owner nodes"},
    [RS_M_CASCADE_PACKETS_OUT] = {"ratsaal_cascade_packets_out_total", "counter",
                                  "RTP packets sent to other nodes' relays"},
    [RS_M_CASCADE_BYTES_OUT] = {"ratsaal_cascade_bytes_out_total", "counter",
                                "RTP bytes sent to other nodes' relays"},
    [RS_M_CASCADE_CONNECTS] = {"ratsaal_cascade_connects_total", "counter",
                               "Relay signaling connections opened to owner nodes (reconnects "
                               "too)"},
    [RS_M_CASCADE_FAILURES] = {"ratsaal_cascade_failures_total", "counter",
                               "Relays that failed (signaling refused or lost, media failed)"},
    [RS_M_CASCADE_REFUSED] = {"ratsaal_cascade_refused_total", "counter",
                              "Relay joins refused: no or a wrong cluster secret"},
    [RS_M_CASCADE_BAD_INPUT] = {"ratsaal_cascade_bad_input_total", "counter",
                                "Messages or SDP from an owner node dropped as malformed"},
    [RS_M_CASCADE_EDGE_JOINS] = {"ratsaal_cascade_edge_joins_total", "counter",
                                 "Audience joins served here for rooms another node owns"},
    [RS_M_CASCADE_REMOTE_MEMBERS] = {"ratsaal_cascade_remote_members", "gauge",
                                     "Audience members of other nodes in rooms this node owns"},
    [RS_M_CASCADE_MEMBER_ACTIONS] = {"ratsaal_cascade_member_actions_total", "counter",
                                     "Actions of other nodes' audience members run here"},
    [RS_M_CASCADE_CALLUPS] = {"ratsaal_cascade_callups_total", "counter",
                              "Other nodes' audience members called up to the stage here"},
};

static _Atomic uint64_t auth_rejects[RS_AUTH__COUNT];
static const char *const auth_reject_names[RS_AUTH__COUNT] = {
    [RS_AUTH_INVALID_STATE] = "invalid_state",
    [RS_AUTH_IDP_ERROR] = "idp_error",
    [RS_AUTH_TOKEN_EXCHANGE] = "token_exchange_failed",
    [RS_AUTH_INVALID_TOKEN] = "invalid_token",
    [RS_AUTH_TENANT_MISSING] = "tenant_missing",
    [RS_AUTH_INVALID_CREDENTIALS] = "invalid_credentials",
    [RS_AUTH_RATE_LIMITED] = "rate_limited",
    [RS_AUTH_CSRF] = "csrf",
    [RS_AUTH_UNAUTHORIZED] = "unauthorized",
    [RS_AUTH_FORBIDDEN] = "forbidden",
    [RS_AUTH_INVALID_INVITE] = "invalid_invite",
    [RS_AUTH_WRONG_PASSWORD] = "wrong_password",
    [RS_AUTH_OPEN_REDIRECT] = "open_redirect",
};

void rs_metric_auth_reject(enum rs_auth_reject r)
{
    atomic_fetch_add_explicit(&auth_rejects[r], 1, memory_order_relaxed);
}

uint64_t rs_metric_auth_reject_get(enum rs_auth_reject r)
{
    return atomic_load_explicit(&auth_rejects[r], memory_order_relaxed);
}

static const char *const drop_names[RS_DROP__COUNT] = {
    [RS_DROP_BAD_STUN] = "bad_stun",
    [RS_DROP_STUN_AUTH] = "stun_auth",
    [RS_DROP_UNKNOWN_ADDRESS] = "unknown_address",
    [RS_DROP_SRTP_AUTH] = "srtp_auth",
    [RS_DROP_SRTP_REPLAY] = "srtp_replay",
    [RS_DROP_UNKNOWN_SSRC] = "unknown_ssrc",
    [RS_DROP_TOO_LARGE] = "too_large",
    [RS_DROP_TRUNCATED] = "truncated",
    [RS_DROP_BAD_RTP] = "bad_rtp",
    [RS_DROP_BAD_RTCP] = "bad_rtcp",
    [RS_DROP_BAD_DTLS] = "bad_dtls",
    [RS_DROP_NOT_CONNECTED] = "not_connected",
    [RS_DROP_RATE] = "rate",
    [RS_DROP_QUEUE_FULL] = "queue_full",
    [RS_DROP_SEND_FAILED] = "send_failed",
    [RS_DROP_UNKNOWN_KIND] = "unknown_kind",
    [RS_DROP_SRTP_SSRC_LIMIT] = "srtp_ssrc_limit",
    [RS_DROP_RELAY_FULL] = "relay_full",
    [RS_DROP_RELAY_UNKNOWN] = "relay_unknown_track",
};

static const char *const err_names[RS_ERR__COUNT] = {
    [RS_ERR_INVALID_JSON] = "invalid_json",
    [RS_ERR_NOT_OBJECT] = "not_object",
    [RS_ERR_BINARY_FRAME] = "binary_frame",
    [RS_ERR_FRAME_TOO_LARGE] = "frame_too_large",
    [RS_ERR_TOO_DEEP] = "too_deep",
    [RS_ERR_MISSING_FIELD] = "missing_field",
    [RS_ERR_INVALID_TYPE] = "invalid_type",
    [RS_ERR_UNKNOWN_NS] = "unknown_ns",
    [RS_ERR_UNKNOWN_ACTION] = "unknown_action",
    [RS_ERR_EMPTY_VALUE] = "empty_value",
    [RS_ERR_TOO_LONG] = "too_long",
    [RS_ERR_INVALID_VALUE] = "invalid_value",
    [RS_ERR_INVALID_ROOM] = "invalid_room",
    [RS_ERR_NOT_JOINED] = "not_joined",
    [RS_ERR_ALREADY_JOINED] = "already_joined",
    [RS_ERR_ROOM_FULL] = "room_full",
    [RS_ERR_RATE_LIMITED] = "rate_limited",
    [RS_ERR_INTERNAL] = "internal",
    [RS_ERR_INVALID_SDP] = "invalid_sdp",
    [RS_ERR_STALE_REVISION] = "stale_revision",
    [RS_ERR_DTLS_FAILED] = "dtls_failed",
    [RS_ERR_ICE_TIMEOUT] = "ice_timeout",
    [RS_ERR_UNAUTHORIZED] = "unauthorized",
    [RS_ERR_FORBIDDEN] = "forbidden",
    [RS_ERR_NOT_FOUND] = "not_found",
    [RS_ERR_INVALID_INVITE] = "invalid_invite",
    [RS_ERR_PASSWORD_REQUIRED] = "password_required",
    [RS_ERR_WRONG_PASSWORD] = "wrong_password",
    [RS_ERR_LOBBY_REJECTED] = "lobby_rejected",
    [RS_ERR_TOO_MANY_ATTEMPTS] = "too_many_attempts",
    [RS_ERR_MEETING_LOCKED] = "meeting_locked",
    [RS_ERR_BANNED] = "banned",
    [RS_ERR_MIC_RESTRICTED] = "mic_restricted",
    [RS_ERR_CHAT_DISABLED] = "chat_disabled",
    [RS_ERR_MEETING_ENDED] = "meeting_ended",
    [RS_ERR_ALREADY_VOTED] = "already_voted",
    [RS_ERR_VOTE_CLOSED] = "vote_closed",
    [RS_ERR_NOT_ELIGIBLE] = "not_eligible",
    [RS_ERR_INVALID_OPTION] = "invalid_option",
    [RS_ERR_POLL_CLOSED] = "poll_closed",
    [RS_ERR_NOT_CHAIR] = "not_chair",
    [RS_ERR_NOT_MODERATOR] = "not_moderator",
    [RS_ERR_GUEST_NOT_ALLOWED] = "guest_not_allowed",
    [RS_ERR_AGENDA_ITEM_IN_USE] = "agenda_item_in_use",
    [RS_ERR_TOO_MANY_ITEMS] = "too_many_items",
    [RS_ERR_WHISPER_FORBIDDEN] = "whisper_forbidden",
    [RS_ERR_NOT_GROUP_MEMBER] = "not_group_member",
    [RS_ERR_NOT_GROUP_OWNER] = "not_group_owner",
    [RS_ERR_NOT_INVITED] = "not_invited",
    [RS_ERR_GROUP_FULL] = "group_full",
    [RS_ERR_TOO_MANY_GROUPS] = "too_many_groups",
    [RS_ERR_BREAKOUT_CLOSED] = "breakout_closed",
    [RS_ERR_NOT_ON_STAGE] = "not_on_stage",
    [RS_ERR_PODIUM_OFF] = "podium_off",
    [RS_ERR_TOO_MANY_QUESTIONS] = "too_many_questions",
    [RS_ERR_ALREADY_RUNNING] = "already_running",
    [RS_ERR_NOT_RUNNING] = "not_running",
    [RS_ERR_RECORDER_UNAVAILABLE] = "recorder_unavailable",
    [RS_ERR_UNKNOWN_TARGET] = "unknown_target",
    [RS_ERR_STILL_CONNECTED] = "still_connected",
    [RS_ERR_STORAGE_FULL] = "storage_full",
    [RS_ERR_STORAGE_BUSY] = "storage_busy",
    [RS_ERR_MOVED] = "moved",
};

const char *rs_err_code(enum rs_err err)
{
    return (unsigned)err < RS_ERR__COUNT ? err_names[err] : "internal";
}

const char *rs_drop_reason(enum rs_drop drop)
{
    return (unsigned)drop < RS_DROP__COUNT ? drop_names[drop] : "unknown";
}

void rs_metric_add(enum rs_metric m, uint64_t n)
{
    atomic_fetch_add_explicit(&metrics[m], n, memory_order_relaxed);
}

void rs_metric_inc(enum rs_metric m)
{
    atomic_fetch_add_explicit(&metrics[m], 1, memory_order_relaxed);
}

void rs_metric_dec(enum rs_metric m)
{
    atomic_fetch_sub_explicit(&metrics[m], 1, memory_order_relaxed);
}

void rs_metric_set(enum rs_metric m, uint64_t v)
{
    atomic_store_explicit(&metrics[m], v, memory_order_relaxed);
}

static _Atomic uint64_t worker_metrics[RS_MW__COUNT][RS_MW_MAX];
static const struct {
    const char *name, *type, *help;
} worker_info[RS_MW__COUNT] = {
    [RS_MW_TRANSPORTS] = {"ratsaal_media_worker_transports", "gauge",
                          "Media transports placed on each worker"},
    [RS_MW_ROOMS] = {"ratsaal_media_worker_rooms", "gauge", "Rooms placed on each worker"},
    [RS_MW_PACKETS_OUT] = {"ratsaal_media_worker_packets_out_total", "counter",
                           "SRTP and SRTCP packets each worker sent"},
};

void rs_metric_set_worker(enum rs_worker_metric m, unsigned wk, uint64_t v)
{
    if (wk < RS_MW_MAX)
        atomic_store_explicit(&worker_metrics[m][wk], v, memory_order_relaxed);
}

void rs_metric_add_worker(enum rs_worker_metric m, unsigned wk, uint64_t n)
{
    if (wk < RS_MW_MAX)
        atomic_fetch_add_explicit(&worker_metrics[m][wk], n, memory_order_relaxed);
}

static _Atomic int worker_tids[RS_MW_MAX];

void rs_metric_worker_thread(unsigned wk, int tid)
{
    if (wk < RS_MW_MAX)
        atomic_store_explicit(&worker_tids[wk], tid, memory_order_relaxed);
}

uint64_t rs_metric_worker_get(enum rs_worker_metric m, unsigned wk)
{
    return wk < RS_MW_MAX ? atomic_load_explicit(&worker_metrics[m][wk], memory_order_relaxed) : 0;
}

uint64_t rs_metric_get(enum rs_metric m)
{
    return atomic_load_explicit(&metrics[m], memory_order_relaxed);
}

void rs_metric_drop(enum rs_drop reason)
{
    atomic_fetch_add_explicit(&drops[reason], 1, memory_order_relaxed);
}

uint64_t rs_metric_drop_get(enum rs_drop reason)
{
    return atomic_load_explicit(&drops[reason], memory_order_relaxed);
}

void rs_metric_error(enum rs_err err)
{
    atomic_fetch_add_explicit(&errors[err], 1, memory_order_relaxed);
}

uint64_t rs_metric_error_get(enum rs_err err)
{
    return atomic_load_explicit(&errors[err], memory_order_relaxed);
}

struct out {
    char *buf;
    size_t cap, len;
    int overflow;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->overflow = 1;
        return;
    }
    o->len += (size_t)n;
}

/* Family name: the metric name up to its label set. */
static void family(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    while (name[i] && name[i] != '{' && i + 1 < cap) {
        out[i] = name[i];
        i++;
    }
    out[i] = 0;
}

int rs_metrics_render(char *buf, size_t cap)
{
    struct out o = {buf, cap, 0, 0};
    if (cap == 0)
        return -ENOSPC;
    buf[0] = 0;
    char fam[128], last[128] = "";
    for (int i = 0; i < RS_M__COUNT; i++) {
        family(metric_info[i].name, fam, sizeof(fam));
        if (metric_info[i].help && __builtin_strcmp(fam, last) != 0) {
            emit(&o, "# HELP %s %s\n# TYPE %s %s\n", fam, metric_info[i].help, fam,
                 metric_info[i].type);
        }
        __builtin_memcpy(last, fam, sizeof(fam));
        emit(&o, "%s %llu\n", metric_info[i].name, (unsigned long long)rs_metric_get(i));
    }
    uint64_t workers = rs_metric_get(RS_M_MEDIA_WORKERS);
    for (int i = 0; i < RS_MW__COUNT; i++) {
        emit(&o, "# HELP %s %s\n# TYPE %s %s\n", worker_info[i].name, worker_info[i].help,
             worker_info[i].name, worker_info[i].type);
        for (unsigned k = 0; k < workers && k < RS_MW_MAX; k++)
            emit(&o, "%s{worker=\"%u\"} %llu\n", worker_info[i].name, k,
                 (unsigned long long)rs_metric_worker_get(i, k));
    }
    emit(&o, "# HELP ratsaal_media_worker_cpu_seconds_total CPU time of each media worker thread "
             "(user + system)\n# TYPE ratsaal_media_worker_cpu_seconds_total counter\n");
    long hz = sysconf(_SC_CLK_TCK);
    for (unsigned k = 0; k < workers && k < RS_MW_MAX; k++) {
        int tid = atomic_load_explicit(&worker_tids[k], memory_order_relaxed);
        char path[64];
        unsigned long long ut, st;
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
        if (tid <= 0 || hz <= 0 || rs_procstat_read(path, &ut, &st))
            continue;
        unsigned long long ticks = ut + st;
        emit(&o, "ratsaal_media_worker_cpu_seconds_total{worker=\"%u\"} %llu.%02llu\n", k,
             ticks / (unsigned long long)hz, (ticks % (unsigned long long)hz) * 100 / (unsigned long long)hz);
    }
    emit(&o, "# HELP ratsaal_media_drops_total Media datagrams dropped, by reason\n"
             "# TYPE ratsaal_media_drops_total counter\n");
    for (int i = 0; i < RS_DROP__COUNT; i++)
        emit(&o, "ratsaal_media_drops_total{reason=\"%s\"} %llu\n", drop_names[i],
             (unsigned long long)rs_metric_drop_get(i));
    emit(&o, "# HELP ratsaal_signaling_errors_total Signaling error events sent, by code\n"
             "# TYPE ratsaal_signaling_errors_total counter\n");
    for (int i = 0; i < RS_ERR__COUNT; i++)
        emit(&o, "ratsaal_signaling_errors_total{code=\"%s\"} %llu\n", err_names[i],
             (unsigned long long)rs_metric_error_get(i));
    emit(&o, "# HELP ratsaal_auth_rejections_total Rejected logins, tokens, invitations and "
             "actions, by reason\n# TYPE ratsaal_auth_rejections_total counter\n");
    for (int i = 0; i < RS_AUTH__COUNT; i++)
        emit(&o, "ratsaal_auth_rejections_total{reason=\"%s\"} %llu\n", auth_reject_names[i],
             (unsigned long long)rs_metric_auth_reject_get(i));
    emit(&o, "# HELP ratsaal_forward_delay_seconds Time from a datagram's arrival at the media "
             "socket to the send of the packets it caused\n"
             "# TYPE ratsaal_forward_delay_seconds histogram\n");
    uint64_t cum = 0;
    for (unsigned i = 0; i < RS_DELAY_BUCKETS; i++) {
        cum += rs_metric_delay_count(i);
        if (i < RS_DELAY_BUCKETS - 1)
            emit(&o, "ratsaal_forward_delay_seconds_bucket{le=\"%u.%06u\"} %llu\n",
                 rs_delay_bucket_us[i] / 1000000, rs_delay_bucket_us[i] % 1000000,
                 (unsigned long long)cum);
        else
            emit(&o, "ratsaal_forward_delay_seconds_bucket{le=\"+Inf\"} %llu\n",
                 (unsigned long long)cum);
    }
    uint64_t sum = atomic_load_explicit(&delay_sum_us, memory_order_relaxed);
    emit(&o, "ratsaal_forward_delay_seconds_sum %llu.%06llu\nratsaal_forward_delay_seconds_count %llu\n",
         (unsigned long long)(sum / 1000000), (unsigned long long)(sum % 1000000),
         (unsigned long long)cum);
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}
