/* SPDX-License-Identifier: EUPL-1.2 */
/* SDP (RFC 8866 syntax) as the SFU uses it under JSEP (RFC 8829): parse any offer or answer
 * into a fixed-size struct, pick what we take from a browser's publish offer, write our answer
 * to it, write our subscribe offer, and read the browser's answer to that.
 *
 * Ownership: nothing here allocates. `struct rs_sdp` is caller-provided and self-contained
 * (every string is copied into a fixed-size field), so it is large (~700 KiB): keep it in a
 * heap object or a static, not on a small thread stack. Builders write into a caller buffer and
 * only borrow their inputs for the duration of the call.
 *
 * Errors: 0, or -EINVAL (malformed input, including a line longer than RS_SDP_MAX_LINE or a
 * text longer than RS_SDP_MAX_TEXT), -E2BIG (a fixed maximum below is exceeded), -ENOSPC
 * (output buffer too small). */
#ifndef RS_RTC_SDP_H
#define RS_RTC_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_SDP_MAX_TEXT 65536 /* bytes of one SDP */
#define RS_SDP_MAX_LINE 4096  /* bytes of one line, without its CRLF */
#define RS_SDP_MAX_MEDIA 64 /* a subscribe offer: two per remote publisher, ~30 people */
#define RS_SDP_MAX_FORMATS 64 /* Chromium offers ~25-32 video payload types */
#define RS_SDP_MAX_EXTMAPS 32
#define RS_SDP_MAX_RIDS 8
#define RS_SDP_MAX_SSRCS 32 /* a=ssrc lines per m-section */
#define RS_SDP_MAX_SSRC_GROUPS 8
#define RS_SDP_MAX_GROUP_SSRCS 8
#define RS_SDP_MAX_CANDIDATES 16
#define RS_SDP_MAX_SIMULCAST_ALTS 4 /* alternatives per simulcast stream ("a,b;c") */

/* Field sizes, including the terminating NUL. */
#define RS_SDP_MID_SIZE 33
#define RS_SDP_RID_SIZE 33
#define RS_SDP_ICE_SIZE 257 /* ufrag and pwd: up to 256 ice-chars (RFC 8839) */
#define RS_SDP_FMTP_SIZE 256
#define RS_SDP_NAME_SIZE 32 /* encoding names, media/proto tokens */
#define RS_SDP_URI_SIZE 128
#define RS_SDP_MSID_SIZE 65 /* msid-id and msid-appdata are 1*64token-char (RFC 8830) */
#define RS_SDP_ADDR_SIZE 64
#define RS_SDP_FINGERPRINT_STR_SIZE 200 /* "AB:CD:..." of up to 64 bytes */

enum rs_sdp_kind {
    RS_SDP_KIND_OTHER = 0, /* text, message, ...: always rejected */
    RS_SDP_KIND_AUDIO,
    RS_SDP_KIND_VIDEO,
    RS_SDP_KIND_APPLICATION,
};

enum rs_sdp_dir {
    RS_SDP_DIR_SENDRECV = 0,
    RS_SDP_DIR_SENDONLY,
    RS_SDP_DIR_RECVONLY,
    RS_SDP_DIR_INACTIVE,
};

enum rs_sdp_setup {
    RS_SDP_SETUP_NONE = 0,
    RS_SDP_SETUP_ACTPASS,
    RS_SDP_SETUP_ACTIVE,
    RS_SDP_SETUP_PASSIVE,
    RS_SDP_SETUP_HOLDCONN,
};

enum rs_sdp_hash {
    RS_SDP_HASH_NONE = 0,
    RS_SDP_HASH_SHA1,
    RS_SDP_HASH_SHA224,
    RS_SDP_HASH_SHA256,
    RS_SDP_HASH_SHA384,
    RS_SDP_HASH_SHA512,
};

enum rs_sdp_codec {
    RS_SDP_CODEC_NONE = 0,
    RS_SDP_CODEC_OPUS,
    RS_SDP_CODEC_VP8,
    RS_SDP_CODEC_H264,
};

