/* SPDX-License-Identifier: EUPL-1.2 */
/* RTCP (RFC 3550) and the feedback messages an SFU lives on: generic NACK and PLI (RFC 4585),
 * FIR (RFC 5104), REMB (draft-alvestrand-rmcat-remb), transport-wide congestion control
 * feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).
 *
 * Reading: rs_rtcp_iter_next() walks a compound packet, validating each packet's header and
 * length; typed parsers then read one packet. Results borrow the compound buffer, which must
 * outlive them; arrays are caller-owned and bounded (a parser that has more to report than fits
 * fills what fits and returns -ENOSPC). Writing: each builder writes one packet into a
 * caller-owned buffer and sets *out_len; a compound packet is built by calling builders one
 * after another at out + used. All functions return 0 or a negative errno: -EINVAL for malformed
 * input, -ENOSPC for a short output buffer or array. Nothing allocates. */
#ifndef RS_RTC_RTCP_H
#define RS_RTC_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RS_RTCP_SR = 200,
    RS_RTCP_RR = 201,
    RS_RTCP_SDES = 202,
    RS_RTCP_BYE = 203,
    RS_RTCP_APP = 204,
    RS_RTCP_RTPFB = 205,
    RS_RTCP_PSFB = 206,
};

enum {
    RS_RTCP_FMT_NACK = 1,  /* RTPFB */
    RS_RTCP_FMT_TWCC = 15, /* RTPFB */
    RS_RTCP_FMT_PLI = 1,   /* PSFB */
    RS_RTCP_FMT_FIR = 4,   /* PSFB */
    RS_RTCP_FMT_AFB = 15,  /* PSFB application layer feedback: REMB */
};

#define RS_RTCP_MAX_REPORTS 31
#define RS_RTCP_MAX_REMB_SSRCS 255
/* Most statuses one transport-cc feedback we build may cover (sequence-number span). */
#define RS_TWCC_MAX_STATUS 2048

/* One packet of a compound packet. */
struct rs_rtcp_pkt {
    const uint8_t *data; /* borrowed: the packet's first byte */
    size_t off;          /* offset of `data` within the compound buffer */
    size_t len;          /* whole packet, header and padding included */
    uint8_t count;       /* RC, SC or FMT: the header's low five bits */
    uint8_t pt;
    bool padding;
    const uint8_t *body; /* borrowed: after the 4-byte header */
    size_t body_len;     /* padding excluded */
};

struct rs_rtcp_iter {
    const uint8_t *buf; /* borrowed compound packet */
    size_t len;
    size_t off;
};

struct rs_rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed on the wire */
    uint32_t ext_highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
};

struct rs_rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp; /* seconds << 32 | fraction */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t n_reports;
    struct rs_rtcp_report_block reports[RS_RTCP_MAX_REPORTS];
};

struct rs_rtcp_rr {
    uint32_t ssrc;
    uint8_t n_reports;
    struct rs_rtcp_report_block reports[RS_RTCP_MAX_REPORTS];
};

struct rs_rtcp_sdes_chunk {
    uint32_t ssrc;
    const uint8_t *cname; /* borrowed, not NUL-terminated; NULL if the chunk has no CNAME */
    size_t cname_len;
};

struct rs_rtcp_bye {
    uint8_t n_ssrcs;
    uint32_t ssrcs[RS_RTCP_MAX_REPORTS];
    const uint8_t *reason; /* borrowed, NULL if absent */
    size_t reason_len;
};

/* Common header of RTPFB/PSFB messages (RFC 4585 section 6.1). */
struct rs_rtcp_fb {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci; /* borrowed feedback control information */
    size_t fci_len;
};

struct rs_rtcp_fir_entry {
    uint32_t ssrc;
    uint8_t seq_nr;
};

struct rs_rtcp_remb {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps;
    uint8_t n_ssrcs;
    uint32_t ssrcs[RS_RTCP_MAX_REMB_SSRCS];
};

struct rs_rtcp_twcc {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time; /* 24-bit signed, multiples of 64 ms */
    uint8_t fb_count;
    size_t n_received;
};

/* One packet's fate in a transport-cc feedback. */
struct rs_twcc_status {
    uint16_t seq;
    bool received;
    int32_t delta_us;   /* receive delta, multiple of 250 us; 0 when not received */
    int64_t arrival_us; /* reference_time * 64 ms plus the deltas so far; valid when received */
};

