/* SPDX-License-Identifier: EUPL-1.2 */
/* STUN: the ICE connectivity-check messages of our one UDP port.
 *
 * Ratsaal is ICE-lite: browsers send us Binding requests with USERNAME ("ours:theirs"),
 * PRIORITY, ICE-CONTROLLING and USE-CANDIDATE, signed with MESSAGE-INTEGRITY under our ICE
 * password and closed by a FINGERPRINT. We answer with a Binding success response carrying
 * the source address we saw (XOR-MAPPED-ADDRESS), signed the same way. A valid request is
 * also what teaches the transport layer a peer's address, so this parser is the gate
 * every unauthenticated datagram passes: it is strict about every length and never
 * allocates.
 *
 * The one subtle thing is the length field. MESSAGE-INTEGRITY's HMAC and FINGERPRINT's CRC
 * are computed over the message "as if" it ended right after the attribute being computed,
 * i.e. with the header's length field rewritten: for the HMAC, to cover MESSAGE-INTEGRITY but
 * not a following FINGERPRINT. We therefore copy the header, patch its length, and hash the
 * copy followed by the rest. Builders do the same in their own buffer: set the length, hash,
 * append. */
#include "rtc/stun.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define FINGERPRINT_XOR 0x5354554eu

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* CRC-32, reflected polynomial 0xEDB88320, four bits at a time: a 64-byte table instead of
 * 1 KiB, plenty fast for one checksum per connectivity check. */
static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4, 0x4DB26158, 0x5005713C,
    0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C, 0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
};

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 0x0F];
        crc = (crc >> 4) ^ crc_nibble[crc & 0x0F];
    }
    return crc;
}

uint32_t rs_stun_crc32(const uint8_t *p, size_t len)
{
    return crc_update(0xFFFFFFFFu, p, len) ^ 0xFFFFFFFFu;
}

/* CRC over a header whose length field is replaced by `patched_len`, then the body up to
 * `upto`. */
static uint32_t crc_patched(const uint8_t *buf, size_t upto, uint16_t patched_len)
{
    uint8_t hdr[RS_STUN_HEADER_LEN];
    memcpy(hdr, buf, sizeof hdr);
    put16(hdr + 2, patched_len);
    uint32_t crc = crc_update(0xFFFFFFFFu, hdr, sizeof hdr);
    crc = crc_update(crc, buf + RS_STUN_HEADER_LEN, upto - RS_STUN_HEADER_LEN);
    return crc ^ 0xFFFFFFFFu;
}

/* Attributes this parser understands or may safely ignore even though they are
 * comprehension-required. */
static bool known_required(uint16_t type)
{
    switch (type) {
    case RS_STUN_ATTR_MAPPED_ADDRESS:
    case RS_STUN_ATTR_USERNAME:
    case RS_STUN_ATTR_MESSAGE_INTEGRITY:
    case RS_STUN_ATTR_ERROR_CODE:
    case RS_STUN_ATTR_UNKNOWN_ATTRIBUTES:
    case RS_STUN_ATTR_REALM:
    case RS_STUN_ATTR_NONCE:
    case RS_STUN_ATTR_XOR_MAPPED_ADDRESS:
    case RS_STUN_ATTR_PRIORITY:
    case RS_STUN_ATTR_USE_CANDIDATE:
        return true;
    default:
        return false;
    }
}

static int parse_xor_address(const uint8_t *v, size_t vlen, const uint8_t *header,
                             struct sockaddr_storage *ss)
{
    if (vlen < 4 || v[0] != 0)
        return -EINVAL;
    uint16_t port = get16(v + 2) ^ (uint16_t)(RS_STUN_MAGIC_COOKIE >> 16);
    memset(ss, 0, sizeof *ss);
    if (v[1] == 0x01) {
        if (vlen != 8)
            return -EINVAL;
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        uint32_t a = get32(v + 4) ^ RS_STUN_MAGIC_COOKIE;
        sin->sin_addr.s_addr = htonl(a);
        return 0;
    }
    if (v[1] == 0x02) {
        if (vlen != 20)
            return -EINVAL;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        /* XOR key: magic cookie then transaction id, which is header bytes 4..19. */
        for (int i = 0; i < 16; i++)
            sin6->sin6_addr.s6_addr[i] = v[4 + i] ^ header[4 + i];
        return 0;
    }
    return -EINVAL;
}

