/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the JSON documents the identity provider sends: the input is parsed as
 * a JWKS, a discovery document and a token response. Nothing may crash or leak, and what is
 * accepted must hold up (usable keys, allowed URLs, an id_token). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwks.h"
#include "auth/oidc.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_jwks set;
    int rc = rs_jwks_parse((const char *)data, size, &set);
    must(rc == 0 || rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM);
    must(rc == 0 ? set.n_keys > 0 : set.n_keys == 0);
    for (size_t i = 0; i < set.n_keys; i++) {
        const struct rs_jwk *k = &set.keys[i];
        must(k->pkey != NULL);
        must(rs_jwk_fits_alg(k, "RS256") || rs_jwk_fits_alg(k, "ES256"));
        must(rs_jwks_find(&set, k->kid, NULL) != NULL);
    }
    (void)rs_jwks_find(&set, NULL, "RS256");
    (void)rs_jwks_find(&set, "1", "ES256");
    rs_jwks_free(&set);

    struct rs_oidc_provider p;
    if (rs_oidc_parse_discovery((const char *)data, size, "https://idp.example/realms/a", &p) == 0)
        must(rs_oidc_url_allowed(p.jwks_uri) == 0 && rs_oidc_url_allowed(p.token_endpoint) == 0 &&
             strcmp(p.issuer, "https://idp.example/realms/a") == 0);

    struct rs_oidc_token_response t;
    rc = rs_oidc_parse_token_response((const char *)data, size, &t);
    must(rc != 0 || (t.id_token != NULL && t.id_token[0] != '\0'));
    rs_oidc_token_response_free(&t);
    return 0;
}
