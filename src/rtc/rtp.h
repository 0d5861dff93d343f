/* SPDX-License-Identifier: EUPL-1.2 */
/* RTP packets (RFC 3550), header extensions (RFC 8285), and the payload descriptors the SFU
 * needs to find keyframes and rewrite picture ids: VP8 (RFC 7741), H.264 (RFC 6184).
 *
 * Parsing never allocates: rs_rtp_parse() fills a caller-owned struct rs_rtp_hdr whose pointers
 * borrow the packet buffer, which must outlive it. In-place rewrites take the same buffer,
 * writable. All functions return 0 or a negative errno: -EINVAL for malformed input, -ENOSPC
 * when an output buffer is too small, -ENOENT when an extension is absent. */
#ifndef RS_RTC_RTP_H
#define RS_RTC_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_RTP_HEADER_LEN 12
#define RS_RTP_EXT_ONE_BYTE 0xBEDE
#define RS_RTP_EXT_TWO_BYTE 0x1000 /* top 12 bits; low 4 bits are app bits */

struct rs_rtp_hdr {
    const uint8_t *buf; /* borrowed: the packet the header was parsed from */
    size_t len;         /* packet length */
    uint8_t version;    /* always 2 after a successful parse */
    bool padding;
    bool extension;
    bool marker;
    uint8_t csrc_count;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    size_t ext_off;       /* offset of the extension data (after its 4-byte header), 0 if none */
    size_t ext_len;       /* bytes of extension data */
    uint16_t ext_profile; /* 0xBEDE, 0x100X, or another profile (its elements are opaque) */
    size_t header_len;    /* fixed header + CSRCs + extension = payload offset */
    size_t payload_off;
    size_t payload_len; /* excludes padding */
    uint8_t padding_len;
};

/* One extension element for the builder. */
struct rs_rtp_ext {
    uint8_t id; /* 1..14 fit the one-byte form; 15..255 force the two-byte form */
    uint8_t len;
    const uint8_t *data; /* borrowed */
};

/* What rs_rtp_build_header() writes. */
struct rs_rtp_header_spec {
    uint8_t pt;
    bool marker;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    const uint32_t *csrc;         /* borrowed, csrc_count entries */
    uint8_t csrc_count;           /* 0..15 */
    const struct rs_rtp_ext *ext; /* borrowed, n_ext entries */
    size_t n_ext;
};

/* Parses an RTP packet: version 2, CSRC list, extension block (RFC 8285 elements validated for
 * the one- and two-byte profiles), padding (count 1..payload, counted from the end).
 * Borrows `pkt`; fills caller-owned `hdr`. */
int rs_rtp_parse(const uint8_t *pkt, size_t len, struct rs_rtp_hdr *hdr);

/* CSRC number `i` (< csrc_count) of a parsed header, or 0 when out of range. Borrows `hdr`. */
uint32_t rs_rtp_csrc(const struct rs_rtp_hdr *hdr, unsigned i);

/* Finds extension element `id` (1..14 in one-byte form, 1..255 in two-byte form). On success
 * *data points into the borrowed packet and *len is its length (may be 0 in two-byte form).
 * -ENOENT when absent or the profile is not RFC 8285. */
int rs_rtp_find_ext(const struct rs_rtp_hdr *hdr, uint8_t id, const uint8_t **data, size_t *len);

/* Copies a string extension (sdes:mid, rtp-stream-id, repaired-rtp-stream-id; the id is the one
 * negotiated in SDP) into caller-owned `out` with a NUL terminator. The value ends at the
 * first NUL byte. -EINVAL when empty, -ENOSPC when `cap` is too small. */
int rs_rtp_ext_string(const struct rs_rtp_hdr *hdr, uint8_t id, char *out, size_t cap);

/* RFC 6464 client-to-mixer audio level: voice activity flag and level 0..127 (-dBov). */
int rs_rtp_audio_level(const struct rs_rtp_hdr *hdr, uint8_t id, bool *voice, uint8_t *level);

