// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13, votes without a browser (the `ws` package): a council of six signed-in members and
// 24 members invited by name votes
// in secret while the server is killed with SIGKILL; after a restart every ballot that had been
// acknowledged is counted (by its receipt), an acknowledged voter cannot vote again, a guest and
// a non-member are refused, a member's chair action is forbidden, and the exported record passes
// `ratsaal vote verify` until one byte of it is changed.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('./lib/harness.js');
const { BIN, addUser, startAt, request, login } = require('./lib/rest.js');

const stopWatchdog = h.watchdog(120000);
const cleanup = [];
test.after(() => {
  for (const f of cleanup) { try { f(); } catch { /* gone */ } }
  stopWatchdog();
});

const log = (...a) => { if (process.env.RATSAAL_E2E_VERBOSE) console.error('[e2e]', ...a); };
const VOTERS = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'];
// members invited by name: they join as guests with an invitation under their listed name
const NAMED = Array.from({ length: 24 }, (_, i) => `Ratsmitglied ${String(i + 1).padStart(2, '0')}`);

/** A signaling client that records every event. */
function client(port, cookie) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/signaling`, cookie ? { headers: { cookie } } : {});
  const events = [];
  const waiters = [];
  ws.on('message', (data) => {
    const ev = JSON.parse(data.toString());
    events.push(ev);
    for (const w of [...waiters]) if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
  });
  ws.on('error', () => { /* a killed server: seen as close */ });
  const closed = new Promise((resolve) => ws.on('close', resolve));
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  cleanup.push(() => ws.terminate());
  return {
    ws, events, closed, opened,
    send(obj) { ws.send(JSON.stringify(obj)); },
    next(pred, timeout = 5000, what = 'event') {
      const found = events.find(pred);
      if (found) { events.splice(events.indexOf(found), 1); return Promise.resolve(found); }
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (ev) => { events.splice(events.indexOf(ev), 1); resolve(ev); } };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${JSON.stringify(events.slice(-5))}`)), timeout).unref();
      });
    },
  };
}

async function join(port, room, cookie, extra = {}) {
  const c = client(port, cookie);
  await c.opened;
  c.send({ ns: 'control', action: 'join', room, ...extra });
  const joined = await c.next((e) => e.event === 'joined', 5000, 'joined');
  return { c, joined };
}

const isVote = (event) => (e) => e.ns === 'vote' && e.event === event;
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

