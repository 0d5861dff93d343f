// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13, the meeting's record without a browser (the `ws` package and plain HTTP): a chair
// and two members hold a meeting with a speakers' list and a named vote; the server stops
// (SIGTERM) while someone speaks and starts again; the record still has every turn (the one cut
// off by the stop too), the vote with its result and ballots, attendance; a participant gets
// 403; the printable page is German by default and English with ?lang=en, the title escaped.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('./lib/harness.js');
const { addUser, startAt, request, login } = require('./lib/rest.js');

const stopWatchdog = h.watchdog(90000);
const cleanup = [];
test.after(() => {
  for (const f of cleanup) { try { f(); } catch { /* gone */ } }
  stopWatchdog();
});

/** Joins `room` over WebSocket; resolves with the socket and a way to wait for an event. */
async function join(port, room, cookie, name) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/signaling`, { headers: { cookie } });
  cleanup.push(() => ws.terminate());
  ws.on('error', () => { /* a stopped server: seen as close */ });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const seen = [];
  const waiters = [];
  ws.on('message', (d) => {
    const ev = JSON.parse(d.toString());
    seen.push(ev);
    for (const w of waiters.splice(0)) w();
  });
  const next = (ns, event) => new Promise((resolve, reject) => {
    const look = () => {
      const i = seen.findIndex((e) => e.ns === ns && (e.event === event || (event === 'error' && e.event === 'error')));
      if (i >= 0) return resolve(seen.splice(i, 1)[0]);
      const err = seen.find((e) => e.event === 'error');
      if (err) return reject(new Error(JSON.stringify(err)));
      waiters.push(look);
    };
    look();
  });
  const send = (m) => ws.send(JSON.stringify(m));
  send({ ns: 'control', action: 'join', room, display_name: name });
  await next('control', 'joined');
  return { ws, send, next, seen };
}

async function record(port, room, cookie) {
  const r = await request(port, { path: `/api/v1/meetings/${room}/record`, cookie });
  assert.equal(r.status, 200, r.body.toString());
  return JSON.parse(r.body);
}

test('record: turns, vote, attendance survive a restart; 403; page in two languages', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-rec-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = path.join(dataDir, 'ratsaal.conf');
  fs.writeFileSync(config, 'login_rate_per_min = 1000\njoin_rate_per_min = 1000\n');
  const names = ['chair', 'alice', 'bob'];
  for (const n of names) addUser(dataDir, n);
  const port = await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  let s = await startAt(dataDir, port, udpPort, config, cleanup);
  const cookies = {};
  for (const n of names) cookies[n] = await login(port, n);

  const title = 'Rat <script>alert(1)</script>';
  let r = await request(port, { method: 'POST', path: '/api/v1/meetings', cookie: cookies.chair, body: { title, lobby: false } });
  assert.equal(r.status, 201, r.body.toString());
  const room = JSON.parse(r.body).id;
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.chair,
    body: { members: [{ user: 'alice' }, { user: 'bob' }] } });
  assert.equal(r.status, 200, r.body.toString());

  const chair = await join(port, room, cookies.chair, 'Vorsitz');
  const alice = await join(port, room, cookies.alice, 'Alice');
  const bob = await join(port, room, cookies.bob, 'Bob');

  // Alice asks on a point of order, Bob normally; the chair runs the list
  alice.send({ ns: 'speakers', action: 'request', point_of_order: true });
  bob.send({ ns: 'speakers', action: 'request' });
  await h.waitUntil(() => chair.seen.some((e) => e.ns === 'speakers' && e.event === 'state' && e.queue.length === 2), { message: 'two requests' });
  chair.send({ ns: 'speakers', action: 'next' }); // Alice speaks
  chair.send({ ns: 'speakers', action: 'next' }); // Alice's turn ends, Bob speaks
  await h.waitUntil(async () => (await record(port, room, cookies.chair)).speaking.turns.length === 1, { message: 'one turn stored' });

  // a named vote: Alice yes, Bob no
  chair.send({ ns: 'vote', action: 'create', title: 'Haushalt 2027', text: 'Der Rat beschließt …' });
  const vote = (await chair.next('vote', 'created')).vote;
  alice.send({ ns: 'vote', action: 'cast', vote, option: 0 });
  await alice.next('vote', 'ballot_ack');
  bob.send({ ns: 'vote', action: 'cast', vote, option: 1 });
  await bob.next('vote', 'ballot_ack');
  chair.send({ ns: 'vote', action: 'close', vote });
  await chair.next('vote', 'closed');

  // a participant may not export the record
  for (const suffix of ['', '.html']) {
    r = await request(port, { path: `/api/v1/meetings/${room}/record${suffix}`, cookie: cookies.alice });
    assert.equal(r.status, 403, `participant GET record${suffix}`);
    assert.equal(JSON.parse(r.body).error.code, 'forbidden');
  }

  // the server stops while Bob speaks; his turn is stored as the room closes
  s.proc.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
  s = await startAt(dataDir, port, udpPort, config, cleanup);
  const chairCookie = await login(port, 'chair');
  const doc = await record(port, room, chairCookie);
  assert.equal(doc.format, 'ratsaal-meeting-record/1');
  assert.equal(doc.meeting.title, title);
  assert.ok(doc.meeting.first_entry > 0);
  assert.ok(doc.meeting.last_leave >= doc.meeting.first_entry); // everyone left at the stop
  assert.deepEqual(doc.speaking.turns.map((t) => [t.name, t.point_of_order]), [['Alice', true], ['Bob', false]]);
  const people = Object.fromEntries(doc.speaking.people.map((p) => [p.name, p]));
  assert.deepEqual([people.Alice.turns, people.Alice.points_of_order, people.Bob.turns], [1, 1, 1]);
  assert.equal(doc.votes.length, 1);
  const v = doc.votes[0];
  assert.deepEqual([v.id, v.title, v.state, v.secret], [vote, 'Haushalt 2027', 'closed', false]);
  assert.deepEqual(v.result.counts, [1, 1, 0]);
  assert.equal(v.result.passed, false);
  assert.match(v.head, /^[0-9a-f]{64}$/);
  assert.deepEqual(v.ballots.map((b) => [b.voter, b.option]), [['alice', 0], ['bob', 1]]);
  assert.equal(doc.attendance.entries.length, 3);
  assert.ok(doc.attendance.entries.every((e) => e.reason === 'server_stop' || e.reason === 'server_shutdown'), JSON.stringify(doc.attendance.entries));
  assert.deepEqual(doc.agenda, []);

  // the printable page
  r = await request(port, { path: `/api/v1/meetings/${room}/record.html`, cookie: chairCookie });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/html/);
  let page = r.body.toString();
  assert.match(page, /<h1>Sitzungsprotokoll<\/h1>/);
  assert.match(page, /Rat &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.ok(!page.includes('<script'));
  assert.match(page, /<link rel="stylesheet" href="\/css\/vote-record.css">/);
  assert.match(page, /<li>alice: ja<\/li>/);
  r = await request(port, { path: `/api/v1/meetings/${room}/record.html?lang=en`, cookie: chairCookie });
  page = r.body.toString();
  assert.match(page, /<html lang="en">/);
  assert.match(page, /<h1>Meeting record<\/h1>/);
  assert.match(page, /<h2>Speaking times<\/h2>/);
  // the style sheet the page links is served (its print rules make the page printable)
  r = await request(port, { path: '/css/vote-record.css' });
  assert.equal(r.status, 200);
  assert.match(r.body.toString(), /@media print/);

  // metrics count the exports
  r = await request(port, { path: '/metrics' });
  assert.match(r.body.toString(), /ratsaal_meeting_record_exports_total\{format="html"\} 2/);
  s.proc.kill('SIGTERM');
  await s.exited;
});
