/* SPDX-License-Identifier: EUPL-1.2 */
/* RFC 4571 framing: packets over a byte stream (ICE-TCP, RFC 6544), each preceded by its
 * length as two bytes, big-endian.
 *
 * The parser takes the stream in whatever pieces TCP delivers (one byte, many frames, a frame
 * split across reads) and hands out whole frames. A length of 0 or above the parser's maximum
 * is a broken or hostile stream: there is no way to resynchronise, so the caller closes it. */
#ifndef RS_RTC_FRAMING_H
#define RS_RTC_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#define RS_FRAMING_HEADER 2
#define RS_FRAMING_MAX_CAP 1500 /* the largest maximum a parser may have (its buffer size) */

struct rs_framing {
    size_t max;  /* longest frame accepted, 1..RS_FRAMING_MAX_CAP */
    size_t need; /* length of the frame being collected, 0 while reading the header */
    size_t have; /* bytes of the header or frame collected so far */
    uint8_t hdr[RS_FRAMING_HEADER];
    uint8_t buf[RS_FRAMING_MAX_CAP];
};

/* Called once per whole frame: `frame` (len bytes, 1..max) is the parser's buffer, which the
 * callee may change in place until it returns. A nonzero return stops rs_framing_feed, which
 * returns it (e.g. the callee closed the connection and the parser with it). */
typedef int (*rs_framing_cb)(void *arg, uint8_t *frame, size_t len);

/* Resets `f` to the start of a stream; `max` is clamped to 1..RS_FRAMING_MAX_CAP. */
void rs_framing_init(struct rs_framing *f, size_t max);

/* Feeds `len` bytes of the stream (borrowed), calling `on_frame` for every frame completed.
 * Returns 0; -EPROTO when a header says 0 or more than max (nothing after it is delivered and
 * the stream must be closed); or the callback's nonzero return. */
int rs_framing_feed(struct rs_framing *f, const uint8_t *data, size_t len, rs_framing_cb on_frame,
                    void *arg);

/* Writes the two-byte header for a frame of `len` bytes (1..65535) to `out`. Returns 0 or
 * -EINVAL. */
int rs_framing_header(uint8_t out[RS_FRAMING_HEADER], size_t len);

#endif
