/* SPDX-License-Identifier: EUPL-1.2 */
/* RTCP: the control packets that keep forwarded media healthy.
 *
 * The SFU terminates RTCP on both sides. From publishers it reads sender reports (for lip
 * sync and RTT) and sends them receiver reports, NACKs for lost packets, PLI/FIR when a
 * subscriber needs a keyframe, and transport-cc feedback so the browser's bandwidth estimator
 * can pace its encoder. From subscribers it reads NACK (answered from the retransmission
 * buffer), PLI/FIR (forwarded upstream, with the SSRC rewritten), REMB and receiver reports.
 *
 * A compound packet is a sequence of packets each announcing its own length in 32-bit words
 * minus one. rs_rtcp_iter_next() checks every such length against the buffer before handing a
 * packet out; the typed parsers then check their own fixed parts and counts against the
 * packet's body. Nothing is trusted twice and nothing is read past a validated length.
 *
 * The subtle one is transport-cc feedback: the packet-status chunks (run-length, 1-bit and
 * 2-bit vectors) come first and the receive deltas after all of them, so where the deltas
 * start is only known once every chunk has been read. The parser therefore walks the chunks
 * twice: once to find the size of the delta area, then again pairing each status with its
 * delta. The builder materializes the status symbols of its sequence span once on the stack
 * (bounded by RS_TWCC_MAX_STATUS) and encodes them greedily: long runs as run-length chunks,
 * everything else as 14 one-bit or 7 two-bit symbols. */
#include "rtc/rtcp.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
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

static void put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int32_t sign24(uint32_t v)
{
    return (v & 0x800000) ? (int32_t)(v | 0xFF000000u) : (int32_t)v;
}

/* Writes the common header; `len` is the whole packet in bytes, a multiple of 4. */
static void put_header(uint8_t *out, uint8_t count, uint8_t pt, size_t len)
{
    out[0] = (uint8_t)(0x80 | (count & 0x1F));
    out[1] = pt;
    put16(out + 2, (uint16_t)(len / 4 - 1));
}

/* ---- iteration ---- */

void rs_rtcp_iter_init(struct rs_rtcp_iter *it, const uint8_t *buf, size_t len)
{
    if (it == NULL)
        return;
    it->buf = buf;
    it->len = buf ? len : 0;
    it->off = 0;
}

int rs_rtcp_iter_next(struct rs_rtcp_iter *it, struct rs_rtcp_pkt *pkt)
{
    if (it == NULL || pkt == NULL)
        return -EINVAL;
    memset(pkt, 0, sizeof *pkt);
    if (it->off >= it->len)
        return -ENODATA;
    size_t rest = it->len - it->off;
    const uint8_t *p = it->buf + it->off;
    if (rest < 4 || (p[0] >> 6) != 2)
        return -EINVAL;
    size_t total = 4 * ((size_t)get16(p + 2) + 1);
    if (total > rest)
        return -EINVAL;
    size_t pad = 0;
    if (p[0] & 0x20) {
        pad = p[total - 1];
        if (pad == 0 || pad > total - 4)
            return -EINVAL;
    }
    pkt->data = p;
    pkt->off = it->off;
    pkt->len = total;
    pkt->count = p[0] & 0x1F;
    pkt->pt = p[1];
    pkt->padding = pad != 0;
    pkt->body = p + 4;
    pkt->body_len = total - 4 - pad;
    it->off += total;
    return 0;
}

int rs_rtcp_validate(const uint8_t *buf, size_t len)
{
    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt pkt;
    if (buf == NULL || len == 0)
        return -EINVAL;
    rs_rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = rs_rtcp_iter_next(&it, &pkt)) == 0)
        ;
    return rc == -ENODATA ? 0 : rc;
}

/* ---- SR / RR ---- */

static void read_report(const uint8_t *p, struct rs_rtcp_report_block *rb)
{
    rb->ssrc = get32(p);
    rb->fraction_lost = p[4];
    rb->cumulative_lost = sign24(get24(p + 5));
    rb->ext_highest_seq = get32(p + 8);
    rb->jitter = get32(p + 12);
    rb->lsr = get32(p + 16);
    rb->dlsr = get32(p + 20);
}

