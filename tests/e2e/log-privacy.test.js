// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 17, "logs carry no meeting content and no names at the default level", end to end and
// without a browser (the `ws` package and plain HTTP): every field a person can type, and every
// name an account or an identity provider brings, carries a marker of its own; a meeting is held
// with all of them (two logins, OIDC and local, and failed ones; a managed meeting with its
// member list, agenda, invitation, lobby, chat and private chat, minutes, a vote with its own
// options, a poll, a timer, a rename, podium questions, a whisper group, breakout rooms, a
// recording with its purpose and the recorder it spawns, the exports); then the server's whole
// stderr and stdout at the default log level (nothing set in the config) must hold none of the
// markers — while it does hold the events (ids only), so the log was not simply empty.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');

const stopWatchdog = h.watchdog(120000);
const cleanup = [];
test.after(async () => {
  for (const f of cleanup.reverse()) { try { await f(); } catch { /* gone */ } }
  stopWatchdog();
});
const log = (...a) => { if (process.env.RATSAAL_E2E_VERBOSE) console.error('[e2e]', ...a); };
const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 10000;

// One marker per field: a fixed word, the field, and a random tag of this run, so that a hit
// names the field that leaked. Only characters every field accepts (user names: A-Z a-z 0-9 . _
// @ -), and no word the server writes itself.
const TAG = crypto.randomBytes(4).toString('hex');
const mark = (field) => `Qz${field}${TAG}`;
const M = Object.fromEntries([
  'LocalUser', 'LocalDisplay', 'OidcName', 'OidcSub', 'BadUser', 'BadOidcName',
  'MeetingTitle', 'AdhocTitle', 'MemberName', 'AgendaTitle', 'AgendaDesc', 'AgendaLive',
  'ChairName', 'GuestName', 'KnockName', 'RejectName', 'LinkName', 'Rename', 'Chat', 'PrivChat',
  'Minutes', 'VoteTitle', 'VoteText', 'VoteOptA', 'VoteOptB', 'PollQ', 'PollA', 'PollB',
  'TimerLabel', 'PodiumQ', 'Whisper', 'Breakout', 'Broadcast', 'Purpose', 'Password',
].map((f) => [f, mark(f)]));
const EMAIL = { local: `${mark('LocalMail')}@example.org`, oidc: `${mark('OidcMail')}@example.org` };
const PASSWORD = 'correct horse battery staple';

test('the default log level carries ids, never names or meeting content', async () => {
  let srv;
  try {
    await meeting((s) => { srv = s; });
  } catch (e) {
    // the server's output beside the screenshots of the browser tests, for the failure's reader
    if (srv) {
      fs.mkdirSync(h.ARTIFACTS, { recursive: true });
      fs.writeFileSync(path.join(h.ARTIFACTS, 'log-privacy-server.log'), srv.output());
    }
    throw e;
  }
});

