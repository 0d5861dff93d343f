// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Origin and Host at the edge.
//
// - An Origin of 256 bytes or more used to be copied into a 256-byte buffer, fail, and count as
//   absent: a page on a long same-site name (a sibling subdomain sends the SameSite=Lax session
//   cookie along) opened the signaling WebSocket as the signed-in moderator, and the REST CSRF
//   check let its requests through. An unreadable or over-long Origin is now a refusal.
// - Any Host was accepted: a page on the attacker's name, rebound by DNS to the server's
//   address (DNS rebinding), is same-origin with itself and could read the API and open the
//   WebSocket. Host must now be one of the server's names: public_url's host, the listen
//   address, localhost on loopback; anything else is 421 (counted).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');
const edge = require('./lib/edge.js');

const stopWatchdog = h.watchdog(90000);
const PW = 'richtiges-passwort-1';
let srv;
let jar;
let meeting;

before(async () => {
  srv = await idp.startRatsaal({
    config: { anonymous_meetings: 'off' },
    users: [{ name: 'mod', role: 'moderator', password: PW, tenant: 'stadt-a' }],
  });
  jar = new idp.CookieJar();
  const r = await idp.request(`${srv.url}/auth/local/login`, { method: 'POST', body: { username: 'mod', password: PW }, jar });
  assert.equal(r.status, 200, r.text);
  const m = await idp.request(`${srv.url}/api/v1/meetings`, { method: 'POST', jar, body: { title: 'Rat', lobby: true } });
  assert.equal(m.status, 201, m.text);
  meeting = m.json;
});

after(async () => {
  if (srv) await srv.stop();
  stopWatchdog();
});

// a same-site name, long enough to overflow the old 256-byte buffer
const longOrigin = (port) => `http://${'a'.repeat(240)}.sitzung.127.0.0.1.nip.io:${port}`;

test('WebSocket with a signed-in cookie and an Origin of 256 bytes or more: refused (403), no session', async () => {
  const origin = longOrigin(srv.port);
  assert.ok(origin.length >= 256);
  const conn0 = await edge.metric(srv.url, 'ratsaal_signaling_connections_total');
  const ref0 = await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="origin"}');
  const r = await edge.ws(srv.url, { origin, headers: { cookie: jar.header() } });
  if (!r.refused) {
    const ev = await r.request({ ns: 'control', action: 'join', room: meeting.id });
    await r.close();
    assert.fail(`the upgrade was accepted and joined as ${JSON.stringify(ev.participants || ev)}`);
  }
  assert.equal(r.refused, 403);
  assert.equal(await edge.metric(srv.url, 'ratsaal_signaling_connections_total'), conn0);
  assert.equal(await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="origin"}') - ref0, 1);
  // a very long one (beyond any buffer) and a short foreign one: refused as well
  assert.equal((await edge.ws(srv.url, { origin: `http://${'b'.repeat(3000)}.example`, headers: { cookie: jar.header() } })).refused, 403);
  assert.equal((await edge.ws(srv.url, { origin: 'http://evil.example', headers: { cookie: jar.header() } })).refused, 403);
  assert.equal((await edge.ws(srv.url, { origin: 'null', headers: { cookie: jar.header() } })).refused, 403);
  // our own origin still works, and joins as the moderator it is
  const ok = await edge.ws(srv.url, { origin: srv.url, headers: { cookie: jar.header() } });
  assert.ok(!ok.refused, `own origin refused: ${ok.refused}`);
  const joined = await ok.request({ ns: 'control', action: 'join', room: meeting.id });
  assert.equal(joined.event, 'joined');
  await ok.close();
});

test('REST with an over-long Origin: 403 csrf, counted, nothing created', async () => {
  const csrf0 = (await idp.authRejections(srv.url)).csrf || 0;
  const before = srv.db('SELECT count(*) AS n FROM rooms')[0].n;
  const r = await idp.request(`${srv.url}/api/v1/meetings`, { method: 'POST', jar, body: { title: 'Fremd' }, headers: { 'content-type': 'application/json', origin: longOrigin(srv.port) } });
  assert.equal(r.status, 403, `${r.status} ${r.text}`);
  assert.equal(r.json.error.code, 'csrf');
  assert.equal((await idp.authRejections(srv.url)).csrf - csrf0, 1);
  assert.equal(srv.db('SELECT count(*) AS n FROM rooms')[0].n, before);
  // same origin: created
  const ok = await idp.request(`${srv.url}/api/v1/meetings`, { method: 'POST', jar, body: { title: 'Eigen' }, headers: { 'content-type': 'application/json', origin: srv.url } });
  assert.equal(ok.status, 201, ok.text);
});

test('DNS rebinding: a Host that is not ours is 421 for pages, the API and the WebSocket', async () => {
  const get = (host, p = '/healthz') => idp.request(`${srv.url}${p}`, { headers: { host }, jar });
  const host0 = await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="host"}');
  for (const host of ['evil.example', `evil.example:${srv.port}`, `127.0.0.1.evil.example:${srv.port}`, `[::1]:${srv.port}`, `127.0.0.1:${srv.port + 1}`, 'localhost.:1', '127.0.0.1:80:80', '']) {
    if (host === '') continue;
    const r = await get(host);
    assert.equal(r.status, 421, `Host ${host}: ${r.status}`);
    assert.equal(r.headers.connection, 'close');
  }
  // the rebound page cannot read the API with the victim's cookie either
  assert.equal((await get('evil.example', '/api/v1/me')).status, 421);
  assert.equal((await get('evil.example', '/')).status, 421);
  // nor open the WebSocket, with an Origin that matches its Host
  const w = await edge.ws(srv.url, { headers: { host: `evil.example:${srv.port}`, cookie: jar.header() }, origin: `http://evil.example:${srv.port}` });
  assert.equal(w.refused, 421);
  assert.equal(await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="host"}') - host0, 10);
  // our names: the listen address (with or without the port) and localhost
  for (const host of [`127.0.0.1:${srv.port}`, '127.0.0.1', `localhost:${srv.port}`, 'LOCALHOST', `localhost`]) {
    const r = await get(host);
    assert.equal(r.status, 200, `Host ${host}: ${r.status}`);
  }
  const lw = await edge.ws(srv.url, { headers: { host: `localhost:${srv.port}` }, origin: `http://localhost:${srv.port}` });
  assert.ok(!lw.refused, `localhost WebSocket: ${lw.refused}`);
  await lw.close();
});

test('with public_url, its host is ours (with its port or none), and still the listen address', async () => {
  const p = await idp.startRatsaal({ config: { public_url: 'https://meet.example.org' } });
  try {
    const get = (host) => idp.request(`${p.url}/healthz`, { headers: { host } });
    for (const host of ['meet.example.org', 'MEET.example.org', 'meet.example.org:443', `127.0.0.1:${p.port}`, `localhost:${p.port}`]) {
      assert.equal((await get(host)).status, 200, `Host ${host}`);
    }
    for (const host of ['meet.example.org:8443', 'example.org', 'evil.meet.example.org', 'meet.example.org.evil.example']) {
      assert.equal((await get(host)).status, 421, `Host ${host}`);
    }
    // behind the TLS proxy: Host meet.example.org, Origin https://meet.example.org
    const w = await edge.ws(p.url, { headers: { host: 'meet.example.org' }, origin: 'https://meet.example.org' });
    assert.ok(!w.refused, `proxied WebSocket: ${w.refused}`);
    await w.close();
    const x = await edge.ws(p.url, { headers: { host: 'meet.example.org' }, origin: 'https://evil.example' });
    assert.equal(x.refused, 403);
  } finally {
    await p.stop();
  }
});
