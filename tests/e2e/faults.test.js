// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 17, "Faults, nothing lost", in Chromium against the real server:
// 1. SIGKILL mid-meeting. A meeting made through REST (owner, member list, two invitations, an
//    agenda) runs with a chair and two members as pages: an item is current, the chair's minutes
//    are saved, a minute-taker named, attendance written, a vote open with two ballots
//    acknowledged. `kill -9`, restart on the same port and data directory: every record is still
//    there (REST: meetings, invitations, members, agenda and minutes, roles, attendance, the open
//    vote and its turnout; the pages show the minutes and the turnout), the three pages come back
//    by themselves (no reload) and are measured against 10 s from the server's first /healthz
//    answer, media flows again, and the chair's ballot after the restart plus the two before it
//    are what the closed vote counts.
// 2. Disk full. The data directory is a 16 MiB tmpfs in a mount namespace of the test's own
//    (`unshare -m`; needs root); a file takes the rest. Saving minutes (German page), a ballot
//    (English page), a new meeting and an invitation (REST) are refused with storage_full (507),
//    in words the user understands, at once; the log names the cause; the server stays up. The
//    filler removed, the same actions succeed (the minutes typed meanwhile were kept in the
//    editor); PRAGMA integrity_check is ok, nothing committed before is lost.
// 3. A locked database. Another process holds BEGIN EXCLUSIVE (python3's sqlite3): a write waits
//    at most 1 s, is refused with storage_busy (503, Retry-After) and the next ones at once;
//    /healthz and a meeting in another room go on answering throughout; when the lock is gone
//    the same actions succeed and the database is intact.
// Run (as root for test 2): RATSAAL_E2E_TIMEOUT_MS=20000 node --test tests/e2e/faults.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const { BIN, PASSWORD, request, login } = require('./lib/rest.js');

const { tid } = h;
const stopWatchdog = h.watchdog(420000);
const CONFIG = 'login_rate_per_min = 1000\njoin_rate_per_min = 1000\n';
const REJOIN_LIMIT_MS = 10000;
const cleanup = [];
let browser;
const pages = [];
// servers, the namespace's holder, the locker: killed even when the watchdog ends the process
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

before(async () => {
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const f of cleanup.reverse()) { try { await f(); } catch { /* gone */ } }
  stopWatchdog();
});

