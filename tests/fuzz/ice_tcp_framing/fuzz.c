/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the RFC 4571 framing parser (ICE-TCP): the input is fed whole and
 * again cut into pieces whose sizes come from the input itself; both runs must deliver the
 * same frames (each 1..max bytes) and end the same way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/framing.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

struct tally {
    size_t max;
    unsigned frames;
    uint32_t sum; /* over lengths and bytes: both runs must agree */
};

static int count(void *arg, uint8_t *frame, size_t len)
{
    struct tally *t = arg;
    must(len >= 1 && len <= t->max);
    t->frames++;
    t->sum = t->sum * 31 + (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        t->sum = t->sum * 131 + frame[i];
    frame[0] ^= 0xFF; /* the callee may write the frame */
    return 0;
}

static struct rs_framing whole, cut;

/* The first byte picks the parser's maximum (64..1594, clamped to 1500); the rest is the
 * stream. */
int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    if (input_size < 1)
        return 0;
    size_t max = 64 + (size_t)input[0] * 6;
    const uint8_t *data = input + 1;
    size_t size = input_size - 1;
    rs_framing_init(&whole, max);
    rs_framing_init(&cut, max);
    struct tally a = {.max = whole.max}, b = {.max = cut.max};
    int ra = rs_framing_feed(&whole, data, size, count, &a);
    int rb = 0;
    size_t off = 0, step = 1;
    while (off < size && rb == 0) {
        size_t n = step < size - off ? step : size - off;
        rb = rs_framing_feed(&cut, data + off, n, count, &b);
        off += n;
        step = 1 + data[off % size] % 97;
    }
    must(ra == rb);
    must(a.frames == b.frames && a.sum == b.sum);
    return 0;
}