test('acknowledged ballots survive SIGKILL; refusals; the record verifies', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-vote-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = path.join(dataDir, 'ratsaal.conf');
  fs.writeFileSync(config, 'login_rate_per_min = 1000\njoin_rate_per_min = 1000\n');
  for (const name of ['chair', 'outsider', ...VOTERS]) addUser(dataDir, name);
  const port = await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  let s = await startAt(dataDir, port, udpPort, config, cleanup);

  const cookies = {};
  for (const name of ['chair', 'outsider', ...VOTERS]) cookies[name] = await login(port, name);
  let r = await request(port, { method: 'POST', path: '/api/v1/meetings', cookie: cookies.chair, body: { title: 'Gemeinderat', lobby: false } });
  assert.equal(r.status, 201, r.body.toString());
  const room = JSON.parse(r.body).id;
  // only moderators manage the member list
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.v1, body: { members: [] } });
  assert.ok(r.status === 403 || r.status === 404, `a non-moderator's PUT: ${r.status}`);
  // bad member lists change nothing: an unknown account, one listed twice, an empty name
  for (const [members, field] of [
    [[{ user: 'v1' }, { user: 'nobody' }], 'members[1]'],
    [[{ user: 'v1' }, { user: 'v1' }], 'members[1]'],
    [[{ name: 'Erika' }, { name: ' erika ' }], 'members[1]'],
    [[{ name: '   ' }], 'members[0]'],
    [[{ user: 'v1', name: 'both' }], 'members[0]'],
  ]) {
    r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.chair, body: { members } });
    assert.equal(r.status, 400, JSON.stringify(members));
    assert.equal(JSON.parse(r.body).error.field, field, JSON.stringify(members));
  }
  r = await request(port, { path: `/api/v1/meetings/${room}/members`, cookie: cookies.chair });
  assert.deepEqual(JSON.parse(r.body), { members: [] });
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.chair,
    body: { members: [...VOTERS.map((u) => ({ user: u })), ...NAMED.map((n) => ({ name: n }))] } });
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(JSON.parse(r.body).members.length, 30);
  r = await request(port, { method: 'POST', path: `/api/v1/meetings/${room}/invites`, cookie: cookies.chair, body: { role: 'participant' } });
  assert.equal(r.status, 201, r.body.toString());
  const inviteToken = JSON.parse(r.body).token;

  const chair = await join(port, room, cookies.chair, { display_name: 'Vorsitz' });
  const voters = {};
  for (const name of VOTERS) {
    voters[name] = await join(port, room, cookies[name], { display_name: name.toUpperCase() });
    const me = voters[name].joined.participants.find((p) => p.id === voters[name].joined.id);
    assert.equal(me.member, true, `${name} is marked as a member`);
  }
  for (const name of NAMED) {
    voters[name] = await join(port, room, null, { display_name: name, invite: inviteToken });
    const me = voters[name].joined.participants.find((p) => p.id === voters[name].joined.id);
    assert.equal(me.member, true, `${name} is marked as a member`);
  }
  const outsider = await join(port, room, cookies.outsider, { display_name: 'Presse' });
  const guest = await join(port, room, null, { display_name: 'Gast', invite: inviteToken });

  // a member is no chair
  voters.v1.c.send({ ns: 'vote', action: 'create', title: 'Eigenmächtig' });
  assert.equal((await voters.v1.c.next((e) => e.event === 'error', 3000, 'forbidden')).code, 'forbidden');

  chair.c.send({ ns: 'vote', action: 'create', title: 'Haushaltssatzung 2027', secret: true, majority: 'members' });
  const vote = (await chair.c.next(isVote('created'), 5000, 'vote/created')).vote;
  for (const name of [...VOTERS, ...NAMED]) assert.equal((await voters[name].c.next(isVote('opened'))).eligible, true);
  assert.equal((await guest.c.next(isVote('opened'))).eligible, false);

  // no record and no choices while the vote is open
  r = await request(port, { path: `/api/v1/meetings/${room}/votes/${vote}/record`, cookie: cookies.chair });
  assert.equal(r.status, 409);
  r = await request(port, { path: `/api/v1/meetings/${room}/votes/vnope/record`, cookie: cookies.chair });
  assert.equal(r.status, 404);
  r = await request(port, { path: `/api/v1/meetings/${room}/votes`, cookie: cookies.v3 });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body).votes.map((x) => [x.id, x.state, x.secret]), [[vote, 'open', true]]);

  // refused: a guest, a signed-in non-member, a member closing the vote
  guest.c.send({ ns: 'vote', action: 'cast', vote, option: 0 });
  assert.equal((await guest.c.next((e) => e.event === 'error', 3000, 'guest refused')).code, 'not_eligible');
  outsider.c.send({ ns: 'vote', action: 'cast', vote, option: 0 });
  assert.equal((await outsider.c.next((e) => e.event === 'error', 3000, 'outsider refused')).code, 'not_eligible');
  voters.v2.c.send({ ns: 'vote', action: 'close', vote });
  assert.equal((await voters.v2.c.next((e) => e.event === 'error', 3000, 'close refused')).code, 'forbidden');

  // two ballots acknowledged for sure, then 28 sent at once and the server killed while they are
  // in flight: whatever was acknowledged before the kill must be counted after it
  const receipts = {};
  const record = (name) => (ev) => { receipts[name] = ev.receipt; };
  for (const name of ['v1', 'v2']) {
    voters[name].c.send({ ns: 'vote', action: 'cast', vote, option: 0 });
    record(name)(await voters[name].c.next(isVote('ballot_ack'), 5000, `${name} ack`));
  }
  const rest = [...VOTERS.slice(2), ...NAMED];
  let killed = false;
  const kill = () => { if (!killed) { killed = true; s.proc.kill('SIGKILL'); } };
  rest.forEach((name, i) => {
    voters[name].c.next(isVote('ballot_ack'), 20000).then((ev) => { record(name)(ev); kill(); }, () => { /* not acked */ });
    voters[name].c.send({ ns: 'vote', action: 'cast', vote, option: i % 3 });
  });
  await h.waitUntil(() => killed, { timeout: 5000, interval: 1, message: 'the first ack of the burst' });
  assert.equal((await s.exited).signal, 'SIGKILL');
  await Promise.all(Object.values(voters).map((v) => v.c.closed));
  const acked = Object.keys(receipts);
  assert.ok(acked.length >= 3);
  log(`${acked.length} of 30 ballots acknowledged before SIGKILL`);
  for (const name of acked) assert.match(receipts[name], /^[0-9a-f]{64}$/);

  s = await startAt(dataDir, port, udpPort, config, cleanup);
  const chair2 = await join(port, room, cookies.chair, { display_name: 'Vorsitz' });
  const open = chair2.joined.votes.find((v) => v.id === vote);
  assert.ok(open, 'the open vote is back after the restart');
  assert.ok(open.voted >= acked.length, `turnout ${open.voted} >= ${acked.length} acknowledged`);
  // an acknowledged voter cannot vote again; one not acknowledged can (if the kill lost it) or is told
  for (const name of acked) {
    const again = cookies[name] ? await join(port, room, cookies[name], { display_name: name })
      : await join(port, room, null, { display_name: name, invite: inviteToken });
    again.c.send({ ns: 'vote', action: 'cast', vote, option: 1 });
    assert.equal((await again.c.next((e) => e.event === 'error', 3000, `${name} again`)).code, 'already_voted');
    again.c.ws.close();
  }

  chair2.c.send({ ns: 'vote', action: 'close', vote });
  const closed = await chair2.c.next(isVote('closed'), 5000, 'vote/closed');
  assert.equal(closed.state, 'closed');
  assert.ok(closed.result.ballots >= acked.length);
  assert.equal(closed.result.members, 30);
  log(`${closed.result.ballots} ballots counted after the restart`);

  r = await request(port, { path: `/api/v1/meetings/${room}/votes/${vote}/record`, cookie: cookies.chair });
  assert.equal(r.status, 200, r.body.toString());
  const text = r.body;
  const doc = JSON.parse(text);
  assert.equal(doc.head, closed.head);
  const ballots = doc.entries.filter((e) => e.type === 'ballot').map((e) => e.body);
  assert.equal(ballots.length, closed.result.ballots);
  for (const name of acked) {
    assert.ok(ballots.some((b) => b.receipt_hash === sha256(receipts[name])), `${name}'s acknowledged ballot is counted`);
  }
  assert.ok(ballots.every((b) => b.voter === undefined), 'a secret record names no voter next to a choice');

  const file = path.join(dataDir, 'record.json');
  fs.writeFileSync(file, text);
  let v = spawnSync(BIN, ['vote', 'verify', file], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^OK: \d+ entries/);
  const altered = Buffer.from(text);
  const at = text.indexOf('Haushaltssatzung 2027') + 20;
  altered[at] = 0x38; // 2027 becomes 2028 in the motion
  fs.writeFileSync(file, altered);
  v = spawnSync(BIN, ['vote', 'verify', file], { encoding: 'utf8' });
  assert.equal(v.status, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /^ALTERED: entry \d+ does not match its hash/);

  for (const lang of ['de', 'en']) {
    r = await request(port, { path: `/api/v1/meetings/${room}/votes/${vote}/record.html?lang=${lang}`, cookie: cookies.chair });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /text\/html/);
    assert.match(r.body.toString(), lang === 'de' ? /Abstimmungsprotokoll/ : /Vote record/);
    assert.match(r.body.toString(), /Haushaltssatzung 2027/);
  }

  s.proc.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
});