static int parse_attr(struct rs_stun_msg *msg, uint16_t type, const uint8_t *v, size_t vlen,
                      size_t attr_off)
{
    switch (type) {
    case RS_STUN_ATTR_USERNAME:
        if (vlen > RS_STUN_MAX_USERNAME)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_USERNAME)) {
            msg->username = v;
            msg->username_len = vlen;
            msg->present |= RS_STUN_HAS_USERNAME;
        }
        return 0;
    case RS_STUN_ATTR_SOFTWARE:
        if (vlen > RS_STUN_MAX_REASON)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_SOFTWARE)) {
            msg->software = v;
            msg->software_len = vlen;
            msg->present |= RS_STUN_HAS_SOFTWARE;
        }
        return 0;
    case RS_STUN_ATTR_MESSAGE_INTEGRITY:
        if (vlen != RS_STUN_HMAC_LEN)
            return -EINVAL;
        msg->integrity_off = attr_off;
        msg->present |= RS_STUN_HAS_INTEGRITY;
        return 0;
    case RS_STUN_ATTR_FINGERPRINT:
        if (vlen != 4)
            return -EINVAL;
        msg->fingerprint_off = attr_off;
        msg->fingerprint = get32(v);
        msg->present |= RS_STUN_HAS_FINGERPRINT;
        return 0;
    case RS_STUN_ATTR_PRIORITY:
        if (vlen != 4)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_PRIORITY)) {
            msg->priority = get32(v);
            msg->present |= RS_STUN_HAS_PRIORITY;
        }
        return 0;
    case RS_STUN_ATTR_USE_CANDIDATE:
        if (vlen != 0)
            return -EINVAL;
        msg->present |= RS_STUN_HAS_USE_CANDIDATE;
        return 0;
    case RS_STUN_ATTR_ICE_CONTROLLING:
        if (vlen != 8)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_ICE_CONTROLLING)) {
            msg->ice_controlling = get64(v);
            msg->present |= RS_STUN_HAS_ICE_CONTROLLING;
        }
        return 0;
    case RS_STUN_ATTR_ICE_CONTROLLED:
        if (vlen != 8)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_ICE_CONTROLLED)) {
            msg->ice_controlled = get64(v);
            msg->present |= RS_STUN_HAS_ICE_CONTROLLED;
        }
        return 0;
    case RS_STUN_ATTR_XOR_MAPPED_ADDRESS: {
        if (msg->present & RS_STUN_HAS_XOR_MAPPED)
            return 0;
        int rc = parse_xor_address(v, vlen, msg->buf, &msg->xor_mapped);
        if (rc < 0)
            return rc;
        msg->present |= RS_STUN_HAS_XOR_MAPPED;
        return 0;
    }
    case RS_STUN_ATTR_ERROR_CODE: {
        if (vlen < 4 || vlen - 4 > RS_STUN_MAX_REASON)
            return -EINVAL;
        unsigned cls = v[2] & 0x07, num = v[3];
        if (cls < 3 || cls > 6 || num > 99)
            return -EINVAL;
        if (!(msg->present & RS_STUN_HAS_ERROR_CODE)) {
            msg->error_code = (uint16_t)(cls * 100 + num);
            msg->error_reason = v + 4;
            msg->error_reason_len = vlen - 4;
            msg->present |= RS_STUN_HAS_ERROR_CODE;
        }
        return 0;
    }
    default:
        if (type < 0x8000 && !known_required(type)) {
            for (size_t i = 0; i < msg->n_unknown; i++)
                if (msg->unknown[i] == type)
                    return 0;
            if (msg->n_unknown < RS_STUN_MAX_UNKNOWN)
                msg->unknown[msg->n_unknown++] = type;
            else
                msg->unknown_overflow = true;
        }
        return 0;
    }
}

