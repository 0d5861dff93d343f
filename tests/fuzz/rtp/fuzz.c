/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for RTP: header parse, every extension accessor, in-place rewrites (which
 * must keep the packet parseable with the same layout), the header builder fed from the parsed
 * extensions, and the VP8 and H.264 payload readers. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/rtp.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

static void payloads(const uint8_t *payload, size_t len)
{
    uint8_t copy[2048];
    if (len > sizeof copy)
        len = sizeof copy;
    memcpy(copy, payload, len);
    struct rs_vp8_desc d;
    if (rs_vp8_parse(copy, len, &d) == 0) {
        must(d.desc_len < len);
        uint16_t want = (uint16_t)(d.picture_id + 1);
        if (rs_vp8_set_picture_id(copy, len, &d, want) == 0) {
            struct rs_vp8_desc d2;
            must(rs_vp8_parse(copy, len, &d2) == 0);
            must(d2.picture_id == (want & (d.picture_id_bits == 15 ? 0x7FFF : 0x7F)));
            must(d2.desc_len == d.desc_len && d2.keyframe == d.keyframe);
        }
        (void)rs_vp8_set_tl0picidx(copy, len, &d, 9);
    }
    bool key;
    (void)rs_h264_is_keyframe(copy, len, &key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)rs_demux(data, size);
    payloads(data, size);
    struct rs_rtp_hdr h;
    if (rs_rtp_parse(data, size, &h) != 0)
        return 0;
    must(h.payload_off + h.payload_len + h.padding_len == size);
    for (unsigned i = 0; i < h.csrc_count; i++)
        (void)rs_rtp_csrc(&h, i);

    struct rs_rtp_ext ext[32];
    size_t n_ext = 0;
    volatile uint8_t sink = 0;
    for (unsigned id = 1; id <= 255; id++) {
        const uint8_t *d;
        size_t l;
        if (rs_rtp_find_ext(&h, (uint8_t)id, &d, &l) != 0)
            continue;
        must(d >= data + h.ext_off && d + l <= data + h.ext_off + h.ext_len);
        for (size_t i = 0; i < l; i++)
            sink ^= d[i];
        if (n_ext < 32)
            ext[n_ext++] = (struct rs_rtp_ext){(uint8_t)id, (uint8_t)l, d};
        char s[300];
        (void)rs_rtp_ext_string(&h, (uint8_t)id, s, sizeof s);
        (void)rs_rtp_ext_string(&h, (uint8_t)id, s, 4);
        bool voice;
        uint8_t level;
        uint32_t t24;
        uint16_t seq;
        (void)rs_rtp_audio_level(&h, (uint8_t)id, &voice, &level);
        (void)rs_rtp_abs_send_time(&h, (uint8_t)id, &t24);
        (void)rs_rtp_twcc_seq(&h, (uint8_t)id, &seq);
    }
    (void)sink;

    /* In-place rewrites on a copy. */
    uint8_t copy[4096];
    if (size <= sizeof copy) {
        memcpy(copy, data, size);
        struct rs_rtp_hdr hc;
        must(rs_rtp_parse(copy, size, &hc) == 0);
        must(rs_rtp_set_ssrc(copy, size, ~h.ssrc) == 0);
        must(rs_rtp_set_seq(copy, size, (uint16_t)(h.seq + 1)) == 0);
        must(rs_rtp_set_ts(copy, size, h.ts + 3000) == 0);
        must(rs_rtp_set_pt(copy, size, (uint8_t)((h.pt + 1) & 0x7F)) == 0);
        for (size_t i = 0; i < n_ext; i++) {
            uint8_t v[255];
            memset(v, 0x5A, sizeof v);
            must(rs_rtp_write_ext(copy, &hc, ext[i].id, v, ext[i].len) == 0);
            (void)rs_rtp_set_twcc_seq(copy, &hc, ext[i].id, 77);
            (void)rs_rtp_set_abs_send_time(copy, &hc, ext[i].id, 0xABCDEF);
        }
        struct rs_rtp_hdr h2;
        must(rs_rtp_parse(copy, size, &h2) == 0);
        must(h2.ssrc == ~h.ssrc && h2.seq == (uint16_t)(h.seq + 1) && h2.marker == h.marker);
        must(h2.header_len == h.header_len && h2.payload_len == h.payload_len);
    }

    /* Rebuild a header from what was parsed; it must parse back with the same values. The
     * extension pointers borrow `data`, which stays valid for the call. */
    uint32_t csrc[15];
    for (unsigned i = 0; i < h.csrc_count; i++)
        csrc[i] = rs_rtp_csrc(&h, i);
    struct rs_rtp_header_spec spec = {
        .pt = h.pt,
        .marker = h.marker,
        .seq = h.seq,
        .ts = h.ts,
        .ssrc = h.ssrc,
        .csrc = csrc,
        .csrc_count = h.csrc_count,
        .ext = ext,
        .n_ext = n_ext,
    };
    uint8_t out[2048];
    size_t hl;
    if (rs_rtp_build_header(out, sizeof out, &spec, &hl) == 0) {
        struct rs_rtp_hdr b;
        must(rs_rtp_parse(out, hl, &b) == 0);
        must(b.seq == h.seq && b.ts == h.ts && b.ssrc == h.ssrc && b.pt == h.pt);
        must(b.csrc_count == h.csrc_count && b.header_len == hl);
        for (size_t i = 0; i < n_ext; i++) {
            const uint8_t *d;
            size_t l;
            must(rs_rtp_find_ext(&b, ext[i].id, &d, &l) == 0);
            must(l == ext[i].len && (l == 0 || memcmp(d, ext[i].data, l) == 0));
        }
        must(rs_rtp_build_header(out, hl - 1, &spec, &hl) == -ENOSPC);
    }
    payloads(data + h.payload_off, h.payload_len);
    return 0;
}
