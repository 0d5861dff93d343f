/* SPDX-License-Identifier: EUPL-1.2 */
/* Accept-Language (RFC 9110 section 12.5.4) matched by RFC 4647 lookup against de/en: the
 * RFCs' own examples first, then what browsers send, then malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/accept_language.h"

static const char *const ours[] = {"de", "en"};
enum { DE = 0, EN = 1 };

static int pick(const char *v)
{
    return rs_accept_language_pick(v, strlen(v), ours, 2);
}

static void test_rfc9110_example(void **state)
{
    /* RFC 9110 12.5.4: "da, en-gb;q=0.8, en;q=0.7" — Danish first, then British English,
     * then any English: we have no Danish, so English (through "en-gb" truncated) */
    assert_int_equal(pick("da, en-gb;q=0.8, en;q=0.7"), EN);
    /* the same with German offered after Danish at a higher weight than English */
    assert_int_equal(pick("da, de;q=0.9, en-gb;q=0.8, en;q=0.7"), DE);
}

static void test_rfc4647_lookup_truncation(void **state)
{
    /* RFC 4647 3.4: the range "zh-Hant-CN-x-private1-private2" is tried as itself, then
     * "zh-Hant-CN-x-private1", "zh-Hant-CN", "zh-Hant", "zh" */
    static const char *const zh[] = {"zh-hant", "zh"};
    const char *r = "zh-Hant-CN-x-private1-private2";
    assert_int_equal(rs_accept_language_pick(r, strlen(r), zh, 2), 0);
    static const char *const only_zh[] = {"zh"};
    assert_int_equal(rs_accept_language_pick(r, strlen(r), only_zh, 1), 0);
    static const char *const cn[] = {"zh-cn"};
    assert_int_equal(rs_accept_language_pick(r, strlen(r), cn, 1), -ENOENT);
    /* lookup truncates the range, never the tag: "de" does not match "de-at" */
    static const char *const at[] = {"de-at"};
    assert_int_equal(rs_accept_language_pick("de", 2, at, 1), -ENOENT);
    assert_int_equal(pick("de-AT"), DE);
    assert_int_equal(pick("de-DE-1996"), DE);
    /* the cut falls at a '-', not inside a subtag */
    assert_int_equal(pick("den"), -ENOENT);
    assert_int_equal(pick("english"), -ENOENT);
}

static void test_weights(void **state)
{
    /* the cases: a German browser with an English UI, French then German */
    assert_int_equal(pick("en-US,en;q=0.9,de;q=0.8"), EN);
    assert_int_equal(pick("de"), DE);
    assert_int_equal(pick("fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7"), DE);
    assert_int_equal(pick("fr, de;q=0.5, en;q=0.6"), EN);
    /* order written does not matter, the weight does */
    assert_int_equal(pick("en;q=0.1, de;q=0.2"), DE);
    /* equal weights: the one written first */
    assert_int_equal(pick("de;q=0.5, en;q=0.5"), DE);
    assert_int_equal(pick("en;q=0.5, de;q=0.500"), EN);
    /* q=0 is "not acceptable" */
    assert_int_equal(pick("de;q=0, en;q=0.1"), EN);
    assert_int_equal(pick("de;q=0.000"), -ENOENT);
    assert_int_equal(pick("en;q=0"), -ENOENT);
    /* three decimals are told apart */
    assert_int_equal(pick("en;q=0.001, de;q=0.002"), DE);
    /* "*" says anything else is fine: it picks nothing by itself */
    assert_int_equal(pick("*"), -ENOENT);
    assert_int_equal(pick("fr, *;q=0.5, de;q=0.4"), DE);
    /* case and optional whitespace (OWS) around the separators */
    assert_int_equal(pick("  FR , De-ch ; q=0.7 ,\ten ;q=0.3"), DE);
    assert_int_equal(pick("DE;Q=0.5"), DE); /* "q" is case-insensitive (RFC 9110 12.4.2) */
}

static void test_malformed_elements_are_skipped(void **state)
{
    assert_int_equal(pick(""), -ENOENT);
    assert_int_equal(pick(",,, ,"), -ENOENT);
    /* a bad weight spoils its own element only */
    assert_int_equal(pick("de;q=2, en"), EN);
    assert_int_equal(pick("de;q=1.5, en"), EN);
    assert_int_equal(pick("de;q=0.1234, en;q=0.1"), EN);
    assert_int_equal(pick("de;q=, en;q=0.1"), EN);
    assert_int_equal(pick("de;q=-1, en;q=0.1"), EN);
    assert_int_equal(pick("de;level=1, en;q=0.1"), EN);
    assert_int_equal(pick("de;q=1.000"), DE);
    assert_int_equal(pick("de;q=1.001, en;q=0.1"), EN);
    /* bad ranges: digits in the first subtag, subtags over 8, empty subtags, other bytes */
    assert_int_equal(pick("d3, en;q=0.1"), EN);
    assert_int_equal(pick("de-abcdefghi, en;q=0.1"), EN);
    assert_int_equal(pick("de-, en;q=0.1"), EN);
    assert_int_equal(pick("de--at, en;q=0.1"), EN);
    assert_int_equal(pick("de_AT, en;q=0.1"), EN);
    assert_int_equal(pick("d\xc3\xa9, en;q=0.1"), EN);
    /* a NUL inside the value ends nothing: the element holding it is malformed */
    const char nul[] = "d\0e, en;q=0.1";
    assert_int_equal(rs_accept_language_pick(nul, sizeof(nul) - 1, ours, 2), EN);
    /* the value need not be NUL-terminated: only len bytes are read */
    assert_int_equal(rs_accept_language_pick("de-AT,en", 2, ours, 2), DE);
    assert_int_equal(rs_accept_language_pick("xx,de", 2, ours, 2), -ENOENT);
}

static void test_limits(void **state)
{
    char big[RS_ACCEPT_LANGUAGE_MAX + 2];
    memset(big, ' ', sizeof(big));
    memcpy(big, "de", 2);
    assert_int_equal(rs_accept_language_pick(big, RS_ACCEPT_LANGUAGE_MAX, ours, 2), DE);
    assert_int_equal(rs_accept_language_pick(big, RS_ACCEPT_LANGUAGE_MAX + 1, ours, 2), -E2BIG);
    /* only the first RS_ACCEPT_LANGUAGE_RANGES well-formed elements count */
    char many[RS_ACCEPT_LANGUAGE_MAX];
    size_t n = 0;
    for (int i = 0; i < RS_ACCEPT_LANGUAGE_RANGES; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "fr;q=0.9,");
    n += (size_t)snprintf(many + n, sizeof(many) - n, "de");
    assert_int_equal(rs_accept_language_pick(many, n, ours, 2), -ENOENT);
    assert_int_equal(rs_accept_language_pick("de", 2, ours, 0), -ENOENT);
}

static void test_tag_find(void **state)
{
    assert_int_equal(rs_language_tag_find("de", 2, ours, 2), DE);
    assert_int_equal(rs_language_tag_find("EN", 2, ours, 2), EN);
    assert_int_equal(rs_language_tag_find("de-AT", 5, ours, 2), -ENOENT);
    assert_int_equal(rs_language_tag_find("d", 1, ours, 2), -ENOENT);
    assert_int_equal(rs_language_tag_find("", 0, ours, 2), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9110_example),
        cmocka_unit_test(test_rfc4647_lookup_truncation),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_malformed_elements_are_skipped),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_tag_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
