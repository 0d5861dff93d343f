/* SPDX-License-Identifier: EUPL-1.2 */
/* Prometheus exposition: counters, drop reasons, and the forwarding delay histogram (buckets
 * cumulative, +Inf equal to _count, the sum in seconds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static char *render(void)
{
    char *buf = malloc(64 * 1024);
    assert_non_null(buf);
    int n = rs_metrics_render(buf, 64 * 1024);
    assert_true(n > 0);
    return buf;
}

static void expect_line(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing line: %s", line);
}

static void test_delay_buckets(void **state)
{
    assert_int_equal(rs_delay_bucket(0), 0);
    assert_int_equal(rs_delay_bucket(25), 0);       /* le="0.000025" includes 25 µs */
    assert_int_equal(rs_delay_bucket(26), 1);
    assert_int_equal(rs_delay_bucket(1000), 7);     /* le="0.001" */
    assert_int_equal(rs_delay_bucket(1001), 8);
    assert_int_equal(rs_delay_bucket(1500), 8);
    assert_int_equal(rs_delay_bucket(250000), 14);
    assert_int_equal(rs_delay_bucket(250001), RS_DELAY_BUCKETS - 1); /* +Inf */
    assert_int_equal(rs_delay_bucket(UINT64_MAX), RS_DELAY_BUCKETS - 1);
}

static void test_delay_histogram_exposition(void **state)
{
    uint64_t counts[RS_DELAY_BUCKETS] = {0};
    counts[rs_delay_bucket(10)] += 3;    /* 3 × 10 µs */
    counts[rs_delay_bucket(900)] += 1;   /* 900 µs */
    counts[rs_delay_bucket(3000)] += 2;  /* 2 × 3 ms */
    counts[rs_delay_bucket(999999)] += 1; /* 1 s: only in +Inf */
    rs_metric_delay_add(counts, 3 * 10 + 900 + 2 * 3000 + 999999);
    char *t = render();
    expect_line(t, "# TYPE ratsaal_forward_delay_seconds histogram\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.000025\"} 3\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.000750\"} 3\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.001000\"} 4\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.002000\"} 4\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.003000\"} 6\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.005000\"} 6\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"0.250000\"} 6\n");
    expect_line(t, "ratsaal_forward_delay_seconds_bucket{le=\"+Inf\"} 7\n");
    expect_line(t, "ratsaal_forward_delay_seconds_count 7\n");
    expect_line(t, "ratsaal_forward_delay_seconds_sum 1.006929\n");
    free(t);
}

static void test_counters_and_drops(void **state)
{
    rs_metric_add(RS_M_UDP_SENDS, 5);
    rs_metric_add(RS_M_UDP_GSO_SEGMENTS, 8);
    rs_metric_drop(RS_DROP_SEND_FAILED);
    char *t = render();
    expect_line(t, "ratsaal_udp_sends_total 5\n");
    expect_line(t, "ratsaal_udp_gso_segments_total 8\n");
    expect_line(t, "ratsaal_media_drops_total{reason=\"send_failed\"} 1\n");
    free(t);
    char small[16];
    assert_int_equal(rs_metrics_render(small, sizeof(small)), -ENOSPC);
}

static void test_srtp_sessions_by_profile(void **state)
{
    rs_metric_inc(RS_M_SRTP_SESSIONS_CM);
    char *t = render();
    expect_line(t, "# TYPE ratsaal_srtp_sessions_total counter\n");
    expect_line(t, "ratsaal_srtp_sessions_total{profile=\"aead_aes_128_gcm\"} 0\n");
    expect_line(t, "ratsaal_srtp_sessions_total{profile=\"aes_cm_128_hmac_sha1_80\"} 1\n");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_buckets),
        cmocka_unit_test(test_delay_histogram_exposition),
        cmocka_unit_test(test_counters_and_drops),
        cmocka_unit_test(test_srtp_sessions_by_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
