/* SPDX-License-Identifier: EUPL-1.2 */
/* Outgoing frames: one serialized JSON text, shared by reference.
 *
 * A room event that goes to fifty participants is serialized once; every peer's queue takes a
 * reference. The payload sits RS_OUTBUF_HEADROOM bytes into `data` so that a transport which
 * needs room in front of it (libwebsockets' LWS_PRE) writes in place. Control thread only:
 * the count is not atomic. */
#ifndef RS_CORE_OUTBUF_H
#define RS_CORE_OUTBUF_H

#include <jansson.h>
#include <stddef.h>

#define RS_OUTBUF_HEADROOM 32 /* >= LWS_PRE; checked where lws is used */

/* A serialized outgoing frame. Payload at data + RS_OUTBUF_HEADROOM, `len` bytes, NUL after. */
struct rs_outbuf {
    unsigned refs;
    size_t len;
    unsigned char data[];
};

/* Returns a new buffer (one reference) holding `ev` (borrowed) as compact JSON, or NULL on
 * OOM. */
struct rs_outbuf *rs_outbuf_from_json(const json_t *ev);
/* Returns a new buffer (one reference) holding `head`, the payload of `inner` (borrowed) and
 * `tail`: a frame carried inside another one (room/cascade_member.c). NULL on OOM. */
struct rs_outbuf *rs_outbuf_wrap(const char *head, const struct rs_outbuf *inner,
                                 const char *tail);
void rs_outbuf_ref(struct rs_outbuf *b);
/* Drops one reference; frees at zero. NULL is ignored. */
void rs_outbuf_unref(struct rs_outbuf *b);

#endif
