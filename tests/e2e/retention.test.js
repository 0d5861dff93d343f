// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 17, retention of meetings' records (GDPR), end to end without a browser (the `ws`
// package and plain HTTP). A managed meeting leaves one record of each kind: a stay on the
// attendance list, a turn on the speakers' list, an agenda item's minutes, a closed vote with
// its ballots; the REST API shows them. The server restarts on the same data with
// retention_attendance_days, retention_minutes_days and retention_votes_days = 1 and the test
// clock RATSAAL_TEST_RETENTION_DAY_MS=1000 (a "day" lasts one second, and retention runs every
// such day instead of hourly): the running server deletes them, /metrics counts them, the log
// says how many (and nothing else), and the REST API answers 404 for the vote's record and
// shows no stays, turns, minutes or votes — while the meeting, its agenda item, the chair's
// open stay and an open vote stay. A vote closed while that server runs goes a second later.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');

const stopWatchdog = h.watchdog(90000);
const cleanup = [];
test.after(async () => {
  for (const f of cleanup.reverse()) { try { await f(); } catch { /* gone */ } }
  stopWatchdog();
});
const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 10000;
const PASSWORD = 'correct horse battery staple';
const CONFIG = {
  retention_attendance_days: 1, retention_minutes_days: 1, retention_votes_days: 1,
  login_rate_per_min: 1000, join_rate_per_min: 1000, rate_per_s: 1000,
};

