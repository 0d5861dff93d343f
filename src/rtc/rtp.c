/* SPDX-License-Identifier: EUPL-1.2 */
/* RTP: reading and rewriting the headers of the packets the SFU forwards.
 *
 * The SFU never decodes media, but it reads a lot from each packet: SSRC, sequence number and
 * timestamp to find the stream and rewrite them for the subscriber; the header extensions
 * (RFC 8285) for the MID and RID that identify a simulcast layer before the SSRC is known, the
 * audio level for active-speaker detection, the transport-wide sequence number that drives
 * bandwidth estimation; and the first bytes of the payload to see whether a video packet starts
 * a keyframe, the only place a subscriber may switch layers.
 *
 * rs_rtp_parse() validates the whole header once, including every extension element of the
 * one- and two-byte forms, so later lookups can walk the block without re-checking bounds
 * beyond the element they return. Rewrites are in place on the packet the parse borrowed: the
 * forwarding path copies a packet once into its send slot and patches it there, it never
 * rebuilds one.
 *
 * The subtle part is the extension block's padding: within the block, a zero byte is padding
 * in both forms, and in the one-byte form ID 15 ends processing (RFC 8285 section 4.2).
 * Browsers pad the block to 32 bits with zeros, and put padding between elements too. */
#include "rtc/rtp.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool is_one_byte(uint16_t profile)
{
    return profile == RS_RTP_EXT_ONE_BYTE;
}

static bool is_two_byte(uint16_t profile)
{
    return (profile & 0xFFF0) == RS_RTP_EXT_TWO_BYTE;
}

/* Next element of an RFC 8285 block `p[0..n)` starting at *pos. Returns 1 with the element's
 * id, value offset and length; 0 at the end; -EINVAL when an element overruns the block. */
static int ext_next(const uint8_t *p, size_t n, bool two_byte, size_t *pos, uint8_t *id,
                    size_t *off, size_t *len)
{
    while (*pos < n) {
        uint8_t b = p[*pos];
        if (b == 0) { /* padding byte, in either form */
            (*pos)++;
            continue;
        }
        if (!two_byte) {
            /* ID 15 is reserved and ends processing; so does ID 0 with a non-zero length,
             * which is neither padding nor an element (libwebrtc does the same). */
            if ((b >> 4) == 15 || (b >> 4) == 0)
                return 0;
            size_t l = (size_t)(b & 0x0F) + 1;
            if (l > n - *pos - 1)
                return -EINVAL;
            *id = b >> 4;
            *off = *pos + 1;
            *len = l;
            *pos += 1 + l;
            return 1;
        }
        if (n - *pos < 2)
            return -EINVAL;
        size_t l = p[*pos + 1];
        if (l > n - *pos - 2)
            return -EINVAL;
        *id = b;
        *off = *pos + 2;
        *len = l;
        *pos += 2 + l;
        return 1;
    }
    return 0;
}

int rs_rtp_parse(const uint8_t *pkt, size_t len, struct rs_rtp_hdr *hdr)
{
    if (pkt == NULL || hdr == NULL)
        return -EINVAL;
    memset(hdr, 0, sizeof *hdr);
    if (len < RS_RTP_HEADER_LEN)
        return -EINVAL;
    hdr->buf = pkt;
    hdr->len = len;
    hdr->version = pkt[0] >> 6;
    if (hdr->version != 2)
        return -EINVAL;
    hdr->padding = (pkt[0] & 0x20) != 0;
    hdr->extension = (pkt[0] & 0x10) != 0;
    hdr->csrc_count = pkt[0] & 0x0F;
    hdr->marker = (pkt[1] & 0x80) != 0;
    hdr->pt = pkt[1] & 0x7F;
    hdr->seq = get16(pkt + 2);
    hdr->ts = get32(pkt + 4);
    hdr->ssrc = get32(pkt + 8);

    size_t off = RS_RTP_HEADER_LEN + 4u * hdr->csrc_count;
    if (off > len)
        return -EINVAL;
    if (hdr->extension) {
        if (len - off < 4)
            return -EINVAL;
        hdr->ext_profile = get16(pkt + off);
        size_t ext_len = 4u * get16(pkt + off + 2);
        if (ext_len > len - off - 4)
            return -EINVAL;
        hdr->ext_off = off + 4;
        hdr->ext_len = ext_len;
        off += 4 + ext_len;
        bool two = is_two_byte(hdr->ext_profile);
        if (two || is_one_byte(hdr->ext_profile)) {
            size_t pos = 0, eoff, elen;
            uint8_t id;
            int rc;
            while ((rc = ext_next(pkt + hdr->ext_off, ext_len, two, &pos, &id, &eoff, &elen)) > 0)
                ;
            if (rc < 0)
                return rc;
        }
    }
    hdr->header_len = off;
    hdr->payload_off = off;
    size_t end = len;
    if (hdr->padding) {
        uint8_t pad = pkt[len - 1];
        if (pad == 0 || pad > len - off)
            return -EINVAL;
        hdr->padding_len = pad;
        end -= pad;
    }
    hdr->payload_len = end - off;
    return 0;
}

