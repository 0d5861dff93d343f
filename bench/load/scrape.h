/* SPDX-License-Identifier: EUPL-1.2 */
/* Reading Ratsaal's /metrics around the steady window (see scrape.c). */
#ifndef RS_BENCH_SCRAPE_H
#define RS_BENCH_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCRAPE_MAX_BUCKETS 32

struct srv_metrics {
    bool ok;
    unsigned n_buckets;
    double le_us[SCRAPE_MAX_BUCKETS]; /* upper bounds, the last INFINITY */
    uint64_t cum[SCRAPE_MAX_BUCKETS]; /* cumulative counts */
    uint64_t udp_sends, gso_segments, rtp_out;
};

int scrape_metrics(const char *host, uint16_t port, struct srv_metrics *m);
/* The values of unlabelled series `names[i]` (e.g. "ratsaal_participants") into `out[i]`,
 * NAN for one not found. 0, or -1 when /metrics could not be read. */
int scrape_values(const char *host, uint16_t port, const char *const *names, size_t n,
                  double *out);
double scrape_delay_quantile(const struct srv_metrics *a, const struct srv_metrics *b, double q);
double scrape_delay_within(const struct srv_metrics *a, const struct srv_metrics *b, double us);

#endif
