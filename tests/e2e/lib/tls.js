// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Helpers for the TLS tests: self-signed certificates made with the openssl command, and raw
// TLS connections to the server that report what it negotiated or why it refused.

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

/**
 * Writes NAME.cert.pem and NAME.key.pem into dir: a self-signed certificate for 127.0.0.1
 * (CN and subjectAltName IP), `days` valid. type 'ec' (P-256) or 'rsa' (2048 bits).
 * Returns {cert, key, certPem, fingerprint256} (paths, PEM text, "AB:CD:…" as node prints it).
 */
function makeCert(dir, name, { type = 'ec', days = 365 } = {}) {
  const cert = path.join(dir, `${name}.cert.pem`);
  const key = path.join(dir, `${name}.key.pem`);
  const alg = type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const r = spawnSync('openssl', ['req', '-x509', ...alg, '-nodes', '-sha256', '-days', String(days),
    '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  const certPem = fs.readFileSync(cert, 'utf8');
  return { cert, key, certPem, fingerprint256: new crypto.X509Certificate(certPem).fingerprint256 };
}

/**
 * One TLS handshake with 127.0.0.1:port. Options as node's tls.connect (minVersion,
 * maxVersion, ciphers, ca). Resolves {ok: true, protocol, cipher, fingerprint256} or
 * {ok: false, code, message}; never rejects.
 */
function probe(port, options = {}) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: !!options.ca, ...options });
    const timer = setTimeout(() => { s.destroy(); resolve({ ok: false, code: 'TIMEOUT', message: 'no answer in 5 s' }); }, 5000);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const res = { ok: true, protocol: s.getProtocol(), cipher: s.getCipher().name, fingerprint256: s.getPeerCertificate().fingerprint256 };
      s.end();
      resolve(res);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, code: e.code, message: e.message });
    });
  });
}

module.exports = { makeCert, probe };
