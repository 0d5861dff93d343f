// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Attacks on an open WebSocket's identity, against the real binary (issue 11, "The edge
// holds"): a socket must not keep the identity it had at connect once the login behind it
// ended or changed.
//
// - logout: the socket of that login is closed (1008 session_ended) at once and the cookie
//   opens nothing any more;
// - `ratsaal user disable` (another process, the same database): the still-open moderator
//   socket cannot admit the waiting guest, and a second socket of that account joins as the
//   guest it now is;
// - a moderator grant revoked over REST: participant_updated to "participant" at once, the next
//   admit is forbidden;
// - a password change: the account's other session ends, its socket is closed, its cookie is
//   refused; the session that changed the password stays.
//
// Run: node --test tests/hostile/live_identity.test.js (after `make`).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');

const BIN = process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal');
const PW = 'correct horse battery staple';
const stopWatchdog = h.watchdog(120000);

let srv;
const clients = [];

before(async () => {
  srv = await idp.startRatsaal({
    config: { anonymous_meetings: 'off', login_rate_per_min: 10000, join_rate_per_min: 10000 },
    users: ['owner', 'paula', 'dora', 'pete'].map((name) => ({ name, password: PW, role: 'user', tenant: 'stadt-a' })),
  });
});

after(async () => {
  for (const c of clients) c.close();
  if (srv) await srv.stop();
  stopWatchdog();
});

/** Local login; returns the cookie jar. */
async function login(name) {
  const jar = new idp.CookieJar();
  const r = await idp.request(`${srv.url}/auth/local/login`, { method: 'POST', body: { username: name, password: PW }, jar });
  assert.equal(r.status, 200, `login ${name}: ${r.status} ${r.text}`);
  return jar;
}

function api(method, p, jar, body) {
  return idp.request(`${srv.url}${p}`, { method, jar, body: body === undefined && method !== 'GET' ? {} : body });
}

async function socket(jar) {
  const c = idp.wsClient(srv.url, { cookie: jar ? jar.header() : undefined });
  clients.push(c);
  await c.opened;
  await c.next((e) => e.event === 'hello');
  return c;
}

async function meeting(jar, title) {
  const r = await api('POST', '/api/v1/meetings', jar, { title, lobby: true });
  assert.equal(r.status, 201, r.text);
  const inv = await api('POST', `/api/v1/meetings/${r.json.id}/invites`, jar, { role: 'guest' });
  assert.equal(inv.status, 201, inv.text);
  return { id: r.json.id, guestToken: inv.json.token };
}

/** A guest waiting in the lobby of `m`; returns [socket, waiting id]. */
async function waitingGuest(m) {
  const g = await socket(null);
  const w = await g.request({ ns: 'control', action: 'join', room: m.id, display_name: 'Gast', invite: m.guestToken });
  assert.equal(`${w.ns}/${w.event}`, 'lobby/waiting', JSON.stringify(w));
  return [g, w.id];
}

async function joinAs(c, m, name) {
  const j = await c.request({ ns: 'control', action: 'join', room: m.id, display_name: name });
  assert.equal(`${j.ns}/${j.event}`, 'control/joined', JSON.stringify(j));
  return j;
}

function userId(name) {
  return srv.db(`SELECT id FROM users WHERE username = '${name}'`)[0].id;
}

test('logout closes the sockets of that login at once; the old cookie opens nothing', async () => {
  const jar = await login('owner');
  const cookie = jar.header();
  const m = await meeting(jar, 'Logout');
  const a = await socket(jar);
  await joinAs(a, m, 'Owner');
  const [g] = await waitingGuest(m);
  await a.next((e) => e.ns === 'lobby' && e.event === 'entered');

  const out = await api('POST', '/auth/logout', jar);
  assert.equal(out.status, 200);
  const err = await a.next((e) => e.event === 'error');
  assert.equal(err.code, 'unauthorized');
  const closed = await Promise.race([a.closed, h.sleep(3000).then(() => null)]);
  assert.ok(closed, 'the socket was not closed after logout');
  assert.deepEqual(closed, { code: 1008, reason: 'session_ended' });
  // the guest was not let in on the way out
  assert.equal(g.events.some((e) => e.event === 'joined'), false);

  const again = idp.wsClient(srv.url, { cookie });
  clients.push(again);
  await again.opened;
  const r = await again.request({ ns: 'control', action: 'join', room: m.id, display_name: 'Owner' });
  assert.equal(r.code, 'unauthorized', JSON.stringify(r));
});

