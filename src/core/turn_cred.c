/* SPDX-License-Identifier: EUPL-1.2 */
/* TURN credentials that expire (see turn_cred.h for the scheme).
 *
 * Why not the static username and password of `ice_server`: whatever the server hands to a
 * browser is public — anyone in a meeting can read it from the page and relay traffic through
 * the operator's TURN server for as long as it stays valid. A credential that names its own
 * expiry and is signed with a secret only the two servers know is worth nothing after
 * `turn_ttl`, and needs no user database on the TURN server.
 *
 * The subtle point is what "expiry" covers: coturn checks the time in the username when an
 * allocation is made (and on nothing it already relays), so a call that has its relay keeps it
 * past the expiry; only new allocations (a new peer connection, an ICE restart that gathers
 * again) need a fresh credential, which every join (and resumed join) hands out. */
#include "core/turn_cred.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

int rs_turn_cred_make(const char *secret, int64_t now_s, unsigned ttl_s, const char *user_id,
                      struct rs_turn_cred *out)
{
    size_t id_len = strlen(user_id);
    if (!secret[0] || !id_len || id_len > 64 || strchr(user_id, ':'))
        return -EINVAL;
    int n = snprintf(out->username, sizeof(out->username), "%" PRId64 ":%s", now_s + (int64_t)ttl_s,
                     user_id);
    if (n < 0 || (size_t)n >= sizeof(out->username))
        return -EINVAL;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)out->username,
              (size_t)n, mac, &mac_len) ||
        mac_len != 20)
        return -EIO;
    /* EVP_EncodeBlock writes 4 * ceil(20 / 3) = 28 characters and a NUL */
    if (EVP_EncodeBlock((unsigned char *)out->credential, mac, (int)mac_len) !=
        RS_TURN_CREDENTIAL_LEN)
        return -EIO;
    return 0;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

int rs_turn_url_check(const char *url, char *why, size_t cap)
{
    int secure = strncmp(url, "turns:", 6) == 0;
    const char *p = secure ? url + 6 : strncmp(url, "turn:", 5) == 0 ? url + 5 : NULL;
    if (!p) {
        snprintf(why, cap, "expected turn:HOST:PORT or turns:HOST:PORT, got '%s'", url);
        return -EINVAL;
    }
    const char *host = p;
    if (*p == '[') {
        while (*p && *p != ']')
            p++;
        if (*p != ']' || p == host + 1) {
            snprintf(why, cap, "'%s': an IPv6 address needs [brackets]", url);
            return -EINVAL;
        }
        for (const char *c = host + 1; c < p; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
                  (*c >= 'A' && *c <= 'F') || *c == ':' || *c == '.'))
                goto bad_host;
        p++;
    } else {
        while (host_char(*p))
            p++;
        if (p == host)
            goto bad_host;
    }
    if (*p == ':') {
        unsigned long port = 0;
        const char *digits = ++p;
        while (*p >= '0' && *p <= '9' && port <= 65535)
            port = port * 10 + (unsigned long)(*p++ - '0');
        if (p == digits || port < 1 || port > 65535 || (*p >= '0' && *p <= '9')) {
            snprintf(why, cap, "'%s': the port must be 1-65535", url);
            return -EINVAL;
        }
    }
    if (!*p)
        return 0;
    if (strcmp(p, "?transport=tcp") == 0 || (!secure && strcmp(p, "?transport=udp") == 0))
        return 0;
    snprintf(why, cap, "'%s': after HOST:PORT only ?transport=udp or ?transport=tcp%s", url,
             secure ? " (turns: is TLS over TCP: tcp only)" : "");
    return -EINVAL;
bad_host:
    snprintf(why, cap, "'%s': the host is not a name or an IP address", url);
    return -EINVAL;
}
