/* SPDX-License-Identifier: EUPL-1.2 */
/* A send pacer like a browser's: video packets queue and leave at a pacing rate, audio is not
 * paced.
 *
 * libwebrtc (Chrome, Edge, Firefox's WebRTC) never writes a video frame to the network in one
 * burst: its pacer sends at 2.5 × the target bitrate, so a 40-packet keyframe at 1.5 Mbit/s is
 * spread over ~100 ms and a 6-packet delta frame over ~15 ms. Without this, a benchmark
 * publisher sends every frame back-to-back and measures the servers on bursts no browser makes.
 * `--no-pace` turns it off to show that burst case.
 *
 * Packets are queued in the clear and get their send timestamp (the last 8 payload bytes) when
 * they actually leave, so queueing in the pacer is not counted as forwarding latency. */
#include "pacer.h"

#include <stdlib.h>
#include <string.h>

int pacer_init(struct pacer *pc, uint32_t rate_bps, unsigned cap)
{
    memset(pc, 0, sizeof(*pc));
    pc->q = calloc(cap, sizeof(*pc->q));
    if (!pc->q)
        return -1;
    pc->cap = cap;
    pc->rate_bps = rate_bps;
    return 0;
}

void pacer_free(struct pacer *pc)
{
    free(pc->q);
    pc->q = NULL;
    pc->n = 0;
}

int pacer_push(struct pacer *pc, const uint8_t *pkt, size_t len, bool stamp, int64_t nominal_us)
{
    if (pc->n == pc->cap || len > sizeof(pc->q[0].data)) {
        pc->overflows++;
        return -1;
    }
    struct paced_pkt *e = &pc->q[(pc->head + pc->n) % pc->cap];
    memcpy(e->data, pkt, len);
    e->len = (uint16_t)len;
    e->stamp = stamp;
    e->nominal_us = nominal_us;
    pc->n++;
    return 0;
}

int64_t pacer_run(struct pacer *pc, int64_t now, pacer_send_fn *send, void *arg)
{
    /* A packet may leave when the pacer's clock has caught up with now; the clock advances by
     * the packet's transmission time at the pacing rate. After an idle spell the clock is
     * pulled up to now, with at most PACER_BURST_US of credit (the budget a 5 ms pacer
     * interval gives), so an idle publisher does not save up a burst. */
    int64_t clock = pc->next_us; /* before the pull-up: when the backlog allowed a send */
    if (pc->next_us < now - PACER_BURST_US)
        pc->next_us = now - PACER_BURST_US;
    while (pc->n > 0 && pc->next_us <= now) {
        struct paced_pkt *e = &pc->q[pc->head];
        if (pc->on_late) {
            int64_t due = e->nominal_us > clock ? e->nominal_us : clock;
            pc->on_late(now > due ? now - due : 0);
        }
        if (e->stamp && e->len >= 8)
            memcpy(e->data + e->len - 8, &now, 8);
        send(arg, e->data, e->len);
        pc->next_us += (int64_t)e->len * 8 * 1000000 / (pc->rate_bps ? pc->rate_bps : 1);
        clock = pc->next_us;
        pc->head = (pc->head + 1) % pc->cap;
        pc->n--;
        pc->sent++;
    }
    return pc->n > 0 ? pc->next_us : -1;
}

int64_t pacer_due(const struct pacer *pc)
{
    if (pc->n == 0)
        return -1;
    int64_t nominal = pc->q[pc->head].nominal_us;
    return pc->next_us > nominal ? pc->next_us : nominal;
}
