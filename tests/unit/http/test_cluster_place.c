/* SPDX-License-Identifier: EUPL-1.2 */
/* Placement of new rooms from the node list (http/cluster_place.c), without Redis: the least
 * loaded node that is not draining, this node on a tie, nobody from a stale copy, a node that
 * missed heartbeats passed over, and a burst
 * of placements spread by counting each one in the copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/cluster_place.h"

static struct rs_cluster_place p;
static const int64_t now = 100000;

static void add(const char *id, uint32_t participants, uint32_t transports, bool draining)
{
    struct rs_cluster_node *n = &p.nodes[p.n++];
    memset(n, 0, sizeof(*n));
    snprintf(n->id, sizeof(n->id), "%s", id);
    snprintf(n->url, sizeof(n->url), "http://lb/n/%s", id);
    n->participants = participants;
    n->transports = transports;
    n->draining = draining;
}

static int setup(void **state)
{
    assert_int_equal(rs_cluster_place_init(&p), 0);
    p.listed_ms = now;
    return 0;
}

static int teardown(void **state)
{
    rs_cluster_place_free(&p);
    return 0;
}

/* This node as it is now: its id and load from the copy's entry (0 when absent), or `load`. */
static struct rs_cluster_node me(const char *id)
{
    struct rs_cluster_node n = {0};
    snprintf(n.id, sizeof(n.id), "%s", id);
    for (size_t i = 0; i < p.n; i++)
        if (strcmp(p.nodes[i].id, id) == 0)
            n = p.nodes[i];
    return n;
}

static const char *chosen_as(const struct rs_cluster_node *self, int64_t t)
{
    const struct rs_cluster_node *n = rs_cluster_place_choose(&p, self, t);
    return n ? n->id : "self";
}

static const char *chosen(const char *self)
{
    struct rs_cluster_node m = me(self);
    return chosen_as(&m, now + 500);
}

static void test_least_loaded(void **state)
{
    add("a", 5, 10, false);
    add("b", 2, 4, false);
    add("c", 3, 6, false);
    assert_string_equal(chosen("a"), "b");
    assert_string_equal(chosen("c"), "b");
    assert_string_equal(chosen("b"), "self");
}

/* An equally loaded node never redirects; transports break a tie in participants. */
static void test_ties(void **state)
{
    add("a", 2, 4, false);
    add("b", 2, 4, false);
    assert_string_equal(chosen("b"), "self");
    assert_string_equal(chosen("a"), "self");
    p.nodes[0].transports = 3;
    assert_string_equal(chosen("b"), "a");
    assert_string_equal(chosen("a"), "self");
}

/* A draining node gets nothing, and places everything elsewhere while it can. */
static void test_draining(void **state)
{
    add("a", 9, 18, false);
    add("b", 0, 0, true);
    assert_string_equal(chosen("a"), "self");
    assert_string_equal(chosen("b"), "a");
    p.nodes[0].draining = true; /* nobody else to take it: this node after all */
    assert_string_equal(chosen("b"), "self");
    struct rs_cluster_node m = me("a"); /* a's entry says draining, but a knows it is not */
    m.draining = false;
    assert_string_equal(chosen_as(&m, now), "self");
}

/* A node that missed two heartbeats (little of its record's TTL left) is passed over while
 * its record lives; one listed without a TTL (0: unknown) counts as fresh. */
static void test_silent_node(void **state)
{
    p.fresh_ttl_ms = 2500; /* node TTL 5 s, heartbeat 1 s: rs_cluster_fresh_ttl_ms */
    add("a", 9, 18, false);
    add("b", 0, 0, false);
    add("c", 4, 8, false);
    p.nodes[0].ttl_left_ms = 4900;
    p.nodes[1].ttl_left_ms = 2400; /* b: silent for 2.6 s */
    p.nodes[2].ttl_left_ms = 4100;
    assert_string_equal(chosen("a"), "c");
    p.nodes[1].ttl_left_ms = 2600; /* within two heartbeats: still a candidate */
    assert_string_equal(chosen("a"), "b");
    p.nodes[1].ttl_left_ms = 0;
    assert_string_equal(chosen("a"), "b");
    p.nodes[1].ttl_left_ms = 1;
    p.nodes[2].ttl_left_ms = 1; /* both silent: a keeps the room */
    assert_string_equal(chosen("a"), "self");
}

/* No copy, an old one, or only this node: this node. This node missing from the copy (not
 * registered yet) compares its own load as always. */
static void test_no_copy(void **state)
{
    assert_string_equal(chosen("a"), "self");
    add("a", 9, 0, false);
    assert_string_equal(chosen("a"), "self");
    add("b", 0, 0, false);
    struct rs_cluster_node m = me("a");
    assert_string_equal(chosen_as(&m, now + RS_CLUSTER_PLACE_STALE_MS + 1), "self");
    assert_string_equal(chosen_as(&m, now + RS_CLUSTER_PLACE_STALE_MS), "b");
    m = me("c"); /* not in the copy (not registered yet): its own load counts */
    m.participants = 1;
    assert_string_equal(chosen_as(&m, now), "b");
    p.listed_ms = 0;
    assert_string_equal(chosen_as(&m, now), "self");
}

/* A burst of new rooms within one listing: each placement counts, so they spread. */
static void test_burst(void **state)
{
    add("a", 4, 0, false);
    add("b", 0, 0, false);
    add("c", 1, 0, false);
    /* a's own entry in the copy does not count: a's load is what it says now */
    struct rs_cluster_node m = me("a");
    m.participants = 0;
    assert_string_equal(chosen_as(&m, now), "self");
    p.nodes[0].participants = 0;
    m.participants = 4;
    assert_string_equal(chosen_as(&m, now), "b");
    /* b=0; b=1 ties c=1 (the smaller id); b=2 c=1; b=2 c=2; b=3 c=2; b=3 c=3 */
    const char *seq[] = {"b", "b", "c", "b", "c", "b"};
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        const char *id = chosen_as(&m, now);
        assert_string_equal(id, seq[i]);
        rs_cluster_place_count(&p, id);
    }
    assert_int_equal(p.nodes[1].participants, 4);
    assert_int_equal(p.nodes[2].participants, 3);
    rs_cluster_place_count(&p, "zz"); /* not in the copy: nothing */
    p.nodes[0].participants = RS_CLUSTER_LOAD_MAX;
    rs_cluster_place_count(&p, "a");
    assert_int_equal(p.nodes[0].participants, RS_CLUSTER_LOAD_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_least_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
