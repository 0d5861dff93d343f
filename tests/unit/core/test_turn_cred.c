/* SPDX-License-Identifier: EUPL-1.2 */
/* TURN REST API credentials (coturn use-auth-secret) and the TURN URLs the config accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/turn_cred.h"

/* The vector, computed independently of this code with OpenSSL's command line:
 *   printf '%s' '1700003600:Ab3dE6gH9jK2' \
 *     | openssl dgst -sha1 -hmac 'ratsaal-test-secret-0123' -binary | base64
 *   FHEqhTHxq+oaO218zJYVXUB27sI=
 * and a second one with a different secret and id:
 *   printf '%s' '1700000000:x' | openssl dgst -sha1 -hmac 'a-much-longer-secret' -binary | base64
 *   j3CqHIo17rJiUhBRRhlnozyeNB0= */
static void test_known_vectors(void **state)
{
    struct rs_turn_cred c;
    assert_int_equal(rs_turn_cred_make("ratsaal-test-secret-0123", 1700000000, 3600,
                                       "Ab3dE6gH9jK2", &c),
                     0);
    assert_string_equal(c.username, "1700003600:Ab3dE6gH9jK2");
    assert_string_equal(c.credential, "FHEqhTHxq+oaO218zJYVXUB27sI=");
    assert_int_equal(rs_turn_cred_make("a-much-longer-secret", 1699999940, 60, "x", &c), 0);
    assert_string_equal(c.username, "1700000000:x");
    assert_string_equal(c.credential, "j3CqHIo17rJiUhBRRhlnozyeNB0=");
}

/* Another secret or another participant gives another credential (a credential is bound to
 * both). */
static void test_bound_to_secret_and_participant(void **state)
{
    struct rs_turn_cred a, b, c;
    assert_int_equal(rs_turn_cred_make("ratsaal-test-secret-0123", 1700000000, 3600, "p1", &a), 0);
    assert_int_equal(rs_turn_cred_make("ratsaal-test-secret-0124", 1700000000, 3600, "p1", &b), 0);
    assert_int_equal(rs_turn_cred_make("ratsaal-test-secret-0123", 1700000000, 3600, "p2", &c), 0);
    assert_string_equal(a.username, b.username);
    assert_string_not_equal(a.credential, b.credential);
    assert_string_not_equal(a.credential, c.credential);
}

static void test_refuses_bad_input(void **state)
{
    struct rs_turn_cred c;
    char long_id[70];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = 0;
    assert_int_equal(rs_turn_cred_make("", 1700000000, 3600, "p1", &c), -EINVAL);
    assert_int_equal(rs_turn_cred_make("secret-secret-123", 1700000000, 3600, "", &c), -EINVAL);
    /* a ':' in the id would move where coturn reads the expiry */
    assert_int_equal(rs_turn_cred_make("secret-secret-123", 1700000000, 3600, "a:b", &c), -EINVAL);
    assert_int_equal(rs_turn_cred_make("secret-secret-123", 1700000000, 3600, long_id, &c),
                     -EINVAL);
}

static void test_urls(void **state)
{
    static const char *const good[] = {
        "turn:turn.example.org",
        "turn:turn.example.org:3478",
        "turn:turn.example.org:3478?transport=udp",
        "turn:turn.example.org:443?transport=tcp",
        "turns:turn.example.org:443?transport=tcp",
        "turns:turn.example.org:5349",
        "turn:192.0.2.7:3478?transport=tcp",
        "turn:[2001:db8::7]:3478",
    };
    static const char *const bad[] = {
        "stun:turn.example.org:3478",           /* not TURN */
        "turn:",                                /* no host */
        "turn:turn.example.org:0",              /* port */
        "turn:turn.example.org:65536",          /* port */
        "turn:turn.example.org:",               /* empty port */
        "turns:turn.example.org?transport=udp", /* TLS is over TCP */
        "turn:turn.example.org?transport=sctp",
        "turn:turn.example.org:3478 user pass", /* static credentials belong to ice_server */
        "turn:user@turn.example.org",
        "turn:[]:3478",
        "turn:[zz::1]:3478",
        "https://turn.example.org",
    };
    char why[200];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (rs_turn_url_check(good[i], why, sizeof(why)))
            fail_msg("'%s' refused: %s", good[i], why);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = 0;
        if (rs_turn_url_check(bad[i], why, sizeof(why)) != -EINVAL || !why[0])
            fail_msg("'%s' accepted (or refused without a reason)", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_bound_to_secret_and_participant),
        cmocka_unit_test(test_refuses_bad_input),
        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
