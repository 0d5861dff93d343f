/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for what the browser hands the auth code: an ID token (verified against a
 * fixed JWKS holding the RFC 7515 A.2 RSA and A.3 EC keys), a Cookie header and a return path.
 * The input is tried as each. Nothing may crash, leak, or accept what it must not.
 *
 * Inputs starting with byte 0x01 are "\x01 header-JSON \0 payload-JSON": the target encodes
 * and signs them with a P-256 key made at start-up (kid "fz"), so the claim checks behind the
 * signature get fuzzed too. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/auth/auth_test_util.h"
#include "auth/cookie.h"
#include "auth/jwks.h"
#include "auth/jwt.h"

static const char jwks_doc[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_"
    "wWJcyQoTb"
    "ji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b3"
    "2690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg"
    "665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs"
    "91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"},"
    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\",\"x\":"
    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHv"
    "RVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

static struct rs_jwks jwks;    /* RFC keys */
static struct rs_jwks signing; /* the generated key */
static EVP_PKEY *signer;

static void must(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    must(rs_jwks_parse(jwks_doc, sizeof jwks_doc - 1, &jwks) == 0 && jwks.n_keys == 2);
    signer = t_ec_key();
    char *jwk = t_jwk(signer, "fz", NULL, "sig");
    char doc[4200];
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", jwk);
    free(jwk);
    must(rs_jwks_parse(doc, strlen(doc), &signing) == 0);
    return 0;
}

static void check_claims(const struct rs_jwt_claims *c)
{
    must(c->sub[0] != '\0' && memchr(c->sub, 0, sizeof c->sub) != NULL);
    must(memchr(c->email, 0, sizeof c->email) && memchr(c->tenant, 0, sizeof c->tenant));
    must(c->n_groups <= RS_JWT_MAX_GROUPS);
    for (size_t i = 0; i < c->n_groups; i++)
        must(memchr(c->groups[i], 0, sizeof c->groups[i]) != NULL);
}

/* Signed mode: both JSON texts become a token signed by `signer`. */
static void fuzz_signed(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (nul == NULL || size > 12000)
        return;
    char *header = strndup((const char *)data, (size_t)(nul - data));
    char *payload = strndup((const char *)nul + 1, size - (size_t)(nul - data) - 1);
    char *token = t_sign(header, payload, signer, "ES256");
    struct rs_jwt_expect e;
    struct rs_jwt_claims c;
    enum rs_jwt_reject why;
    rs_jwt_expect_init(&e);
    e.issuer = "joe";
    e.client_id = "ratsaal";
    e.nonce = size % 2 ? "n" : NULL;
    e.tenant_claim = "tenant";
    e.groups_claim = size % 3 ? NULL : "roles";
    e.now = 1300819300;
    int rc = rs_jwt_verify(token, strlen(token), &signing, &e, &c, &why);
    must((rc == 0) == (why == RS_JWT_OK));
    if (rc == 0)
        check_claims(&c);
    else
        must(c.sub[0] == '\0');
    /* the same token against the RFC keys never verifies */
    must(rs_jwt_verify(token, strlen(token), &jwks, &e, &c, &why) == -EACCES);
    free(token);
    free(header);
    free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_jwt_expect e;
    struct rs_jwt_claims c;
    enum rs_jwt_reject why = RS_JWT_REJECT_COUNT;

    if (size > 0 && data[0] == 0x01) {
        fuzz_signed(data + 1, size - 1);
        return 0;
    }
    rs_jwt_expect_init(&e);
    e.issuer = "joe";
    e.client_id = "ratsaal";
    e.nonce = size % 2 ? "n" : NULL;
    e.tenant_claim = "tenant";
    e.now = 1300819300;
    int rc = rs_jwt_verify((const char *)data, size, &jwks, &e, &c, &why);
    must((rc == 0) == (why == RS_JWT_OK));
    must(rc == 0 || rc == -EACCES || rc == -ENOMEM);
    if (rc == 0) {
        /* Without the providers' private keys no fuzzer input can carry a valid signature
         * over a payload that passes the audience check. */
        abort();
    }
    must(c.sub[0] == '\0');

    char out[256];
    (void)rs_cookie_get((const char *)data, size, "s", out, sizeof out);
    char *str = malloc(size + 1);
    memcpy(str, data, size);
    str[size] = '\0';
    if (rs_auth_safe_return_path(str, out, sizeof out) == 0)
        must(out[0] == '/' && out[1] != '/' && out[1] != '\\' && strchr(out, '\\') == NULL);
    free(str);
    return 0;
}
