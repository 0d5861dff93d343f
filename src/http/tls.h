/* SPDX-License-Identifier: EUPL-1.2 */
/* TLS on the HTTP/WebSocket port (optional: `tls_cert` + `tls_key` in the config), and the
 * client SSL_CTX of the cascade's links to other nodes (`cluster_ca_file`).
 *
 * struct rs_tls holds the two paths and the certificate currently served. rs_tls_attach
 * configures an SSL_CTX (the one libwebsockets creates for the listening vhost) with our
 * protocol settings and a certificate callback that hands every new handshake the certificate
 * current at that moment; rs_tls_reload re-reads the files and, only when they are good,
 * makes them current. Connections already open keep what they negotiated, so a reload drops
 * nothing. The SSL_CTX itself is never changed after rs_tls_attach.
 *
 * Threads: everything here runs on the control thread (the libwebsockets loop, where the
 * handshakes run too). Error texts are one line naming the config key (`tls_cert: …`). */
#ifndef RS_HTTP_TLS_H
#define RS_HTTP_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* TLS 1.2 suites: ECDHE key exchange and AEAD only, in server preference order. TLS 1.3
 * keeps OpenSSL's three default suites (all AEAD, all with (EC)DHE). */
#define RS_TLS_CIPHERS_TLS12                                                                       \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define RS_TLS_CIPHERSUITES_TLS13                                                                  \
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
#define RS_TLS_GROUPS "X25519:P-256:P-384"

/* Longest "AB:CD:…" SHA-256 fingerprint text, with its NUL. */
#define RS_TLS_FINGERPRINT_MAX (32 * 3)

struct rs_tls;

/* Reads and checks the certificate chain at `cert_path` and the private key at `key_path`
 * (both PEM; the chain is the server certificate first, then intermediates; both may be one
 * file). Copies the paths. Returns 0 with *out set (caller frees with rs_tls_free), or -EINVAL
 * with one line in `err`: a file that cannot be read, holds no certificate or key, an
 * encrypted key, a key that does not match the certificate, a certificate outside its
 * validity period, or one OpenSSL refuses at security level 2 (e.g. RSA under 2048 bits). */
int rs_tls_new(const char *cert_path, const char *key_path, struct rs_tls **out, char *err,
               size_t errlen);

/* Sets protocol versions (TLS 1.2 and 1.3), ciphers, groups and options on `ctx` and installs
 * the certificate callback. `t` must outlive `ctx`. Returns 0 or -EINVAL with a reason. */
int rs_tls_attach(struct rs_tls *t, SSL_CTX *ctx, char *err, size_t errlen);

/* Re-reads both files with the checks of rs_tls_new. On success new handshakes get the new
 * certificate; on failure nothing changes and `err` says why. */
int rs_tls_reload(struct rs_tls *t, char *err, size_t errlen);

/* The SHA-256 fingerprint ("AB:CD:…", upper-case hex) and expiry ("2027-01-31T12:00:00Z") of
 * the certificate now served. Borrowed, valid until the next successful reload. */
const char *rs_tls_fingerprint(const struct rs_tls *t);
const char *rs_tls_not_after(const struct rs_tls *t);

void rs_tls_free(struct rs_tls *t);

/* The client side, for the cascade's links to other nodes (http/cascade_link.c): a new
 * SSL_CTX (caller frees) with our protocol settings that verifies the server's chain against
 * the certificates in the PEM file `ca_file` only, or against the system's CA store when
 * `ca_file` is NULL or empty. The host name is checked per connection (libwebsockets sets it
 * from the link's URL). Returns 0, or -EINVAL with one line naming cluster_ca_file: a file
 * that cannot be read, holds no certificate or a damaged one. */
int rs_tls_client_new(const char *ca_file, SSL_CTX **out, char *err, size_t errlen);

#endif
