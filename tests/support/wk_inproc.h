/* SPDX-License-Identifier: EUPL-1.2 */
/* Helpers for driving a media worker in-process (tests/unit/sfu/test_router.c,
 * tests/fuzz/media_path, bench/offline): peer addresses, a real ICE check that validates an
 * address, and SRTP keys shared by the worker's transport and the test's stand-in peer.
 * Header-only so that the benchmark and the fuzz target need no extra build rule. */
#ifndef RS_TESTS_WK_INPROC_H
#define RS_TESTS_WK_INPROC_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/worker_internal.h"

static inline struct rs_wk_addr wk_inproc_addr(const char *ip, uint16_t port)
{
    struct rs_wk_addr a;
    memset(&a, 0, sizeof(a));
    struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    inet_pton(AF_INET, ip, &s->sin_addr);
    a.len = sizeof(*s);
    return a;
}

/* Sends a valid binding request (USE-CANDIDATE) for `ufrag`/`pwd` from `from`, which validates
 * that address for the transport; what the worker answers is discarded. Returns 0. */
static inline int wk_inproc_check_in(struct rs_wk *w, const char *ufrag, const char *pwd,
                                     const struct rs_wk_addr *from)
{
    char user[64];
    snprintf(user, sizeof(user), "%s:peer", ufrag);
    struct rs_stun_binding_request req = {.username = user, .username_len = strlen(user),
                                          .priority = 1, .controlling = true,
                                          .use_candidate = true};
    uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, buf[512];
    size_t len;
    int rc = rs_stun_build_binding_request(buf, sizeof(buf), txid, &req, (const uint8_t *)pwd,
                                           strlen(pwd), &len);
    if (rc)
        return rc;
    rs_wk__on_datagram(w, buf, len, from);
    w->n_out = 0;
    return 0;
}

/* Keys transport `tid` for AEAD_AES_128_GCM as if DTLS had run, marks it connected, and keys
 * `peer` as the other side (its local key is the transport's remote key). Returns 0. */
static inline int wk_inproc_key(struct rs_wk *w, uint32_t tid, struct rs_srtp *peer, uint8_t seed)
{
    struct rs_srtp_keys k = {.profile = RS_SRTP_AEAD_AES_128_GCM};
    memset(k.local_key, seed, sizeof(k.local_key));
    memset(k.local_salt, seed + 1, sizeof(k.local_salt));
    memset(k.remote_key, seed + 2, sizeof(k.remote_key));
    memset(k.remote_salt, seed + 3, sizeof(k.remote_salt));
    struct rs_wk_transport *t = rs_wk__transport(w, tid);
    if (!t || rs_srtp_init(&t->srtp, &k))
        return -1;
    t->srtp_ready = true;
    t->state = WK_T_CONNECTED;
    struct rs_srtp_keys p = k;
    memcpy(p.local_key, k.remote_key, sizeof(p.local_key));
    memcpy(p.local_salt, k.remote_salt, sizeof(p.local_salt));
    memcpy(p.remote_key, k.local_key, sizeof(p.remote_key));
    memcpy(p.remote_salt, k.local_salt, sizeof(p.remote_salt));
    return rs_srtp_init(peer, &p);
}

/* Adds transport `tid` (a publisher's, or with `subscriber` a subscriber's) to the worker,
 * validates `from` for it with an ICE check and keys it and `peer` as wk_inproc_key does.
 * Returns 0. */
static inline int wk_inproc_transport(struct rs_wk *w, uint32_t tid, bool subscriber,
                                      uint32_t owner, const struct rs_wk_addr *from,
                                      struct rs_srtp *peer, uint8_t seed)
{
    struct rs_cmd_transport t = {.tid = tid, .has_fingerprint = 1, .subscriber = subscriber,
                                 .owner = owner, .max_bitrate_bps = subscriber ? 0 : 2500000};
    snprintf(t.ufrag, sizeof(t.ufrag), "%04xabcd", (unsigned)tid);
    snprintf(t.pwd, sizeof(t.pwd), "%s", subscriber ? "subscriberpasswordsubscrib"
                                                    : "publisherpasswordpublisher");
    rs_wk__transport_add(w, &t);
    if (wk_inproc_check_in(w, t.ufrag, t.pwd, from))
        return -1;
    return wk_inproc_key(w, tid, peer, seed);
}

#endif