int rs_stun_parse(const uint8_t *buf, size_t len, struct rs_stun_msg *msg)
{
    if (buf == NULL || msg == NULL)
        return -EINVAL;
    memset(msg, 0, sizeof *msg);
    if (len < RS_STUN_HEADER_LEN)
        return -EINVAL;
    if ((buf[0] & 0xC0) != 0)
        return -EINVAL;
    size_t body = get16(buf + 2);
    if (body % 4 != 0 || RS_STUN_HEADER_LEN + body != len)
        return -EINVAL;
    if (get32(buf + 4) != RS_STUN_MAGIC_COOKIE)
        return -EINVAL;

    msg->buf = buf;
    msg->len = len;
    msg->type = get16(buf);
    memcpy(msg->txid, buf + 8, RS_STUN_TXID_LEN);

    size_t off = RS_STUN_HEADER_LEN;
    while (off < len) {
        if (len - off < 4)
            return -EINVAL;
        uint16_t type = get16(buf + off);
        size_t vlen = get16(buf + off + 2);
        if (pad4(vlen) > len - off - 4)
            return -EINVAL;
        if (msg->present & RS_STUN_HAS_FINGERPRINT)
            return -EINVAL; /* FINGERPRINT must be the last attribute */
        /* After MESSAGE-INTEGRITY only FINGERPRINT counts; anything else is ignored. */
        bool after_integrity = (msg->present & RS_STUN_HAS_INTEGRITY) != 0;
        if (!after_integrity || type == RS_STUN_ATTR_FINGERPRINT) {
            int rc = parse_attr(msg, type, buf + off + 4, vlen, off);
            if (rc < 0)
                return rc;
        }
        off += 4 + pad4(vlen);
    }
    return 0;
}

static const uint8_t empty_key[1];

int rs_stun_check_integrity(const struct rs_stun_msg *msg, const uint8_t *key, size_t keylen)
{
    if (msg == NULL || msg->buf == NULL)
        return -EINVAL;
    if (!(msg->present & RS_STUN_HAS_INTEGRITY))
        return -ENOENT;
    size_t span = msg->integrity_off;
    if (span > RS_STUN_MAX_INTEGRITY_SPAN || span < RS_STUN_HEADER_LEN ||
        span + 4 + RS_STUN_HMAC_LEN > msg->len || keylen > INT32_MAX || (key == NULL && keylen > 0))
        return -EINVAL;
    uint8_t copy[RS_STUN_MAX_INTEGRITY_SPAN];
    memcpy(copy, msg->buf, span);
    put16(copy + 2, (uint16_t)(span + 4 + RS_STUN_HMAC_LEN - RS_STUN_HEADER_LEN));
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (HMAC(EVP_sha1(), keylen ? key : empty_key, (int)keylen, copy, span, mac, &mac_len) ==
            NULL ||
        mac_len != RS_STUN_HMAC_LEN)
        return -EINVAL;
    if (CRYPTO_memcmp(mac, msg->buf + span + 4, RS_STUN_HMAC_LEN) != 0)
        return -EACCES;
    return 0;
}

int rs_stun_check_fingerprint(const struct rs_stun_msg *msg)
{
    if (msg == NULL || msg->buf == NULL)
        return -EINVAL;
    if (!(msg->present & RS_STUN_HAS_FINGERPRINT))
        return -ENOENT;
    size_t span = msg->fingerprint_off;
    if (span < RS_STUN_HEADER_LEN || span + 8 > msg->len)
        return -EINVAL;
    uint32_t crc = crc_patched(msg->buf, span, (uint16_t)(span + 8 - RS_STUN_HEADER_LEN));
    return (crc ^ FINGERPRINT_XOR) == msg->fingerprint ? 0 : -EINVAL;
}

/* ---- builders ---- */