uint32_t rs_rtp_csrc(const struct rs_rtp_hdr *hdr, unsigned i)
{
    if (hdr == NULL || hdr->buf == NULL || i >= hdr->csrc_count)
        return 0;
    return get32(hdr->buf + RS_RTP_HEADER_LEN + 4u * i);
}

/* Finds `id` and returns its value offset within the packet. */
static int find_ext_off(const struct rs_rtp_hdr *hdr, uint8_t id, size_t *off, size_t *len)
{
    if (hdr == NULL || hdr->buf == NULL || !hdr->extension || id == 0)
        return -ENOENT;
    bool two = is_two_byte(hdr->ext_profile);
    if (!two && !is_one_byte(hdr->ext_profile))
        return -ENOENT;
    if (!two && id > 14)
        return -ENOENT;
    if (hdr->ext_off + hdr->ext_len > hdr->len)
        return -EINVAL;
    const uint8_t *block = hdr->buf + hdr->ext_off;
    size_t pos = 0, eoff, elen;
    uint8_t eid;
    int rc;
    while ((rc = ext_next(block, hdr->ext_len, two, &pos, &eid, &eoff, &elen)) > 0) {
        if (eid == id) {
            *off = hdr->ext_off + eoff;
            *len = elen;
            return 0;
        }
    }
    return rc < 0 ? rc : -ENOENT;
}

int rs_rtp_find_ext(const struct rs_rtp_hdr *hdr, uint8_t id, const uint8_t **data, size_t *len)
{
    size_t off, l;
    if (data == NULL || len == NULL)
        return -EINVAL;
    int rc = find_ext_off(hdr, id, &off, &l);
    if (rc < 0)
        return rc;
    *data = hdr->buf + off;
    *len = l;
    return 0;
}

int rs_rtp_ext_string(const struct rs_rtp_hdr *hdr, uint8_t id, char *out, size_t cap)
{
    const uint8_t *d;
    size_t l;
    if (out == NULL)
        return -EINVAL;
    int rc = rs_rtp_find_ext(hdr, id, &d, &l);
    if (rc < 0)
        return rc;
    size_t n = strnlen((const char *)d, l);
    if (n == 0)
        return -EINVAL;
    if (n + 1 > cap)
        return -ENOSPC;
    memcpy(out, d, n);
    out[n] = '\0';
    return 0;
}

int rs_rtp_audio_level(const struct rs_rtp_hdr *hdr, uint8_t id, bool *voice, uint8_t *level)
{
    const uint8_t *d;
    size_t l;
    if (voice == NULL || level == NULL)
        return -EINVAL;
    int rc = rs_rtp_find_ext(hdr, id, &d, &l);
    if (rc < 0)
        return rc;
    if (l < 1)
        return -EINVAL;
    *voice = (d[0] & 0x80) != 0;
    *level = d[0] & 0x7F;
    return 0;
}

int rs_rtp_abs_send_time(const struct rs_rtp_hdr *hdr, uint8_t id, uint32_t *time24)
{
    const uint8_t *d;
    size_t l;
    if (time24 == NULL)
        return -EINVAL;
    int rc = rs_rtp_find_ext(hdr, id, &d, &l);
    if (rc < 0)
        return rc;
    if (l != 3)
        return -EINVAL;
    *time24 = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
    return 0;
}

int rs_rtp_twcc_seq(const struct rs_rtp_hdr *hdr, uint8_t id, uint16_t *seq)
{
    const uint8_t *d;
    size_t l;
    if (seq == NULL)
        return -EINVAL;
    int rc = rs_rtp_find_ext(hdr, id, &d, &l);
    if (rc < 0)
        return rc;
    if (l != 2)
        return -EINVAL;
    *seq = get16(d);
    return 0;
}

int rs_rtp_write_ext(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id, const uint8_t *data,
                     size_t len)
{
    size_t off, l;
    if (pkt == NULL || (data == NULL && len > 0))
        return -EINVAL;
    int rc = find_ext_off(hdr, id, &off, &l);
    if (rc < 0)
        return rc;
    if (l != len)
        return -EINVAL;
    if (len > 0)
        memcpy(pkt + off, data, len);
    return 0;
}

int rs_rtp_set_twcc_seq(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id, uint16_t seq)
{
    uint8_t v[2];
    put16(v, seq);
    return rs_rtp_write_ext(pkt, hdr, id, v, 2);
}

