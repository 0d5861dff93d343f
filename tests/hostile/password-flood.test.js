// SPDX-License-Identifier: EUPL-1.2
'use strict';
// POST /api/v1/me/password was not rate-limited: 200 concurrent requests from one signed-in
// account queued 200 argon2 hashes (64 MiB, t = 3 each) on the single job thread, and every
// other user's login waited behind them until it timed out. Now password changes share the
// login rate per client address, have their own per account, and each address (account) may
// have only a few password checks queued at once; beyond that: 429 at once.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');

const stopWatchdog = h.watchdog(120000);
const PW = 'richtiges-passwort-1';
let srv;

before(async () => {
  srv = await idp.startRatsaal({
    config: { login_rate_per_min: 300 }, // generous: the queue bound is what is tested first
    users: [
      { name: 'anna', role: 'user', password: PW, tenant: 'stadt-a' },
      { name: 'eve', role: 'user', password: PW, tenant: 'stadt-a' },
    ],
  });
});

after(async () => {
  if (srv) await srv.stop();
  stopWatchdog();
});

const login = (username, localAddress, jar) => idp.request(`${srv.url}/auth/local/login`, {
  method: 'POST', body: { username, password: PW }, localAddress, jar, timeout: 60000,
});

test('200 concurrent password changes from one account: a different user still logs in within a few seconds', async () => {
  const jar = new idp.CookieJar();
  let t = Date.now();
  assert.equal((await login('eve', '127.0.0.1', jar)).status, 200);
  const oneHash = Date.now() - t;
  const change = () => idp.request(`${srv.url}/api/v1/me/password`, {
    method: 'POST', jar, body: { current: 'falsch-falsch-falsch', new: 'ein-neues-passwort-1' }, timeout: 90000,
  }).catch((e) => ({ status: `error ${e.message}` }));
  const flood = Array.from({ length: 200 }, change);
  await h.sleep(300); // the flood is queued (before the fix: 200 hashes in front of anna)
  t = Date.now();
  const anna = await login('anna', '127.0.0.2');
  const waited = Date.now() - t;
  assert.equal(anna.status, 200, anna.text);
  assert.ok(waited < 5000, `anna's login took ${waited} ms (one hash ${oneHash} ms)`);
  const statuses = (await Promise.all(flood)).map((r) => r.status);
  const count = (s) => statuses.filter((x) => x === s).length;
  // one check per account is queued at a time; the rest is refused at once
  assert.ok(count(401) >= 1 && count(401) <= 10, `401: ${count(401)} ${JSON.stringify(statuses.slice(0, 20))}`);
  assert.equal(count(401) + count(429), 200, JSON.stringify(statuses));
  console.log(`# one argon2 login ${oneHash} ms; anna waited ${waited} ms; flood: ${count(401)} checked, ${count(429)} refused`);
  // nothing changed, and eve can still change her password once the queue is empty
  const ok = await idp.request(`${srv.url}/api/v1/me/password`, { method: 'POST', jar, body: { current: PW, new: 'ein-neues-passwort-1' } });
  assert.equal(ok.status, 204, ok.text);
});

test('password changes are rate-limited per account and per client address (login_rate_per_min)', async () => {
  const r = await idp.startRatsaal({
    config: { login_rate_per_min: 3 },
    users: [
      { name: 'anna', role: 'user', password: PW, tenant: 'stadt-a' },
      { name: 'otto', role: 'user', password: PW, tenant: 'stadt-a' },
    ],
  });
  try {
    const jar = new idp.CookieJar();
    assert.equal((await idp.request(`${r.url}/auth/local/login`, { method: 'POST', body: { username: 'anna', password: PW }, jar, localAddress: '127.0.0.3' })).status, 200);
    const change = (localAddress) => idp.request(`${r.url}/api/v1/me/password`, { method: 'POST', jar, localAddress, body: { current: 'falsch-falsch-falsch', new: 'ein-neues-passwort-1' } });
    // one at a time (the queue bound is not in play): three per minute for the account
    for (const a of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) assert.equal((await change(a)).status, 401);
    const limited = await change('127.0.0.7');
    assert.equal(limited.status, 429, 'a fresh address does not reset the account');
    assert.equal(limited.json.error.code, 'rate_limited');
    // and the client address: 127.0.0.3 used one login; two changes later it is used up
    const jar2 = new idp.CookieJar();
    assert.equal((await idp.request(`${r.url}/auth/local/login`, { method: 'POST', body: { username: 'otto', password: PW }, jar: jar2, localAddress: '127.0.0.8' })).status, 200);
    const otto = (localAddress) => idp.request(`${r.url}/api/v1/me/password`, { method: 'POST', jar: jar2, localAddress, body: { current: 'falsch-falsch-falsch', new: 'ein-neues-passwort-1' } });
    assert.equal((await otto('127.0.0.8')).status, 401);
    assert.equal((await otto('127.0.0.8')).status, 401);
    assert.equal((await otto('127.0.0.8')).status, 429);
    assert.match(r.output(), /event=password_change_failed addr=127\.0\.0\.8 user=\S+ reason=invalid_credentials/);
  } finally {
    await r.stop();
  }
});