int rs_rtcp_parse_sr(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_sr *sr)
{
    if (pkt == NULL || sr == NULL || pkt->pt != RS_RTCP_SR)
        return -EINVAL;
    memset(sr, 0, sizeof *sr);
    /* Profile-specific extensions may follow the report blocks. */
    if (pkt->body_len < 24 + 24u * pkt->count)
        return -EINVAL;
    const uint8_t *b = pkt->body;
    sr->ssrc = get32(b);
    sr->ntp = (uint64_t)get32(b + 4) << 32 | get32(b + 8);
    sr->rtp_ts = get32(b + 12);
    sr->packet_count = get32(b + 16);
    sr->octet_count = get32(b + 20);
    sr->n_reports = pkt->count;
    for (unsigned i = 0; i < pkt->count; i++)
        read_report(b + 24 + 24 * i, &sr->reports[i]);
    return 0;
}

int rs_rtcp_parse_rr(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_rr *rr)
{
    if (pkt == NULL || rr == NULL || pkt->pt != RS_RTCP_RR)
        return -EINVAL;
    memset(rr, 0, sizeof *rr);
    if (pkt->body_len < 4 + 24u * pkt->count)
        return -EINVAL;
    rr->ssrc = get32(pkt->body);
    rr->n_reports = pkt->count;
    for (unsigned i = 0; i < pkt->count; i++)
        read_report(pkt->body + 4 + 24 * i, &rr->reports[i]);
    return 0;
}

/* ---- SDES / BYE ---- */

int rs_rtcp_parse_sdes(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_sdes_chunk *chunks, size_t max,
                       size_t *n)
{
    if (pkt == NULL || n == NULL || (max > 0 && chunks == NULL) || pkt->pt != RS_RTCP_SDES)
        return -EINVAL;
    *n = 0;
    const uint8_t *b = pkt->body;
    size_t len = pkt->body_len, off = 0;
    bool overflow = false;
    for (unsigned c = 0; c < pkt->count; c++) {
        if (len - off < 4)
            return -EINVAL;
        struct rs_rtcp_sdes_chunk chunk = {.ssrc = get32(b + off)};
        off += 4;
        for (;;) {
            if (off >= len)
                return -EINVAL; /* no terminating null item */
            uint8_t type = b[off];
            if (type == 0) {
                off = (off + 4) & ~(size_t)3; /* null item, then pad to 32 bits */
                if (off > len)
                    return -EINVAL;
                break;
            }
            if (len - off < 2 || b[off + 1] > len - off - 2)
                return -EINVAL;
            size_t ilen = b[off + 1];
            if (type == 1 && chunk.cname == NULL) {
                chunk.cname = b + off + 2;
                chunk.cname_len = ilen;
            }
            off += 2 + ilen;
        }
        if (*n < max)
            chunks[(*n)++] = chunk;
        else
            overflow = true;
    }
    return overflow ? -ENOSPC : 0;
}

int rs_rtcp_parse_bye(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_bye *bye)
{
    if (pkt == NULL || bye == NULL || pkt->pt != RS_RTCP_BYE)
        return -EINVAL;
    memset(bye, 0, sizeof *bye);
    size_t off = 4u * pkt->count;
    if (pkt->body_len < off)
        return -EINVAL;
    bye->n_ssrcs = pkt->count;
    for (unsigned i = 0; i < pkt->count; i++)
        bye->ssrcs[i] = get32(pkt->body + 4 * i);
    if (off < pkt->body_len) {
        size_t rlen = pkt->body[off];
        if (rlen > pkt->body_len - off - 1)
            return -EINVAL;
        bye->reason = pkt->body + off + 1;
        bye->reason_len = rlen;
    }
    return 0;
}

/* ---- feedback ---- */

int rs_rtcp_parse_fb(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb)
{
    if (pkt == NULL || fb == NULL)
        return -EINVAL;
    memset(fb, 0, sizeof *fb);
    if ((pkt->pt != RS_RTCP_RTPFB && pkt->pt != RS_RTCP_PSFB) || pkt->body_len < 8)
        return -EINVAL;
    fb->sender_ssrc = get32(pkt->body);
    fb->media_ssrc = get32(pkt->body + 4);
    fb->fci = pkt->body + 8;
    fb->fci_len = pkt->body_len - 8;
    return 0;
}