async function meeting(started) {
  const r0 = spawnSync('make', ['-s', 'bin/ratsaal-recorder'], { cwd: h.ROOT, encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const idpPort = await h.freeTcpPort();
  const port = await h.freeTcpPort();
  const users = {
    [M.OidcSub]: { name: M.OidcName, email: EMAIL.oidc, groups: ['ratsaal-moderators'] },
    bad: { name: M.BadOidcName, email: `${mark('BadOidcMail')}@example.org`, groups: [] },
  };
  const fake = await idp.startFakeIdp({ port: idpPort, users });
  cleanup.push(() => fake.stop());
  const srv = await idp.startRatsaal({
    port,
    users: [{ name: M.LocalUser, role: 'moderator', password: PASSWORD, displayName: M.LocalDisplay, email: EMAIL.local }],
    // no log_level: the default; anonymous rooms on for the ad-hoc room's title
    config: {
      oidc_issuer: fake.issuer, oidc_client_id: fake.clientId, oidc_client_secret: fake.clientSecret,
      oidc_moderator_group: 'ratsaal-moderators', anonymous_meetings: 'on',
      login_rate_per_min: 1000, join_rate_per_min: 1000, rate_per_s: 1000,
    },
  });
  started(srv);
  cleanup.push(() => srv.proc.kill('SIGKILL'));
  const url = srv.url;
  const post = (p, body, jar) => idp.request(`${url}${p}`, { method: 'POST', body, jar });
  const put = (p, body, jar) => idp.request(`${url}${p}`, { method: 'PUT', body, jar });
  const get = (p, jar) => idp.request(`${url}${p}`, { jar });

  // --- logins: failed ones with a marker name, then the two accounts ---
  let r = await post('/auth/local/login', { username: M.BadUser, password: 'wrong password, long enough' });
  assert.equal(r.status, 401);
  r = await post('/auth/local/login', { username: M.LocalUser, password: 'wrong password, long enough' });
  assert.equal(r.status, 401);
  const local = new idp.CookieJar();
  r = await post('/auth/local/login', { username: M.LocalUser, password: PASSWORD }, local);
  assert.equal(r.status, 200, r.text);
  // an ID token the server refuses (expired), carrying marker claims
  fake.user = 'bad';
  fake.mint = (ctx) => ctx.sign({ alg: 'RS256', typ: 'JWT', kid: ctx.key.kid },
    { ...ctx.claims, exp: Math.floor(Date.now() / 1000) - 600 }, ctx.key.privateKey);
  const refused = await idp.oidcLogin(url, new idp.CookieJar());
  assert.equal(refused.final.status, 302);
  assert.match(refused.final.location, /error=invalid_token/);
  fake.mint = null;
  fake.user = M.OidcSub;
  const oidc = new idp.CookieJar();
  const ok = await idp.oidcLogin(url, oidc);
  assert.equal(ok.final.status, 302, ok.final.text);
  r = await get('/api/v1/me', oidc);
  assert.equal(r.json.user.email, EMAIL.oidc);

  // --- a managed meeting: title, members, agenda, an invitation ---
  r = await post('/api/v1/meetings', { title: M.MeetingTitle, lobby: true, password: M.Password }, local);
  assert.equal(r.status, 201, r.text);
  const room = r.json.id;
  r = await put(`/api/v1/meetings/${room}/members`, { members: [{ user: M.LocalUser }, { name: M.MemberName }] }, local);
  assert.equal(r.status, 200, r.text);
  r = await put(`/api/v1/meetings/${room}/agenda`, { items: [{ title: M.AgendaTitle, description: M.AgendaDesc }] }, local);
  assert.equal(r.status, 200, r.text);
  const item = r.json.items[0].id;
  r = await post(`/api/v1/meetings/${room}/invites`, { role: 'participant' }, local);
  assert.equal(r.status, 201, r.text);
  const invite = r.json.token;
  r = await get(`/r/${room}?name=${M.LinkName}&join=1&invite=${invite}`);
  assert.equal(r.status, 200);
  r = await get(`/api/v1/rooms/${room}/public?invite=${invite}`);
  assert.equal(r.json.title, M.MeetingTitle);

  // --- the meeting ---
  const joinAs = async (cookieJar, extra) => {
    const c = idp.wsClient(url, { cookie: cookieJar ? cookieJar.header() : undefined });
    cleanup.push(() => c.ws.terminate());
    await c.opened;
    const reply = await c.request({ ns: 'control', action: 'join', room, ...extra }, WAIT);
    return { c, reply };
  };
  const chair = await joinAs(local, { display_name: M.ChairName });
  assert.equal(chair.reply.event, 'joined', JSON.stringify(chair.reply));
  const cid = chair.reply.id;
  const oidcMember = await joinAs(oidc, { display_name: 'x', password: M.Password });
  assert.equal(oidcMember.reply.event, 'joined', JSON.stringify(oidcMember.reply));
  // the lobby: a knock admitted (an invited member by name), one rejected
  const guest = await joinAs(null, { display_name: M.MemberName, invite, password: M.Password });
  assert.equal(guest.reply.event, 'waiting', JSON.stringify(guest.reply));
  const knock = await joinAs(null, { display_name: M.KnockName, invite, password: M.Password });
  assert.equal(knock.reply.event, 'waiting');
  const reject = await joinAs(null, { display_name: M.RejectName, invite, password: M.Password });
  assert.equal(reject.reply.event, 'waiting');
  // An action, then a ping: the server answers in order, so by the pong an error (or a reply)
  // with the action's ref has come (not every action has a reply of its own).
  let refs = 0;
  const ask = async (who, msg) => {
    const ref = `a${++refs}`;
    who.c.send({ ...msg, ref });
    await who.c.request({ ns: 'control', action: 'ping' }, WAIT);
    const reply = who.c.events.find((e) => e.ref === ref);
    assert.ok(!reply || reply.event !== 'error', `${JSON.stringify(msg)} → ${JSON.stringify(reply)}`);
    return reply;
  };
  await ask(chair, { ns: 'lobby', action: 'admit', id: guest.reply.id });
  await guest.c.next((e) => e.ns === 'control' && e.event === 'joined', WAIT, 'admitted');
  await ask(chair, { ns: 'lobby', action: 'admit', id: knock.reply.id });
  await knock.c.next((e) => e.ns === 'control' && e.event === 'joined', WAIT, 'admitted');
  await ask(chair, { ns: 'lobby', action: 'reject', id: reject.reply.id });
  const gid = guest.reply.id;
  const kid = knock.reply.id;
  await ask(chair, { ns: 'chair', action: 'rename', id: kid, display_name: M.Rename });

  // chat, private chat, the export
  await ask(guest, { ns: 'chat', action: 'send', text: M.Chat });
  await ask(guest, { ns: 'chat', action: 'send', text: M.PrivChat, to: cid });
  const exp = await ask(chair, { ns: 'chat', action: 'export' });
  assert.ok(JSON.stringify(exp).includes(M.Chat));

  // the agenda and the minutes (the chair and the minute-taker: the session roles)
  await ask(chair, { ns: 'session', action: 'set_role', id: cid, role: 'chair', on: true });
  await ask(chair, { ns: 'session', action: 'set_role', id: cid, role: 'minute_taker', on: true });
  await ask(chair, { ns: 'agenda', action: 'add', title: M.AgendaLive, description: M.AgendaDesc });
  await ask(chair, { ns: 'agenda', action: 'current', item });
  await ask(chair, { ns: 'agenda', action: 'minutes', item, text: M.Minutes });

  // a vote with options of its own, cast and closed
  await ask(chair, { ns: 'vote', action: 'create', title: M.VoteTitle, text: M.VoteText, options: [M.VoteOptA, M.VoteOptB] });
  const vote = (await chair.c.next((e) => e.ns === 'vote' && e.event === 'created', WAIT, 'vote/created')).vote;
  await ask(chair, { ns: 'vote', action: 'cast', vote, option: 0 });
  await ask(guest, { ns: 'vote', action: 'cast', vote, option: 1 });
  await ask(chair, { ns: 'vote', action: 'close', vote });

  // a poll, a timer, the podium's questions, a whisper group, breakout rooms
  await ask(chair, { ns: 'poll', action: 'create', question: M.PollQ, options: [M.PollA, M.PollB] });
  await ask(guest, { ns: 'poll', action: 'answer', option: 1 });
  await ask(chair, { ns: 'poll', action: 'close' });
  await ask(chair, { ns: 'timer', action: 'start', seconds: 60, label: M.TimerLabel });
  await ask(chair, { ns: 'timer', action: 'stop' });
  await ask(chair, { ns: 'podium', action: 'set', on: true });
  await ask(guest, { ns: 'podium', action: 'ask', text: M.PodiumQ });
  await ask(chair, { ns: 'podium', action: 'set', on: false });
  await ask(guest, { ns: 'whisper', action: 'create', name: M.Whisper, ids: [cid] });
  await ask(chair, { ns: 'breakout', action: 'open', rooms: [{ name: M.Breakout }], mode: 'choose' });
  await ask(chair, { ns: 'breakout', action: 'broadcast', text: M.Broadcast });
  await ask(chair, { ns: 'breakout', action: 'close' });

  // a recording: the recorder gets the meeting's title; its stderr is the server's
  await ask(chair, { ns: 'recording', action: 'start', kind: 'recording', purpose: M.Purpose, retention_days: 1 });
  const state = (await chair.c.next((e) => e.ns === 'recording' && e.event === 'state' &&
    e.recording.state !== 'starting', 3 * WAIT, 'the recording past starting')).recording.state;
  assert.equal(state, 'running', 'the recorder runs');
  await ask(chair, { ns: 'recording', action: 'stop', kind: 'recording' });

  // an ad-hoc room with a title of its own
  const adhoc = idp.wsClient(url);
  cleanup.push(() => adhoc.ws.terminate());
  await adhoc.opened;
  const adhocRoom = `adhoc-${crypto.randomBytes(4).toString('hex')}`;
  const aj = await adhoc.request({ ns: 'control', action: 'join', room: adhocRoom, display_name: M.GuestName, title: M.AdhocTitle }, WAIT);
  assert.equal(aj.event, 'joined', JSON.stringify(aj));
  await ask({ c: adhoc }, { ns: 'chat', action: 'send', text: M.Chat });

  // the exports: the record, the attendance list, the vote's record
  for (const p of ['record', 'record.html', 'attendance', 'attendance.csv', 'attendance.html', 'agenda',
    `votes/${vote}/record`, `votes/${vote}/record.html`, 'members']) {
    r = await get(`/api/v1/meetings/${room}/${p}`, local);
    assert.equal(r.status, 200, `${p}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  r = await get(`/api/v1/meetings/${room}/record`, local);
  for (const k of ['Minutes', 'VoteTitle', 'AgendaTitle', 'MeetingTitle']) assert.ok(r.text.includes(M[k]), `the record holds ${k}`);

  await ask(chair, { ns: 'moderation', action: 'end' });
  await srv.stop();
  const out = srv.output();
  log(out);

  // the events were logged (ids), so the log is not silent...
  for (const ev of ['event=login_failed', 'event=login method=local', 'event=login method=oidc',
    'event=id_token_rejected', 'event=meeting_created', 'event=joined', 'event=lobby_waiting',
    'event=lobby_reject', 'event=chair_rename', 'event=minutes_saved', 'event=vote_opened',
    'event=vote_closed', 'event=poll_opened', 'event=timer_started', 'event=breakout_opened',
    'event=whisper_group_created', 'event=meeting_ended', 'event=room_created']) {
    assert.ok(out.includes(ev), `the log has ${ev}`);
  }
  // ...and holds no marker: not a name, not an e-mail address, not one word of content
  const leaked = [...Object.entries(M), ['LocalMail', EMAIL.local], ['OidcMail', EMAIL.oidc]]
    .filter(([, m]) => out.toLowerCase().includes(m.toLowerCase()))
    .map(([k]) => `${k}: ${out.split('\n').filter((l) => l.toLowerCase().includes(M[k] ? M[k].toLowerCase() : k)).slice(0, 2).join(' | ')}`);
  assert.deepEqual(leaked, [], `personal data or meeting content in the log:\n${leaked.join('\n')}`);
  // nor the random tag on its own (a marker cut, escaped or re-cased somewhere)
  assert.ok(!out.includes(TAG), `the run's tag ${TAG} is in the log:\n${out.split('\n').filter((l) => l.includes(TAG)).join('\n')}`);
}