enum rs_sdp_ssrc_semantics {
    RS_SDP_SSRC_GROUP_OTHER = 0,
    RS_SDP_SSRC_GROUP_FID,
    RS_SDP_SSRC_GROUP_SIM,
};

enum rs_sdp_candidate_type {
    RS_SDP_CAND_OTHER = 0,
    RS_SDP_CAND_HOST,
    RS_SDP_CAND_SRFLX,
    RS_SDP_CAND_PRFLX,
    RS_SDP_CAND_RELAY,
};

/* rtcp-fb kinds we understand (others are ignored). */
#define RS_SDP_FB_NACK 0x01u /* a=rtcp-fb:PT nack */
#define RS_SDP_FB_PLI 0x02u  /* nack pli */
#define RS_SDP_FB_FIR 0x04u  /* ccm fir */
#define RS_SDP_FB_REMB 0x08u /* goog-remb */
#define RS_SDP_FB_TWCC 0x10u /* transport-cc */
#define RS_SDP_FB_ALL 0x1fu

/* RTP header extensions we understand. */
#define RS_SDP_EXT_MID 0x01u           /* urn:ietf:params:rtp-hdrext:sdes:mid */
#define RS_SDP_EXT_RID 0x02u           /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id */
#define RS_SDP_EXT_REPAIRED_RID 0x04u  /* ...:sdes:repaired-rtp-stream-id */
#define RS_SDP_EXT_AUDIO_LEVEL 0x08u   /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
#define RS_SDP_EXT_ABS_SEND_TIME 0x10u /* webrtc.org abs-send-time */
#define RS_SDP_EXT_TWCC 0x20u          /* draft-holmer transport-wide-cc-01 */
#define RS_SDP_EXT_ALL 0x3fu

/* The fixed extmap ids in our subscribe offers (one-byte header form, RFC 8285). The SFU
 * rewrites publishers' ids to these when forwarding. Audio level is offered on audio only. */
#define RS_SDP_OFFER_EXTID_MID 1
#define RS_SDP_OFFER_EXTID_ABS_SEND_TIME 2
#define RS_SDP_OFFER_EXTID_TWCC 3
#define RS_SDP_OFFER_EXTID_AUDIO_LEVEL 4

struct rs_sdp_fingerprint {
    enum rs_sdp_hash hash; /* RS_SDP_HASH_NONE: absent */
    uint8_t len;           /* bytes in `bytes`: 20, 28, 32, 48 or 64 */
    uint8_t bytes[64];
};

struct rs_sdp_ice {
    char ufrag[RS_SDP_ICE_SIZE]; /* "" when absent */
    char pwd[RS_SDP_ICE_SIZE];
    char options[RS_SDP_NAME_SIZE * 4]; /* raw, e.g. "trickle" */
};

/* One payload type of an RTP m-line, in m-line order. */
struct rs_sdp_format {
    uint8_t pt;
    bool has_rtpmap;
    char name[RS_SDP_NAME_SIZE]; /* encoding name as written ("opus", "VP8", "rtx") */
    uint32_t clock;
    uint8_t channels;            /* 0 when the rtpmap gives none */
    char fmtp[RS_SDP_FMTP_SIZE]; /* raw a=fmtp parameters, "" when absent */
    int16_t apt;                 /* fmtp apt=, -1 when absent */
    int8_t packetization_mode;   /* fmtp packetization-mode=, -1 when absent */
    int8_t useinbandfec;         /* fmtp useinbandfec=, -1 when absent */
    char profile_level_id[7];    /* fmtp profile-level-id= (6 hex digits), "" when absent */
    uint8_t fb;                  /* RS_SDP_FB_* from a=rtcp-fb:PT and a=rtcp-fb:* */
};

struct rs_sdp_extmap {
    uint16_t id; /* 1-14, 16-255 */
    bool has_dir;
    enum rs_sdp_dir dir;
    char uri[RS_SDP_URI_SIZE];
};

struct rs_sdp_ssrc_attr {
    uint32_t ssrc;
    char name[RS_SDP_NAME_SIZE];      /* "cname", "msid", ... */
    char value[RS_SDP_MSID_SIZE * 3]; /* rest of the line after "name:", "" when none */
};