static int parse_fb_as(const struct rs_rtcp_pkt *pkt, uint8_t pt, uint8_t fmt,
                       struct rs_rtcp_fb *fb)
{
    if (pkt == NULL || fb == NULL || pkt->pt != pt || pkt->count != fmt)
        return -EINVAL;
    return rs_rtcp_parse_fb(pkt, fb);
}

int rs_rtcp_parse_nack(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb, uint16_t *seqs,
                       size_t max, size_t *n)
{
    if (n == NULL || (max > 0 && seqs == NULL))
        return -EINVAL;
    *n = 0;
    int rc = parse_fb_as(pkt, RS_RTCP_RTPFB, RS_RTCP_FMT_NACK, fb);
    if (rc < 0)
        return rc;
    if (fb->fci_len == 0 || fb->fci_len % 4 != 0)
        return -EINVAL;
    bool overflow = false;
    for (size_t off = 0; off < fb->fci_len; off += 4) {
        uint16_t pid = get16(fb->fci + off);
        uint16_t blp = get16(fb->fci + off + 2);
        for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && !(blp & (1u << bit)))
                continue;
            if (*n < max)
                seqs[(*n)++] = (uint16_t)(pid + bit + 1);
            else
                overflow = true;
        }
    }
    return overflow ? -ENOSPC : 0;
}

int rs_rtcp_parse_pli(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb)
{
    return parse_fb_as(pkt, RS_RTCP_PSFB, RS_RTCP_FMT_PLI, fb);
}

int rs_rtcp_parse_fir(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_fb *fb,
                      struct rs_rtcp_fir_entry *entries, size_t max, size_t *n)
{
    if (n == NULL || (max > 0 && entries == NULL))
        return -EINVAL;
    *n = 0;
    int rc = parse_fb_as(pkt, RS_RTCP_PSFB, RS_RTCP_FMT_FIR, fb);
    if (rc < 0)
        return rc;
    if (fb->fci_len == 0 || fb->fci_len % 8 != 0)
        return -EINVAL;
    size_t count = fb->fci_len / 8;
    for (size_t i = 0; i < count && i < max; i++) {
        entries[i].ssrc = get32(fb->fci + 8 * i);
        entries[i].seq_nr = fb->fci[8 * i + 4];
        *n = i + 1;
    }
    return count > max ? -ENOSPC : 0;
}

int rs_rtcp_parse_remb(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_remb *remb)
{
    struct rs_rtcp_fb fb;
    if (remb == NULL)
        return -EINVAL;
    memset(remb, 0, sizeof *remb);
    int rc = parse_fb_as(pkt, RS_RTCP_PSFB, RS_RTCP_FMT_AFB, &fb);
    if (rc < 0)
        return rc;
    if (fb.fci_len < 8 || memcmp(fb.fci, "REMB", 4) != 0)
        return -EINVAL;
    size_t count = fb.fci[4];
    if (fb.fci_len < 8 + 4 * count)
        return -EINVAL;
    unsigned exp = fb.fci[5] >> 2;
    uint64_t mantissa = (uint64_t)(fb.fci[5] & 0x03) << 16 | get16(fb.fci + 6);
    uint64_t bitrate = mantissa << exp;
    if ((bitrate >> exp) != mantissa)
        return -EINVAL; /* does not fit 64 bits */
    remb->sender_ssrc = fb.sender_ssrc;
    remb->bitrate_bps = bitrate;
    remb->n_ssrcs = (uint8_t)count;
    for (size_t i = 0; i < count; i++)
        remb->ssrcs[i] = get32(fb.fci + 8 + 4 * i);
    return 0;
}

/* Capacity of a status chunk and its symbol at index `i`. */
static unsigned chunk_capacity(uint16_t chunk)
{
    if (!(chunk & 0x8000))
        return chunk & 0x1FFF;
    return (chunk & 0x4000) ? 7 : 14;
}

static unsigned chunk_symbol(uint16_t chunk, unsigned i)
{
    if (!(chunk & 0x8000))
        return (chunk >> 13) & 0x03;
    if (chunk & 0x4000)
        return (chunk >> (12 - 2 * i)) & 0x03;
    return (chunk >> (13 - i)) & 0x01;
}

