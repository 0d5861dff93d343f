// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Behind the documented reverse proxy every connection comes from the proxy (127.0.0.1), so
// per-address limits used to apply to all clients together: ten wrong logins locked the next
// correct one out, a few PIN guesses the meeting's guests. With `trusted_proxies` the client is
// the right-most hop of X-Forwarded-For (or Forwarded) that is not a trusted proxy; limits,
// logs and the signaling session's address use it. A client's own header is not believed.
//
// The test plays the proxy itself: requests come from 127.0.0.1 (trusted) and carry the
// X-Forwarded-For a proxy would write; 127.0.0.2 is a client that reaches the server directly.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');
const edge = require('./lib/edge.js');

const stopWatchdog = h.watchdog(90000);
const PW = 'richtiges-passwort-1';
const WRONG = 'falsches-passwort-9';
let srv;

before(async () => {
  srv = await idp.startRatsaal({
    config: {
      trusted_proxies: '127.0.0.1, 10.0.0.0/8',
      login_rate_per_min: 3,
      join_rate_per_min: 4,
      password_rate_per_min: 2,
      meeting_password_rate_per_min: 6,
      anonymous_meetings: 'off',
    },
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

/** A local login through the "proxy" for client `xff` (or directly from `localAddress`). */
const login = (username, password, { xff, localAddress, jar } = {}) => idp.request(`${srv.url}/auth/local/login`, {
  method: 'POST', body: { username, password }, jar, localAddress, headers: xff ? { 'x-forwarded-for': xff } : {},
});

test('logins: ten wrong logins of one client behind the proxy do not lock out the others; a client cannot choose its address', async () => {
  const fwd0 = await edge.metric(srv.url, 'ratsaal_client_address_total{source="forwarded"}');
  for (let i = 0; i < 3; i++) assert.equal((await login('eve', WRONG, { xff: '203.0.113.66' })).status, 401);
  const locked = await login('eve', PW, { xff: '203.0.113.66' });
  assert.equal(locked.status, 429, 'the guessing client is limited');
  // before trusted_proxies this was 429: everyone behind the proxy shared 127.0.0.1's bucket
  const anna = await login('anna', PW, { xff: '198.51.100.7' });
  assert.equal(anna.status, 200, `another client behind the proxy logs in: ${anna.status} ${anna.text}`);
  // IPv6 clients too
  assert.equal((await login('anna', PW, { xff: '2001:db8::7' })).status, 200);
  // the guesser sends someone else's address itself: the proxy appends the real one, which counts
  assert.equal((await login('eve', PW, { xff: '198.51.100.7, 203.0.113.66' })).status, 429);
  // a second trusted proxy in between (10.x): still the client left of it
  assert.equal((await login('eve', PW, { xff: '203.0.113.66, 10.1.2.3' })).status, 429);
  assert.equal((await login('anna', PW, { xff: '198.51.100.8, 10.1.2.3' })).status, 200);

  // a client reaching the server directly is no proxy: its X-Forwarded-For is ignored
  const ign0 = await edge.metric(srv.url, 'ratsaal_client_address_total{source="untrusted_header"}');
  for (let i = 0; i < 3; i++) {
    const r = await login('eve', WRONG, { localAddress: '127.0.0.2', xff: `198.51.100.${50 + i}` });
    assert.equal(r.status, 401);
  }
  assert.equal((await login('eve', PW, { localAddress: '127.0.0.2', xff: '198.51.100.99' })).status, 429,
    'rotating a claimed X-Forwarded-For does not escape the limit');
  assert.equal((await login('anna', PW, { xff: '198.51.100.50' })).status, 200,
    'the address it claimed is not charged for its failures');
  assert.equal(await edge.metric(srv.url, 'ratsaal_client_address_total{source="untrusted_header"}') - ign0, 4);
  assert.ok(await edge.metric(srv.url, 'ratsaal_client_address_total{source="forwarded"}') - fwd0 >= 9);

  // failed logins are logged with the client's address and a reason, nothing about the account
  await h.waitUntil(() => srv.output().includes('event=login_failed addr=127.0.0.2 reason=rate_limited'), { timeout: 2000, message: 'log line' });
  const lines = srv.output().split('\n').filter((l) => l.includes('event=login_failed'));
  assert.ok(lines.some((l) => /event=login_failed addr=203\.0\.113\.66 reason=invalid_credentials$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /event=login_failed addr=203\.0\.113\.66 reason=rate_limited$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /event=login_failed addr=127\.0\.0\.2 reason=invalid_credentials$/.test(l)), lines.join('\n'));
  for (const l of lines) assert.doesNotMatch(l, /\beve\b|\banna\b|passwort/, `no names or passwords: ${l}`);
  assert.doesNotMatch(srv.output(), new RegExp(WRONG));
});

test('joins: the signaling session takes the client address from the proxy header (join limit per client)', async () => {
  const join = async (xff) => {
    const c = await edge.ws(srv.url, { headers: { 'x-forwarded-for': xff } });
    assert.ok(!c.refused, `upgrade refused: ${c.refused}`);
    const ev = await c.request({ ns: 'control', action: 'join', room: 'no-such-meeting', display_name: 'X' });
    await c.close();
    return ev.code;
  };
  for (let i = 0; i < 4; i++) assert.equal(await join('203.0.113.70'), 'not_found');
  assert.equal(await join('203.0.113.70'), 'rate_limited');
  assert.equal(await join('6.6.6.6, 203.0.113.70'), 'rate_limited', 'a claimed address does not help');
  // before: rate_limited, the session's address was the proxy's
  assert.equal(await join('198.51.100.70'), 'not_found', 'another client joins');
});

test('meeting PINs: wrong passwords are limited per client address and per meeting; the owner still gets in', async () => {
  const jar = new idp.CookieJar();
  assert.equal((await login('anna', PW, { xff: '192.0.2.10', jar })).status, 200);
  const api = (method, p, body) => idp.request(`${srv.url}${p}`, { method, jar, body, headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.10' } });
  const meeting = (await api('POST', '/api/v1/meetings', { title: 'Sitzung', password: '4711', lobby: false })).json;
  assert.ok(meeting && meeting.id, 'meeting created');
  const invite = (await api('POST', `/api/v1/meetings/${meeting.id}/invites`, { role: 'participant' })).json;
  assert.ok(invite && invite.token, 'invitation created');

  const guess = async (xff, password) => {
    const c = await edge.ws(srv.url, { headers: { 'x-forwarded-for': xff } });
    const ev = await c.request({ ns: 'control', action: 'join', room: meeting.id, display_name: 'Gast', invite: invite.token, password });
    await c.close();
    return ev;
  };
  // one address: two wrong PINs, then it is not even checked
  assert.equal((await guess('203.0.113.77', '0000')).code, 'wrong_password');
  assert.equal((await guess('203.0.113.77', '0001')).code, 'wrong_password');
  const limited = await guess('203.0.113.77', '4711');
  assert.equal(limited.code, 'too_many_attempts', JSON.stringify(limited));
  assert.equal(limited.field, 'password');
  assert.ok(limited.retry_after_s >= 1 && limited.retry_after_s <= 30, JSON.stringify(limited));
  // another guest with the right PIN is not affected
  assert.equal((await guess('198.51.100.20', '4711')).event, 'joined');
  // many addresses: after 6 wrong PINs in total the meeting stops checking PINs for a while
  for (let i = 1; i <= 4; i++) assert.equal((await guess(`203.0.113.${100 + i}`, `000${i + 1}`)).code, 'wrong_password');
  const meetingLocked = await guess('198.51.100.21', '4711');
  assert.equal(meetingLocked.code, 'too_many_attempts', JSON.stringify(meetingLocked));
  assert.match(meetingLocked.text, /meeting/);
  // the owner needs no PIN and joins, even from the guesser's address
  const owner = await edge.ws(srv.url, { headers: { 'x-forwarded-for': '203.0.113.77', cookie: jar.header() } });
  const joined = await owner.request({ ns: 'control', action: 'join', room: meeting.id });
  assert.equal(joined.event, 'joined', JSON.stringify(joined));
  await owner.close();
  const m = await idp.request(`${srv.url}/metrics`);
  assert.match(m.text, /ratsaal_signaling_errors_total\{code="too_many_attempts"\} 2\b/);
});

test('Forwarded (RFC 7239) instead of X-Forwarded-For; an unreadable header counts the proxy', async () => {
  const f = await idp.startRatsaal({
    config: { trusted_proxies: '127.0.0.1', trusted_proxy_header: 'forwarded', login_rate_per_min: 2 },
    users: [{ name: 'anna', role: 'user', password: PW, tenant: 'stadt-a' }],
  });
  try {
    const fl = (fwd, password) => idp.request(`${f.url}/auth/local/login`, {
      method: 'POST', body: { username: 'anna', password }, headers: fwd === null ? {} : { forwarded: fwd },
    });
    for (let i = 0; i < 2; i++) assert.equal((await fl('for="[2001:db8:cafe::17]:4711";proto=https', WRONG)).status, 401);
    assert.equal((await fl('for="[2001:db8:cafe::17]"', PW)).status, 429);
    assert.equal((await fl('for=192.0.2.43, for=198.51.100.17;proto=https', PW)).status, 200);
    // with forwarded configured, X-Forwarded-For is just a header
    const x = await idp.request(`${f.url}/auth/local/login`, { method: 'POST', body: { username: 'anna', password: PW }, headers: { forwarded: 'for="[2001:db8:cafe::17]"', 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(x.status, 429);
    // a broken header: the proxy's own address is used, and counted
    const inv0 = await edge.metric(f.url, 'ratsaal_client_address_total{source="invalid_header"}');
    assert.equal((await fl('for="192.0.2.1', PW)).status, 200);
    assert.equal(await edge.metric(f.url, 'ratsaal_client_address_total{source="invalid_header"}') - inv0, 1);
    await h.waitUntil(() => f.output().includes('event=login_failed addr=2001:db8:cafe::17 reason=invalid_credentials'), { timeout: 2000, message: 'IPv6 client in the log' });
  } finally {
    await f.stop();
  }
});
