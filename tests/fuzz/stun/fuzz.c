/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the STUN parser: parse, every accessor, both checks, and the three
 * builders fed from what was parsed, whose output must parse and verify again. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "rtc/demux.h"
#include "rtc/stun.h"

static const uint8_t key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void must(int cond)
{
    if (!cond)
        abort();
}

static void check_built(const uint8_t *out, size_t len, uint16_t type)
{
    struct rs_stun_msg m;
    must(rs_stun_parse(out, len, &m) == 0);
    must(m.type == type);
    must(rs_demux(out, len) == RS_PKT_STUN);
    must(rs_stun_check_fingerprint(&m) == 0);
    must(rs_stun_check_integrity(&m, key, sizeof key - 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_stun_msg m;
    (void)rs_demux(data, size);
    if (rs_stun_parse(data, size, &m) != 0)
        return 0;

    /* Touch every accessor so ASan sees any out-of-bounds pointer. */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < m.username_len; i++)
        sink ^= m.username[i];
    for (size_t i = 0; i < m.software_len; i++)
        sink ^= m.software[i];
    for (size_t i = 0; i < m.error_reason_len; i++)
        sink ^= m.error_reason[i];
    (void)sink;
    (void)rs_stun_check_integrity(&m, key, sizeof key - 1);
    (void)rs_stun_check_integrity(&m, NULL, 0);
    (void)rs_stun_check_fingerprint(&m);

    uint8_t out[1024];
    size_t len;
    struct sockaddr_storage ss = {0};
    if (m.present & RS_STUN_HAS_XOR_MAPPED) {
        ss = m.xor_mapped;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)m.priority);
    }
    must(rs_stun_build_binding_success(out, sizeof out, m.txid, &ss, key, sizeof key - 1, &len) ==
         0);
    check_built(out, len, RS_STUN_BINDING_SUCCESS);
    struct rs_stun_msg back;
    must(rs_stun_parse(out, len, &back) == 0);
    must(memcmp(&back.xor_mapped, &ss, sizeof ss) == 0);

    uint16_t code = (m.present & RS_STUN_HAS_ERROR_CODE) ? m.error_code : 400;
    if (rs_stun_build_binding_error(out, sizeof out, m.txid, code, NULL, m.unknown, m.n_unknown,
                                    key, sizeof key - 1, &len) == 0)
        check_built(out, len, RS_STUN_BINDING_ERROR);

    struct rs_stun_binding_request req = {
        .username = (const char *)m.username,
        .username_len = m.username_len,
        .priority = m.priority,
        .tie_breaker = m.ice_controlling ^ m.ice_controlled,
        .controlling = (m.present & RS_STUN_HAS_ICE_CONTROLLING) != 0,
        .use_candidate = (m.present & RS_STUN_HAS_USE_CANDIDATE) != 0,
    };
    must(rs_stun_build_binding_request(out, sizeof out, m.txid, &req, key, sizeof key - 1, &len) ==
         0);
    check_built(out, len, RS_STUN_BINDING_REQUEST);
    must(rs_stun_parse(out, len, &back) == 0);
    must(back.username_len == m.username_len);
    must(m.username_len == 0 || memcmp(back.username, m.username, m.username_len) == 0);
    must(back.priority == m.priority);
    /* Too small an output buffer is an error, never an overflow. */
    must(rs_stun_build_binding_request(out, len - 1, m.txid, &req, key, sizeof key - 1, &len) ==
         -ENOSPC);
    return 0;
}
