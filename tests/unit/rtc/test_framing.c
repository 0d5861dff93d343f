/* SPDX-License-Identifier: EUPL-1.2 */
/* RFC 4571 framing: whole frames out of a stream cut anywhere (several frames in one read, a
 * frame or its header split across reads, one byte at a time), and the two broken lengths
 * (0, over the maximum) that end the stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "rtc/framing.h"

struct got {
    unsigned n;
    size_t len[16];
    uint8_t data[16][RS_FRAMING_MAX_CAP];
    int stop_after; /* return 1 after this many frames; 0 = never */
};

static int collect(void *arg, uint8_t *frame, size_t len)
{
    struct got *g = arg;
    assert_true(g->n < 16);
    g->len[g->n] = len;
    memcpy(g->data[g->n], frame, len);
    g->n++;
    return g->stop_after && (int)g->n == g->stop_after ? 1 : 0;
}

/* Appends a frame of `len` bytes of `fill` to `out` at *off. */
static void put_frame(uint8_t *out, size_t *off, size_t len, uint8_t fill)
{
    assert_int_equal(rs_framing_header(out + *off, len), 0);
    memset(out + *off + 2, fill, len);
    *off += 2 + len;
}

static struct rs_framing f;
static struct got g;

static void test_several_frames_in_one_read(void **state)
{
    (void)state;
    uint8_t s[64];
    size_t n = 0;
    put_frame(s, &n, 3, 0xA1);
    put_frame(s, &n, 1, 0xB2);
    put_frame(s, &n, 20, 0xC3);
    rs_framing_init(&f, 1500);
    memset(&g, 0, sizeof(g));
    assert_int_equal(rs_framing_feed(&f, s, n, collect, &g), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.len[0], 3);
    assert_int_equal(g.len[1], 1);
    assert_int_equal(g.len[2], 20);
    assert_int_equal(g.data[0][2], 0xA1);
    assert_int_equal(g.data[1][0], 0xB2);
    assert_int_equal(g.data[2][19], 0xC3);
}

static void test_split_at_every_position(void **state)
{
    (void)state;
    uint8_t s[3000];
    size_t n = 0;
    put_frame(s, &n, 1500, 0x11);
    put_frame(s, &n, 7, 0x22);
    for (size_t cut = 0; cut <= n; cut++) {
        rs_framing_init(&f, 1500);
        memset(&g, 0, sizeof(g));
        assert_int_equal(rs_framing_feed(&f, s, cut, collect, &g), 0);
        assert_int_equal(rs_framing_feed(&f, s + cut, n - cut, collect, &g), 0);
        assert_int_equal(g.n, 2);
        assert_int_equal(g.len[0], 1500);
        assert_int_equal(g.len[1], 7);
        assert_int_equal(g.data[0][0], 0x11);
        assert_int_equal(g.data[0][1499], 0x11);
        assert_int_equal(g.data[1][6], 0x22);
    }
}

static void test_one_byte_at_a_time(void **state)
{
    (void)state;
    uint8_t s[64];
    size_t n = 0;
    put_frame(s, &n, 5, 0x33);
    put_frame(s, &n, 9, 0x44);
    rs_framing_init(&f, 1500);
    memset(&g, 0, sizeof(g));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rs_framing_feed(&f, s + i, 1, collect, &g), 0);
        assert_int_equal(g.n, i < 6 ? 0 : i < n - 1 ? 1 : 2);
    }
    assert_int_equal(g.len[1], 9);
}

static void test_zero_length_ends_the_stream(void **state)
{
    (void)state;
    uint8_t s[16];
    size_t n = 0;
    put_frame(s, &n, 2, 0x55);
    s[n++] = 0;
    s[n++] = 0;
    put_frame(s, &n, 2, 0x66);
    rs_framing_init(&f, 1500);
    memset(&g, 0, sizeof(g));
    assert_int_equal(rs_framing_feed(&f, s, n, collect, &g), -EPROTO);
    assert_int_equal(g.n, 1); /* the frame before it, nothing after */
}

static void test_oversize_ends_the_stream(void **state)
{
    (void)state;
    uint8_t s[4] = {0x05, 0xDD, 0, 0}; /* 1501 */
    rs_framing_init(&f, 1500);
    memset(&g, 0, sizeof(g));
    assert_int_equal(rs_framing_feed(&f, s, 1, collect, &g), 0); /* half a header: not yet */
    assert_int_equal(rs_framing_feed(&f, s + 1, 3, collect, &g), -EPROTO);
    assert_int_equal(g.n, 0);
    uint8_t big[2] = {0xFF, 0xFF};
    rs_framing_init(&f, 100); /* a smaller maximum is honoured */
    assert_int_equal(rs_framing_feed(&f, (const uint8_t[]){0, 101}, 2, collect, &g), -EPROTO);
    rs_framing_init(&f, 100000); /* clamped to the buffer */
    assert_int_equal(rs_framing_feed(&f, big, 2, collect, &g), -EPROTO);
    assert_int_equal(rs_framing_header(big, 0), -EINVAL);
    assert_int_equal(rs_framing_header(big, 65536), -EINVAL);
}

static void test_callback_stops_the_feed(void **state)
{
    (void)state;
    uint8_t s[32];
    size_t n = 0;
    put_frame(s, &n, 3, 0x77);
    put_frame(s, &n, 3, 0x88);
    rs_framing_init(&f, 1500);
    memset(&g, 0, sizeof(g));
    g.stop_after = 1;
    assert_int_equal(rs_framing_feed(&f, s, n, collect, &g), 1);
    assert_int_equal(g.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_frames_in_one_read),
        cmocka_unit_test(test_split_at_every_position),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_zero_length_ends_the_stream),
        cmocka_unit_test(test_oversize_ends_the_stream),
        cmocka_unit_test(test_callback_stops_the_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
