/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the first-byte demultiplexing of a datagram on the media port (rtc/demux.h,
 * RFC 7983 with RFC 5761 for RTP and RTCP), held to the RFC's table written out again here,
 * and to the parsers behind it: whatever a parser accepts, the demux must have sent to it.
 * The worker's whole receive path behind the demux (rs_wk__on_datagram) is the media_path
 * target's. */
#include <stdint.h>
#include <stdlib.h>

#include "rtc/demux.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/stun.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

/* RFC 7983 section 7: 0-3 STUN, 16-19 ZRTP, 20-63 DTLS, 64-79 TURN channel, 128-191 RTP/RTCP;
 * RFC 5761 section 4: RTCP packet types 192-223 in the second byte. ZRTP and TURN channels are
 * not spoken here. A datagram shorter than the kind's fixed header is nothing. */
static enum rs_pkt_kind reference(const uint8_t *p, size_t len)
{
    if (len == 0)
        return RS_PKT_UNKNOWN;
    unsigned b = p[0];
    if (b <= 3)
        return len >= 20 ? RS_PKT_STUN : RS_PKT_UNKNOWN;
    if (b >= 20 && b <= 63)
        return len >= 13 ? RS_PKT_DTLS : RS_PKT_UNKNOWN;
    if (b >= 128 && b <= 191 && len >= 8)
        return p[1] >= 192 && p[1] <= 223 ? RS_PKT_RTCP : RS_PKT_RTP;
    return RS_PKT_UNKNOWN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
    if (!copy)
        return 0;
    for (size_t i = 0; i < size; i++)
        copy[i] = data[i];
    enum rs_pkt_kind kind = rs_demux(copy, size);
    must(kind == reference(copy, size));
    /* every prefix too: a short datagram is never taken for a longer kind */
    for (size_t n = 0; n < size && n < 24; n++)
        must(rs_demux(copy, n) == reference(copy, n));

    /* The STUN parser takes any type whose two top bits are zero (RFC 5389, 0..63 in the first
     * byte); RFC 7983 leaves it only 0..3, and the demux never hands it the rest. */
    struct rs_stun_msg m;
    if (rs_stun_parse(copy, size, &m) == 0)
        must((kind == RS_PKT_STUN) == (copy[0] <= 3));
    struct rs_rtp_hdr h;
    if (rs_rtp_parse(copy, size, &h) == 0)
        must(kind == RS_PKT_RTP || kind == RS_PKT_RTCP);
    if (size >= 8 && rs_rtcp_validate(copy, size) == 0)
        must(kind == RS_PKT_RTP || kind == RS_PKT_RTCP);
    free(copy);
    return 0;
}
