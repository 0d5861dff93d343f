// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13, a whole council session end to end: the chair (German UI) opens a managed meeting
// whose member list and agenda were set over REST beforehand, makes the first item current and
// appoints a minute-taker, whose minutes everyone sees live. Under a microphone restriction a
// member asks for the floor and speaks, and the others' getStats show that only the floor
// holder's audio reaches them. A named and a secret vote are created in the chair's form and pass
// with the right counts; a guest's ballot is refused. During the secret vote the server is
// killed with SIGKILL and started again on the same data: the pages reconnect by themselves and
// no acknowledged ballot is lost. After the meeting one export holds agenda, minutes, both votes
// with their results, attendance and speaking times.
//
// Three Chromium pages (chair, member Anna, a guest) and two members over plain WebSockets
// (Bernd, Carla), so that the machine is not swamped by browsers.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('./lib/harness.js');
const { PASSWORD, addUser, startAt, request, login } = require('./lib/rest.js');

const { tid, inbound, rising } = h;
const stopWatchdog = h.watchdog(420000);
const cleanup = [];
let browser;
const pages = [];
after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const f of cleanup) { try { f(); } catch { /* gone */ } }
  stopWatchdog();
});

const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000;

/** A member over a plain WebSocket that records every event and rejoins after a restart. */
function wsMember(port, cookie, room, name) {
  const m = { events: [], waiters: [], ws: null, id: null };
  m.connect = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/signaling`, { headers: { cookie } });
    m.ws = ws;
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString());
      if (ev.ns === 'control' && ev.event === 'joined') { m.id = ev.id; resolve(ev); }
      m.events.push(ev);
      for (const w of [...m.waiters]) if (w.pred(ev)) { m.waiters.splice(m.waiters.indexOf(w), 1); w.resolve(ev); }
    });
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: name })));
    cleanup.push(() => ws.terminate());
  });
  m.send = (obj) => m.ws.send(JSON.stringify(obj));
  m.next = (pred, what) => {
    const found = m.events.find(pred);
    if (found) { m.events.splice(m.events.indexOf(found), 1); return Promise.resolve(found); }
    return new Promise((resolve, reject) => {
      m.waiters.push({ pred, resolve: (ev) => { m.events.splice(m.events.indexOf(ev), 1); resolve(ev); } });
      setTimeout(() => reject(new Error(`${name}: timeout waiting for ${what}; last ${JSON.stringify(m.events.slice(-4))}`)), WAIT).unref();
    });
  };
  return m;
}

const isVote = (event) => (e) => e.ns === 'vote' && e.event === event;

/** Packets of `key` arriving at `page` over `ms` (after a moment for what is in flight). */
async function arriving(page, key, ms = 2500) {
  await h.sleep(800);
  const a = await inbound(page);
  await h.sleep(ms);
  const b = await inbound(page);
  return (b[key] ? b[key].packets : 0) - (a[key] ? a[key].packets : 0);
}

const forge = (page, msg) =>
  page.evaluate((m) => window.__ratsaalMeeting.sig.request(m, { timeout: 8000 }).then(() => 'ok', (e) => e.code), msg);

/** Opens the agenda panel from "More". */
async function openAgenda(page) {
  if (await page.locator(tid('agenda-panel')).isVisible()) return;
  // below 860 px a panel is a full-screen sheet over "More": close the other one first
  const other = page.locator('.panel:not([hidden]):not([data-testid="agenda-panel"]) .panel-close');
  if (await other.count()) await other.first().click();
  await page.locator(tid('more-button')).click();
  await page.locator(tid('more-agenda')).click();
  await page.locator(tid('agenda-panel')).waitFor({ state: 'visible' });
}
const agendaItem = (page, title) => page.locator(tid('agenda-item')).filter({ has: page.locator(tid('agenda-title'), { hasText: title }) });

/** The chair starts a vote (present members, simple majority) from its form; returns the card. */
async function startVote(page, title, secret) {
  await h.openParticipants(page);
  await page.click(tid('vote-new'));
  await page.fill(tid('vote-title'), title);
  if (secret) await page.check(tid('vote-secret'));
  await page.click(tid('vote-start'));
  const card = page.locator(tid('vote-card')).filter({ hasText: title });
  await card.waitFor({ timeout: WAIT });
  return card;
}

/** The page casts option `i` in the open vote `title` and waits for the acknowledgement. */
async function castInPage(page, title, i) {
  const card = page.locator(tid('vote-card')).filter({ hasText: title });
  await card.locator(tid('vote-option')).nth(i).click();
  await card.locator(tid('vote-done')).waitFor({ timeout: WAIT });
}

/** Closes the result cards of finished votes, if the page offers it. */
async function dismissResults(page) {
  for (const b of await page.locator(tid('vote-dismiss')).all()) await b.click().catch(() => {});
}

/** Audio packets the page's publish connection sent over `ms`. */
async function sending(page, ms = 2000) {
  const sent = () =>
    page.evaluate(async () => {
      let n = 0;
      (await window.__ratsaal.publishPc.getStats()).forEach((x) => {
        if (x.type === 'outbound-rtp' && x.kind === 'audio') n += x.packetsSent || 0;
      });
      return n;
    });
  const a = await sent();
  await h.sleep(ms);
  return (await sent()) - a;
}

/** Signs the page in (local account) and joins the meeting with the pre-join screen. */
async function signInAndJoin(page, base, username, room) {
  await h.gotoReady(page, `${base}/`);
  const r = await h.pageApi(page, 'POST', '/auth/local/login', { username, password: PASSWORD });
  assert.equal(r.status, 200, `login ${username}`);
  await h.joinByLink(page, `${base}/r/${room}`);
}

test('a council session: agenda, minutes, the floor, two votes through a SIGKILL, one export', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-session-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = path.join(dataDir, 'ratsaal.conf');
  fs.writeFileSync(config, 'login_rate_per_min = 1000\njoin_rate_per_min = 1000\n');
  for (const name of ['vorsitz', 'anna', 'bernd', 'carla']) addUser(dataDir, name);
  const port = await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  let server = await startAt(dataDir, port, udpPort, config, cleanup);
  const base = `http://127.0.0.1:${port}`;

  // --- before the meeting, over REST: the meeting, its member list, its agenda, an invitation
  const cookies = {};
  for (const name of ['vorsitz', 'anna', 'bernd', 'carla']) cookies[name] = await login(port, name);
  let r = await request(port, { method: 'POST', path: '/api/v1/meetings', cookie: cookies.vorsitz, body: { title: 'Bauausschuss', lobby: false } });
  assert.equal(r.status, 201, r.body.toString());
  const room = JSON.parse(r.body).id;
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/members`, cookie: cookies.vorsitz,
    body: { members: [{ user: 'anna' }, { user: 'bernd' }, { user: 'carla' }] } });
  assert.equal(r.status, 200, r.body.toString());
  const AGENDA = [
    { title: 'Eröffnung und Feststellung der Beschlussfähigkeit', public: true },
    { title: 'Bebauungsplan Süd', description: 'Vorlage 2026/117', public: true },
    { title: 'Personalangelegenheiten', public: false },
  ];
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/agenda`, cookie: cookies.vorsitz, body: { items: AGENDA } });
  assert.equal(r.status, 200, r.body.toString());
  const items = JSON.parse(r.body).items;
  assert.deepEqual(items.map((i) => [i.title, i.public]), AGENDA.map((i) => [i.title, i.public]));
  r = await request(port, { method: 'PUT', path: `/api/v1/meetings/${room}/agenda`, cookie: cookies.anna, body: { items: [] } });
  assert.ok(r.status === 403 || r.status === 404, `a member's PUT of the agenda: ${r.status}`);
  r = await request(port, { method: 'POST', path: `/api/v1/meetings/${room}/invites`, cookie: cookies.vorsitz, body: { role: 'guest' } });
  assert.equal(r.status, 201, r.body.toString());
  const guestUrl = JSON.parse(r.body).url;

  browser = await h.launchBrowser();
  const chair = await h.newPage(browser, { locale: 'de-DE' });
  const anna = await h.newPage(browser, { locale: 'en-US' });
  const guest = await h.newPage(browser, { locale: 'en-US' });
  pages.push(chair, anna, guest);
  for (const p of pages) p.on('dialog', (d) => d.accept());
  await h.withArtifacts(t, () => pages, async () => {
    await signInAndJoin(chair, base, 'vorsitz', room);
    await signInAndJoin(anna, base, 'anna', room);
    await h.gotoReady(guest, new URL(guestUrl, base).href);
    await h.joinFromPrejoin(guest, 'Gast Presse');
    const bernd = wsMember(port, cookies.bernd, room, 'Bernd');
    const carla = wsMember(port, cookies.carla, room, 'Carla');
    await bernd.connect();
    await carla.connect();
    const [idChair, idAnna, idGuest] = await Promise.all([chair, anna, guest].map((p) => h.selfId(p)));

    // --- the chair opens: the agenda from before the meeting is there; item 1 becomes current
    await openAgenda(chair);
    assert.deepEqual(await chair.locator(`${tid('agenda-list')} ${tid('agenda-title')}`).allInnerTexts(), AGENDA.map((i) => i.title));
    await agendaItem(chair, AGENDA[0].title).locator(tid('agenda-make-current')).click();
    for (const [page, text] of [[chair, `Jetzt: TOP 1: ${AGENDA[0].title}`], [anna, `Now: Item 1: ${AGENDA[0].title}`], [guest, `Now: Item 1: ${AGENDA[0].title}`]])
      await page.locator(tid('agenda-now')).filter({ hasText: text }).waitFor({ timeout: WAIT });
    // a member may not steer the agenda
    bernd.send({ ns: 'agenda', action: 'current', item: items[1].id });
    assert.equal((await bernd.next((e) => e.event === 'error', 'agenda refused')).code, 'forbidden');

    // --- Carla takes the minutes (the chair appoints her in the participant list); Anna reads
    // them live
    await h.openParticipants(chair);
    const carlaRow = h.participantItem(chair, 'Carla');
    await carlaRow.locator(tid('chair-menu')).click();
    await carlaRow.locator(tid('session-make-minutes')).click();
    await carlaRow.locator(tid('session-minutes-badge')).waitFor({ timeout: WAIT });
    await carla.next((e) => e.ns === 'control' && e.event === 'participant_updated' && e.participant.id === carla.id && e.participant.minute_taker === true, 'minute-taker');
    const MINUTES1 = 'Die Vorsitzende eröffnet die Sitzung um 18:00 Uhr.\nDer Ausschuss ist beschlussfähig.';
    carla.send({ ns: 'agenda', action: 'minutes', item: items[0].id, text: MINUTES1, ref: 'm1' });
    await carla.next((e) => e.ns === 'agenda' && e.event === 'minutes' && e.ref === 'm1', 'minutes stored');
    bernd.send({ ns: 'agenda', action: 'minutes', item: items[0].id, text: 'Gefälscht' });
    assert.equal((await bernd.next((e) => e.event === 'error', 'minutes refused')).code, 'forbidden');
    await openAgenda(anna);
    await agendaItem(anna, AGENDA[0].title).locator(tid('agenda-minutes-text')).filter({ hasText: 'Der Ausschuss ist beschlussfähig.' }).waitFor({ timeout: WAIT });

    // --- the floor under a microphone restriction
    for (const id of [idAnna, idGuest]) await rising(chair, `${id}:microphone`, 'packets');
    // the guest's client ignores the chair (it drops every chair event and keeps its microphone
    // on): what the others hear is decided by the server, not by the guest's client
    await guest.evaluate(() => {
      const m = window.__ratsaalMeeting;
      const route = m.features.route;
      m.features.route = (msg) => (msg.ns === 'chair' ? undefined : route(msg));
    });
    await h.openParticipants(chair);
    await chair.click(tid('chair-restrict'));
    await h.waitUntil(async () => (await chair.locator(tid('chair-restrict')).getAttribute('aria-checked')) === 'true', { message: 'restriction on', timeout: WAIT });
    await h.openParticipants(anna);
    await anna.click(tid('speakers-request'));
    await chair.locator(`${tid('speakers-item')}[data-participant-id="${idAnna}"]`).waitFor({ state: 'visible', timeout: WAIT });
    await chair.click(tid('speakers-next'));
    await guest.locator(tid('speakers-bar'), { hasText: 'Speaking: Anna' }).waitFor({ state: 'visible', timeout: WAIT });
    // Anna's own page knows she has the floor before she unmutes (else her client refuses the
    // unmute under the restriction)
    await anna.locator(`${tid('status-item')}[data-status="floor"]`).waitFor({ state: 'visible', timeout: WAIT });
    if ((await anna.locator(tid('mic-button')).getAttribute('aria-pressed')) !== 'true') await anna.click(tid('mic-button'));
    await h.waitUntil(async () => (await anna.locator(tid('mic-button')).getAttribute('aria-pressed')) === 'true', { message: "Anna's microphone on", timeout: WAIT });
    await rising(chair, `${idAnna}:microphone`, 'packets');
    await rising(guest, `${idAnna}:microphone`, 'packets');
    // the guest's microphone is on and sending, yet nothing of it reaches the chair or the floor
    // holder
    assert.equal(await guest.locator(tid('mic-button')).getAttribute('aria-pressed'), 'true');
    assert.ok((await sending(guest)) > 20, 'the guest still sends');
    assert.ok((await arriving(chair, `${idGuest}:microphone`)) <= 2, 'the guest is heard by the chair under the restriction');
    assert.ok((await arriving(anna, `${idGuest}:microphone`)) <= 2, 'the guest is heard by Anna under the restriction');
    await h.sleep(1500); // a measurable turn
    await anna.click(tid('speakers-end'));
    await guest.locator(tid('speakers-bar')).waitFor({ state: 'hidden', timeout: WAIT });

    // --- item 2 becomes current; a named vote from the chair's form
    await openAgenda(chair);
    await chair.locator(tid('agenda-next')).click();
    await anna.locator(tid('agenda-now')).filter({ hasText: `Now: Item 2: ${AGENDA[1].title}` }).waitFor({ timeout: WAIT });
    const named = await startVote(chair, 'Bebauungsplan Süd: Satzungsbeschluss', false);
    const namedId = (await bernd.next(isVote('opened'), 'named vote opened')).vote.id;
    await castInPage(anna, 'Satzungsbeschluss', 0);
    bernd.send({ ns: 'vote', action: 'cast', vote: namedId, option: 0 });
    await bernd.next(isVote('ballot_ack'), 'Bernd acknowledged');
    carla.send({ ns: 'vote', action: 'cast', vote: namedId, option: 1 });
    await carla.next(isVote('ballot_ack'), 'Carla acknowledged');
    // the guest is offered no options, and a forged ballot is refused
    await guest.locator(`${tid('vote-card')} ${tid('vote-not-eligible')}`).waitFor({ timeout: WAIT });
    assert.equal(await guest.locator(`${tid('vote-card')} ${tid('vote-option')}`).count(), 0);
    assert.equal(await forge(guest, { ns: 'vote', action: 'cast', vote: namedId, option: 0 }), 'not_eligible');
    await named.locator(tid('vote-turnout')).filter({ hasText: '3 von 3' }).waitFor({ timeout: WAIT });
    await named.locator(tid('vote-close')).click();
    await anna.locator(tid('vote-outcome')).filter({ hasText: 'Passed' }).waitFor({ timeout: WAIT });
    await chair.locator(tid('vote-outcome')).filter({ hasText: 'Angenommen' }).waitFor({ timeout: WAIT });
    await dismissResults(chair);
    await dismissResults(anna);

    // --- a secret vote; the server is killed after two acknowledged ballots and started again
    await startVote(chair, 'Haushaltssatzung 2027', true);
    const secretId = (await bernd.next(isVote('opened'), 'secret vote opened')).vote.id;
    await castInPage(anna, 'Haushaltssatzung 2027', 0);
    bernd.send({ ns: 'vote', action: 'cast', vote: secretId, option: 0 });
    const berndReceipt = (await bernd.next(isVote('ballot_ack'), 'Bernd acknowledged')).receipt;
    server.proc.kill('SIGKILL');
    assert.equal((await server.exited).signal, 'SIGKILL');
    server = await startAt(dataDir, port, udpPort, config, cleanup);
    // the pages find the server again by themselves: the chair's page shows the vote with its
    // two ballots, Anna's that she has voted
    const chairCard = chair.locator(tid('vote-card')).filter({ hasText: 'Haushaltssatzung 2027' });
    await chairCard.locator(tid('vote-turnout')).filter({ hasText: '2 von 3' }).waitFor({ timeout: 60000 });
    await anna.locator(tid('vote-card')).filter({ hasText: 'Haushaltssatzung 2027' }).locator(tid('vote-done')).waitFor({ timeout: WAIT });
    const bernd2 = wsMember(port, cookies.bernd, room, 'Bernd');
    const carla2 = wsMember(port, cookies.carla, room, 'Carla');
    await bernd2.connect();
    await carla2.connect();
    bernd2.send({ ns: 'vote', action: 'cast', vote: secretId, option: 1 });
    assert.equal((await bernd2.next((e) => e.event === 'error', 'a second ballot')).code, 'already_voted');
    carla2.send({ ns: 'vote', action: 'cast', vote: secretId, option: 1 });
    await carla2.next(isVote('ballot_ack'), 'Carla acknowledged after the restart');
    await chairCard.locator(tid('vote-turnout')).filter({ hasText: '3 von 3' }).waitFor({ timeout: WAIT });
    await chairCard.locator(tid('vote-close')).click();
    const closed = await carla2.next(isVote('closed'), 'secret vote closed');
    assert.deepEqual(closed.result.counts.slice(0, 2), [2, 1]);
    assert.equal(closed.result.passed, true);
    await anna.locator(tid('vote-outcome')).filter({ hasText: 'Passed' }).waitFor({ timeout: WAIT });

    // --- the chair ends the meeting for everyone
    await chair.click(tid('leave-button'));
    await chair.click(tid('leave-end'));
    await anna.locator(tid('ended')).waitFor({ state: 'visible', timeout: WAIT });

    // --- one export holds agenda, minutes, votes with results, attendance and speaking times
    r = await request(port, { path: `/api/v1/meetings/${room}/record`, cookie: cookies.anna });
    assert.equal(r.status, 403, 'a member does not get the record');
    r = await request(port, { path: `/api/v1/meetings/${room}/record`, cookie: cookies.vorsitz });
    assert.equal(r.status, 200, r.body.toString());
    const rec = JSON.parse(r.body);
    assert.equal(rec.format, 'ratsaal-meeting-record/1');
    assert.ok(rec.meeting.ended_at > 0, 'the meeting ended');
    assert.deepEqual(rec.agenda.map((i) => [i.title, i.public, i.status]),
      [[AGENDA[0].title, true, 'done'], [AGENDA[1].title, true, 'current'], [AGENDA[2].title, false, 'pending']]);
    assert.equal(rec.agenda[0].minutes.text, MINUTES1);
    assert.equal(rec.agenda[0].minutes.by, 'Carla');
    const [v1, v2] = rec.agenda[1].votes;
    assert.equal(rec.agenda[1].votes.length, 2, 'both votes belong to item 2');
    assert.equal(v1.id, namedId);
    assert.equal(v1.secret, false);
    assert.deepEqual([v1.result.counts, v1.result.passed, v1.result.quorate], [[2, 1, 0], true, true]);
    // a named vote names each voter as the member list does (the account's username)
    assert.deepEqual(v1.ballots.map((b) => [b.voter, b.option]).sort(), [['anna', 0], ['bernd', 0], ['carla', 1]].sort());
    assert.equal(v2.id, secretId);
    assert.equal(v2.secret, true);
    assert.deepEqual([v2.result.counts, v2.result.ballots, v2.result.passed], [[2, 1, 0], 3, true]);
    assert.equal(v2.ballots, undefined, 'a secret vote lists no ballots');
    // Bernd's acknowledged ballot (before the SIGKILL) is in the vote's own record
    r = await request(port, { path: `/api/v1/meetings/${room}/votes/${secretId}/record`, cookie: cookies.vorsitz });
    const chain = JSON.parse(r.body).entries.filter((e) => e.type === 'ballot').map((e) => e.body.receipt_hash);
    assert.ok(chain.includes(require('node:crypto').createHash('sha256').update(berndReceipt).digest('hex')), "Bernd's ballot is counted");
    const names = new Set(rec.attendance.entries.map((e) => e.name));
    for (const n of ['anna', 'Bernd', 'Carla', 'Gast Presse']) assert.ok(names.has(n), `${n} in the attendance list`);
    assert.equal(rec.attendance.entries.find((e) => e.name === 'Gast Presse').role, 'guest');
    assert.ok(rec.roles.holders.some((x) => x.role === 'minute_taker' && x.name === 'Carla'));
    const annaSpoke = rec.speaking.people.find((p) => p.name === 'anna');
    assert.ok(annaSpoke && annaSpoke.turns === 1 && annaSpoke.spoken_ms >= 1500, `Anna's speaking time: ${JSON.stringify(rec.speaking)}`);
    assert.equal(rec.speaking.turns[0].agenda_item, items[0].id);
    // the printable page: German, with its print stylesheet, and the same content
    r = await request(port, { path: `/api/v1/meetings/${room}/record.html`, cookie: cookies.vorsitz });
    assert.equal(r.status, 200);
    const html = r.body.toString();
    assert.match(html, /<link rel="stylesheet" href="\/css\/record.css">/);
    for (const text of [AGENDA[1].title, 'Bebauungsplan Süd: Satzungsbeschluss', 'Haushaltssatzung 2027', 'Der Ausschuss ist beschlussfähig.', 'Gast Presse'])
      assert.ok(html.includes(text), `record.html has ${text}`);
    const css = await request(port, { path: '/css/record.css' });
    assert.match(css.body.toString(), /@media print/);
  });
  server.proc.kill('SIGTERM');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});
