/* SPDX-License-Identifier: EUPL-1.2 */
/* STUN parser/builder tests: RFC 5769 vectors first, then round trips and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/evp.h>

#include "rtc/demux.h"
#include "rtc/stun.h"

static const char short_term_pw[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* RFC 5769 2.1: sample request. */
static const uint8_t rfc_request[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: sample IPv4 response, 192.0.2.1:32853. */
static const uint8_t rfc_resp_v4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: sample IPv6 response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t rfc_resp_v6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* RFC 5769 2.4: request with long-term authentication (no FINGERPRINT). */
static const uint8_t rfc_long_term[] = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72,
    0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88,
    0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00,
    0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36,
    0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73,
    0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72,
    0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02,
    0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

static const uint8_t rfc_txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                     0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

static const uint8_t *pw(void)
{
    return (const uint8_t *)short_term_pw;
}

static void test_crc32_check_value(void **state)
{
    assert_int_equal(rs_stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    assert_int_equal(rs_stun_crc32(NULL, 0), 0);
}

static void test_rfc5769_request(void **state)
{
    struct rs_stun_msg m;
    assert_int_equal(rs_demux(rfc_request, sizeof rfc_request), RS_PKT_STUN);
    assert_int_equal(rs_stun_parse(rfc_request, sizeof rfc_request, &m), 0);
    assert_int_equal(m.type, RS_STUN_BINDING_REQUEST);
    assert_memory_equal(m.txid, rfc_txid, 12);
    assert_true(m.present & RS_STUN_HAS_USERNAME);
    assert_int_equal(m.username_len, 9);
    assert_memory_equal(m.username, "evtj:h6vY", 9);
    assert_int_equal(m.software_len, 16);
    assert_memory_equal(m.software, "STUN test client", 16);
    assert_true(m.present & RS_STUN_HAS_PRIORITY);
    assert_int_equal(m.priority, 0x6e0001ffu);
    assert_true(m.present & RS_STUN_HAS_ICE_CONTROLLED);
    assert_false(m.present & RS_STUN_HAS_ICE_CONTROLLING);
    assert_false(m.present & RS_STUN_HAS_USE_CANDIDATE);
    assert_true(m.ice_controlled == 0x932ff9b151263b36ull);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(m.integrity_off, 76);
    assert_int_equal(m.fingerprint_off, 100);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), strlen(short_term_pw)), 0);
    assert_int_equal(rs_stun_check_integrity(&m, (const uint8_t *)"wrong", 5), -EACCES);
}

static void test_rfc5769_ipv4_response(void **state)
{
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(rfc_resp_v4, sizeof rfc_resp_v4, &m), 0);
    assert_int_equal(m.type, RS_STUN_BINDING_SUCCESS);
    assert_true(m.present & RS_STUN_HAS_XOR_MAPPED);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&m.xor_mapped;
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohs(sin->sin_port), 32853);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xC0000201u);
    assert_int_equal(m.software_len, 11);
    assert_memory_equal(m.software, "test vector", 11);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), strlen(short_term_pw)), 0);
}

static void test_rfc5769_ipv6_response(void **state)
{
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(rfc_resp_v6, sizeof rfc_resp_v6, &m), 0);
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&m.xor_mapped;
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(sin6->sin6_port), 32853);
    struct in6_addr want;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &want), 1);
    assert_memory_equal(&sin6->sin6_addr, &want, 16);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), strlen(short_term_pw)), 0);
}

static void test_rfc5769_long_term(void **state)
{
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(rfc_long_term, sizeof rfc_long_term, &m), 0);
    assert_int_equal(m.type, RS_STUN_BINDING_REQUEST);
    assert_int_equal(m.username_len, 18);
    assert_int_equal(rs_stun_check_fingerprint(&m), -ENOENT);
    assert_int_equal(m.n_unknown, 0); /* NONCE and REALM are known */
    /* key = MD5(username ":" realm ":" SASLprep(password)) */
    static const char material[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
                                   "\xe3\x82\xb9:example.org:TheMatrIX";
    uint8_t key[16];
    unsigned key_len = 0;
    assert_int_equal(EVP_Digest(material, strlen(material), key, &key_len, EVP_md5(), NULL), 1);
    assert_int_equal(rs_stun_check_integrity(&m, key, key_len), 0);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), strlen(short_term_pw)), -EACCES);
}