int rs_rtcp_parse_twcc(const struct rs_rtcp_pkt *pkt, struct rs_rtcp_twcc *twcc,
                       struct rs_twcc_status *out, size_t max, size_t *n)
{
    struct rs_rtcp_fb fb;
    if (twcc == NULL || n == NULL || (max > 0 && out == NULL))
        return -EINVAL;
    memset(twcc, 0, sizeof *twcc);
    *n = 0;
    int rc = parse_fb_as(pkt, RS_RTCP_RTPFB, RS_RTCP_FMT_TWCC, &fb);
    if (rc < 0)
        return rc;
    if (fb.fci_len < 8)
        return -EINVAL;
    const uint8_t *f = fb.fci;
    twcc->sender_ssrc = fb.sender_ssrc;
    twcc->media_ssrc = fb.media_ssrc;
    twcc->base_seq = get16(f);
    twcc->status_count = get16(f + 2);
    twcc->reference_time = sign24(get24(f + 4));
    twcc->fb_count = f[7];
    if (twcc->status_count == 0)
        return -EINVAL;

    /* Pass 1: walk the chunks to find where the deltas start and how many bytes they take. */
    size_t pos = 8, delta_bytes = 0, covered = 0;
    while (covered < twcc->status_count) {
        if (fb.fci_len - pos < 2)
            return -EINVAL;
        uint16_t chunk = get16(f + pos);
        pos += 2;
        size_t take = chunk_capacity(chunk);
        if (take > twcc->status_count - covered)
            take = twcc->status_count - covered;
        for (unsigned i = 0; i < take; i++) {
            unsigned sym = chunk_symbol(chunk, (chunk & 0x8000) ? i : 0);
            if (sym == 3)
                return -EINVAL; /* reserved */
            delta_bytes += sym;
            if (sym)
                twcc->n_received++;
        }
        covered += take;
    }
    size_t deltas = pos;
    if (delta_bytes > fb.fci_len - deltas || fb.fci_len - deltas - delta_bytes > 3)
        return -EINVAL; /* deltas overrun, or more than padding follows them */

    /* Pass 2: pair statuses with deltas. */
    int64_t arrival = (int64_t)twcc->reference_time * 64000;
    size_t cpos = 8, dpos = deltas, seq_i = 0;
    while (seq_i < twcc->status_count) {
        uint16_t chunk = get16(f + cpos);
        cpos += 2;
        size_t take = chunk_capacity(chunk);
        if (take > twcc->status_count - seq_i)
            take = twcc->status_count - seq_i;
        for (unsigned i = 0; i < take; i++, seq_i++) {
            unsigned sym = chunk_symbol(chunk, (chunk & 0x8000) ? i : 0);
            struct rs_twcc_status st = {.seq = (uint16_t)(twcc->base_seq + seq_i)};
            if (sym == 1) {
                st.delta_us = 250 * (int32_t)f[dpos];
                dpos += 1;
            } else if (sym == 2) {
                st.delta_us = 250 * (int32_t)(int16_t)get16(f + dpos);
                dpos += 2;
            }
            if (sym) {
                st.received = true;
                arrival += st.delta_us;
                st.arrival_us = arrival;
            }
            if (*n < max)
                out[(*n)++] = st;
        }
    }
    return *n < twcc->status_count ? -ENOSPC : 0;
}

int rs_rtcp_set_media_ssrc(uint8_t *buf, size_t len, const struct rs_rtcp_pkt *pkt, uint32_t ssrc)
{
    if (buf == NULL || pkt == NULL || pkt->off > len || pkt->len > len - pkt->off ||
        (pkt->pt != RS_RTCP_RTPFB && pkt->pt != RS_RTCP_PSFB) || pkt->body_len < 8)
        return -EINVAL;
    uint8_t *body = buf + pkt->off + 4;
    put32(body + 4, ssrc);
    if (pkt->pt == RS_RTCP_PSFB && pkt->count == RS_RTCP_FMT_FIR) {
        for (size_t off = 8; off + 8 <= pkt->body_len; off += 8)
            put32(body + off, ssrc);
    }
    return 0;
}

/* ---- builders ---- */

