// SPDX-License-Identifier: EUPL-1.2
'use strict';
// TURN with short-lived credentials (config turn_server / turn_secret / turn_ttl): Debian's
// coturn, started here with `use-auth-secret`, is the only way from the browsers to the SFU.
// Run: RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/turn.test.js
//
//   child namespace 1 (Chromium) ─┐                     test namespace
//   child namespace 2 (Chromium) ─┴─ veths ──>  10.77.0.1  ratsaal (HTTP, SFU media port P)
//                                                          coturn :3478 TCP, :5349 TLS
//                                               10.77.0.3  coturn's relay address
//
// The children send no UDP at all (nft in each child), and the test namespace drops every
// packet to the SFU's media port (UDP and TCP, so ICE-TCP cannot help either) unless it comes
// from the relay address. So media flows only as browser ─TCP/TLS→ coturn ─UDP→ SFU, and
// getStats must show a local `relay` candidate with relayProtocol `tcp`, then `tls`, then `tls`
// again with the browsers behind an HTTP proxy that lets only CONNECT to the TLS port through.
// Bad paths: coturn refuses an expired credential (401), and with a secret that does not match
// the server's the browsers get no relay candidate, receive nothing and say so.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');

const RELAY_IP = '10.77.0.3';
const TURN_PORT = 3478;
const TURNS_PORT = 5349;
const SECRET = 'turn-test-secret-0123456789';
const REALM = 'ratsaal.test';

const stopWatchdog = h.watchdog(420000);
let server; let tmp; let coturn = null; let coturnLog = '';
const kids = []; const browsers = [];
let pages = [];