struct writer {
    uint8_t *out;
    size_t cap;
    size_t len;
};

static int begin(struct writer *w, uint8_t *out, size_t cap, uint16_t type,
                 const uint8_t txid[RS_STUN_TXID_LEN])
{
    if (out == NULL || txid == NULL)
        return -EINVAL;
    if (cap < RS_STUN_HEADER_LEN)
        return -ENOSPC;
    w->out = out;
    w->cap = cap;
    w->len = RS_STUN_HEADER_LEN;
    put16(out, type);
    put16(out + 2, 0);
    put32(out + 4, RS_STUN_MAGIC_COOKIE);
    memcpy(out + 8, txid, RS_STUN_TXID_LEN);
    return 0;
}

/* Appends an attribute header and reserves its padded value; returns the value pointer. */
static uint8_t *reserve(struct writer *w, uint16_t type, size_t vlen)
{
    if (vlen > 0xFFFF || w->cap - w->len < 4 + pad4(vlen) || w->len + 4 + pad4(vlen) > 0xFFFF)
        return NULL;
    uint8_t *p = w->out + w->len;
    put16(p, type);
    put16(p + 2, (uint16_t)vlen);
    memset(p + 4, 0, pad4(vlen));
    w->len += 4 + pad4(vlen);
    put16(w->out + 2, (uint16_t)(w->len - RS_STUN_HEADER_LEN));
    return p + 4;
}

static int put_attr(struct writer *w, uint16_t type, const void *v, size_t vlen)
{
    uint8_t *p = reserve(w, type, vlen);
    if (p == NULL)
        return -ENOSPC;
    if (vlen > 0)
        memcpy(p, v, vlen);
    return 0;
}

static int put_integrity(struct writer *w, const uint8_t *key, size_t keylen)
{
    if (key == NULL)
        return 0;
    if (keylen > INT32_MAX)
        return -EINVAL;
    size_t span = w->len;
    uint8_t *p = reserve(w, RS_STUN_ATTR_MESSAGE_INTEGRITY, RS_STUN_HMAC_LEN);
    if (p == NULL)
        return -ENOSPC;
    /* reserve() already set the length to include this attribute, as the HMAC requires. */
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (HMAC(EVP_sha1(), keylen ? key : empty_key, (int)keylen, w->out, span, mac, &mac_len) ==
            NULL ||
        mac_len != RS_STUN_HMAC_LEN)
        return -EINVAL;
    memcpy(p, mac, RS_STUN_HMAC_LEN);
    return 0;
}

static int put_fingerprint(struct writer *w)
{
    size_t span = w->len;
    uint8_t *p = reserve(w, RS_STUN_ATTR_FINGERPRINT, 4);
    if (p == NULL)
        return -ENOSPC;
    put32(p, rs_stun_crc32(w->out, span) ^ FINGERPRINT_XOR);
    return 0;
}

static int put_xor_address(struct writer *w, const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        uint8_t *p = reserve(w, RS_STUN_ATTR_XOR_MAPPED_ADDRESS, 8);
        if (p == NULL)
            return -ENOSPC;
        p[0] = 0;
        p[1] = 0x01;
        put16(p + 2, ntohs(sin->sin_port) ^ (uint16_t)(RS_STUN_MAGIC_COOKIE >> 16));
        put32(p + 4, ntohl(sin->sin_addr.s_addr) ^ RS_STUN_MAGIC_COOKIE);
        return 0;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        uint8_t *p = reserve(w, RS_STUN_ATTR_XOR_MAPPED_ADDRESS, 20);
        if (p == NULL)
            return -ENOSPC;
        p[0] = 0;
        p[1] = 0x02;
        put16(p + 2, ntohs(sin6->sin6_port) ^ (uint16_t)(RS_STUN_MAGIC_COOKIE >> 16));
        for (int i = 0; i < 16; i++)
            p[4 + i] = sin6->sin6_addr.s6_addr[i] ^ w->out[4 + i];
        return 0;
    }
    return -EINVAL;
}