static void write_report(uint8_t *p, const struct rs_rtcp_report_block *rb)
{
    int32_t lost = rb->cumulative_lost;
    if (lost > 0x7FFFFF)
        lost = 0x7FFFFF;
    if (lost < -0x800000)
        lost = -0x800000;
    put32(p, rb->ssrc);
    p[4] = rb->fraction_lost;
    put24(p + 5, (uint32_t)lost & 0xFFFFFF);
    put32(p + 8, rb->ext_highest_seq);
    put32(p + 12, rb->jitter);
    put32(p + 16, rb->lsr);
    put32(p + 20, rb->dlsr);
}

int rs_rtcp_build_sr(uint8_t *out, size_t cap, const struct rs_rtcp_sr *sr, size_t *out_len)
{
    if (out == NULL || sr == NULL || out_len == NULL || sr->n_reports > RS_RTCP_MAX_REPORTS)
        return -EINVAL;
    size_t len = 28 + 24u * sr->n_reports;
    if (cap < len)
        return -ENOSPC;
    put_header(out, sr->n_reports, RS_RTCP_SR, len);
    put32(out + 4, sr->ssrc);
    put32(out + 8, (uint32_t)(sr->ntp >> 32));
    put32(out + 12, (uint32_t)sr->ntp);
    put32(out + 16, sr->rtp_ts);
    put32(out + 20, sr->packet_count);
    put32(out + 24, sr->octet_count);
    for (unsigned i = 0; i < sr->n_reports; i++)
        write_report(out + 28 + 24 * i, &sr->reports[i]);
    *out_len = len;
    return 0;
}

int rs_rtcp_build_rr(uint8_t *out, size_t cap, const struct rs_rtcp_rr *rr, size_t *out_len)
{
    if (out == NULL || rr == NULL || out_len == NULL || rr->n_reports > RS_RTCP_MAX_REPORTS)
        return -EINVAL;
    size_t len = 8 + 24u * rr->n_reports;
    if (cap < len)
        return -ENOSPC;
    put_header(out, rr->n_reports, RS_RTCP_RR, len);
    put32(out + 4, rr->ssrc);
    for (unsigned i = 0; i < rr->n_reports; i++)
        write_report(out + 8 + 24 * i, &rr->reports[i]);
    *out_len = len;
    return 0;
}

int rs_rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname,
                             size_t cname_len, size_t *out_len)
{
    if (out == NULL || out_len == NULL || cname_len > 255 || (cname == NULL && cname_len > 0))
        return -EINVAL;
    /* header, SSRC, CNAME item, at least one null octet, padded to 32 bits */
    size_t len = (4 + 4 + 2 + cname_len + 1 + 3) & ~(size_t)3;
    if (cap < len)
        return -ENOSPC;
    memset(out, 0, len);
    put_header(out, 1, RS_RTCP_SDES, len);
    put32(out + 4, ssrc);
    out[8] = 1;
    out[9] = (uint8_t)cname_len;
    if (cname_len > 0)
        memcpy(out + 10, cname, cname_len);
    *out_len = len;
    return 0;
}

int rs_rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, size_t n, size_t *out_len)
{
    if (out == NULL || out_len == NULL || n > RS_RTCP_MAX_REPORTS || (n > 0 && ssrcs == NULL))
        return -EINVAL;
    size_t len = 4 + 4 * n;
    if (cap < len)
        return -ENOSPC;
    put_header(out, (uint8_t)n, RS_RTCP_BYE, len);
    for (size_t i = 0; i < n; i++)
        put32(out + 4 + 4 * i, ssrcs[i]);
    *out_len = len;
    return 0;
}

static void put_fb_header(uint8_t *out, uint8_t fmt, uint8_t pt, size_t len, uint32_t sender,
                          uint32_t media)
{
    put_header(out, fmt, pt, len);
    put32(out + 4, sender);
    put32(out + 8, media);
}

/* One NACK item starting at seqs[*i]; advances *i past the seqs it covers. */
static void nack_item(const uint16_t *seqs, size_t n, size_t *i, uint16_t *pid, uint16_t *blp)
{
    *pid = seqs[(*i)++];
    *blp = 0;
    while (*i < n) {
        uint16_t d = (uint16_t)(seqs[*i] - *pid);
        if (d > 16)
            break;
        if (d > 0)
            *blp |= (uint16_t)(1u << (d - 1));
        (*i)++;
    }
}

