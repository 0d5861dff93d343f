/* SPDX-License-Identifier: EUPL-1.2 */
/* Counting a vote (every majority rule, quorum edges, ties) and the record's hash chain
 * (altering any byte of an export fails verification). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "room/vote_tally.h"

/* A yes / no / abstain motion. */
static struct rs_vote_result motion(enum rs_vote_majority rule, unsigned yes, unsigned no,
                                    unsigned abstain, unsigned members, unsigned quorum)
{
    struct rs_vote_count c = {.n_options = 3,
                              .counts = {yes, no, abstain},
                              .abstain = 2,
                              .motion = true,
                              .majority = rule,
                              .members = members,
                              .quorum = quorum};
    struct rs_vote_result r;
    rs_vote_tally(&c, &r);
    return r;
}

static void test_simple_majority_of_votes_cast(void **state)
{
    /* abstentions are ballots but not votes cast: 3 yes against 2 no passes, whatever the
     * number of abstentions */
    struct rs_vote_result r = motion(RS_MAJORITY_SIMPLE, 3, 2, 5, 11, 6);
    assert_true(r.quorate);
    assert_true(r.passed);
    assert_int_equal(r.winner, 0);
    assert_int_equal(r.ballots, 10);
    assert_int_equal(r.cast, 5);
    assert_int_equal(r.abstentions, 5);
    /* a tie fails */
    r = motion(RS_MAJORITY_SIMPLE, 2, 2, 0, 4, 3);
    assert_true(r.quorate);
    assert_false(r.passed);
    assert_int_equal(r.winner, -1);
    /* more no than yes fails */
    assert_false(motion(RS_MAJORITY_SIMPLE, 2, 3, 0, 5, 3).passed);
    /* nobody cast a vote (only abstentions): fails, though quorate */
    r = motion(RS_MAJORITY_SIMPLE, 0, 0, 4, 5, 3);
    assert_true(r.quorate);
    assert_false(r.passed);
    /* one yes among abstentions passes */
    assert_true(motion(RS_MAJORITY_SIMPLE, 1, 0, 4, 5, 3).passed);
}

static void test_majority_of_members(void **state)
{
    /* 9 members: 5 yes is more than half of the body, 4 is not, however few said no */
    assert_true(motion(RS_MAJORITY_MEMBERS, 5, 0, 0, 9, 5).passed);
    assert_false(motion(RS_MAJORITY_MEMBERS, 4, 0, 1, 9, 5).passed);
    /* 10 members: 5 is exactly half, not more */
    assert_false(motion(RS_MAJORITY_MEMBERS, 5, 0, 1, 10, 6).passed);
    assert_true(motion(RS_MAJORITY_MEMBERS, 6, 4, 0, 10, 6).passed);
    /* no members known: never */
    assert_false(motion(RS_MAJORITY_MEMBERS, 3, 0, 0, 0, 0).passed);
}

static void test_two_thirds_of_votes_cast(void **state)
{
    assert_true(motion(RS_MAJORITY_TWO_THIRDS, 4, 2, 0, 9, 5).passed);  /* exactly 2/3 */
    assert_false(motion(RS_MAJORITY_TWO_THIRDS, 3, 2, 0, 9, 5).passed); /* 60 % */
    assert_true(motion(RS_MAJORITY_TWO_THIRDS, 2, 1, 6, 9, 5).passed);  /* abstentions aside */
    assert_false(motion(RS_MAJORITY_TWO_THIRDS, 0, 0, 6, 9, 5).passed);
}

static void test_quorum_edges(void **state)
{
    assert_int_equal(rs_vote_default_quorum(9), 5);
    assert_int_equal(rs_vote_default_quorum(10), 6);
    assert_int_equal(rs_vote_default_quorum(1), 1);
    assert_int_equal(rs_vote_default_quorum(0), 1);
    /* one ballot short of the quorum: not quorate, not passed, however clear */
    struct rs_vote_result r = motion(RS_MAJORITY_SIMPLE, 4, 0, 0, 9, 5);
    assert_false(r.quorate);
    assert_false(r.passed);
    /* exactly the quorum, abstentions counting towards it */
    r = motion(RS_MAJORITY_SIMPLE, 3, 0, 2, 9, 5);
    assert_true(r.quorate);
    assert_true(r.passed);
    /* quorum 0: always quorate */
    assert_true(motion(RS_MAJORITY_SIMPLE, 1, 0, 0, 9, 0).quorate);
}

