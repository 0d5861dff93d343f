/* SPDX-License-Identifier: EUPL-1.2 */
/* First-byte demultiplexing of the one UDP port (RFC 7983, with RFC 5761 for RTP vs RTCP).
 *
 * Every datagram on the media port is one of STUN (ICE connectivity checks), DTLS (the
 * handshake that yields SRTP keys), or SRTP/SRTCP. The first byte tells them apart:
 *
 *     0..3     STUN           20..63   DTLS          128..191  RTP or RTCP
 *
 * Everything else (ZRTP 16..19, TURN channels 64..79, QUIC) is UNKNOWN and is dropped. RTP and
 * RTCP share 128..191; RFC 5761 section 4 separates them by the second byte: RTCP packet types
 * 192..223 (SR=200, RR=201, ... PSFB=206) never collide with an RTP marker+payload-type byte
 * because payload types 64..95 are not used for RTP when muxing.
 *
 * Only the kind is decided here; the matching parser validates the rest. */
#ifndef RS_RTC_DEMUX_H
#define RS_RTC_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum rs_pkt_kind {
    RS_PKT_UNKNOWN = 0,
    RS_PKT_STUN,
    RS_PKT_DTLS,
    RS_PKT_RTP,
    RS_PKT_RTCP,
};

/* Classifies a datagram by its first byte(s). Borrows `p` for the call; never reads past `len`.
 * Datagrams too short to be any of the kinds (STUN < 20, DTLS < 13, RTP/RTCP < 8 bytes) are
 * UNKNOWN. */
static inline enum rs_pkt_kind rs_demux(const uint8_t *p, size_t len)
{
    if (p == NULL || len == 0)
        return RS_PKT_UNKNOWN;
    uint8_t b = p[0];
    if (b <= 3)
        return len >= 20 ? RS_PKT_STUN : RS_PKT_UNKNOWN;
    if (b >= 20 && b <= 63)
        return len >= 13 ? RS_PKT_DTLS : RS_PKT_UNKNOWN;
    if (b >= 128 && b <= 191) {
        if (len < 8)
            return RS_PKT_UNKNOWN;
        return (p[1] >= 192 && p[1] <= 223) ? RS_PKT_RTCP : RS_PKT_RTP;
    }
    return RS_PKT_UNKNOWN;
}

#endif