int rs_rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n, size_t *out_len)
{
    if (out == NULL || out_len == NULL || n == 0 || seqs == NULL)
        return -EINVAL;
    size_t items = 0;
    uint16_t pid, blp;
    for (size_t i = 0; i < n; items++)
        nack_item(seqs, n, &i, &pid, &blp);
    if (items > (0xFFFF - 2))
        return -EINVAL;
    size_t len = 12 + 4 * items;
    if (cap < len)
        return -ENOSPC;
    put_fb_header(out, RS_RTCP_FMT_NACK, RS_RTCP_RTPFB, len, sender_ssrc, media_ssrc);
    size_t off = 12;
    for (size_t i = 0; i < n; off += 4) {
        nack_item(seqs, n, &i, &pid, &blp);
        put16(out + off, pid);
        put16(out + off + 2, blp);
    }
    *out_len = len;
    return 0;
}

int rs_rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      size_t *out_len)
{
    if (out == NULL || out_len == NULL)
        return -EINVAL;
    if (cap < 12)
        return -ENOSPC;
    put_fb_header(out, RS_RTCP_FMT_PLI, RS_RTCP_PSFB, 12, sender_ssrc, media_ssrc);
    *out_len = 12;
    return 0;
}

int rs_rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc,
                      const struct rs_rtcp_fir_entry *entries, size_t n, size_t *out_len)
{
    if (out == NULL || out_len == NULL || n == 0 || entries == NULL || n > 8000)
        return -EINVAL;
    size_t len = 12 + 8 * n;
    if (cap < len)
        return -ENOSPC;
    /* RFC 5104 4.3.1.2: the media source SSRC field is unused and set to 0. */
    put_fb_header(out, RS_RTCP_FMT_FIR, RS_RTCP_PSFB, len, sender_ssrc, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = out + 12 + 8 * i;
        put32(e, entries[i].ssrc);
        e[4] = entries[i].seq_nr;
        e[5] = e[6] = e[7] = 0;
    }
    *out_len = len;
    return 0;
}

int rs_rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                       const uint32_t *ssrcs, size_t n, size_t *out_len)
{
    if (out == NULL || out_len == NULL || n > RS_RTCP_MAX_REMB_SSRCS || (n > 0 && ssrcs == NULL))
        return -EINVAL;
    size_t len = 20 + 4 * n;
    if (cap < len)
        return -ENOSPC;
    unsigned exp = 0;
    while ((bitrate_bps >> exp) >= (1u << 18))
        exp++;
    uint32_t mantissa = (uint32_t)(bitrate_bps >> exp);
    put_fb_header(out, RS_RTCP_FMT_AFB, RS_RTCP_PSFB, len, sender_ssrc, 0);
    memcpy(out + 12, "REMB", 4);
    out[16] = (uint8_t)n;
    out[17] = (uint8_t)(exp << 2 | mantissa >> 16);
    put16(out + 18, (uint16_t)mantissa);
    for (size_t i = 0; i < n; i++)
        put32(out + 20 + 4 * i, ssrcs[i]);
    *out_len = len;
    return 0;
}

/* ---- transport-cc feedback builder ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Greedy chunk encoding of syms[0..count). Writes chunks at `out` when non-NULL; returns the
 * number of chunks. */
static size_t encode_chunks(const uint8_t *syms, size_t count, uint8_t *out)
{
    size_t i = 0, chunks = 0;
    while (i < count) {
        uint8_t s = syms[i];
        size_t run = 1;
        while (i + run < count && syms[i + run] == s && run < 0x1FFF)
            run++;
        uint16_t chunk;
        if (run >= 14 || i + run == count) {
            chunk = (uint16_t)(s << 13 | run);
            i += run;
        } else {
            size_t look = count - i < 14 ? count - i : 14;
            bool two_bit = false;
            for (size_t j = 0; j < look; j++)
                if (syms[i + j] == 2)
                    two_bit = true;
            if (two_bit) {
                size_t take = count - i < 7 ? count - i : 7;
                chunk = 0xC000;
                for (size_t j = 0; j < take; j++)
                    chunk |= (uint16_t)(syms[i + j] << (12 - 2 * j));
                i += take;
            } else {
                chunk = 0x8000;
                for (size_t j = 0; j < look; j++)
                    chunk |= (uint16_t)(syms[i + j] << (13 - j));
                i += look;
            }
        }
        if (out != NULL)
            put16(out + 2 * chunks, chunk);
        chunks++;
    }
    return chunks;
}

