// SPDX-License-Identifier: EUPL-1.2
'use strict';
// /metrics tells how many meetings, participants, logins and refusals there are; open to
// anyone who reaches the server. With `metrics_token` it needs `Authorization: Bearer <token>`,
// with `metrics_allow` a client address on the list (behind trusted proxies: the client, never
// the proxy, or the whole internet would come from an allowed address); either suffices.
// /healthz stays open for load balancers but then says only ok/degraded, without counts.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');
const edge = require('./lib/edge.js');

const stopWatchdog = h.watchdog(60000);
const TOKEN = 'scrape-token-0123456789abcdef';
const servers = [];

after(async () => {
  for (const s of servers) await s.stop();
  stopWatchdog();
});

async function start(config) {
  const s = await idp.startRatsaal({ config });
  servers.push(s);
  return s;
}

test('without protection: /metrics and /healthz as before', async () => {
  const s = await start({});
  assert.equal((await idp.request(`${s.url}/metrics`)).status, 200);
  const hz = (await idp.request(`${s.url}/healthz`)).json;
  assert.equal(hz.status, 'ok');
  assert.equal(typeof hz.rooms, 'number');
});

test('metrics_token: a bearer token is needed; /healthz says less', async () => {
  const s = await start({ metrics_token: TOKEN });
  const get = (headers) => idp.request(`${s.url}/metrics`, { headers });
  const none = await get({});
  assert.equal(none.status, 401);
  assert.match(none.headers['www-authenticate'], /^Bearer/);
  assert.doesNotMatch(none.text, /ratsaal_/);
  assert.equal((await get({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status, 401);
  assert.equal((await get({ authorization: `Bearer ${TOKEN}x` })).status, 401);
  assert.equal((await get({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status, 401);
  assert.equal((await get({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status, 401);
  const ok = await get({ authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.match(ok.text, /^ratsaal_http_refused_total\{reason="metrics"\} 5$/m);
  const hz = await idp.request(`${s.url}/healthz`);
  assert.equal(hz.status, 200);
  assert.deepEqual(hz.json, { status: 'ok', database: 'ok' });
});

test('metrics_allow: client addresses on the list, judged behind trusted proxies by the client', async () => {
  const s = await start({ metrics_allow: '127.0.0.2, 10.0.0.0/8', trusted_proxies: '127.0.0.1' });
  const get = (localAddress, headers = {}) => idp.request(`${s.url}/metrics`, { localAddress, headers });
  assert.equal((await get('127.0.0.2')).status, 200);
  assert.equal((await get('127.0.0.3')).status, 403);
  // through the proxy: the client counts, not the proxy
  assert.equal((await get('127.0.0.1', { 'x-forwarded-for': '10.20.30.40' })).status, 200);
  assert.equal((await get('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).status, 403);
  assert.equal((await get('127.0.0.1', { 'x-forwarded-for': '10.20.30.40, 203.0.113.9' })).status, 403, 'a claimed address does not help');
  // and a client that is no proxy cannot claim one
  assert.equal((await get('127.0.0.3', { 'x-forwarded-for': '10.20.30.40' })).status, 403);
  assert.deepEqual((await idp.request(`${s.url}/healthz`)).json, { status: 'ok', database: 'ok' });
});

test('both: either the token or an allowed address', async () => {
  const s = await start({ metrics_allow: '127.0.0.2', metrics_token: TOKEN });
  assert.equal((await idp.request(`${s.url}/metrics`, { localAddress: '127.0.0.2' })).status, 200);
  assert.equal((await idp.request(`${s.url}/metrics`, { localAddress: '127.0.0.3', headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await idp.request(`${s.url}/metrics`, { localAddress: '127.0.0.3' })).status, 401);
  assert.equal(await edge.metric(s.url, 'ratsaal_http_refused_total{reason="metrics"}', { headers: { authorization: `Bearer ${TOKEN}` } }), 1);
});