int rs_rtp_set_abs_send_time(uint8_t *pkt, const struct rs_rtp_hdr *hdr, uint8_t id,
                             uint32_t time24)
{
    uint8_t v[3] = {(uint8_t)(time24 >> 16), (uint8_t)(time24 >> 8), (uint8_t)time24};
    return rs_rtp_write_ext(pkt, hdr, id, v, 3);
}

int rs_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc)
{
    if (pkt == NULL || len < RS_RTP_HEADER_LEN)
        return -EINVAL;
    put32(pkt + 8, ssrc);
    return 0;
}

int rs_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq)
{
    if (pkt == NULL || len < RS_RTP_HEADER_LEN)
        return -EINVAL;
    put16(pkt + 2, seq);
    return 0;
}

int rs_rtp_set_ts(uint8_t *pkt, size_t len, uint32_t ts)
{
    if (pkt == NULL || len < RS_RTP_HEADER_LEN)
        return -EINVAL;
    put32(pkt + 4, ts);
    return 0;
}

int rs_rtp_set_pt(uint8_t *pkt, size_t len, uint8_t pt)
{
    if (pkt == NULL || len < RS_RTP_HEADER_LEN || pt > 127)
        return -EINVAL;
    pkt[1] = (uint8_t)((pkt[1] & 0x80) | pt);
    return 0;
}

int rs_rtp_set_marker(uint8_t *pkt, size_t len, bool marker)
{
    if (pkt == NULL || len < RS_RTP_HEADER_LEN)
        return -EINVAL;
    pkt[1] = (uint8_t)((pkt[1] & 0x7F) | (marker ? 0x80 : 0));
    return 0;
}

int rs_rtp_build_header(uint8_t *out, size_t cap, const struct rs_rtp_header_spec *spec,
                        size_t *header_len)
{
    if (out == NULL || spec == NULL || header_len == NULL || spec->pt > 127 ||
        spec->csrc_count > 15 || (spec->csrc_count > 0 && spec->csrc == NULL) ||
        (spec->n_ext > 0 && spec->ext == NULL))
        return -EINVAL;

    bool one_byte = true;
    size_t ext_bytes = 0;
    for (size_t i = 0; i < spec->n_ext; i++) {
        const struct rs_rtp_ext *e = &spec->ext[i];
        if (e->id == 0 || (e->len > 0 && e->data == NULL))
            return -EINVAL;
        if (e->id > 14 || e->len == 0 || e->len > 16)
            one_byte = false;
    }
    for (size_t i = 0; i < spec->n_ext; i++)
        ext_bytes += (one_byte ? 1u : 2u) + spec->ext[i].len;
    size_t ext_padded = (ext_bytes + 3) & ~(size_t)3;
    if (ext_padded / 4 > 0xFFFF)
        return -EINVAL;

    size_t need = RS_RTP_HEADER_LEN + 4u * spec->csrc_count + (spec->n_ext ? 4 + ext_padded : 0);
    if (cap < need)
        return -ENOSPC;

    out[0] = (uint8_t)(0x80 | (spec->n_ext ? 0x10 : 0) | spec->csrc_count);
    out[1] = (uint8_t)((spec->marker ? 0x80 : 0) | spec->pt);
    put16(out + 2, spec->seq);
    put32(out + 4, spec->ts);
    put32(out + 8, spec->ssrc);
    size_t off = RS_RTP_HEADER_LEN;
    for (unsigned i = 0; i < spec->csrc_count; i++, off += 4)
        put32(out + off, spec->csrc[i]);
    if (spec->n_ext) {
        put16(out + off, one_byte ? RS_RTP_EXT_ONE_BYTE : RS_RTP_EXT_TWO_BYTE);
        put16(out + off + 2, (uint16_t)(ext_padded / 4));
        off += 4;
        size_t end = off + ext_padded;
        for (size_t i = 0; i < spec->n_ext; i++) {
            const struct rs_rtp_ext *e = &spec->ext[i];
            if (one_byte) {
                out[off++] = (uint8_t)(e->id << 4 | (e->len - 1));
            } else {
                out[off++] = e->id;
                out[off++] = e->len;
            }
            if (e->len > 0)
                memcpy(out + off, e->data, e->len);
            off += e->len;
        }
        memset(out + off, 0, end - off);
        off = end;
    }
    *header_len = off;
    return 0;
}

/* ---- VP8 (RFC 7741 section 4.2) ----
 *
 *      0 1 2 3 4 5 6 7
 *     +-+-+-+-+-+-+-+-+
 *     |X|R|N|S|R| PID |  required
 *     |I|L|T|K| RSV   |  if X
 *     |M| PictureID   |  if I; a second byte if M
 *     |   TL0PICIDX   |  if L
 *     |TID|Y| KEYIDX  |  if T or K
 */