static void test_truncation_every_length(void **state)
{
    const struct {
        const uint8_t *p;
        size_t len;
    } vec[] = {{rfc_request, sizeof rfc_request},
               {rfc_resp_v4, sizeof rfc_resp_v4},
               {rfc_resp_v6, sizeof rfc_resp_v6},
               {rfc_long_term, sizeof rfc_long_term}};
    for (size_t v = 0; v < 4; v++) {
        for (size_t n = 0; n < vec[v].len; n++) {
            struct rs_stun_msg m;
            assert_int_equal(rs_stun_parse(vec[v].p, n, &m), -EINVAL);
            /* Also with the length field patched to match: cuts inside an attribute fail. */
            uint8_t copy[256];
            memcpy(copy, vec[v].p, n);
            if (n >= 20 && (n - 20) % 4 == 0) {
                copy[2] = (uint8_t)((n - 20) >> 8);
                copy[3] = (uint8_t)(n - 20);
                int rc = rs_stun_parse(copy, n, &m);
                if (rc == 0) {
                    /* Only cuts at attribute boundaries may parse; hashes then fail or are
                     * absent. */
                    assert_int_not_equal(rs_stun_check_fingerprint(&m), 0);
                } else {
                    assert_int_equal(rc, -EINVAL);
                }
            }
        }
    }
}

static void test_malformed_headers(void **state)
{
    uint8_t b[sizeof rfc_request];
    struct rs_stun_msg m;

    memcpy(b, rfc_request, sizeof b);
    b[4] ^= 1; /* magic cookie */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[0] |= 0x80; /* top bits must be zero */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[3] = 0x57; /* length not a multiple of 4 */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[3] = 0x5c; /* length larger than datagram */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[23] = 0x60; /* SOFTWARE length overruns the message */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[43] = 0x03; /* PRIORITY with 3 bytes; padding then misaligns the rest */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[51] = 0x04; /* ICE-CONTROLLED with 4 bytes: wrong fixed size */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    memcpy(b, rfc_request, sizeof b);
    b[79] = 0x10; /* MESSAGE-INTEGRITY with 16 bytes */
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);

    /* A flipped payload bit parses but fails both checks. */
    memcpy(b, rfc_request, sizeof b);
    b[30] ^= 0x01;
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), 0);
    assert_int_equal(rs_stun_check_fingerprint(&m), -EINVAL);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), strlen(short_term_pw)), -EACCES);

    assert_int_equal(rs_stun_parse(NULL, 20, &m), -EINVAL);
}

static void test_fingerprint_must_be_last(void **state)
{
    /* Header + FINGERPRINT + USE-CANDIDATE. */
    uint8_t b[20 + 8 + 4] = {0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42};
    b[20] = 0x80;
    b[21] = 0x28;
    b[23] = 4;
    b[28] = 0x00;
    b[29] = 0x25;
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), -EINVAL);
}

static void test_unknown_required_and_after_integrity(void **state)
{
    /* Header, attr 0x0033 (unknown, required), attr 0xC001 (unknown, optional), MI (zeros),
     * attr 0x0034 after MI (ignored, not reported). */
    uint8_t b[20 + 8 + 4 + 24 + 4] = {0x00, 0x01, 0x00, 40, 0x21, 0x12, 0xa4, 0x42};
    size_t o = 20;
    b[o + 1] = 0x33;
    b[o + 3] = 4;
    o += 8;
    b[o] = 0xC0;
    b[o + 1] = 0x01;
    o += 4;
    b[o + 1] = 0x08;
    b[o + 3] = 20;
    o += 24;
    b[o + 1] = 0x34;
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(b, sizeof b, &m), 0);
    assert_int_equal(m.n_unknown, 1);
    assert_int_equal(m.unknown[0], 0x0033);
    assert_true(m.present & RS_STUN_HAS_INTEGRITY);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), 4), -EACCES);
    assert_int_equal(rs_stun_check_fingerprint(&m), -ENOENT);
}

static void test_build_success_v4_v6(void **state)
{
    uint8_t out[128];
    size_t len = 0;
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(32853);
    sin->sin_addr.s_addr = htonl(0xC0000201u);
    assert_int_equal(rs_stun_build_binding_success(out, sizeof out, rfc_txid, &ss, pw(), 22, &len),
                     0);
    assert_int_equal(len, 20 + 12 + 24 + 8);
    /* The XOR-MAPPED-ADDRESS bytes equal RFC 5769 2.2's. */
    assert_memory_equal(out + 20, rfc_resp_v4 + 36, 12);
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(out, len, &m), 0);
    assert_int_equal(m.type, RS_STUN_BINDING_SUCCESS);
    assert_memory_equal(m.txid, rfc_txid, 12);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), 22), 0);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    assert_memory_equal(&m.xor_mapped, &ss, sizeof(struct sockaddr_in));

    struct sockaddr_storage ss6 = {0};
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss6;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(32853);
    inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &sin6->sin6_addr);
    assert_int_equal(rs_stun_build_binding_success(out, sizeof out, rfc_txid, &ss6, pw(), 22, &len),
                     0);
    assert_memory_equal(out + 20, rfc_resp_v6 + 36, 24);
    assert_int_equal(rs_stun_parse(out, len, &m), 0);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), 22), 0);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    const struct sockaddr_in6 *got = (const struct sockaddr_in6 *)&m.xor_mapped;
    assert_memory_equal(&got->sin6_addr, &sin6->sin6_addr, 16);
    assert_int_equal(got->sin6_port, sin6->sin6_port);

    /* Every too-small buffer is -ENOSPC. */
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(rs_stun_build_binding_success(out, cap, rfc_txid, &ss6, pw(), 22, &len),
                         -ENOSPC);

    ss.ss_family = AF_UNIX;
    assert_int_equal(rs_stun_build_binding_success(out, sizeof out, rfc_txid, &ss, NULL, 0, &len),
                     -EINVAL);
}

