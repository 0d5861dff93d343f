/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared outgoing frames (see outbuf.h). */
#include "core/outbuf.h"

#include <stdlib.h>
#include <string.h>

struct rs_outbuf *rs_outbuf_from_json(const json_t *ev)
{
    size_t len = json_dumpb(ev, NULL, 0, JSON_COMPACT);
    if (len == 0)
        return NULL;
    struct rs_outbuf *b = malloc(sizeof(*b) + RS_OUTBUF_HEADROOM + len + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = json_dumpb(ev, (char *)b->data + RS_OUTBUF_HEADROOM, len, JSON_COMPACT);
    if (b->len != len) {
        free(b);
        return NULL;
    }
    b->data[RS_OUTBUF_HEADROOM + len] = 0;
    return b;
}

struct rs_outbuf *rs_outbuf_wrap(const char *head, const struct rs_outbuf *inner, const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail), len = hl + inner->len + tl;
    struct rs_outbuf *b = malloc(sizeof(*b) + RS_OUTBUF_HEADROOM + len + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = len;
    unsigned char *d = b->data + RS_OUTBUF_HEADROOM;
    memcpy(d, head, hl);
    memcpy(d + hl, inner->data + RS_OUTBUF_HEADROOM, inner->len);
    memcpy(d + hl + inner->len, tail, tl);
    d[len] = 0;
    return b;
}

void rs_outbuf_ref(struct rs_outbuf *b)
{
    b->refs++;
}

void rs_outbuf_unref(struct rs_outbuf *b)
{
    if (b && --b->refs == 0)
        free(b);
}
