/* SPDX-License-Identifier: EUPL-1.2 */
/* Browser-like send pacing for the load generator's video (see pacer.c). */
#ifndef RS_BENCH_PACER_H
#define RS_BENCH_PACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PACER_FACTOR 2.5    /* libwebrtc's pacing rate: 2.5 × the target bitrate */
#define PACER_BURST_US 5000 /* credit after idle: one 5 ms pacer interval */

struct paced_pkt {
    uint16_t len;
    bool stamp;       /* write the send time into the last 8 bytes when it leaves */
    int64_t nominal_us; /* when its frame was due to be captured (for lateness) */
    uint8_t data[1280];
};

struct pacer {
    uint32_t rate_bps;
    int64_t next_us; /* the pacer's clock: when the next packet may leave */
    struct paced_pkt *q;
    unsigned head, n, cap;
    uint64_t sent, overflows;
    /* called per packet with how late it left: now − max(its frame's due time, the pacer's
     * clock); NULL: not measured */
    void (*on_late)(int64_t us);
};

typedef void pacer_send_fn(void *arg, uint8_t *pkt, size_t len);

int pacer_init(struct pacer *pc, uint32_t rate_bps, unsigned cap);
void pacer_free(struct pacer *pc);
/* Queues a clear RTP packet (copied); nominal_us: when its frame was due. -1 when the queue is
 * full (counted in overflows). */
int pacer_push(struct pacer *pc, const uint8_t *pkt, size_t len, bool stamp, int64_t nominal_us);
/* Sends what is due at `now` (µs); returns when the next queued packet is due, or -1. */
int64_t pacer_run(struct pacer *pc, int64_t now, pacer_send_fn *send, void *arg);
/* When the next queued packet is due (µs), or -1 when the queue is empty. */
int64_t pacer_due(const struct pacer *pc);

#endif