/** coturn in the foreground with a config file of its own; resolves once it accepts TCP. */
async function startCoturn(secret) {
  const conf = path.join(tmp, 'turnserver.conf');
  fs.writeFileSync(conf, [
    'listening-ip=10.77.0.1',
    `relay-ip=${RELAY_IP}`,
    `listening-port=${TURN_PORT}`,
    `tls-listening-port=${TURNS_PORT}`,
    `cert=${path.join(tmp, 'turn.crt')}`,
    `pkey=${path.join(tmp, 'turn.key')}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${REALM}`,
    'fingerprint',
    'no-cli',
    'no-dtls',
    'no-multicast-peers',
    // as docs/operations.md says: coturn 4.6.1 relays to private addresses unless told not to
    // (checked: without these lines this test passes too), so deny them and allow the SFU
    'denied-peer-ip=10.0.0.0-10.255.255.255',
    'allowed-peer-ip=10.77.0.1',
    'min-port=49152',
    'max-port=49300',
    `pidfile=${path.join(tmp, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    'verbose',
    '',
  ].join('\n'));
  coturnLog = '';
  coturn = spawn('/usr/bin/turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  coturn.stdout.on('data', (d) => { coturnLog += d; });
  coturn.stderr.on('data', (d) => { coturnLog += d; });
  const end = Date.now() + 10000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(TURNS_PORT, '10.77.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (coturn.exitCode !== null || Date.now() > end) throw new Error(`coturn did not start:\n${coturnLog}`);
    await h.sleep(100);
  }
}

async function stopCoturn() {
  if (!coturn || coturn.exitCode !== null) return;
  const gone = new Promise((resolve) => coturn.once('exit', resolve));
  coturn.kill('SIGTERM');
  await Promise.race([gone, h.sleep(3000)]);
  if (coturn.exitCode === null) coturn.kill('SIGKILL');
}

before(async () => {
  ns.setup();
  ns.sh('ip', ['addr', 'add', `${RELAY_IP}/24`, 'dev', 'v0']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-turn-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=turn.ratsaal.test',
    '-addext', 'subjectAltName=IP:10.77.0.1', '-keyout', path.join(tmp, 'turn.key'), '-out', path.join(tmp, 'turn.crt')],
  { stdio: 'ignore' });
  await startCoturn(SECRET);
  server = await h.startServer(ns.serverOptions([
    'media_workers = 1',
    `turn_server = turn:10.77.0.1:${TURN_PORT}?transport=tcp`,
    `turn_server = turns:10.77.0.1:${TURNS_PORT}?transport=tcp`,
    `turn_secret = ${SECRET}`,
    'turn_ttl = 600',
    'log_level = debug', // so that "never logged" below means something
    '',
  ].join('\n')));
  // only coturn's relay address may reach the SFU's media port (UDP, and TCP for ICE-TCP)
  const table = ns.nft();
  for (const proto of ['udp', 'tcp']) {
    table.rule('input', `ip daddr 10.77.0.1 ${proto} dport ${server.udpPort} ip saddr != ${RELAY_IP} counter drop`);
  }
  for (let i = 0; i < 2; i++) {
    const kid = await ns.child(server.port);
    kids.push(kid);
    // Chromium checks a TURN server's TLS certificate like a web server's; this test's coturn
    // has a self-signed one, so these browsers are told to accept any certificate (checked:
    // without the flag no relay over TLS comes up and the TLS test fails). A real deployment
    // has a certificate from a CA for the TURN server's name.
    browsers.push(await h.launchBrowser({ ...kid.launchArgs, args: ['--ignore-certificate-errors'] }));
  }
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  if (server) await server.stop();
  await stopCoturn();
  ns.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  stopWatchdog();
});

/** What a child may send: TCP to 10.77.0.1 only to the HTTP port and `turnPort`, and UDP only to
 *  the SFU's media port, where the test namespace drops it (so that drop counts the browsers'
 *  attempts to go direct). */
function restrictChildren(turnPort) {
  for (const kid of kids) {
    const t = kid.nft();
    t.flush();
    t.rule('output', `oifname != "lo" udp dport != ${server.udpPort} counter drop`);
    t.rule('output', `ip daddr 10.77.0.1 tcp dport != { ${server.port}, ${turnPort}, ${server.udpPort} } counter drop`);
  }
}

/** The selected candidate pair of a page's connection ('publish' or 'subscribe'). */
async function selected(page, which) {
  return page.evaluate(async (w) => {
    const media = window.__ratsaalMeeting.media;
    const pc = w === 'publish' ? media.pub : media.sub;
    if (!pc) return null;
    const stats = [...(await pc.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport ? stats.find((s) => s.id === transport.selectedCandidatePairId)
      : stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    const local = pair && stats.find((s) => s.id === pair.localCandidateId);
    const remote = pair && stats.find((s) => s.id === pair.remoteCandidateId);
    return local ? { candidateType: local.candidateType, relayProtocol: local.relayProtocol, address: local.address,
      remote: remote && remote.address } : null;
  }, which);
}

async function relayCandidates(page) {
  return page.evaluate(async () => {
    const media = window.__ratsaalMeeting.media;
    const out = [];
    for (const pc of [media.pub, media.sub]) {
      if (!pc) continue;
      (await pc.getStats()).forEach((s) => { if (s.type === 'local-candidate' && s.candidateType === 'relay') out.push(s.relayProtocol); });
    }
    return out;
  });
}

async function closePages() {
  for (const p of pages) await p.context().close().catch(() => {});
  pages = [];
}

/** Two pages, one per child namespace, in `room`; waits until each decodes the other's camera. */
async function meetThroughTurn(room, [one, two] = browsers) {
  const url = `${server.url}/r/${room}?join=1&name=`;
  const a = await h.newPage(one); pages.push(a);
  const b = await h.newPage(two); pages.push(b);
  await h.joinByLink(a, `${url}Anna`);
  await h.joinByLink(b, `${url}Bernd`);
  const [idA, idB] = await Promise.all([a, b].map((p) => h.selfId(p)));
  await h.rising(a, `${idB}:camera`, 'frames', { timeout: 30000 });
  await h.rising(b, `${idA}:camera`, 'frames', { timeout: 30000 });
  for (const p of [a, b]) assert.equal(await p.locator('[data-code="media_unreachable"]').count(), 0, 'a "cannot get through" notice while media flows');
  return { a, b, idA, idB };
}

function dropped() {
  const m = ns.nft().list().match(/counter packets (\d+)/g) || [];
  return m.reduce((n, s) => n + Number(s.split(' ')[2]), 0);
}

test('through coturn over TCP: relay candidates (tcp), cameras decoded, the SFU port reached only from the relay', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    restrictChildren(TURN_PORT);
    const { a, b } = await meetThroughTurn('turn-tcp');
    for (const page of [a, b]) {
      for (const which of ['publish', 'subscribe']) {
        const sel = await selected(page, which);
        assert.equal(sel && sel.candidateType, 'relay', `${which}: ${JSON.stringify(sel)}`);
        assert.equal(sel.relayProtocol, 'tcp', `${which}: ${JSON.stringify(sel)}`);
        assert.equal(sel.address, RELAY_IP);
      }
    }
    // the direct way was tried by the browsers and refused by the firewall, not merely unused
    assert.ok(dropped() > 0, ns.nft().list());
    await closePages();
  }));

test('through coturn over TLS (turns:, port 5349): relay candidates (tls), cameras decoded', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    restrictChildren(TURNS_PORT);
    const { a, b } = await meetThroughTurn('turn-tls');
    for (const page of [a, b]) {
      for (const which of ['publish', 'subscribe']) {
        const sel = await selected(page, which);
        assert.equal(sel && sel.candidateType, 'relay', `${which}: ${JSON.stringify(sel)}`);
        assert.equal(sel.relayProtocol, 'tls', `${which}: ${JSON.stringify(sel)}`);
      }
    }
    await closePages();
  }));

// ---- a TURN Allocate over TCP, by hand (RFC 8656 with RFC 8489 long-term credentials) ----

function stunMessage(type, attrs, key) {
  const txid = crypto.randomBytes(12);
  const body = [];
  for (const [atype, value] of attrs) {
    const hdr = Buffer.alloc(4);
    hdr.writeUInt16BE(atype, 0);
    hdr.writeUInt16BE(value.length, 2);
    body.push(hdr, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  let payload = Buffer.concat(body);
  const header = (len) => {
    const b = Buffer.alloc(20);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(len, 2);
    b.writeUInt32BE(0x2112a442, 4);
    txid.copy(b, 8);
    return b;
  };
  if (key) { // MESSAGE-INTEGRITY over everything before it, the length already counting it
    const mac = crypto.createHmac('sha1', key).update(Buffer.concat([header(payload.length + 24), payload])).digest();
    const hdr = Buffer.from([0x00, 0x08, 0x00, 0x14]);
    payload = Buffer.concat([payload, hdr, mac]);
  }
  return Buffer.concat([header(payload.length), payload]);
}

function stunAttrs(msg) {
  const out = new Map();
  for (let o = 20; o + 4 <= msg.length;) {
    const type = msg.readUInt16BE(o); const len = msg.readUInt16BE(o + 2);
    out.set(type, msg.subarray(o + 4, o + 4 + len));
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  return out;
}

/** Sends Allocate twice on one TCP connection (unauthenticated for realm and nonce, then with
 *  the credential); resolves with 'success' or the error code of the second answer. */
async function allocate(username, credential) {
  const sock = net.connect(TURN_PORT, '10.77.0.1');
  let buf = Buffer.alloc(0); const waiting = [];
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 20 && buf.length >= 20 + buf.readUInt16BE(2)) {
      const n = 20 + buf.readUInt16BE(2);
      const msg = buf.subarray(0, n); buf = buf.subarray(n);
      const w = waiting.shift(); if (w) w(msg);
    }
  });
  const ask = (m) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer from coturn')), 5000);
    waiting.push((msg) => { clearTimeout(timer); resolve(msg); });
    sock.write(m);
  });
  try {
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const udp = Buffer.from([17, 0, 0, 0]); // REQUESTED-TRANSPORT: UDP
    const first = stunAttrs(await ask(stunMessage(0x0003, [[0x0019, udp]])));
    const realm = first.get(0x0014); const nonce = first.get(0x0015);
    assert.ok(realm && nonce, 'coturn asked for no credentials');
    const key = crypto.createHash('md5').update(`${username}:${realm}:${credential}`).digest();
    const answer = await ask(stunMessage(0x0003,
      [[0x0019, udp], [0x0006, Buffer.from(username)], [0x0014, realm], [0x0015, nonce]], key));
    if (answer.readUInt16BE(0) === 0x0103) return 'success';
    const err = stunAttrs(answer).get(0x0009);
    return err ? (err[2] & 7) * 100 + err[3] : `type 0x${answer.readUInt16BE(0).toString(16)}`;
  } finally {
    sock.destroy();
  }
}

test('coturn takes the credential a join hands out and refuses the same one expired (401)', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    restrictChildren(TURN_PORT);
    const a = await h.newPage(browsers[0]); pages.push(a);
    await h.joinByLink(a, `${server.url}/r/turn-cred?join=1&name=Anna`);
    const id = await h.selfId(a);
    const turn = await a.evaluate(() => window.__ratsaalMeeting.media.iceServers.find((s) => String(s.urls).includes('turn:')));
    assert.ok(turn, 'control/joined had no TURN server');
    const [expiry, user] = turn.username.split(':');
    assert.equal(user, id);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Number(expiry) > now + 590 && Number(expiry) <= now + 600, `expiry ${expiry}, now ${now}`);
    assert.equal(await allocate(turn.username, turn.credential), 'success');
    // neither the secret nor a credential appears in the server's log, even at debug level
    assert.ok(server.output().length > 0);
    assert.ok(!server.output().includes(turn.credential) && !server.output().includes(SECRET), 'TURN secret in the log');
    // the same participant, correctly signed, but expired a minute ago
    const past = `${now - 60}:${id}`;
    const pastCred = crypto.createHmac('sha1', SECRET).update(past).digest('base64');
    assert.equal(await allocate(past, pastCred), 401);
    // and a credential made with another secret
    assert.equal(await allocate(turn.username, crypto.createHmac('sha1', 'not-the-secret').update(turn.username).digest('base64')), 401);
    await closePages();
  }));

/** An HTTP proxy as agency networks have: CONNECT only to `allowedPort`, every request noted. */
async function startConnectProxy(allowedPort) {
  const http = require('node:http');
  const seen = [];
  const proxy = http.createServer((req, res) => { seen.push(`${req.method} ${req.url}`); res.writeHead(403).end(); });
  proxy.on('connect', (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url.split(':');
    if (Number(port) !== allowedPort) { client.end('HTTP/1.1 403 Forbidden\r\n\r\n'); return; }
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, '10.77.0.1', resolve));
  return { port: proxy.address().port, seen, close: () => proxy.close() };
}

test('behind an HTTP proxy that lets only CONNECT to the TLS port through: TURN over TLS through the proxy', (t) => {
  const proxied = [];
  return h.withArtifacts(t, () => pages, async () => {
    const proxy = await startConnectProxy(TURNS_PORT);
    try {
      for (const kid of kids) {
        // nothing but the page's HTTP port and the proxy; no UDP but to the (blocked) media port
        const tb = kid.nft();
        tb.flush();
        tb.rule('output', `oifname != "lo" udp dport != ${server.udpPort} counter drop`);
        tb.rule('output', `ip daddr 10.77.0.1 tcp dport != { ${server.port}, ${proxy.port} } counter drop`);
        proxied.push(await h.launchBrowser({ ...kid.launchArgs,
          args: ['--ignore-certificate-errors', `--proxy-server=http://10.77.0.1:${proxy.port}`] }));
      }
      const { b } = await meetThroughTurn('turn-proxy', proxied);
      const sel = await selected(b, 'subscribe');
      assert.equal(sel && sel.candidateType, 'relay', JSON.stringify(sel));
      assert.equal(sel.relayProtocol, 'tls', JSON.stringify(sel));
      assert.ok(proxy.seen.includes(`CONNECT 10.77.0.1:${TURNS_PORT}`), proxy.seen.join(', '));
      // TURN over plain TCP was tried through the proxy as well (and refused by it)
      assert.ok(proxy.seen.includes(`CONNECT 10.77.0.1:${TURN_PORT}`), proxy.seen.join(', '));
      t.diagnostic(`proxy saw: ${[...new Set(proxy.seen.filter((r) => r.includes('10.77.0.1')))].join(', ')}`);
    } finally {
      await closePages();
      for (const br of proxied) await br.close().catch(() => {});
      proxy.close();
    }
  });
});

test('a TURN server with another secret: no relay candidate, no media, and the page says so', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await stopCoturn();
    await startCoturn('another-secret-than-ratsaals');
    restrictChildren(TURN_PORT);
    const url = `${server.url}/r/turn-wrong?join=1&name=`;
    const a = await h.newPage(browsers[0]); pages.push(a);
    const b = await h.newPage(browsers[1]); pages.push(b);
    await h.joinByLink(a, `${url}Anna`);
    await h.joinByLink(b, `${url}Bernd`);
    const idA = await h.selfId(a);
    // the page tells its user that media cannot get through
    await b.locator('[data-testid="toast-error"][data-code="media_unreachable"]').waitFor({ state: 'visible', timeout: 60000 });
    assert.match(await b.locator('[data-code="media_unreachable"]').innerText(), /cannot get through/);
    assert.deepEqual(await relayCandidates(a), []);
    assert.deepEqual(await relayCandidates(b), []);
    const got = (await h.inbound(b))[`${idA}:camera`];
    assert.ok(!got || got.frames === 0, `frames through a TURN server that refuses us: ${JSON.stringify(got)}`);
    assert.match(coturnLog, /401/);
    await closePages();
  }));