test('retention deletes attendance, speaking turns, minutes and votes; the API shows none', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-retention-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const port = await h.freeTcpPort();
  // first without the test clock: a retention day is a real day, nothing is old enough yet
  let srv = await idp.startRatsaal({
    port, dataDir, keepData: true, config: CONFIG,
    users: [{ name: 'chair', role: 'moderator', password: PASSWORD }, { name: 'alice', password: PASSWORD }],
  });
  cleanup.push(() => srv.proc.kill('SIGKILL'));
  const url = srv.url;
  const jar = {};
  const login = async (name) => {
    jar[name] = new idp.CookieJar();
    const r = await idp.request(`${url}/auth/local/login`, { method: 'POST', body: { username: name, password: PASSWORD }, jar: jar[name] });
    assert.equal(r.status, 200, r.text);
  };
  const api = (p, o = {}) => idp.request(`${url}/api/v1/meetings${p}`, { jar: jar.chair, ...o });
  const joinAs = async (name) => {
    const c = idp.wsClient(url, { cookie: jar[name].header() });
    cleanup.push(() => c.ws.terminate());
    await c.opened;
    const reply = await c.request({ ns: 'control', action: 'join', room, display_name: name }, WAIT);
    assert.equal(reply.event, 'joined', JSON.stringify(reply));
    return c;
  };
  await login('chair');
  await login('alice');
  let r = await api('', { method: 'POST', body: { title: 'Bauausschuss', lobby: false } });
  assert.equal(r.status, 201, r.text);
  const room = r.json.id;
  r = await api(`/${room}/agenda`, { method: 'PUT', body: { items: [{ title: 'Haushalt 2027' }] } });
  assert.equal(r.status, 200, r.text);
  const item = r.json.items[0].id;

  let chair = await joinAs('chair');
  const alice = await joinAs('alice');
  // a turn on the speakers' list, the minutes, a named vote
  alice.send({ ns: 'speakers', action: 'request' });
  await chair.next((e) => e.ns === 'speakers' && e.event === 'state' && e.queue.length === 1, WAIT, 'the request');
  chair.send({ ns: 'speakers', action: 'next' });
  await chair.next((e) => e.ns === 'speakers' && e.event === 'state' && e.speaker, WAIT, 'Alice speaks');
  chair.send({ ns: 'speakers', action: 'end' });
  chair.send({ ns: 'agenda', action: 'minutes', item, text: 'Der Ausschuss berät den Haushalt.' });
  const vote = (await chair.request({ ns: 'vote', action: 'create', title: 'Vertagung' }, WAIT)).vote;
  assert.ok(vote, 'vote/created');
  alice.send({ ns: 'vote', action: 'cast', vote, option: 0 });
  await alice.next((e) => e.ns === 'vote' && e.event === 'ballot_ack', WAIT, 'ballot_ack');
  chair.send({ ns: 'vote', action: 'close', vote });
  await chair.next((e) => e.ns === 'vote' && e.event === 'closed', WAIT, 'vote/closed');
  await alice.close(); // her stay ends

  // the records as the API shows them
  const snapshot = async () => {
    const rec = (await api(`/${room}/record`)).json;
    const att = (await api(`/${room}/attendance`)).json;
    const agenda = (await api(`/${room}/agenda`)).json;
    const votes = (await api(`/${room}/votes`)).json;
    const vrec = await api(`/${room}/votes/${vote}/record`);
    return {
      closedStays: att.entries.filter((e) => e.left_at_ms !== null).length,
      openStays: att.entries.filter((e) => e.left_at_ms === null).length,
      turns: rec.speaking.turns.length,
      minutes: agenda.items[0].minutes,
      items: agenda.items.length,
      votes: votes.votes.map((v) => v.state),
      recordVotes: rec.votes.length + rec.agenda.reduce((n, i) => n + i.votes.length, 0),
      voteRecord: vrec.status,
    };
  };
  await h.waitUntil(async () => (await snapshot()).closedStays === 1, { timeout: WAIT, message: "Alice's stay closed" });
  assert.deepEqual(await snapshot(), {
    closedStays: 1, openStays: 1, turns: 1, minutes: 'Der Ausschuss berät den Haushalt.', items: 1,
    votes: ['closed'], recordVotes: 1, voteRecord: 200,
  });
  await chair.close();
  await srv.stop(); // the chair's stay closes too (server_shutdown)

  // again, with the test clock: every record above is older than one "day" of a second
  await h.sleep(1100);
  srv = await idp.startRatsaal({
    port, dataDir, keepData: true, config: CONFIG, env: { RATSAAL_TEST_RETENTION_DAY_MS: '1000' },
  });
  cleanup.push(() => srv.proc.kill('SIGKILL'));
  await login('chair');
  chair = await joinAs('chair'); // a new stay, open: it stays
  chair.send({ ns: 'vote', action: 'create', title: 'Offen' });
  const open = (await chair.next((e) => e.ns === 'vote' && e.event === 'created', WAIT, 'the open vote')).vote;
  const metric = async (kind) => {
    const m = (await idp.request(`${url}/metrics`)).text.match(new RegExp(`^ratsaal_retention_deleted_total\\{kind="${kind}"\\} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  await h.waitUntil(async () => await metric('votes') === 1 && await metric('attendance') === 2 &&
    await metric('speaking_turns') === 1 && await metric('minutes') === 1, { timeout: WAIT, message: 'the records counted as deleted' });
  let snap = await snapshot();
  assert.deepEqual(snap, {
    closedStays: 0, openStays: 1, turns: 0, minutes: '', items: 1, votes: ['open'], recordVotes: 1,
    voteRecord: 404,
  });
  r = await api(`/${room}/record`);
  assert.equal(r.json.agenda[0].minutes, null, 'the record has no minutes');
  assert.deepEqual(r.json.votes.map((v) => v.id), [open]);
  assert.equal((await api(`/${room}`)).status, 200, 'the meeting stays');

  // a vote closed while this server runs goes about a second later; the open stay stays
  chair.send({ ns: 'vote', action: 'close', vote: open });
  await chair.next((e) => e.ns === 'vote' && e.event === 'closed', WAIT, 'the second vote closed');
  await h.waitUntil(async () => (await api(`/${room}/votes/${open}/record`)).status === 404, { timeout: WAIT, message: 'the second vote deleted' });
  snap = await snapshot();
  assert.deepEqual([snap.votes, snap.openStays], [[], 1]);
  assert.equal(await metric('votes'), 2);
  assert.match((await idp.request(`${url}/metrics`)).text, /^ratsaal_retention_failures_total 0$/m);
  await chair.close();
  await srv.stop();

  // the log: the test clock announced, counts per kind, no meeting named
  const out = srv.output();
  assert.match(out, /warn +retention +event=test_clock day_ms=1000/);
  for (const kind of ['attendance', 'speaking_turns', 'minutes', 'votes']) {
    assert.match(out, new RegExp(`info +retention +event=deleted kind=${kind} count=\\d+ days=1 more=0`));
  }
  for (const line of out.split('\n').filter((l) => / retention /.test(l))) assert.ok(!line.includes(room), line);
});
