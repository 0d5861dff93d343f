// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 11: Debian's testssl.sh against the server's own TLS on 127.0.0.1 (a self-signed RSA
// certificate made here). Protocols, cipher categories, forward secrecy, server preference,
// server defaults, HTTP headers and every vulnerability check (-p -s -f -P -S -h -U); the
// client simulation (-c, about 100 s more on 2 cores, informational only) is left out. Fails
// on any finding rated MEDIUM, HIGH or CRITICAL, printing them, except the few below that
// are about the test certificate rather than the server's configuration.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const { makeCert } = require('./lib/tls.js');

const stopWatchdog = h.watchdog(280000);
const TESTSSL = ['/usr/bin/testssl', '/usr/bin/testssl.sh'].find((f) => fs.existsSync(f));

// These IDs judge the certificate, and cannot pass for a self-signed test certificate: a
// certificate from the agency's CA (or a public one) brings them. They say nothing about the
// server's TLS settings, which is what this test is for. Nothing else is excluded.
const CERTIFICATE_ONLY = {
  cert_chain_of_trust: 'trust: self-signed, no CA chains to it',
  cert_revocation: 'OCSP/CRL: only a CA puts a CRL or OCSP address into a certificate',
  cert_ocspURL: 'OCSP: no responder address in a self-signed certificate',
  cert_crlDistributionPoints: 'CRL: no distribution point in a self-signed certificate',
  OCSP_stapling: 'OCSP: nothing to staple without a CA responder',
  cert_mustStapleExtension: 'OCSP: must-staple is requested by the CA certificate',
  DNS_CAArecord: 'CAA: a DNS record of a domain name; the test connects to 127.0.0.1',
  certificate_transparency: 'certificate transparency: SCTs come from a public CA',
};
const FAILING = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);

let dir;
let server;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-testssl-'));
  const c = makeCert(dir, 'server', { type: 'rsa', days: 365 });
  server = await h.startServer({ config: `tls_cert = ${c.cert}\ntls_key = ${c.key}\n`, tls: { ca: c.certPem } });
});

after(async () => {
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  stopWatchdog();
});

function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out }); });
  });
}

test('testssl.sh finds nothing rated MEDIUM or worse in the server configuration', { timeout: 260000 }, async () => {
  assert.ok(TESTSSL, 'testssl.sh is not installed (Debian package testssl.sh; scripts/deps.sh installs it)');
  const json = path.join(dir, 'testssl.json');
  const started = Date.now();
  // --nodns none: no DNS lookups (rDNS, CAA): the scan talks to 127.0.0.1 only and does not
  // wait for resolver time-outs
  const r = await run(TESTSSL, ['--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none',
    '--openssl', '/usr/bin/openssl', '-p', '-s', '-f', '-P', '-S', '-h', '-U', '--jsonfile', json,
    `127.0.0.1:${server.port}`], 240000);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`testssl.sh took ${seconds} s (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`);
  assert.ok(fs.existsSync(json), `testssl.sh wrote no JSON:\n${r.out.slice(-3000)}`);
  const findings = JSON.parse(fs.readFileSync(json, 'utf8'));
  const ids = new Map(findings.map((f) => [f.id, f]));
  const broken = findings.filter((f) => f.severity === 'FATAL' || f.id === 'scanProblem');
  assert.deepEqual(broken, [], `the scan itself failed:\n${r.out.slice(-3000)}`);
  // the scan really ran: the sections asked for are there
  for (const id of ['TLS1_2', 'TLS1_3', 'cipher_order', 'PFS', 'HSTS_time', 'heartbleed', 'ROBOT', 'LUCKY13']) {
    assert.ok(ids.has(id), `no ${id} in the report:\n${r.out.slice(-3000)}`);
  }
  for (const id of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1']) assert.equal(ids.get(id).finding, 'not offered', id);
  assert.match(ids.get('TLS1_3').finding, /^offered/);

  const counts = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] || 0) + 1;
  console.log(`testssl.sh findings by severity: ${JSON.stringify(counts)}`);
  for (const f of findings) {
    if (f.severity === 'WARN') console.log(`scan warning ${f.id}: ${f.finding}`);
    if (f.severity === 'LOW' && !CERTIFICATE_ONLY[f.id]) console.log(`LOW (not failing) ${f.id}: ${f.finding}`);
    if (CERTIFICATE_ONLY[f.id] && f.severity !== 'OK' && f.severity !== 'INFO') {
      console.log(`excluded ${f.severity} ${f.id}: ${f.finding} (${CERTIFICATE_ONLY[f.id]})`);
    }
  }
  const bad = findings.filter((f) => FAILING.has(f.severity) && !CERTIFICATE_ONLY[f.id]);
  for (const f of bad) console.log(`${f.severity} ${f.id}: ${f.finding}`);
  assert.deepEqual(bad.map((f) => `${f.severity} ${f.id}: ${f.finding}`), []);
});