/** Runs `argv` (with `ns`, a command prefix such as nsenter's, in front); throws on failure. */
function run(argv, { ns = [], input, ok = [0] } = {}) {
  const all = [...ns, ...argv];
  const r = spawnSync(all[0], all.slice(1), { input, encoding: 'utf8', timeout: 30000 });
  if (!ok.includes(r.status)) throw new Error(`${all.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function addUsers(dataDir, names, ns) {
  for (const name of names) run([BIN, 'user', 'add', name, '--role', 'user', '--data', dataDir], { ns, input: `${PASSWORD}\n` });
}

/**
 * Starts `ratsaal serve` on the data directory (`ns`: a command prefix that puts it into another
 * mount namespace) and waits for /healthz. Returns {proc, exited, output(), spawnedAt, healthyAt}.
 */
async function serve({ dataDir, port, udpPort, ns = [] }) {
  const conf = path.join(dataDir, 'faults.conf');
  const argv = [...ns, BIN, 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir,
    '--udp-port', String(udpPort), '--web', h.WEB, '--config', conf];
  const spawnedAt = Date.now();
  const proc = track(spawn(argv[0], argv.slice(1), { cwd: h.ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  cleanup.push(() => proc.kill('SIGKILL'));
  await h.waitHealthz(`http://127.0.0.1:${port}`, 30000, proc);
  return { proc, exited, output: () => out, spawnedAt, healthyAt: Date.now() };
}

async function stopServer(s) {
  s.proc.kill('SIGTERM');
  const res = await Promise.race([s.exited, h.sleep(15000).then(() => null)]);
  assert.deepEqual(res, { code: 0, signal: null }, `clean exit on SIGTERM\n${s.output().slice(-3000)}`);
}

const json = (r) => JSON.parse(r.body.toString() || 'null');

async function api(port, cookie, method, p, body) {
  const t0 = Date.now();
  const r = await request(port, { method, path: p, cookie, body });
  return { status: r.status, headers: r.headers, json: r.body.length ? json(r) : null, ms: Date.now() - t0 };
}

async function metric(port, name) {
  const r = await request(port, { path: '/metrics' });
  const line = r.body.toString().split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Signs `page` in and joins the meeting `room` from its pre-join screen. */
async function enter(page, url, username, room) {
  await h.loginLocal(page, url, username, PASSWORD);
  await page.goto(`${url}/r/${room}`, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
  await page.locator(tid('join-button')).waitFor({ state: 'visible', timeout: 30000 });
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible', timeout: 30000 });
}

async function newPage(locale) {
  const p = await h.newPage(browser, { locale });
  await h.trackErrorToasts(p);
  pages.push(p);
  return p;
}

async function closePages() {
  for (const p of pages.splice(0)) await p.context().close().catch(() => {});
}

async function openAgenda(page) {
  if (await page.locator(tid('agenda-panel')).isVisible()) return;
  const other = page.locator('.panel:not([hidden]):not([data-testid="agenda-panel"]) .panel-close');
  if (await other.count()) await other.first().click();
  await page.locator(tid('more-button')).click();
  await page.locator(tid('more-agenda')).click();
  await page.locator(tid('agenda-panel')).waitFor({ state: 'visible' });
}

const agendaItem = (page, title) => page.locator(tid('agenda-item')).filter({ has: page.locator(tid('agenda-title'), { hasText: title }) });
const minutesBox = (page, title) => agendaItem(page, title).locator(tid('agenda-minutes-input'));
const minutesStatus = (page, title) => agendaItem(page, title).locator(tid('agenda-minutes-status'));

/** What a page's meeting knows: connection state, phase, its id, how many it sees. */
const meetingState = (page) => page.evaluate(() => {
  const m = window.__ratsaalMeeting;
  return { sig: m.sig.state, phase: m.phase, id: m.state.selfId, n: m.state.participants.size };
});

/**
 * Runs one scenario: on failure screenshots and the server's last log lines; in any case its
 * pages closed and its server killed. `fn` gets {server}, to set to the server it runs.
 */
function scenario(t, fn) {
  const sc = { server: null };
  return h.withArtifacts(t, () => pages, async () => {
    try {
      return await fn(sc);
    } catch (e) {
      if (sc.server) console.error(sc.server.output().split('\n').filter((l) => !/event=(http|udp_socket|ice_tcp|fd_limit)/.test(l)).slice(-60).join('\n'));
      throw e;
    }
  }).finally(async () => {
    await closePages();
    if (sc.server && sc.server.proc.exitCode === null && sc.server.proc.signalCode === null) sc.server.proc.kill('SIGKILL');
  });
}

// ---------------------------------------------------------------------------------------------
// 1. SIGKILL mid-meeting

test('SIGKILL mid-meeting: every record kept, pages back by themselves within 10 s, the vote counts', (t) =>
  scenario(t, async (sc) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-faults-kill-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dataDir, 'faults.conf'), CONFIG);
    addUsers(dataDir, ['vorsitz', 'anna', 'bernd']);
    const port = await h.freeTcpPort();
    const udpPort = await h.freeUdpPort();
    const url = `http://127.0.0.1:${port}`;
    let s = sc.server = await serve({ dataDir, port, udpPort });

    // the meeting, through REST
    const owner = await login(port, 'vorsitz');
    let r = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Gemeinderat Musterstadt', lobby: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const room = r.json.id;
    r = await api(port, owner, 'PUT', `/api/v1/meetings/${room}/members`, { members: [{ user: 'vorsitz' }, { user: 'anna' }, { user: 'bernd' }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const role of ['participant', 'guest']) {
      r = await api(port, owner, 'POST', `/api/v1/meetings/${room}/invites`, { role });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    r = await api(port, owner, 'PUT', `/api/v1/meetings/${room}/agenda`, {
      items: [{ title: 'Begrüßung' }, { title: 'Haushalt 2027', description: 'Beratung und Beschluss' }, { title: 'Personalangelegenheiten', public: false }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));

    // the chair and two members, as pages
    const chair = await newPage('en-US');
    const anna = await newPage('de-DE');
    const bernd = await newPage('en-US');
    await enter(chair, url, 'vorsitz', room);
    await enter(anna, url, 'anna', room);
    await enter(bernd, url, 'bernd', room);
    await h.waitUntil(async () => (await Promise.all(pages.map(meetingState))).every((m) => m.n === 3), { timeout: 30000, message: 'three in the meeting on every page' });
    const ids0 = await Promise.all(pages.map(h.selfId));

    // the chair: "Haushalt 2027" current, minutes written and saved; Anna takes the minutes
    await openAgenda(chair);
    await agendaItem(chair, 'Haushalt 2027').locator(tid('agenda-make-current')).click();
    await anna.locator(tid('agenda-now')).filter({ hasText: 'Jetzt: TOP 2: Haushalt 2027' }).waitFor({ timeout: 30000 });
    await minutesBox(chair, 'Haushalt 2027').click();
    await chair.keyboard.type('Der Rat berät den Haushalt 2027.');
    await minutesStatus(chair, 'Haushalt 2027').filter({ hasText: 'Saved' }).waitFor({ timeout: 30000 });
    const roleSet = await chair.evaluate((id) => window.__ratsaalMeeting.sig.request({ ns: 'session', action: 'set_role', id, role: 'minute_taker', on: true },
      { events: ['control/participant_updated'] }).then(() => 'ok', (e) => e.code), ids0[1]);
    assert.equal(roleSet, 'ok');

    // a vote: Anna "Ja", Bernd "No", both acknowledged ("recorded" on their cards)
    await h.openParticipants(chair);
    await chair.click(tid('vote-new'));
    await chair.fill(tid('vote-title'), 'Haushaltssatzung 2027');
    await chair.click(tid('vote-start'));
    for (const [page, option, text] of [[anna, 0, 'Ihre Stimme ist gespeichert: Ja'], [bernd, 1, 'Your vote is recorded: No']]) {
      const card = page.locator(tid('vote-card'));
      await card.locator(tid('vote-option')).nth(option).click({ timeout: 30000 });
      await card.locator(tid('vote-done')).filter({ hasText: text }).waitFor({ timeout: 30000 });
    }
    await h.waitUntil(async () => /2 of 3 have voted/.test(await chair.locator(tid('vote-turnout')).first().innerText()), { timeout: 30000, message: 'turnout 2 of 3 at the chair' });

    // what was committed, as REST shows it
    const get = async (p) => { const x = await api(port, owner, 'GET', p); assert.equal(x.status, 200, `${p}: ${JSON.stringify(x.json)}`); return x.json; };
    const before = {
      meetings: await get('/api/v1/meetings'),
      invites: await get(`/api/v1/meetings/${room}/invites`),
      members: await get(`/api/v1/meetings/${room}/members`),
      agenda: await get(`/api/v1/meetings/${room}/agenda`),
      votes: await get(`/api/v1/meetings/${room}/votes`),
      record: await get(`/api/v1/meetings/${room}/record`),
    };
    assert.equal(before.invites.invites.length, 2);
    assert.equal(before.agenda.items[1].minutes, 'Der Rat berät den Haushalt 2027.');
    assert.equal(before.record.attendance.entries.length, 3);
    assert.equal(before.record.votes.length + before.record.agenda[1].votes.length, 1);
    const vote = before.votes.votes[0].id;

    // kill -9
    s.proc.kill('SIGKILL');
    assert.equal((await s.exited).signal, 'SIGKILL');
    await h.waitUntil(async () => (await Promise.all(pages.map(meetingState))).every((m) => m.sig !== 'open'), { timeout: 20000, message: 'every page noticed the server is gone' });
    await h.sleep(1000); // down a moment longer: the pages retry meanwhile

    // back on the same port and data directory; the pages must rejoin by themselves
    s = sc.server = await serve({ dataDir, port, udpPort });
    const upMs = s.healthyAt - s.spawnedAt;
    const back = await Promise.all(pages.map(async (page, i) => {
      const m = await h.waitUntil(async () => {
        const x = await meetingState(page);
        return x.sig === 'open' && x.phase === 'meeting' && x.id && x.id !== ids0[i] ? x : null;
      }, { timeout: 30000, interval: 50, message: `page ${i} rejoined` });
      const joinedMs = Date.now() - s.healthyAt;
      await h.waitUntil(async () => (await meetingState(page)).n === 3, { timeout: 30000, interval: 50, message: `page ${i} sees all three again` });
      return { id: m.id, joinedMs, allMs: Date.now() - s.healthyAt };
    }));
    t.diagnostic(`server answered /healthz ${upMs} ms after the restart; rejoined ${back.map((b) => b.joinedMs).join(', ')} ms and saw all three ${back.map((b) => b.allMs).join(', ')} ms after that (chair, Anna, Bernd)`);
    for (const [i, b] of back.entries()) assert.ok(b.allMs <= REJOIN_LIMIT_MS, `page ${i} back after ${b.allMs} ms`);
    for (const p of pages) assert.equal(await p.locator(`${tid('connection-state')}[data-state="open"]`).count(), 1);
    const tMedia = Date.now();
    await Promise.all([
      h.rising(chair, `${back[1].id}:camera`, 'frames', { timeout: 30000, gap: 500 }),
      h.rising(anna, `${back[2].id}:camera`, 'frames', { timeout: 30000, gap: 500 }),
      h.rising(bernd, `${back[0].id}:microphone`, 'packets', { timeout: 30000, gap: 500 }),
    ]);
    t.diagnostic(`media decoded again ${Date.now() - s.healthyAt} ms after /healthz (${Date.now() - tMedia} ms after the last rejoin)`);

    // every committed record is there
    const later = {
      meetings: await get('/api/v1/meetings'),
      invites: await get(`/api/v1/meetings/${room}/invites`),
      members: await get(`/api/v1/meetings/${room}/members`),
      agenda: await get(`/api/v1/meetings/${room}/agenda`),
      votes: await get(`/api/v1/meetings/${room}/votes`),
      record: await get(`/api/v1/meetings/${room}/record`),
    };
    for (const k of ['meetings', 'invites', 'members', 'agenda', 'votes']) assert.deepEqual(later[k], before[k], `${k} after the restart`);
    assert.deepEqual(later.record.roles, before.record.roles, 'session roles');
    assert.deepEqual(later.record.agenda, before.record.agenda, 'agenda, minutes and the vote attached to the item');
    const stays = later.record.attendance.entries;
    for (const e of before.record.attendance.entries) {
      const was = stays.find((x) => x.participant_id === e.participant_id);
      assert.ok(was, `stay of ${e.name} kept`);
      assert.equal(was.joined_at_ms, e.joined_at_ms);
      assert.equal(was.reason, 'server_restart');
    }
    assert.equal(stays.filter((x) => x.left_at_ms === null).length, 3, 'three new stays after the rejoin');
    // and on the pages: the current item and the minutes, the turnout, each member's own ballot
    await openAgenda(anna);
    await anna.locator(tid('agenda-now')).filter({ hasText: 'Jetzt: TOP 2: Haushalt 2027' }).waitFor({ timeout: 30000 });
    assert.equal(await agendaItem(anna, 'Haushalt 2027').locator(tid('agenda-minutes-text')).innerText(), 'Der Rat berät den Haushalt 2027.');
    await h.waitUntil(async () => /2 of 3 have voted/.test(await chair.locator(tid('vote-turnout')).first().innerText()), { timeout: 30000, message: 'turnout 2 of 3 after the restart' });
    assert.equal(await anna.locator(tid('vote-option')).count(), 0, 'Anna is not offered a second ballot');
    assert.equal(await bernd.locator(tid('vote-option')).count(), 0, 'Bernd is not offered a second ballot');

    // the chair votes after the restart and closes: two ballots from before the kill, one after
    const card = chair.locator(tid('vote-card'));
    await card.locator(tid('vote-option')).first().click();
    await card.locator(tid('vote-done')).filter({ hasText: 'Your vote is recorded: Yes' }).waitFor({ timeout: 30000 });
    await card.locator(tid('vote-close')).click();
    await chair.locator(tid('vote-result')).waitFor({ timeout: 30000 });
    assert.match(await chair.locator(tid('vote-result')).innerText(), /3 ballots cast/);
    assert.equal(await chair.locator(tid('vote-outcome')).innerText(), 'Passed');
    await anna.locator(tid('vote-outcome')).filter({ hasText: 'Angenommen' }).waitFor({ timeout: 30000 });
    const rec = await get(`/api/v1/meetings/${room}/votes/${vote}/record`);
    const ballots = rec.entries.filter((e) => e.type === 'ballot').map((e) => [e.body.voter, e.body.label]);
    assert.deepEqual(ballots, [['anna', 'yes'], ['bernd', 'no'], ['vorsitz', 'yes']]);
    const result = rec.entries.find((e) => e.type === 'result').body;
    assert.deepEqual([result.ballots, result.counts], [3, [2, 1, 0]]);
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'no page errors');

    await closePages();
    await stopServer(s);
  }));

// ---------------------------------------------------------------------------------------------
// 2. Disk full

/**
 * A tmpfs of `sizeMiB` on `dir`, visible only in a new mount namespace held by a sleeping
 * process (which dies with the test: --pdeathsig). Returns {ns, stop()}: `ns` is the prefix that
 * runs a command in that namespace; stop() ends the holder, and with it the namespace and the
 * tmpfs once nothing else runs in it.
 */
async function tmpfsNamespace(dir, sizeMiB) {
  const holder = spawn('unshare', ['-m', '--propagation', 'private', 'setpriv', '--pdeathsig', 'KILL', 'sh', '-c',
    `mount -t tmpfs -o size=${sizeMiB}m,mode=0700 ratsaal-faults "$0" && echo mounted && exec sleep 900`, dir],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  track(holder);
  cleanup.push(() => holder.kill('SIGKILL'));
  let out = '';
  holder.stdout.on('data', (d) => { out += d; });
  holder.stderr.on('data', (d) => { out += d; });
  await h.waitUntil(() => out.includes('mounted') || holder.exitCode !== null, { timeout: 10000, message: 'the tmpfs' });
  if (!out.includes('mounted')) throw new Error(`mount namespace with a tmpfs: ${out}`);
  return { ns: ['nsenter', '-t', String(holder.pid), '-m', '--'], stop: () => holder.kill('SIGKILL') };
}

test('disk full: a clear error for every write, the server stays up, recovery when space returns', { skip: process.getuid() !== 0 && 'needs root (a tmpfs in a mount namespace)' }, (t) =>
  scenario(t, async (sc) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-faults-full-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const tmpfs = await tmpfsNamespace(dataDir, 16);
    const { ns } = tmpfs;
    const db = path.join(dataDir, 'ratsaal.db');
    run(['sh', '-c', 'cat > "$0"', path.join(dataDir, 'faults.conf')], { ns, input: CONFIG });
    addUsers(dataDir, ['vorsitz', 'anna'], ns);
    const port = await h.freeTcpPort();
    const udpPort = await h.freeUdpPort();
    const url = `http://127.0.0.1:${port}`;
    const s = sc.server = await serve({ dataDir, port, udpPort, ns });
    assert.match(run(['findmnt', '-n', '-o', 'FSTYPE', '--target', dataDir], { ns }), /tmpfs/);

    const owner = await login(port, 'vorsitz');
    let r = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Bauausschuss', lobby: false });
    assert.equal(r.status, 201);
    const room = r.json.id;
    r = await api(port, owner, 'POST', `/api/v1/meetings/${room}/invites`, { role: 'participant' });
    assert.equal(r.status, 201);
    r = await api(port, owner, 'PUT', `/api/v1/meetings/${room}/agenda`, { items: [{ title: 'Bebauungsplan Süd' }] });
    assert.equal(r.status, 200);
    const chair = await newPage('de-DE');
    const anna = await newPage('en-US');
    await enter(chair, url, 'vorsitz', room);
    await enter(anna, url, 'anna', room);
    await openAgenda(chair);
    await minutesBox(chair, 'Bebauungsplan Süd').click();
    await chair.keyboard.type('Erste Fassung.');
    await minutesStatus(chair, 'Bebauungsplan Süd').filter({ hasText: 'Gespeichert' }).waitFor({ timeout: 30000 });
    await h.openParticipants(chair);
    await chair.click(tid('vote-new'));
    await chair.fill(tid('vote-title'), 'Offenlegung beschließen');
    await chair.click(tid('vote-start'));
    await anna.locator(`${tid('vote-card')} ${tid('vote-option')}`).first().waitFor({ timeout: 30000 });
    const get = async (p) => (await api(port, owner, 'GET', p)).json;
    const before = {
      meetings: await get('/api/v1/meetings'),
      invites: await get(`/api/v1/meetings/${room}/invites`),
      agenda: await get(`/api/v1/meetings/${room}/agenda`),
    };
    const full0 = await metric(port, 'ratsaal_store_errors_total{reason="full"}');

    // the disk fills up
    run(['sh', '-c', 'dd if=/dev/zero of="$0/filler" bs=64k 2>/dev/null; exit 0', dataDir], { ns });
    assert.equal(run(['stat', '-f', '-c', '%a', dataDir], { ns }).trim(), '0', 'no block left');

    // minutes: refused in German, the text stays in the editor
    await openAgenda(chair);
    await minutesBox(chair, 'Bebauungsplan Süd').click();
    await chair.keyboard.press('End');
    await chair.keyboard.type(' Zweite Fassung, während die Platte voll ist.');
    await chair.keyboard.press('Tab');
    await minutesStatus(chair, 'Bebauungsplan Süd')
      .filter({ hasText: 'Nicht gespeichert: Der Server kann gerade nichts speichern: Sein Speicherplatz ist voll.' }).waitFor({ timeout: 30000 });
    // a ballot: refused in English, still offered
    const card = anna.locator(tid('vote-card'));
    await card.locator(tid('vote-option')).first().click();
    await h.waitUntil(async () => (await h.errorToasts(anna)).some((x) => x.startsWith('storage_full: The server cannot store anything right now: its disk is full.')),
      { timeout: 30000, message: 'the ballot refused with storage_full' });
    assert.equal(await card.locator(tid('vote-done')).count(), 0);
    assert.equal(await card.locator(tid('vote-option')).count(), 3, 'the ballot is still offered');
    // REST: a meeting and an invitation
    const meetingFull = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Nicht gespeichert' });
    const inviteFull = await api(port, owner, 'POST', `/api/v1/meetings/${room}/invites`, { role: 'guest' });
    for (const x of [meetingFull, inviteFull]) {
      assert.equal(x.status, 507, JSON.stringify(x.json));
      assert.equal(x.json.error.code, 'storage_full');
      assert.match(x.json.error.text, /could not be stored: the server's disk is full/);
      assert.ok(x.ms < 3000, `answered in ${x.ms} ms`);
    }
    t.diagnostic(`refused while full: POST meeting ${meetingFull.ms} ms, POST invite ${inviteFull.ms} ms`);
    // the server is up, says why in its log, counts it
    assert.equal(s.proc.exitCode, null);
    assert.equal((await request(port, { path: '/healthz' })).status, 200);
    assert.match(s.output(), /error store +event=sql_failed reason=full rc=13 msg="database or disk is full"/);
    assert.ok(await metric(port, 'ratsaal_store_errors_total{reason="full"}') >= full0 + 4);
    assert.deepEqual(await get('/api/v1/meetings'), before.meetings, 'no meeting half-made');
    assert.deepEqual(await get(`/api/v1/meetings/${room}/invites`), before.invites, 'no invitation half-made');
    assert.deepEqual(await get(`/api/v1/meetings/${room}/agenda`), before.agenda, 'the minutes as last saved');
    assert.equal(await chair.locator(tid('vote-turnout')).first().innerText(), '0 von 2 haben abgestimmt');

    // space returns: the same actions succeed
    run(['rm', path.join(dataDir, 'filler')], { ns });
    await minutesBox(chair, 'Bebauungsplan Süd').click();
    await chair.keyboard.press('End');
    await chair.keyboard.type(' Ende.');
    await minutesStatus(chair, 'Bebauungsplan Süd').filter({ hasText: 'Gespeichert' }).waitFor({ timeout: 30000 });
    const text = 'Erste Fassung. Zweite Fassung, während die Platte voll ist. Ende.';
    await card.locator(tid('vote-option')).first().click();
    await card.locator(tid('vote-done')).filter({ hasText: 'Your vote is recorded: Yes' }).waitFor({ timeout: 30000 });
    r = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Nach dem Aufräumen' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    r = await api(port, owner, 'POST', `/api/v1/meetings/${room}/invites`, { role: 'guest' });
    assert.equal(r.status, 201, JSON.stringify(r.json));

    // intact, and nothing committed before is lost
    assert.equal(run(['sqlite3', db, 'PRAGMA integrity_check'], { ns }).trim(), 'ok');
    const meetings = (await get('/api/v1/meetings')).meetings.map((m) => m.title).sort();
    assert.deepEqual(meetings, ['Bauausschuss', 'Nach dem Aufräumen']);
    const invites = (await get(`/api/v1/meetings/${room}/invites`)).invites;
    assert.deepEqual(invites.slice(0, 1), before.invites.invites);
    assert.equal(invites.length, 2);
    assert.equal((await get(`/api/v1/meetings/${room}/agenda`)).items[0].minutes, text);
    await closePages();
    await stopServer(s);
    assert.equal(run(['sqlite3', db, 'PRAGMA integrity_check; SELECT count(*) FROM rooms; SELECT count(*) FROM vote_voters;'], { ns }).trim(), 'ok\n2\n1');
    tmpfs.stop();
  }));

// ---------------------------------------------------------------------------------------------
// 3. A locked database

const LOCKER = `
import signal, sqlite3, sys
signal.alarm(120)  # never outlives a broken test for long
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
sys.stdin.readline()
c.execute('ROLLBACK')
print('released', flush=True)
`;

test('a database locked by another process: bounded waits, a clear error, the rest answers, recovery', (t) =>
  scenario(t, async (sc) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-faults-lock-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dataDir, 'faults.conf'), CONFIG);
    addUsers(dataDir, ['vorsitz', 'anna', 'bernd']);
    const port = await h.freeTcpPort();
    const udpPort = await h.freeUdpPort();
    const url = `http://127.0.0.1:${port}`;
    const s = sc.server = await serve({ dataDir, port, udpPort });
    const owner = await login(port, 'vorsitz');
    const rooms = [];
    for (const title of ['Finanzausschuss', 'Sozialausschuss']) {
      const r = await api(port, owner, 'POST', '/api/v1/meetings', { title, lobby: false });
      assert.equal(r.status, 201);
      rooms.push(r.json.id);
    }
    assert.equal((await api(port, owner, 'PUT', `/api/v1/meetings/${rooms[0]}/agenda`, { items: [{ title: 'Jahresabschluss' }] })).status, 200);
    assert.equal((await api(port, owner, 'POST', `/api/v1/meetings/${rooms[0]}/invites`, { role: 'participant' })).status, 201);
    for (const id of rooms) assert.equal((await api(port, owner, 'PUT', `/api/v1/meetings/${id}/members`, { members: [{ user: 'anna' }, { user: 'bernd' }] })).status, 200);
    // the chair in one room, Anna and Bernd in the other (another room must not notice the lock)
    const chair = await newPage('en-US');
    const anna = await newPage('de-DE');
    const bernd = await newPage('de-DE');
    await enter(chair, url, 'vorsitz', rooms[0]);
    await enter(anna, url, 'anna', rooms[1]);
    await enter(bernd, url, 'bernd', rooms[1]);
    await openAgenda(chair);
    await minutesBox(chair, 'Jahresabschluss').click();
    await chair.keyboard.type('Vorher.');
    await minutesStatus(chair, 'Jahresabschluss').filter({ hasText: 'Saved' }).waitFor({ timeout: 30000 });
    const busy0 = await metric(port, 'ratsaal_store_errors_total{reason="busy"}');

    // /healthz every 100 ms from now on: each answer's time
    let polling = true;
    const health = [];
    const poller = (async () => {
      while (polling) {
        const t0 = Date.now();
        const r = await request(port, { path: '/healthz' }).catch((e) => ({ status: String(e.message) }));
        health.push({ at: t0, ms: Date.now() - t0, status: r.status });
        await h.sleep(100);
      }
    })();

    // another process takes the write lock
    const locker = track(spawn('/usr/bin/python3', ['-c', LOCKER, path.join(dataDir, 'ratsaal.db')], { stdio: ['pipe', 'pipe', 'pipe'] }));
    cleanup.push(() => locker.kill('SIGKILL'));
    let lockOut = '';
    locker.stdout.on('data', (d) => { lockOut += d; });
    locker.stderr.on('data', (d) => { lockOut += d; });
    await h.waitUntil(() => lockOut.includes('locked') || locker.exitCode !== null, { timeout: 20000, message: 'the lock' });
    assert.match(lockOut, /locked/);
    const lockedAt = Date.now();

    // REST: the first write waits at most about a second, the next fails at once
    const first = await api(port, owner, 'POST', `/api/v1/meetings/${rooms[0]}/invites`, { role: 'guest' });
    const second = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Während der Sperre' });
    for (const x of [first, second]) {
      assert.equal(x.status, 503, JSON.stringify(x.json));
      assert.equal(x.json.error.code, 'storage_busy');
      assert.equal(x.headers['retry-after'], '5');
      assert.match(x.json.error.text, /another program holds the database/);
    }
    assert.ok(first.ms < 2500, `the first refusal after ${first.ms} ms`);
    assert.ok(second.ms < 1000, `the second refusal after ${second.ms} ms`);
    // minutes in the page: refused, in words
    await minutesBox(chair, 'Jahresabschluss').click();
    await chair.keyboard.press('End');
    await chair.keyboard.type(' Während der Sperre.');
    await chair.keyboard.press('Tab');
    await minutesStatus(chair, 'Jahresabschluss')
      .filter({ hasText: 'Not saved: The server\'s database is held by another program right now.' }).waitFor({ timeout: 30000 });
    // the other room goes on: a chat line from Anna reaches Bernd
    const tChat = Date.now();
    await anna.evaluate(() => window.__ratsaalMeeting.sig.send({ ns: 'chat', action: 'send', text: 'Hört ihr mich?' }));
    await h.waitUntil(() => bernd.evaluate(() => window.__ratsaalMeeting.state.chat.some((m) => m.text === 'Hört ihr mich?')), { timeout: 10000, interval: 20, message: 'the chat line at Bernd' });
    const chatMs = Date.now() - tChat;
    // held for 6 s in all, then released
    await h.sleep(Math.max(0, 6000 - (Date.now() - lockedAt)));
    locker.stdin.write('\n');
    await h.waitUntil(() => lockOut.includes('released'), { timeout: 10000, message: 'the lock released' });
    const heldMs = Date.now() - lockedAt;
    polling = false;
    await poller;
    const during = health.filter((x) => x.at >= lockedAt && x.at <= lockedAt + heldMs);
    const worst = Math.max(...during.map((x) => x.ms));
    t.diagnostic(`lock held ${heldMs} ms: first write refused after ${first.ms} ms, the next after ${second.ms} ms; /healthz answered ${during.length} times, slowest ${worst} ms; a chat line in the other room took ${chatMs} ms`);
    assert.ok(during.length >= 10, `${during.length} health checks during the lock`);
    assert.ok(during.every((x) => x.status === 200), JSON.stringify(during));
    assert.ok(worst < 2500, `slowest /healthz during the lock: ${worst} ms`);
    assert.ok(chatMs < 5000, `chat in the other room took ${chatMs} ms`);
    assert.match(s.output(), /error store +event=sql_failed reason=busy rc=5 msg="database is locked"/);
    assert.ok(await metric(port, 'ratsaal_store_errors_total{reason="busy"}') >= busy0 + 3);

    // the lock is gone: the same actions succeed
    await minutesBox(chair, 'Jahresabschluss').click();
    await chair.keyboard.press('End');
    await chair.keyboard.type(' Nachher.');
    await minutesStatus(chair, 'Jahresabschluss').filter({ hasText: 'Saved' }).waitFor({ timeout: 30000 });
    let r = await api(port, owner, 'POST', `/api/v1/meetings/${rooms[0]}/invites`, { role: 'guest' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    r = await api(port, owner, 'POST', '/api/v1/meetings', { title: 'Nach der Sperre' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const agenda = (await api(port, owner, 'GET', `/api/v1/meetings/${rooms[0]}/agenda`)).json;
    assert.equal(agenda.items[0].minutes, 'Vorher. Während der Sperre. Nachher.');
    const invites = (await api(port, owner, 'GET', `/api/v1/meetings/${rooms[0]}/invites`)).json.invites;
    assert.deepEqual(invites.map((i) => i.role), ['participant', 'guest'], 'the refused invitation left nothing');
    const titles = (await api(port, owner, 'GET', '/api/v1/meetings')).json.meetings.map((m) => m.title).sort();
    assert.deepEqual(titles, ['Finanzausschuss', 'Nach der Sperre', 'Sozialausschuss']);
    assert.equal(run(['sqlite3', path.join(dataDir, 'ratsaal.db'), 'PRAGMA integrity_check']).trim(), 'ok');
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'no page errors');
    await closePages();
    await stopServer(s);
  }));