struct rs_sdp_ssrc_group {
    enum rs_sdp_ssrc_semantics semantics;
    uint8_t n_ssrcs;
    uint32_t ssrcs[RS_SDP_MAX_GROUP_SSRCS];
};

struct rs_sdp_rid {
    char id[RS_SDP_RID_SIZE];
    bool send;                           /* "send" (true) or "recv" (false) */
    char restrictions[RS_SDP_FMTP_SIZE]; /* raw, e.g. "max-width=1280;max-height=720" */
};

struct rs_sdp_simulcast_alt {
    char rid[RS_SDP_RID_SIZE];
    bool paused; /* written with a leading '~' */
};

struct rs_sdp_simulcast_stream {
    uint8_t n_alts;
    struct rs_sdp_simulcast_alt alts[RS_SDP_MAX_SIMULCAST_ALTS];
};

struct rs_sdp_simulcast {
    uint8_t n_send, n_recv; /* 0 and 0: no a=simulcast */
    struct rs_sdp_simulcast_stream send[RS_SDP_MAX_RIDS];
    struct rs_sdp_simulcast_stream recv[RS_SDP_MAX_RIDS];
};

struct rs_sdp_candidate {
    char raw[RS_SDP_FMTP_SIZE]; /* the attribute value after "candidate:" */
    uint16_t component;
    bool tcp; /* transport "tcp" (else "udp") */
    uint32_t priority;
    char addr[RS_SDP_ADDR_SIZE]; /* IP literal or mDNS name */
    uint16_t port;
    enum rs_sdp_candidate_type type;
};

struct rs_sdp_media {
    enum rs_sdp_kind kind;
    char media[RS_SDP_NAME_SIZE];     /* m= media token as written ("audio", "application", ...) */
    uint16_t port;                    /* 0: rejected, unless bundle_only */
    char proto[RS_SDP_NAME_SIZE];     /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
    bool rtp;                         /* proto carries RTP: fmts are payload types */
    char first_fmt[RS_SDP_NAME_SIZE]; /* first fmt token as written (used when rejecting) */
    uint8_t n_formats;                /* RTP only */
    struct rs_sdp_format formats[RS_SDP_MAX_FORMATS];

    char conn_addr[RS_SDP_ADDR_SIZE]; /* c= address (media's, else session's), "" when none */
    char mid[RS_SDP_MID_SIZE];        /* "" when absent */
    enum rs_sdp_dir dir;              /* media's, else session's, else sendrecv */

    /* Effective transport: the media-level value, else the session-level one. */
    struct rs_sdp_ice ice;
    struct rs_sdp_fingerprint fingerprint;
    enum rs_sdp_setup setup;

    uint8_t n_extmaps;
    struct rs_sdp_extmap extmaps[RS_SDP_MAX_EXTMAPS];
    uint8_t n_ssrcs;
    struct rs_sdp_ssrc_attr ssrcs[RS_SDP_MAX_SSRCS];
    uint8_t n_ssrc_groups;
    struct rs_sdp_ssrc_group ssrc_groups[RS_SDP_MAX_SSRC_GROUPS];
    char msid_stream[RS_SDP_MSID_SIZE]; /* a=msid, "" when absent */
    char msid_track[RS_SDP_MSID_SIZE];
    uint8_t n_rids;
    struct rs_sdp_rid rids[RS_SDP_MAX_RIDS];
    struct rs_sdp_simulcast simulcast;
    uint8_t n_candidates;
    struct rs_sdp_candidate candidates[RS_SDP_MAX_CANDIDATES];
    bool rtcp_mux, rtcp_rsize, end_of_candidates, bundle_only;
};

struct rs_sdp {
    uint64_t session_id, session_version; /* from o= */
    bool ice_lite;
    /* Session-level values (already folded into each media's effective ones). */
    struct rs_sdp_ice ice;
    struct rs_sdp_fingerprint fingerprint;
    enum rs_sdp_setup setup;
    /* The first a=group:BUNDLE, mids in written order (others and other groups ignored). */
    bool has_bundle;
    uint8_t n_bundle;
    char bundle[RS_SDP_MAX_MEDIA][RS_SDP_MID_SIZE];
    uint8_t n_media;
    struct rs_sdp_media media[RS_SDP_MAX_MEDIA];
};

