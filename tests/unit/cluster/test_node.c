/* SPDX-License-Identifier: EUPL-1.2 */
/* The node record of the cluster registry (cluster/node.h): what a node writes parses back to
 * the same record, and what another process may have left in Redis instead (missing fields,
 * garbage numbers, URLs with quotes or credentials, oversized values, NULs inside values) is
 * refused without touching the output. No Redis here: tests/unit/cluster/test_cluster.c has
 * the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cluster/node.h"

static struct rs_cluster_node sample(void)
{
    struct rs_cluster_node n = {
        .id = "node-a.1",
        .url = "https://meet.example.org/n/node-a.1",
        .media_ip = "192.0.2.10",
        .participants = 42,
        .transports = 84,
        .started_at_ms = 1733300000000,
        .version = "0.18.0+deb12",
        .draining = false,
        .instance = "Ab3_-x9",
    };
    return n;
}

/* The text form of `n` in values/lens, as the hash holds it. */
static void text_of(const struct rs_cluster_node *n, struct rs_cluster_node_text *t)
{
    assert_int_equal(rs_cluster_node_encode(n, t), 0);
}

static int parse_with(const struct rs_cluster_node_text *t, int field, const char *value,
                      struct rs_cluster_node *out)
{
    const char *values[RS_NODE__FIELDS];
    size_t lens[RS_NODE__FIELDS];
    memcpy(values, t->values, sizeof(values));
    memcpy(lens, t->lens, sizeof(lens));
    if (field >= 0) {
        values[field] = value;
        lens[field] = value ? strlen(value) : 0;
    }
    return rs_cluster_node_parse("node-a.1", 8, values, lens, out);
}

static void test_round_trip(void **state)
{
    struct rs_cluster_node n = sample(), back;
    struct rs_cluster_node_text t;
    text_of(&n, &t);
    assert_string_equal(t.values[RS_NODE_PARTICIPANTS], "42");
    assert_string_equal(t.values[RS_NODE_STARTED_AT], "1733300000000");
    assert_string_equal(t.values[RS_NODE_DRAINING], "0");
    assert_int_equal(parse_with(&t, -1, NULL, &back), 0);
    assert_string_equal(back.id, n.id);
    assert_string_equal(back.url, n.url);
    assert_string_equal(back.media_ip, n.media_ip);
    assert_int_equal(back.participants, 42);
    assert_int_equal(back.transports, 84);
    assert_true(back.started_at_ms == n.started_at_ms);
    assert_string_equal(back.version, n.version);
    assert_false(back.draining);
    assert_string_equal(back.instance, n.instance);
    n.draining = true;
    n.participants = RS_CLUSTER_LOAD_MAX;
    n.transports = 0;
    strcpy(n.media_ip, "2001:db8::7");
    strcpy(n.url, "http://[2001:db8::7]:8443");
    text_of(&n, &t);
    assert_int_equal(parse_with(&t, -1, NULL, &back), 0);
    assert_true(back.draining);
    assert_int_equal(back.participants, RS_CLUSTER_LOAD_MAX);
    assert_string_equal(back.url, "http://[2001:db8::7]:8443");
    assert_string_equal(back.media_ip, "2001:db8::7");
}