int rs_vp8_parse(const uint8_t *payload, size_t len, struct rs_vp8_desc *desc)
{
    if (payload == NULL || desc == NULL)
        return -EINVAL;
    memset(desc, 0, sizeof *desc);
    if (len < 1)
        return -EINVAL;
    uint8_t b0 = payload[0];
    desc->non_ref = (b0 & 0x20) != 0;
    desc->start = (b0 & 0x10) != 0;
    desc->pid = b0 & 0x07;
    size_t off = 1;
    if (b0 & 0x80) {
        if (off >= len)
            return -EINVAL;
        uint8_t x = payload[off++];
        if (x & 0x80) {
            if (off >= len)
                return -EINVAL;
            desc->has_picture_id = true;
            desc->picture_id_off = off;
            if (payload[off] & 0x80) {
                if (len - off < 2)
                    return -EINVAL;
                desc->picture_id_bits = 15;
                desc->picture_id = (uint16_t)((payload[off] & 0x7F) << 8 | payload[off + 1]);
                off += 2;
            } else {
                desc->picture_id_bits = 7;
                desc->picture_id = payload[off] & 0x7F;
                off += 1;
            }
        }
        if (x & 0x40) {
            if (off >= len)
                return -EINVAL;
            desc->has_tl0picidx = true;
            desc->tl0picidx_off = off;
            desc->tl0picidx = payload[off++];
        }
        if (x & 0x30) {
            if (off >= len)
                return -EINVAL;
            uint8_t t = payload[off++];
            if (x & 0x20) {
                desc->has_tid = true;
                desc->tid = t >> 6;
                desc->layer_sync = (t & 0x20) != 0;
            }
            if (x & 0x10) {
                desc->has_keyidx = true;
                desc->keyidx = t & 0x1F;
            }
        }
    }
    if (off >= len)
        return -EINVAL; /* a descriptor with no VP8 payload after it */
    desc->desc_len = off;
    /* VP8 payload header (RFC 7741 section 4.3): P bit 0 means a key frame. */
    desc->keyframe = desc->start && desc->pid == 0 && (payload[off] & 0x01) == 0;
    return 0;
}

int rs_vp8_set_picture_id(uint8_t *payload, size_t len, const struct rs_vp8_desc *desc,
                          uint16_t picture_id)
{
    if (payload == NULL || desc == NULL)
        return -EINVAL;
    if (!desc->has_picture_id)
        return -ENOENT;
    size_t off = desc->picture_id_off;
    if (desc->picture_id_bits == 15) {
        if (off + 2 > len)
            return -EINVAL;
        payload[off] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7F));
        payload[off + 1] = (uint8_t)picture_id;
        return 0;
    }
    if (off + 1 > len)
        return -EINVAL;
    payload[off] = picture_id & 0x7F;
    return 0;
}

int rs_vp8_set_tl0picidx(uint8_t *payload, size_t len, const struct rs_vp8_desc *desc,
                         uint8_t tl0picidx)
{
    if (payload == NULL || desc == NULL)
        return -EINVAL;
    if (!desc->has_tl0picidx)
        return -ENOENT;
    if (desc->tl0picidx_off >= len)
        return -EINVAL;
    payload[desc->tl0picidx_off] = tl0picidx;
    return 0;
}

/* ---- H.264 (RFC 6184) ---- */

static bool h264_key_nal(uint8_t type)
{
    return type == 5 || type == 7; /* IDR slice, SPS */
}

int rs_h264_is_keyframe(const uint8_t *payload, size_t len, bool *keyframe)
{
    if (payload == NULL || keyframe == NULL || len < 1)
        return -EINVAL;
    *keyframe = false;
    uint8_t type = payload[0] & 0x1F;
    if (type == 0)
        return -EINVAL;
    if (type <= 23) {
        *keyframe = h264_key_nal(type);
        return 0;
    }
    if (type == 24) { /* STAP-A: [size16 NAL]... */
        size_t off = 1;
        if (off >= len)
            return -EINVAL;
        bool key = false;
        while (off < len) {
            if (len - off < 2)
                return -EINVAL;
            size_t n = get16(payload + off);
            off += 2;
            if (n == 0 || n > len - off)
                return -EINVAL;
            if (h264_key_nal(payload[off] & 0x1F))
                key = true;
            off += n;
        }
        *keyframe = key;
        return 0;
    }
    if (type == 28) { /* FU-A: indicator, header (S E R type) */
        if (len < 2)
            return -EINVAL;
        *keyframe = (payload[1] & 0x80) && h264_key_nal(payload[1] & 0x1F);
        return 0;
    }
    return 0; /* STAP-B, MTAP, FU-B: not produced by browsers; never a keyframe start here */
}
