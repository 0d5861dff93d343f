// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13, the attendance list without a browser (the `ws` package and plain HTTP): signed-in
// members, a member invited by name, a non-member and guests join a managed meeting, some leave;
// the JSON, CSV and printable page show every stay with role, account and member flag and the
// quorum over time; names with commas, quotes and formula characters survive the CSV; a
// participant (not a moderator) gets 403; after a SIGKILL the next start closes the open stays
// with reason server_restart.

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

/** Joins `room` over WebSocket; resolves when control/joined came. */
async function join(port, room, cookie, extra) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/signaling`, cookie ? { headers: { cookie } } : {});
  cleanup.push(() => ws.terminate());
  ws.on('error', () => { /* a killed server: seen as close */ });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const joined = new Promise((resolve, reject) => {
    ws.on('message', (d) => {
      const ev = JSON.parse(d.toString());
      if (ev.ns === 'control' && ev.event === 'joined') resolve(ev);
      if (ev.event === 'error') reject(new Error(JSON.stringify(ev)));
    });
  });
  ws.send(JSON.stringify({ ns: 'control', action: 'join', room, ...extra }));
  await joined;
  return ws;
}

/** A minimal RFC 4180 reader: rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function attendance(port, room, cookie) {
  const r = await request(port, { path: `/api/v1/meetings/${room}/attendance`, cookie });
  assert.equal(r.status, 200, r.body.toString());
  return JSON.parse(r.body);
}

test('attendance: stays, member flags, quorum, CSV, page, 403, restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-att-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = path.join(dataDir, 'ratsaal.conf');
  fs.writeFileSync(config, 'login_rate_per_min = 1000\njoin_rate_per_min = 1000\n');
  const names = ['chair', 'alice', 'bob', 'carl'];
  for (const n of names) addUser(dataDir, n);
  const port = await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  let s = await startAt(dataDir, port, udpPort, config, cleanup);
  const cookies = {};
  for (const n of names) cookies[n] = await login(port, n);

  let r = await request(port, { method: 'POST', path: '/api/v1/meetings', cookie: cookies.chair, body: { title: 'Bauausschuss', lobby: false } });
  assert.equal(r.status, 201, r.body.toString());
  const room = JSON.parse(r.body).id;
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.chair,
    body: { members: [{ user: 'alice' }, { user: 'bob' }, { name: 'Erika Muster' }] } });
  assert.equal(r.status, 200, r.body.toString());
  r = await request(port, { method: 'POST', path: `/api/v1/meetings/${room}/invites`, cookie: cookies.chair, body: { role: 'participant' } });
  const invite = JSON.parse(r.body).token;
  r = await request(port, { method: 'POST', path: `/api/v1/meetings/${room}/invites`, cookie: cookies.chair, body: { role: 'guest' } });
  assert.equal(r.status, 201, r.body.toString());
  const guestInvite = JSON.parse(r.body).token;

  // nobody there yet: an empty list, not an error
  let a = await attendance(port, room, cookies.chair);
  assert.deepEqual([a.entries.length, a.quorum.length, a.members], [0, 0, 3]);

  await join(port, room, cookies.chair, { display_name: 'Vorsitz' });
  const alice = await join(port, room, cookies.alice, { display_name: 'Alice' });
  await join(port, room, cookies.bob, { display_name: 'Bob' });
  const erika = await join(port, room, null, { display_name: 'Erika Muster', invite });
  await join(port, room, cookies.carl, { display_name: 'Carl (Presse)' });
  const tricky = ['Müller, "Anna"', '=HYPERLINK("http://x")', '-1+1'];
  for (const n of tricky) await join(port, room, null, { display_name: n, invite: guestInvite });

  // a participant (member, signed in, in the meeting) is no moderator: 403 on all three
  for (const suffix of ['', '.csv', '.html']) {
    r = await request(port, { path: `/api/v1/meetings/${room}/attendance${suffix}`, cookie: cookies.alice });
    assert.equal(r.status, 403, `participant GET attendance${suffix}`);
    assert.equal(JSON.parse(r.body).error.code, 'forbidden');
  }
  r = await request(port, { path: `/api/v1/meetings/${room}/attendance` });
  assert.equal(r.status, 401, 'anonymous GET');

  alice.send(JSON.stringify({ ns: 'control', action: 'leave' }));
  erika.terminate();
  await h.waitUntil(async () => (await attendance(port, room, cookies.chair)).entries.filter((e) => e.left_at_ms).length === 2, { message: 'two stays closed' });

  a = await attendance(port, room, cookies.chair);
  const by = Object.fromEntries(a.entries.map((e) => [e.name, e]));
  assert.equal(a.entries.length, 8);
  assert.deepEqual([by.Vorsitz.role, by.Vorsitz.account, by.Vorsitz.member, by.Vorsitz.left_at_ms], ['moderator', true, false, null]);
  assert.deepEqual([by.Alice.member, by.Alice.reason, by.Alice.account], [true, 'left', true]);
  assert.ok(by.Alice.left_at_ms >= by.Alice.joined_at_ms);
  assert.deepEqual([by['Erika Muster'].member, by['Erika Muster'].account, by['Erika Muster'].reason], [true, false, 'disconnected']);
  assert.equal(by['Erika Muster'].user_id, null);
  assert.deepEqual([by['Carl (Presse)'].member, by['Carl (Presse)'].account], [false, true]);
  assert.equal(by[tricky[0]].role, 'guest');
  // quorum: 3 members; quorate once two were in, still quorate with Bob and Erika after Alice
  // left, not with Bob alone
  const maxMembers = Math.max(...a.quorum.map((q) => q.members_present));
  assert.equal(maxMembers, 3);
  assert.ok(a.quorum.find((q) => q.members_present === 2).quorate);
  const last = a.quorum[a.quorum.length - 1];
  assert.deepEqual([last.present, last.members_present, last.quorate], [6, 1, false]);
  assert.equal(a.quorum[0].quorate, false); // the chair alone

  // CSV: BOM, header, every name intact, formulas defused
  r = await request(port, { path: `/api/v1/meetings/${room}/attendance.csv`, cookie: cookies.chair });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/csv/);
  assert.match(r.headers['content-disposition'], /attachment/);
  assert.deepEqual([...r.body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows = parseCsv(r.body.subarray(3).toString('utf8'));
  assert.deepEqual(rows[0], ['participant_id', 'name', 'user_id', 'account', 'role', 'member', 'joined_at', 'left_at', 'reason']);
  assert.equal(rows.length, 9);
  for (const row of rows) assert.equal(row.length, 9, JSON.stringify(row));
  const csvNames = rows.slice(1).map((row) => row[1]);
  assert.ok(csvNames.includes('Müller, "Anna"'));
  assert.ok(csvNames.includes(`'=HYPERLINK("http://x")`));
  assert.ok(csvNames.includes(`'-1+1`));
  const aliceRow = rows.find((row) => row[1] === 'Alice');
  assert.deepEqual([aliceRow[3], aliceRow[4], aliceRow[5], aliceRow[8]], ['yes', 'participant', 'yes', 'left']);
  assert.match(aliceRow[6], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  r = await request(port, { path: `/api/v1/meetings/${room}/attendance.csv?table=quorum`, cookie: cookies.chair });
  const q = parseCsv(r.body.subarray(3).toString('utf8'));
  assert.deepEqual(q[0], ['at', 'present', 'members_present', 'members', 'quorate']);
  assert.equal(q.length, a.quorum.length + 1);

  // the printable page, in both languages, every name escaped
  r = await request(port, { path: `/api/v1/meetings/${room}/attendance.html?lang=en`, cookie: cookies.chair });
  assert.equal(r.status, 200);
  let page = r.body.toString();
  assert.match(page, /<h1>Attendance list<\/h1>/);
  assert.match(page, /Müller, &quot;Anna&quot;/);
  assert.ok(!page.includes('"Anna"'));
  r = await request(port, { path: `/api/v1/meetings/${room}/attendance.html`, cookie: cookies.chair });
  page = r.body.toString();
  assert.match(page, /<h1>Anwesenheitsliste<\/h1>/);
  assert.match(page, /Beschlussfähigkeit/);
  assert.match(page, /<td>Vorsitz<\/td><td>Konto<\/td><td>Moderation<\/td><td>nein<\/td>/);

  // the server dies with people in the room; the next start closes their stays
  s.proc.kill('SIGKILL');
  await s.exited;
  s = await startAt(dataDir, port, udpPort, config, cleanup);
  a = await attendance(port, room, await login(port, 'chair'));
  const open = a.entries.filter((e) => e.left_at_ms === null);
  assert.equal(open.length, 0);
  assert.equal(a.entries.filter((e) => e.reason === 'server_restart').length, 6);

  // after the meeting: the chair ends it for everyone; the list is still there
  const chairCookie = await login(port, 'chair');
  const chairWs = await join(port, room, chairCookie, { display_name: 'Vorsitz' });
  await join(port, room, await login(port, 'bob'), { display_name: 'Bob' });
  chairWs.send(JSON.stringify({ ns: 'moderation', action: 'end' }));
  await h.waitUntil(async () => (await attendance(port, room, chairCookie)).entries.filter((e) => e.reason === 'ended').length === 2, { message: 'two stays closed' });
  a = await attendance(port, room, chairCookie);
  assert.equal(a.entries.length, 10);
  assert.equal(a.entries.filter((e) => e.left_at_ms === null).length, 0);
  s.proc.kill('SIGTERM');
  await s.exited;
});