static void test_bad_values_refused(void **state)
{
    struct rs_cluster_node n = sample(), out, untouched;
    struct rs_cluster_node_text t;
    text_of(&n, &t);
    memset(&out, 0x5a, sizeof(out));
    untouched = out;
    static const struct {
        int field;
        const char *value;
    } bad[] = {
        {RS_NODE_URL, NULL}, /* missing */
        {RS_NODE_URL, ""},
        {RS_NODE_URL, "ftp://meet.example.org"},
        {RS_NODE_URL, "https://"},
        {RS_NODE_URL, "https://user:pw@meet.example.org"},
        {RS_NODE_URL, "https://meet.example.org/a b"},
        {RS_NODE_URL, "https://meet.example.org/\"><script>"},
        {RS_NODE_URL, "https://meet.example.org/it's"},
        {RS_NODE_URL, "https://meet.example.org/?q=1"},
        {RS_NODE_URL, "https://meet.example.org:0"},
        {RS_NODE_URL, "https://meet.example.org:65536"},
        {RS_NODE_URL, "https://meet.example.org:44x"},
        {RS_NODE_URL, "https://-meet.example.org"},
        {RS_NODE_URL, "https://[::g]"},
        {RS_NODE_URL, "https://[]"},
        {RS_NODE_URL, "javascript:alert(1)"},
        {RS_NODE_MEDIA_IP, "192.0.2.300"},
        {RS_NODE_MEDIA_IP, "meet.example.org"},
        {RS_NODE_MEDIA_IP, ""},
        {RS_NODE_MEDIA_IP, NULL},
        {RS_NODE_PARTICIPANTS, "-1"},
        {RS_NODE_PARTICIPANTS, "+1"},
        {RS_NODE_PARTICIPANTS, " 1"},
        {RS_NODE_PARTICIPANTS, "1 "},
        {RS_NODE_PARTICIPANTS, "abc"},
        {RS_NODE_PARTICIPANTS, ""},
        {RS_NODE_PARTICIPANTS, "1000001"},
        {RS_NODE_PARTICIPANTS, "99999999999999999999999"},
        {RS_NODE_TRANSPORTS, "0x10"},
        {RS_NODE_STARTED_AT, "9007199254740993"},
        {RS_NODE_STARTED_AT, "1.5"},
        {RS_NODE_VERSION, ""},
        {RS_NODE_VERSION, "1.0 beta"},
        {RS_NODE_VERSION, "123456789012345678901234567890123"},
        {RS_NODE_DRAINING, "2"},
        {RS_NODE_DRAINING, "true"},
        {RS_NODE_DRAINING, "01"},
        {RS_NODE_DRAINING, ""},
        {RS_NODE_INSTANCE, ""},
        {RS_NODE_INSTANCE, "a/b"},
        {RS_NODE_INSTANCE, NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse_with(&t, bad[i].field, bad[i].value, &out) == 0)
            fail_msg("accepted %s = '%s'", rs_cluster_node_field_names[bad[i].field],
                     bad[i].value ? bad[i].value : "(missing)");
    assert_memory_equal(&out, &untouched, sizeof(out));
}

static void test_binary_and_oversized_refused(void **state)
{
    struct rs_cluster_node n = sample(), out;
    struct rs_cluster_node_text t;
    text_of(&n, &t);
    const char *values[RS_NODE__FIELDS];
    size_t lens[RS_NODE__FIELDS];
    memcpy(values, t.values, sizeof(values));
    memcpy(lens, t.lens, sizeof(lens));
    /* a NUL inside a value must not shorten it into something valid */
    static const char nul_count[] = {'4', '2', 0, 'x'};
    values[RS_NODE_PARTICIPANTS] = nul_count;
    lens[RS_NODE_PARTICIPANTS] = sizeof(nul_count);
    assert_int_equal(rs_cluster_node_parse("node-a.1", 8, values, lens, &out), -EINVAL);
    static const char nul_ip[] = {'1', '.', '2', '.', '3', '.', '4', 0};
    values[RS_NODE_PARTICIPANTS] = t.values[RS_NODE_PARTICIPANTS];
    lens[RS_NODE_PARTICIPANTS] = t.lens[RS_NODE_PARTICIPANTS];
    values[RS_NODE_MEDIA_IP] = nul_ip;
    lens[RS_NODE_MEDIA_IP] = sizeof(nul_ip);
    assert_int_equal(rs_cluster_node_parse("node-a.1", 8, values, lens, &out), -EINVAL);
    /* a URL one byte over the limit */
    char url[RS_CLUSTER_URL_MAX + 2];
    memcpy(url, "https://x/", 10);
    memset(url + 10, 'a', sizeof(url) - 11);
    url[sizeof(url) - 1] = 0;
    values[RS_NODE_MEDIA_IP] = t.values[RS_NODE_MEDIA_IP];
    lens[RS_NODE_MEDIA_IP] = t.lens[RS_NODE_MEDIA_IP];
    values[RS_NODE_URL] = url;
    lens[RS_NODE_URL] = strlen(url);
    assert_int_equal(lens[RS_NODE_URL], RS_CLUSTER_URL_MAX + 1);
    assert_int_equal(rs_cluster_node_parse("node-a.1", 8, values, lens, &out), -EINVAL);
    lens[RS_NODE_URL] = RS_CLUSTER_URL_MAX; /* the same, at the limit */
    assert_int_equal(rs_cluster_node_parse("node-a.1", 8, values, lens, &out), 0);
    /* ids */
    values[RS_NODE_URL] = t.values[RS_NODE_URL];
    lens[RS_NODE_URL] = t.lens[RS_NODE_URL];
    assert_int_equal(rs_cluster_node_parse("", 0, values, lens, &out), -EINVAL);
    assert_int_equal(rs_cluster_node_parse("a b", 3, values, lens, &out), -EINVAL);
    assert_int_equal(rs_cluster_node_parse("a\0b", 3, values, lens, &out), -EINVAL);
    char long_id[RS_CLUSTER_NODE_ID_MAX + 1];
    memset(long_id, 'n', sizeof(long_id));
    assert_int_equal(rs_cluster_node_parse(long_id, sizeof(long_id), values, lens, &out),
                     -EINVAL);
    assert_int_equal(rs_cluster_node_parse(long_id, RS_CLUSTER_NODE_ID_MAX, values, lens, &out),
                     0);
}

static void test_encode_refuses_bad_self(void **state)
{
    struct rs_cluster_node_text t;
    struct rs_cluster_node n = sample();
    strcpy(n.url, "https://meet.example.org/<x>");
    assert_int_equal(rs_cluster_node_encode(&n, &t), -EINVAL);
    n = sample();
    n.participants = RS_CLUSTER_LOAD_MAX + 1;
    assert_int_equal(rs_cluster_node_encode(&n, &t), -EINVAL);
    n = sample();
    n.started_at_ms = -1;
    assert_int_equal(rs_cluster_node_encode(&n, &t), -EINVAL);
    n = sample();
    memset(n.id, 'x', sizeof(n.id)); /* no NUL at all */
    assert_int_equal(rs_cluster_node_encode(&n, &t), -EINVAL);
}

static void test_names(void **state)
{
    assert_true(rs_cluster_room_id_valid("Team-Meeting_2", 14));
    assert_false(rs_cluster_room_id_valid("a:owner", 7)); /* ':' would look like a key part */
    assert_false(rs_cluster_room_id_valid("a.b", 3));
    assert_false(rs_cluster_room_id_valid("", 0));
    assert_true(rs_cluster_prefix_valid("ratsaal:", 8));
    assert_false(rs_cluster_prefix_valid("rat saal", 8));
    assert_false(rs_cluster_prefix_valid("{x}", 3));
    uint64_t v;
    assert_int_equal(rs_cluster_parse_u64("18446744073709551615", 20, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(rs_cluster_parse_u64("18446744073709551616", 20, UINT64_MAX, &v), -EINVAL);
}

static void test_load_order(void **state)
{
    struct rs_cluster_node a = sample(), b = sample();
    strcpy(b.id, "node-b");
    assert_true(rs_cluster_node_load_cmp(&a, &b) < 0); /* equal load: by id */
    a.participants = 43;
    assert_true(rs_cluster_node_load_cmp(&a, &b) > 0);
    a.participants = 42;
    b.transports = 10;
    assert_true(rs_cluster_node_load_cmp(&a, &b) > 0);
    assert_int_equal(rs_cluster_node_load_cmp(&a, &a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_values_refused),
        cmocka_unit_test(test_binary_and_oversized_refused),
        cmocka_unit_test(test_encode_refuses_bad_self),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_load_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
