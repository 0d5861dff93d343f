/* SPDX-License-Identifier: EUPL-1.2 */
/* Simulcast layer switching, as a subscriber whose video tile changes size does it: every
 * --switch-every-ms a subscriber asks the server for another layer of the video it watches
 * (Ratsaal: video_size with that layer's resolution; Janus: configure with substream), and the
 * time from that request to the first packet of the requested layer is one switch sample.
 *
 * Subscribers are staggered over one period (subscriber k starts k/N of a period late), so the
 * server sees an even stream of switches, not 50 at once, and each interval is drawn from
 * 0.75–1.25 periods: with fixed intervals the requests keep one phase against the publisher's
 * keyframe pacing (at most one per 300 ms per layer) and the samples come out in a few fixed
 * values instead of a distribution. The layers asked for follow a pattern that makes every one
 * of the six transitions between three layers equally often.
 *
 * Which layer a packet belongs to is read from its payload tail (load.h): the servers rewrite
 * SSRC, sequence number and timestamp into one continuous stream, so the header cannot tell.
 * While a switch is outstanding the subscriber decrypts every video packet to see the change
 * at once (otherwise it decrypts one in --decrypt-every, or one in 256 outside the window).
 *
 * Only switches asked for during the steady window are counted; after the window the generator
 * waits (at most SWITCH_TIMEOUT_US) for those still outstanding, with every subscriber still
 * switching: stopping would change the conditions (a server that asks the publisher for a
 * keyframe once per switch relies on the next switch's request when its own was refused). A
 * switch not answered within SWITCH_TIMEOUT_US counts as requested, not completed, and the next
 * one is asked for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/random.h"
#include "load.h"

#define SWITCH_TIMEOUT_US 5000000
#define MAX_SAMPLES (1u << 16)

bool g_switching;

static const int pattern[] = {0, 2, 1, 0, 1, 2}; /* from 2: 2→0 0→2 2→1 1→0 0→1 1→2 */
#define PATTERN_LEN (sizeof(pattern) / sizeof(pattern[0]))

static int64_t samples[MAX_SAMPLES]; /* µs, switches requested in the window */
static size_t n_samples;
static uint64_t requested, outstanding;

void switch_init(struct layer_switch *sw)
{
    sw->cur = -1;
    sw->want = -1;
}

bool switch_watching(const struct participant *pa)
{
    return cfg.switch_every_ms && (pa->sw.want >= 0 || pa->sw.cur < 0);
}

bool switch_pending_in_window(void)
{
    return outstanding > 0;
}

static void settle(struct layer_switch *sw)
{
    if (sw->want >= 0 && sw->in_window)
        outstanding--;
    sw->want = -1;
}

static void ask(struct participant *pa, int64_t now)
{
    struct layer_switch *sw = &pa->sw;
    int layer = pattern[sw->step++ % PATTERN_LEN];
    if (layer == sw->cur)
        layer = pattern[sw->step++ % PATTERN_LEN];
    sw->want = layer;
    sw->asked_us = now;
    sw->in_window = g_measuring;
    if (cfg.verbose > 1)
        fprintf(stderr, "%lld participant %u: ask %d\n", (long long)now, pa->idx, layer);
    if (sw->in_window) {
        requested++;
        outstanding++;
    }
    if (cfg.server == SERVER_JANUS)
        janus_request_layer(pa, layer);
    else
        ratsaal_request_layer(pa, layer);
}

void switch_tick(struct participant *pa, int64_t now)
{
    struct layer_switch *sw = &pa->sw;
    if (!cfg.switch_every_ms || !g_switching || !pa->subscribes || pa->sub.state != PEER_READY)
        return;
    int64_t period = (int64_t)cfg.switch_every_ms * 1000;
    if (sw->next_us == 0) {
        unsigned k = pa->idx >= cfg.pubs ? pa->idx - cfg.pubs : pa->idx;
        unsigned n = cfg.subs ? cfg.subs : cfg.pubs;
        sw->next_us = now + period * k / n;
        return;
    }
    if (sw->want >= 0 && now - sw->asked_us > SWITCH_TIMEOUT_US)
        settle(sw); /* not answered: counted as requested only */
    if (now < sw->next_us || sw->want >= 0 || sw->cur < 0)
        return;
    ask(pa, now);
    sw->next_us = now + period * 3 / 4 + (int64_t)(rs_random_u32() % (uint32_t)(period / 2 + 1));
}

void switch_on_layer(struct participant *pa, int layer, int64_t t)
{
    struct layer_switch *sw = &pa->sw;
    sw->cur = layer;
    if (sw->want < 0 || layer != sw->want)
        return;
    if (sw->in_window && n_samples < MAX_SAMPLES)
        samples[n_samples++] = t - sw->asked_us;
    if (cfg.verbose)
        fprintf(stderr, "%lld participant %u: layer %d after %.1f ms%s\n", (long long)t, pa->idx,
                layer, (double)(t - sw->asked_us) / 1000.0, sw->in_window ? "" : " (warm-up)");
    settle(sw);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(double p)
{
    if (!n_samples)
        return -1;
    size_t i = (size_t)ceil(p * (double)n_samples) - 1;
    return (double)samples[i > n_samples - 1 ? n_samples - 1 : i] / 1000.0;
}

void switch_stats(struct switch_stats *st)
{
    qsort(samples, n_samples, sizeof(samples[0]), cmp64);
    st->requested = requested;
    st->completed = n_samples;
    st->p50_ms = pct_ms(0.5);
    st->p99_ms = pct_ms(0.99);
    st->max_ms = n_samples ? (double)samples[n_samples - 1] / 1000.0 : -1;
}