/* Parses `len` bytes of `text` (need not be NUL-terminated; CRLF or LF endings) into `out`,
 * which is overwritten (padding included, so two parses of equal SDP compare equal with
 * memcmp). Borrows `text`. On error `out` holds a partial parse: do not use it. */
int rs_sdp_parse(const char *text, size_t len, struct rs_sdp *out);

/* Parses "AB:CD:..." (exactly 2 hex digits per byte, colon-separated) for `hash`. */
int rs_sdp_parse_fingerprint(enum rs_sdp_hash hash, const char *text, size_t len,
                             struct rs_sdp_fingerprint *out);

/* The transport of a BUNDLEd session: the values of the BUNDLE-tagged (first) m-section, else
 * of the first m-section that has them, else the session-level ones. Pointers borrow `sdp`.
 * -EINVAL when ufrag, pwd or fingerprint is missing. */
struct rs_sdp_transport {
    const char *ice_ufrag;
    const char *ice_pwd;
    const struct rs_sdp_fingerprint *fingerprint;
    enum rs_sdp_setup setup; /* RS_SDP_SETUP_NONE when absent */
};
int rs_sdp_get_transport(const struct rs_sdp *sdp, struct rs_sdp_transport *out);

/* Extmap ids per understood extension; 0 = not negotiated. */
struct rs_sdp_ext_ids {
    uint8_t mid, rid, repaired_rid, audio_level, abs_send_time, twcc;
};

/* What one m-section carries after negotiation. Self-contained (copies, no pointers). */
struct rs_sdp_media_choice {
    char mid[RS_SDP_MID_SIZE];
    enum rs_sdp_kind kind;
    bool accepted;       /* false: rejected (port 0); other fields then zero/empty */
    enum rs_sdp_dir dir; /* direction as the *browser* wrote it (offer or answer) */
    enum rs_sdp_codec codec;
    uint8_t pt;
    uint32_t clock;
    uint8_t channels;
    char fmtp[RS_SDP_FMTP_SIZE]; /* the codec's fmtp as the browser wrote it */
    int16_t rtx_pt;              /* -1: no RTX */
    uint8_t fb;                  /* RS_SDP_FB_* negotiated for `pt` */
    struct rs_sdp_ext_ids ext;
    /* Simulcast rids the browser sends (publish), in a=simulcast order, alternatives
     * flattened. When n_rids > 0 the SSRCs below are not filled: streams are found by rid. */
    uint8_t n_rids;
    struct rs_sdp_simulcast_alt rids[RS_SDP_MAX_RIDS];
    bool has_ssrc, has_rtx_ssrc; /* from a=ssrc-group:FID, else the first a=ssrc */
    uint32_t ssrc, rtx_ssrc;
    char msid_stream[RS_SDP_MSID_SIZE], msid_track[RS_SDP_MSID_SIZE];
};

/* Our side of either peer connection. Strings are borrowed for the call. */
struct rs_sdp_local {
    const char *ice_ufrag;    /* 4-256 ice-chars */
    const char *ice_pwd;      /* 22-256 ice-chars */
    const char *fingerprint;  /* sha-256, "AB:CD:..." */
    const char *ip;           /* candidate address, IPv4 or IPv6 literal */
    uint16_t port;            /* the server's one UDP port */
    uint16_t tcp_port;        /* ICE-TCP passive candidate (RFC 6544) on this port; 0: none */
    const char *tcp_ip;       /* ... on this address; NULL: ip */
    uint64_t session_id;      /* o= sess-id, stable per peer connection */
    uint64_t session_version; /* o= sess-version used by rs_sdp_build_answer */
    bool allow_h264;          /* take H.264 (packetization-mode=1, baseline profile 42....) */
    bool prefer_h264;         /* ...before VP8 */
    uint8_t fb;               /* RS_SDP_FB_* we accept in answers */
    uint8_t exts;             /* RS_SDP_EXT_* we accept in answers */
};

/* Zeroes `local` and sets defaults: VP8 only, all rtcp-fb and extensions accepted. */
void rs_sdp_local_init(struct rs_sdp_local *local);