test('`ratsaal user disable` in another process: the open moderator socket can no longer admit guests or join as the user', async () => {
  const jar = await login('dora');
  const m = await meeting(jar, 'Disable');
  const a = await socket(jar);
  await joinAs(a, m, 'Dora');
  const spare = await socket(jar); // a second tab, connected while the account was fine
  const [g, gid] = await waitingGuest(m);
  await a.next((e) => e.ns === 'lobby' && e.event === 'entered');

  const r = spawnSync(BIN, ['user', 'disable', 'dora', '--data', srv.dataDir], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);

  const answer = await a.request({ ns: 'lobby', action: 'admit', id: gid });
  assert.equal(answer.event, 'error', JSON.stringify(answer));
  assert.equal(answer.code, 'unauthorized');
  const closed = await Promise.race([a.closed, h.sleep(3000).then(() => null)]);
  assert.deepEqual(closed, { code: 1008, reason: 'session_ended' });
  await h.sleep(300);
  assert.equal(g.events.some((e) => e.event === 'joined'), false, 'the guest was admitted by a disabled account');

  const j = await spare.request({ ns: 'control', action: 'join', room: m.id, display_name: 'Dora' });
  assert.equal(j.code, 'unauthorized', JSON.stringify(j));
});

test('a moderator grant revoked over REST takes moderation away in the live room at once', async () => {
  const owner = await login('owner');
  const paula = await login('paula');
  const m = await meeting(owner, 'Grant');
  const path_ = `/api/v1/meetings/${m.id}/moderators/${userId('paula')}`;
  assert.equal((await api('PUT', path_, owner)).status, 204);
  const a = await socket(owner);
  await joinAs(a, m, 'Owner');
  const p = await socket(paula);
  const joined = await joinAs(p, m, 'Paula');
  assert.equal(joined.participants.find((x) => x.id === joined.id).role, 'moderator');
  const [, gid] = await waitingGuest(m);
  await p.next((e) => e.ns === 'lobby' && e.event === 'entered');

  assert.equal((await api('DELETE', path_, owner)).status, 204);
  const up = await p.next((e) => e.event === 'participant_updated' && e.participant.id === joined.id, 3000, 'participant_updated');
  assert.equal(up.participant.role, 'participant');
  const seen = await a.next((e) => e.event === 'participant_updated' && e.participant.id === joined.id && e.participant.role === 'participant', 3000, 'the owner sees it');
  assert.ok(seen);
  const answer = await p.request({ ns: 'lobby', action: 'admit', id: gid });
  assert.equal(answer.code, 'forbidden', JSON.stringify(answer));
});

test("a password change ends the account's other sessions and their sockets; the changing session stays", async () => {
  const laptop = await login('pete');
  const stolen = await login('pete'); // e.g. a cookie copied off a shared computer
  const m = await meeting(laptop, 'Password');
  const s = await socket(stolen);
  await joinAs(s, m, 'Pete');
  const mine = await socket(laptop);
  await joinAs(mine, m, 'Pete (laptop)');

  const r = await api('POST', '/api/v1/me/password', laptop, { current: PW, new: `${PW} and more` });
  assert.equal(r.status, 204, r.text);
  const closed = await Promise.race([s.closed, h.sleep(3000).then(() => null)]);
  assert.deepEqual(closed, { code: 1008, reason: 'session_ended' });
  assert.equal((await api('GET', '/api/v1/me', stolen)).status, 401);
  assert.equal((await api('GET', '/api/v1/me', laptop)).status, 200);
  // the changing session's socket is still in the meeting and may act
  const pong = await mine.request({ ns: 'control', action: 'ping' });
  assert.equal(pong.event, 'pong');
  mine.send({ ns: 'moderation', action: 'set_lobby', enabled: false });
  const changed = await mine.next((e) => e.event === 'lobby_changed' || e.event === 'error', 3000, 'lobby_changed');
  assert.equal(changed.event, 'lobby_changed', JSON.stringify(changed));
});
