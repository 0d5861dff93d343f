// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The public livestream's HTTP side against a real server, without a browser: a meeting made
// over REST, HLS files put where ratsaal-recorder writes them (LIVE_DIR/<meeting>/), then what
// a viewer and a CDN in front see: the page by Accept-Language only (no Vary: Cookie, the
// ratsaal_lang cookie ignored), the playlist and a 1 MiB segment streamed with their
// Cache-Control and content types, info.json, no Set-Cookie anywhere (also for a signed-in
// caller), the live CSP with worker-src blob:, 404 for other names and unknown meetings, 405
// for other methods, the counters in /metrics; the server stops cleanly.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const { addUser, startAt, login } = require('./lib/rest.js');

const stopWatchdog = h.watchdog(60000);
const cleanup = [];
after(() => {
  for (const f of cleanup.reverse()) { try { f(); } catch { /* already gone */ } }
  stopWatchdog();
});

function get(port, p, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const all = { host: `127.0.0.1:${port}`, ...headers };
    if (body) all['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: all }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${p} timed out`)));
    if (body) req.write(body);
    req.end();
  });
}

test('live: page, playlist, segments and info for a CDN; nothing else served', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-live-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = path.join(dataDir, 'ratsaal.conf');
  fs.writeFileSync(config, 'login_rate_per_min = 1000\n');
  addUser(dataDir, 'chair');
  const port = await h.freeTcpPort();
  const s = await startAt(dataDir, port, await h.freeUdpPort(), config, cleanup);
  const cookie = await login(port, 'chair');

  // the directories exist, only for the server's user
  for (const d of ['recordings', 'live']) assert.equal(fs.statSync(path.join(dataDir, d)).mode & 0o777, 0o700, d);

  let r = await get(port, '/api/v1/meetings', { method: 'POST', headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Rat der Stadt', lobby: false }) });
  assert.equal(r.status, 201, r.body.toString());
  const room = JSON.parse(r.body).id;
  r = await get(port, `/live/${room}/info.json`);
  assert.deepEqual(JSON.parse(r.body), { title: '', live: false, agenda_item: null }, 'never streamed: title not told');
  const dir = path.join(dataDir, 'live', room);
  fs.mkdirSync(dir, { mode: 0o700 });
  const segment = crypto.randomBytes(1 << 20);
  fs.writeFileSync(path.join(dir, 'seg00000.ts'), segment);
  fs.writeFileSync(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg00000.ts\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not for viewers');

  const noCookieNoVaryCookie = (res, what) => {
    assert.equal(res.headers['set-cookie'], undefined, `${what}: no Set-Cookie`);
    assert.ok(!/cookie/i.test(res.headers.vary || ''), `${what}: Vary ${res.headers.vary}`);
  };

  // the page: by Accept-Language, never by the cookie
  r = await get(port, `/live/${room}`, { headers: { 'accept-language': 'de-DE,de;q=0.9', cookie: `ratsaal_lang=en; ${cookie}` } });
  if (fs.existsSync(path.join(h.WEB, 'live.html'))) {
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.equal(r.headers['content-language'], 'de');
    assert.equal(r.headers.vary, 'Accept-Language');
    assert.equal(r.headers['cache-control'], 'public, max-age=60');
    assert.match(r.body.toString(), /<html lang="de">/);
  } else {
    assert.equal(r.status, 404, 'without web/live.html the page is missing, nothing else is served');
  }
  noCookieNoVaryCookie(r, 'page');
  assert.match(r.headers['content-security-policy'], /worker-src 'self' blob:/);
  assert.match(r.headers['content-security-policy'], /media-src 'self' blob:/);

  r = await get(port, `/live/${room}/index.m3u8`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/vnd.apple.mpegurl');
  assert.equal(r.headers['cache-control'], 'public, max-age=1');
  assert.match(r.body.toString(), /seg00000\.ts/);
  noCookieNoVaryCookie(r, 'playlist');

  r = await get(port, `/live/${room}/seg00000.ts`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'video/mp2t');
  assert.equal(r.headers['cache-control'], 'public, max-age=86400, immutable');
  assert.equal(Number(r.headers['content-length']), segment.length);
  assert.ok(r.body.equals(segment), 'the segment arrives byte for byte');
  noCookieNoVaryCookie(r, 'segment');
  r = await get(port, `/live/${room}/seg00000.ts`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers['content-length']), segment.length);
  assert.equal(r.body.length, 0);

  r = await get(port, `/live/${room}/info.json`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['cache-control'], 'public, max-age=2');
  assert.deepEqual(JSON.parse(r.body), { title: 'Rat der Stadt', live: true, agenda_item: null });
  noCookieNoVaryCookie(r, 'info');
  fs.appendFileSync(path.join(dir, 'index.m3u8'), '#EXT-X-ENDLIST\n');
  r = await get(port, `/live/${room}/info.json`);
  assert.equal(JSON.parse(r.body).live, false, 'a finished playlist is not live');

  for (const name of ['notes.txt', 'seg0.ts', 'seg00001.ts', 'seg000000.ts', 'index.m3u8.bak', '..%2Fratsaal.db',
    '../ratsaal.db', 'info.json/x', '']) {
    r = await get(port, `/live/${room}/${name}`);
    assert.equal(r.status, 404, name);
    assert.ok(!r.body.toString().includes('not for viewers'), name);
  }
  for (const p of ['/live/nosuchmeeting', '/live/nosuchmeeting/index.m3u8', '/live/nosuchmeeting/info.json', '/live/a.b']) {
    r = await get(port, p);
    assert.equal(r.status, 404, p);
  }
  r = await get(port, `/live/${room}/index.m3u8`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 405);

  r = await get(port, '/metrics');
  const metric = (type) => Number((r.body.toString().match(new RegExp(`ratsaal_live_requests_total\\{type="${type}"\\} (\\d+)`)) || [])[1]);
  assert.equal(metric('segment'), 2 + 1); // two answered, one 404 for seg00001.ts (seg0.ts is no segment name)
  assert.equal(metric('info'), 4); // three answered, one for the unknown meeting
  assert.ok(metric('playlist') >= 2);

  s.proc.kill('SIGTERM');
  const res = await s.exited;
  assert.equal(res.code, 0, s.output().slice(-2000));
});