/* Answers the browser's publish `offer`: every m-section is answered in offer order, accepted
 * ones recvonly (inactive if the offer was recvonly/inactive) and in our a=group:BUNDLE;
 * rejected ones with port 0 and their a=mid. An m-section is accepted when it is audio/video,
 * UDP/TLS/RTP/SAVPF, has a mid in the offer's BUNDLE group, has a=rtcp-mux, has a usable codec
 * (Opus; VP8, or H.264 when allowed) and the port is not 0 (or it is bundle-only).
 * `choices_out` must have room for offer->n_media entries and receives one per m-section.
 * Writes NUL-terminated text to `buf`; `*len_out` excludes the NUL. Succeeds even when every
 * m-section is rejected (a renegotiation that removed all tracks): callers check `accepted`.
 * -EINVAL: bad `local`, or the offer lacks ICE credentials/fingerprint or offers
 * a=setup:passive (we are always the DTLS server). -ENOSPC: `cap` too small. */
int rs_sdp_build_answer(const struct rs_sdp *offer, const struct rs_sdp_local *local,
                        struct rs_sdp_media_choice *choices_out, char *buf, size_t cap,
                        size_t *len_out);

/* One m-section of our subscribe offer. Strings are borrowed for the call. */
struct rs_sdp_offer_track {
    const char *mid;
    enum rs_sdp_kind kind; /* audio or video */
    bool active; /* false: an ended track kept at its position, port 0 + a=inactive, no ssrc */
    bool idle;   /* with active false: not rejected but a=inactive with our transport and in the
                  * BUNDLE group, so the browser keeps the transceiver and a later offer can
                  * make the same mid carry another track (port 0 stops it for good) */
    uint8_t pt;
    const char *codec_name; /* "opus", "VP8", "H264" */
    uint32_t clock;
    uint8_t channels; /* 0: none written */
    const char *fmtp; /* NULL or "" for none */
    int16_t rtx_pt;   /* -1: no RTX */
    uint32_t ssrc, rtx_ssrc;
    const char *cname, *stream_id, *track_id;
    uint8_t exts; /* RS_SDP_EXT_* to offer, at the RS_SDP_OFFER_EXTID_* ids */
    uint8_t fb;   /* RS_SDP_FB_* to offer */
};

/* Writes the subscribe offer: a=ice-lite, a=setup:actpass, one sendonly m-section per active
 * track (a=msid, a=ssrc cname/msid, a=ssrc-group:FID with the RTX SSRC) in `tracks` order, all
 * active and idle ones in a=group:BUNDLE. -EINVAL on a bad `local` or track (missing or bad token,
 * duplicate mid), -ENOSPC if `cap` is too small. */
int rs_sdp_build_offer(const struct rs_sdp_local *local, const struct rs_sdp_offer_track *tracks,
                       size_t n, uint64_t session_version, char *buf, size_t cap, size_t *len_out);

/* Reads what the browser's `answer` (to our offer) accepted: out[i] for answer->media[i],
 * i < answer->n_media. The codec is the first Opus/VP8/H264 format of each m-line. -E2BIG if
 * `max` < answer->n_media. */
int rs_sdp_parse_answer_choices(const struct rs_sdp *answer, struct rs_sdp_media_choice *out,
                                size_t max);

/* "sendrecv", "opus", ... for logs. Never NULL. */
const char *rs_sdp_dir_name(enum rs_sdp_dir dir);
const char *rs_sdp_codec_name(enum rs_sdp_codec codec);

/* Internal, shared by sdp_parse.c and sdp_build.c. */
bool rs_sdp__is_token(const char *s, size_t len);     /* RFC 8866 token, len >= 1 */
bool rs_sdp__is_ice_chars(const char *s, size_t len); /* ALPHA / DIGIT / "+" / "/" */
bool rs_sdp__is_rid(const char *s, size_t len);       /* 1*(ALPHA / DIGIT / "-" / "_") */
/* RS_SDP_EXT_* bit of a header-extension URI, 0 when not one we understand. */
unsigned rs_sdp__ext_bit(const char *uri);
const char *rs_sdp__ext_uri(unsigned bit);

#endif