/* A received packet, input to the transport-cc feedback builder. */
struct rs_twcc_arrival {
    uint16_t seq;
    int64_t arrival_us; /* receive time in any monotonic microsecond time base */
};

/* Starts iterating the compound packet `buf` (borrowed for the iterator's life). */
void rs_rtcp_iter_init(struct rs_rtcp_iter *it, const uint8_t *buf, size_t len);

/* Fills `pkt` with the next packet (version 2, length within the buffer, padding count within
 * the packet). Returns 0, -ENODATA after the last packet, or -EINVAL; after -EINVAL the
 * iterator stays at the bad packet. */
int rs_rtcp_iter_next(struct rs_rtcp_iter *it, struct rs_rtcp_pkt *pkt);

/* Checks that `buf` is a non-empty sequence of well-formed RTCP packet headers. */
int rs_rtcp_validate(const uint8_t *buf, size_t len);

/* Typed parsers: each checks pt (and FMT) and bounds, fills caller-owned output. */
int rs_rtcp_parse_sr(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_sr *sr);
int rs_rtcp_parse_rr(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_rr *rr);
/* Stores up to `max` chunks in `chunks`, sets *n to the number stored. */
int rs_rtcp_parse_sdes(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_sdes_chunk *chunks, size_t max,
                       size_t *n);
int rs_rtcp_parse_bye(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_bye *bye);
/* Any RTPFB or PSFB message: sender and media SSRC, FCI. */
int rs_rtcp_parse_fb(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb);
/* Generic NACK: expands every PID/BLP pair into sequence numbers, up to `max` into `seqs`. */
int rs_rtcp_parse_nack(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb, uint16_t *seqs,
                       size_t max, size_t *n);
int rs_rtcp_parse_pli(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb);
int rs_rtcp_parse_fir(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb,
                      struct rs_rtcp_fir_entry *entries, size_t max, size_t *n);
int rs_rtcp_parse_remb(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_remb *remb);
/* Transport-cc feedback: one status per packet in [base_seq, base_seq + status_count), up to
 * `max` into `out`; the whole message is validated even when `out` is short. */
int rs_rtcp_parse_twcc(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_twcc *twcc,
                       struct rs_twcc_status *out, size_t max, size_t *n);

/* Rewrites, in the writable compound buffer `buf` (length `len`) that `pkt` was read from, the
 * media-source SSRC of an RTPFB/PSFB message; for FIR also every entry's SSRC. */
int rs_rtcp_set_media_ssrc(uint8_t *buf, size_t len, const struct rs_rtcp_pkt *pkt, uint32_t ssrc);

/* Builders: one packet into caller-owned `out` (capacity `cap`), length into *out_len; all
 * inputs borrowed. */
int rs_rtcp_build_sr(uint8_t *out, size_t cap, const struct rs_rtcp_sr *sr, size_t *out_len);
int rs_rtcp_build_rr(uint8_t *out, size_t cap, const struct rs_rtcp_rr *rr, size_t *out_len);
int rs_rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname,
                             size_t cname_len, size_t *out_len);
int rs_rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, size_t n, size_t *out_len);
/* Packs `seqs` into PID/BLP pairs; ascending order (modulo 2^16) packs tightest, any order is
 * correct. */
int rs_rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n, size_t *out_len);
int rs_rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      size_t *out_len);
int rs_rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc,
                      const struct rs_rtcp_fir_entry *entries, size_t n, size_t *out_len);
int rs_rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                       const uint32_t *ssrcs, size_t n, size_t *out_len);
/* Transport-cc feedback for `pkts`, received packets in ascending transport sequence order
 * (modulo 2^16, no duplicates); gaps are reported as not received. Base sequence is pkts[0].seq,
 * the reference time pkts[0]'s arrival rounded down to 64 ms. Stops early, setting *consumed
 * < n, when a delta does not fit 16 bits, the span exceeds RS_TWCC_MAX_STATUS, or `cap` is
 * reached; the caller sends this one and builds another from pkts + *consumed. -ENOSPC if not
 * even one packet fits, -EINVAL if `pkts` is not ascending. */
int rs_rtcp_build_twcc(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       uint8_t fb_count, const struct rs_twcc_arrival *pkts, size_t n,
                       size_t *consumed, size_t *out_len);

#endif