int rs_stun_build_binding_success(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                  const struct sockaddr_storage *mapped, const uint8_t *key,
                                  size_t keylen, size_t *out_len)
{
    struct writer w;
    if (mapped == NULL || out_len == NULL)
        return -EINVAL;
    int rc = begin(&w, out, cap, RS_STUN_BINDING_SUCCESS, txid);
    if (rc == 0)
        rc = put_xor_address(&w, mapped);
    if (rc == 0)
        rc = put_integrity(&w, key, keylen);
    if (rc == 0)
        rc = put_fingerprint(&w);
    if (rc == 0)
        *out_len = w.len;
    return rc;
}

static const char *default_reason(uint16_t code)
{
    switch (code) {
    case 300:
        return "Try Alternate";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 420:
        return "Unknown Attribute";
    case 438:
        return "Stale Nonce";
    case 487:
        return "Role Conflict";
    case 500:
        return "Server Error";
    default:
        return "";
    }
}

int rs_stun_build_binding_error(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                uint16_t code, const char *reason, const uint16_t *unknown,
                                size_t n_unknown, const uint8_t *key, size_t keylen,
                                size_t *out_len)
{
    struct writer w;
    if (out_len == NULL || code < 300 || code > 699 || (n_unknown > 0 && unknown == NULL))
        return -EINVAL;
    if (reason == NULL)
        reason = default_reason(code);
    size_t rlen = strnlen(reason, RS_STUN_MAX_REASON + 1);
    if (rlen > RS_STUN_MAX_REASON || n_unknown > 0x7FFF)
        return -EINVAL;
    int rc = begin(&w, out, cap, RS_STUN_BINDING_ERROR, txid);
    if (rc < 0)
        return rc;
    uint8_t *p = reserve(&w, RS_STUN_ATTR_ERROR_CODE, 4 + rlen);
    if (p == NULL)
        return -ENOSPC;
    p[0] = 0;
    p[1] = 0;
    p[2] = (uint8_t)(code / 100);
    p[3] = (uint8_t)(code % 100);
    memcpy(p + 4, reason, rlen);
    if (n_unknown > 0) {
        p = reserve(&w, RS_STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n_unknown);
        if (p == NULL)
            return -ENOSPC;
        for (size_t i = 0; i < n_unknown; i++)
            put16(p + 2 * i, unknown[i]);
    }
    rc = put_integrity(&w, key, keylen);
    if (rc == 0)
        rc = put_fingerprint(&w);
    if (rc == 0)
        *out_len = w.len;
    return rc;
}

int rs_stun_build_binding_request(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                  const struct rs_stun_binding_request *req, const uint8_t *key,
                                  size_t keylen, size_t *out_len)
{
    struct writer w;
    if (req == NULL || out_len == NULL || req->username_len > RS_STUN_MAX_USERNAME ||
        (req->username == NULL && req->username_len > 0))
        return -EINVAL;
    int rc = begin(&w, out, cap, RS_STUN_BINDING_REQUEST, txid);
    if (rc < 0)
        return rc;
    if (req->username_len > 0)
        rc = put_attr(&w, RS_STUN_ATTR_USERNAME, req->username, req->username_len);
    uint8_t v[8];
    if (rc == 0) {
        put32(v, req->priority);
        rc = put_attr(&w, RS_STUN_ATTR_PRIORITY, v, 4);
    }
    if (rc == 0) {
        put64(v, req->tie_breaker);
        rc = put_attr(&w,
                      req->controlling ? RS_STUN_ATTR_ICE_CONTROLLING : RS_STUN_ATTR_ICE_CONTROLLED,
                      v, 8);
    }
    if (rc == 0 && req->use_candidate)
        rc = put_attr(&w, RS_STUN_ATTR_USE_CANDIDATE, NULL, 0);
    if (rc == 0)
        rc = put_integrity(&w, key, keylen);
    if (rc == 0)
        rc = put_fingerprint(&w);
    if (rc == 0)
        *out_len = w.len;
    return rc;
}