/* Packet size for the first `k` packets, given their offsets and the symbol span. */
static size_t twcc_size(const uint8_t *syms, const uint16_t *offs, const uint32_t *delta_end,
                        size_t k)
{
    size_t count = (size_t)offs[k - 1] + 1;
    size_t len = 20 + 2 * encode_chunks(syms, count, NULL) + delta_end[k - 1];
    return (len + 3) & ~(size_t)3;
}

int rs_rtcp_build_twcc(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       uint8_t fb_count, const struct rs_twcc_arrival *pkts, size_t n,
                       size_t *consumed, size_t *out_len)
{
    if (out == NULL || pkts == NULL || n == 0 || consumed == NULL || out_len == NULL)
        return -EINVAL;
    if (cap < 24)
        return -ENOSPC;
    /* About 18 KiB of stack: statuses by sequence offset, then per included packet its
     * offset, delta, and the delta bytes used up to and including it. */
    uint8_t syms[RS_TWCC_MAX_STATUS];
    uint16_t offs[RS_TWCC_MAX_STATUS];
    int16_t deltas[RS_TWCC_MAX_STATUS];
    uint32_t delta_end[RS_TWCC_MAX_STATUS];

    uint16_t base = pkts[0].seq;
    /* The 24-bit reference time wraps; receivers only use differences between feedbacks. */
    int64_t ref = floor_div(pkts[0].arrival_us, 64000);
    int64_t prev_tick = ref * 256; /* 64 ms in 250 us ticks */
    size_t k = 0, bytes = 0;
    for (; k < n && k < RS_TWCC_MAX_STATUS; k++) {
        uint16_t off = (uint16_t)(pkts[k].seq - base);
        if (k > 0 && off <= offs[k - 1])
            return -EINVAL;
        if (off >= RS_TWCC_MAX_STATUS)
            break;
        int64_t tick = floor_div(pkts[k].arrival_us, 250);
        int64_t d = tick - prev_tick;
        if (d < -32768 || d > 32767)
            break;
        uint8_t sym = (d >= 0 && d <= 255) ? 1 : 2;
        size_t from = k > 0 ? (size_t)offs[k - 1] + 1 : 0;
        memset(syms + from, 0, off - from);
        syms[off] = sym;
        offs[k] = off;
        deltas[k] = (int16_t)d;
        bytes += sym;
        delta_end[k] = (uint32_t)bytes;
        prev_tick = tick;
    }
    if (k == 0)
        return -ENOSPC;
    /* Largest prefix that fits `cap`: binary search, then step down if the encoding is not
     * monotonic at the boundary. */
    if (twcc_size(syms, offs, delta_end, k) > cap) {
        size_t lo = 1, hi = k;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (twcc_size(syms, offs, delta_end, mid) <= cap)
                lo = mid;
            else
                hi = mid - 1;
        }
        k = lo;
        while (k > 0 && twcc_size(syms, offs, delta_end, k) > cap)
            k--;
        if (k == 0)
            return -ENOSPC;
    }
    size_t count = (size_t)offs[k - 1] + 1;
    size_t len = twcc_size(syms, offs, delta_end, k);
    memset(out, 0, len);
    put_fb_header(out, RS_RTCP_FMT_TWCC, RS_RTCP_RTPFB, len, sender_ssrc, media_ssrc);
    put16(out + 12, base);
    put16(out + 14, (uint16_t)count);
    put24(out + 16, (uint32_t)ref & 0xFFFFFF);
    out[19] = fb_count;
    size_t pos = 20 + 2 * encode_chunks(syms, count, out + 20);
    for (size_t i = 0; i < k; i++) {
        if (syms[offs[i]] == 1) {
            out[pos++] = (uint8_t)deltas[i];
        } else {
            put16(out + pos, (uint16_t)deltas[i]);
            pos += 2;
        }
    }
    *consumed = k;
    *out_len = len;
    return 0;
}