static void test_choice_between_options(void **state)
{
    struct rs_vote_count c = {.n_options = 4,
                              .counts = {4, 1, 1, 3},
                              .abstain = 3,
                              .majority = RS_MAJORITY_SIMPLE,
                              .members = 9,
                              .quorum = 5};
    struct rs_vote_result r;
    rs_vote_tally(&c, &r);
    assert_true(r.passed);
    assert_int_equal(r.winner, 0);
    /* the most votes, but not more than half of those cast: no winner */
    c.counts[0] = 3, c.counts[1] = 2, c.counts[2] = 1;
    rs_vote_tally(&c, &r);
    assert_false(r.passed);
    assert_int_equal(r.winner, -1);
    /* a tie at the top: no winner */
    c.counts[0] = 3, c.counts[1] = 3, c.counts[2] = 0;
    rs_vote_tally(&c, &r);
    assert_false(r.passed);
    /* abstentions never win */
    c.counts[0] = 1, c.counts[1] = 0, c.counts[2] = 0, c.counts[3] = 8;
    rs_vote_tally(&c, &r);
    assert_true(r.passed);
    assert_int_equal(r.winner, 0);
}

static char *small_export(void)
{
    struct rs_vote_chain ch;
    assert_int_equal(rs_vote_chain_init(&ch), 0);
    assert_int_equal(rs_vote_chain_append(&ch, "motion",
                                          json_pack("{s:s, s:s, s:[sss]}", "vote", "v1a", "title",
                                                    "Bebauungsplan Süd", "options", "yes", "no",
                                                    "abstain")),
                     0);
    assert_int_equal(rs_vote_chain_append(&ch, "electorate",
                                          json_pack("{s:[ss]}", "voters", "Anna", "Bernd")),
                     0);
    assert_int_equal(
        rs_vote_chain_append(&ch, "ballot", json_pack("{s:s, s:i}", "voter", "Anna", "option", 0)),
        0);
    assert_int_equal(rs_vote_chain_append(&ch, "result",
                                          json_pack("{s:b, s:[iii]}", "passed", 1, "counts", 1, 0,
                                                    0)),
                     0);
    /* reals have no canonical text: refused */
    assert_int_equal(rs_vote_chain_append(&ch, "x", json_pack("{s:f}", "r", 0.5)), -EINVAL);
    char *text = rs_vote_chain_export(&ch, "v1a");
    rs_vote_chain_free(&ch);
    assert_non_null(text);
    return text;
}

static void test_chain_verifies(void **state)
{
    char *text = small_export();
    char why[200];
    unsigned n = 0;
    assert_int_equal(rs_vote_record_verify(text, strlen(text), &n, why, sizeof(why)), 0);
    assert_int_equal(n, 4);
    assert_string_equal(why, "ok");
    /* the first entry follows 64 zeros; each entry names its predecessor's hash */
    json_t *doc = json_loads(text, 0, NULL);
    json_t *e = json_object_get(doc, "entries");
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "prev")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 2), "prev")),
                        json_string_value(json_object_get(json_array_get(e, 1), "hash")));
    json_decref(doc);
    free(text);
}

static void test_altering_any_byte_fails(void **state)
{
    char *text = small_export();
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    char why[200];
    static const unsigned char flips[] = {0x01, 0x20, 0x02};
    for (size_t f = 0; f < sizeof(flips); f++) {
        for (size_t i = 0; i < len; i++) {
            memcpy(copy, text, len + 1);
            copy[i] = (char)(copy[i] ^ flips[f]);
            if (rs_vote_record_verify(copy, len, NULL, why, sizeof(why)) == 0)
                fail_msg("byte %zu ^ 0x%02x of the export was not noticed", i, flips[f]);
        }
    }
    /* a changed choice inside a ballot names that entry */
    const char *at = strstr(text, "\"option\":0");
    assert_non_null(at);
    memcpy(copy, text, len + 1);
    copy[at - text + 9] = '2';
    assert_int_equal(rs_vote_record_verify(copy, len, NULL, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "entry 2"));
    /* reformatting without changing any value is noticed too */
    json_t *doc = json_loads(text, 0, NULL);
    char *pretty = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    assert_int_equal(rs_vote_record_verify(pretty, strlen(pretty), NULL, why, sizeof(why)),
                     -EINVAL);
    free(pretty);
    json_decref(doc);
    assert_int_equal(rs_vote_record_verify("", 0, NULL, why, sizeof(why)), -EINVAL);
    free(copy);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_majority_of_votes_cast),
        cmocka_unit_test(test_majority_of_members),
        cmocka_unit_test(test_two_thirds_of_votes_cast),
        cmocka_unit_test(test_quorum_edges),
        cmocka_unit_test(test_choice_between_options),
        cmocka_unit_test(test_chain_verifies),
        cmocka_unit_test(test_altering_any_byte_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
