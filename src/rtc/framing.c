/* SPDX-License-Identifier: EUPL-1.2 */
/* RFC 4571 framing parser (see framing.h). Two states: collecting the two length bytes
 * (need == 0), then collecting `need` bytes of the frame. Every byte is copied once, into the
 * header or the frame buffer, so the callee gets one contiguous frame it may decrypt in place
 * whichever way the stream was cut. */
#include "rtc/framing.h"

#include <errno.h>
#include <string.h>

void rs_framing_init(struct rs_framing *f, size_t max)
{
    f->max = max < 1 ? 1 : max > RS_FRAMING_MAX_CAP ? RS_FRAMING_MAX_CAP : max;
    f->need = 0;
    f->have = 0;
}

int rs_framing_feed(struct rs_framing *f, const uint8_t *data, size_t len, rs_framing_cb on_frame,
                    void *arg)
{
    size_t off = 0;
    while (off < len) {
        if (f->need == 0) {
            f->hdr[f->have++] = data[off++];
            if (f->have < RS_FRAMING_HEADER)
                continue;
            size_t n = (size_t)f->hdr[0] << 8 | f->hdr[1];
            f->have = 0;
            if (n == 0 || n > f->max)
                return -EPROTO;
            f->need = n;
            continue;
        }
        size_t take = f->need - f->have;
        if (take > len - off)
            take = len - off;
        memcpy(f->buf + f->have, data + off, take);
        f->have += take;
        off += take;
        if (f->have < f->need)
            continue;
        size_t n = f->need;
        f->need = 0;
        f->have = 0;
        int rc = on_frame(arg, f->buf, n);
        if (rc)
            return rc;
    }
    return 0;
}

int rs_framing_header(uint8_t out[RS_FRAMING_HEADER], size_t len)
{
    if (len < 1 || len > 0xFFFF)
        return -EINVAL;
    out[0] = (uint8_t)(len >> 8);
    out[1] = (uint8_t)len;
    return 0;
}