/* abs-send-time: 24-bit 6.18 fixed-point seconds. */
int rs_rtp_abs_send_time(const struct rs_rtp_hdr *hdr, uint8_t id, uint32_t *time24);

/* transport-wide-cc sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
int rs_rtp_twcc_seq(const struct rs_rtp_hdr *hdr, uint8_t id, uint16_t *seq);

/* Overwrites the value of existing extension `id` in `pkt` (the writable buffer `hdr` was
 * parsed from) with `len` bytes of `data`; -EINVAL unless `len` equals the present length. */
int rs_rtp_write_ext(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id, const uint8_t *data,
                     size_t len);
int rs_rtp_set_twcc_seq(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id, uint16_t seq);
int rs_rtp_set_abs_send_time(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id,
                             uint32_t time24);

/* In-place rewrites of the fixed header of `pkt` (writable, at least 12 bytes). The marker bit
 * is kept by rs_rtp_set_pt. */
int rs_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc);
int rs_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq);
int rs_rtp_set_ts(uint8_t *pkt, size_t len, uint32_t ts);
int rs_rtp_set_pt(uint8_t *pkt, size_t len, uint8_t pt);
int rs_rtp_set_marker(uint8_t *pkt, size_t len, bool marker);

/* Writes an RTP header (fixed part, CSRCs, extension block in one-byte form when every element
 * fits it, else two-byte form, zero-padded to 32 bits) into caller-owned `out`. The caller
 * appends the payload at out + *header_len. Borrows `spec`. */
int rs_rtp_build_header(uint8_t *out, size_t cap, const struct rs_rtp_header_spec *spec,
                        size_t *header_len);

/* VP8 payload descriptor (RFC 7741 section 4.2) and the first byte of the VP8 payload. */
struct rs_vp8_desc {
    bool start;   /* S: first packet of a partition */
    bool non_ref; /* N */
    uint8_t pid;  /* partition index */
    bool has_picture_id;
    uint8_t picture_id_bits; /* 7 or 15 */
    uint16_t picture_id;
    bool has_tl0picidx;
    uint8_t tl0picidx;
    bool has_tid;
    uint8_t tid; /* temporal layer, 0..3 */
    bool layer_sync;
    bool has_keyidx;
    uint8_t keyidx;
    size_t picture_id_off; /* offset within the payload, when has_picture_id */
    size_t tl0picidx_off;  /* offset within the payload, when has_tl0picidx */
    size_t desc_len;       /* descriptor bytes; the VP8 payload starts here */
    bool keyframe;         /* S=1, PID=0 and the VP8 payload header's P bit is 0 */
};

/* Parses the VP8 payload descriptor at the start of an RTP payload. Borrows `payload`; fills
 * caller-owned `desc`. -EINVAL if truncated or if no VP8 payload byte follows. */
int rs_vp8_parse(const uint8_t *payload, size_t len, struct rs_vp8_desc *desc);

/* Rewrites the picture id in place, keeping its width (7 or 15 bits; `picture_id` is masked to
 * it). `payload` is the writable buffer `desc` was parsed from. -ENOENT if absent. */
int rs_vp8_set_picture_id(uint8_t *payload, size_t len, const struct rs_vp8_desc *desc,
                          uint16_t picture_id);
int rs_vp8_set_tl0picidx(uint8_t *payload, size_t len, const struct rs_vp8_desc *desc,
                         uint8_t tl0picidx);

/* Sets *keyframe when an H.264 RTP payload (RFC 6184) starts or carries an IDR slice (NAL 5)
 * or an SPS (NAL 7): single NAL unit, STAP-A aggregate, or FU-A start fragment. Borrows
 * `payload`. -EINVAL when malformed. */
int rs_h264_is_keyframe(const uint8_t *payload, size_t len, bool *keyframe);

#endif