static void test_build_error(void **state)
{
    uint8_t out[256];
    size_t len = 0;
    struct rs_stun_msg m;
    static const uint16_t codes[] = {400, 401, 487};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(rs_stun_build_binding_error(out, sizeof out, rfc_txid, codes[i], NULL,
                                                     NULL, 0, pw(), 22, &len),
                         0);
        assert_int_equal(rs_stun_parse(out, len, &m), 0);
        assert_int_equal(m.type, RS_STUN_BINDING_ERROR);
        assert_int_equal(m.error_code, codes[i]);
        assert_true(m.error_reason_len > 0);
        assert_int_equal(rs_stun_check_integrity(&m, pw(), 22), 0);
        assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    }
    static const uint16_t unknown[] = {0x0033, 0x0034, 0x0035};
    assert_int_equal(rs_stun_build_binding_error(out, sizeof out, rfc_txid, 420, "Unknown", unknown,
                                                 3, NULL, 0, &len),
                     0);
    assert_int_equal(rs_stun_parse(out, len, &m), 0);
    assert_int_equal(m.error_code, 420);
    assert_int_equal(m.error_reason_len, 7);
    assert_memory_equal(m.error_reason, "Unknown", 7);
    assert_false(m.present & RS_STUN_HAS_INTEGRITY);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);
    assert_int_equal(
        rs_stun_build_binding_error(out, sizeof out, rfc_txid, 200, NULL, NULL, 0, NULL, 0, &len),
        -EINVAL);
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(rs_stun_build_binding_error(out, cap, rfc_txid, 420, "Unknown", unknown, 3,
                                                     NULL, 0, &len),
                         -ENOSPC);
}

static void test_build_request(void **state)
{
    uint8_t out[256];
    size_t len = 0;
    struct rs_stun_binding_request req = {
        .username = "evtj:h6vY",
        .username_len = 9,
        .priority = 0x6e0001ff,
        .tie_breaker = 0x932ff9b151263b36ull,
        .controlling = true,
        .use_candidate = true,
    };
    assert_int_equal(rs_stun_build_binding_request(out, sizeof out, rfc_txid, &req, pw(), 22, &len),
                     0);
    struct rs_stun_msg m;
    assert_int_equal(rs_stun_parse(out, len, &m), 0);
    assert_int_equal(m.type, RS_STUN_BINDING_REQUEST);
    assert_int_equal(m.username_len, 9);
    assert_memory_equal(m.username, "evtj:h6vY", 9);
    /* USERNAME's padding is zeros, unlike the RFC vector's spaces. */
    assert_memory_equal(out + 20,
                        "\x00\x06\x00\x09"
                        "evtj:h6vY\0\0\0",
                        16);
    assert_int_equal(m.priority, 0x6e0001ff);
    assert_true(m.present & RS_STUN_HAS_ICE_CONTROLLING);
    assert_true(m.ice_controlling == 0x932ff9b151263b36ull);
    assert_true(m.present & RS_STUN_HAS_USE_CANDIDATE);
    assert_int_equal(rs_stun_check_integrity(&m, pw(), 22), 0);
    assert_int_equal(rs_stun_check_fingerprint(&m), 0);

    req.controlling = false;
    req.use_candidate = false;
    assert_int_equal(rs_stun_build_binding_request(out, sizeof out, rfc_txid, &req, pw(), 22, &len),
                     0);
    assert_int_equal(rs_stun_parse(out, len, &m), 0);
    assert_true(m.present & RS_STUN_HAS_ICE_CONTROLLED);
    assert_false(m.present & (RS_STUN_HAS_USE_CANDIDATE | RS_STUN_HAS_ICE_CONTROLLING));
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(rs_stun_build_binding_request(out, cap, rfc_txid, &req, pw(), 22, &len),
                         -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_rfc5769_request),
        cmocka_unit_test(test_rfc5769_ipv4_response),
        cmocka_unit_test(test_rfc5769_ipv6_response),
        cmocka_unit_test(test_rfc5769_long_term),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_fingerprint_must_be_last),
        cmocka_unit_test(test_unknown_required_and_after_integrity),
        cmocka_unit_test(test_build_success_v4_v6),
        cmocka_unit_test(test_build_error),
        cmocka_unit_test(test_build_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
