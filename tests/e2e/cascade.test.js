// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Cascade for large audiences (issue 18, docs/cluster.md "Cascade"): three `ratsaal serve`
// nodes A, B, C on one Redis (scripts/redis-test.sh) and one PostgreSQL (scripts/pg-test.sh),
// each with the same cluster_secret. The chair starts a meeting on A and switches podium mode
// on; audience browsers open the meeting's link on B's and on C's own URL (no load balancer):
// they are not moved to A but served by their node from one relay of the stage each.
// - the audience on B and on C decodes the chair's camera (framesDecoded rising) and hears the
//   chair's microphone (packets and totalAudioEnergy rising), and shows the chair's tile;
// - A has exactly one relay subscriber per audience node (ratsaal_cascade_relay_subscribers 2),
//   B and C hold one uplink each and their packet counters over it rise;
// - a second audience member on B shares B's relay (still one per node);
// - a relay join with a wrong secret is refused and counted (ratsaal_cascade_refused_total);
// - when B's audience leaves, B's relay closes and A has one relay subscriber left;
// - the stage changes: Dora (on A) is called onto the stage and publishes: C's audience receives
//   her over C's relay (a new mirror with tracks); sent back, she is gone from C's stage.
// Skipped with a message when redis-server or PostgreSQL's server binaries are missing.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');

const { tid, rising } = h;
const WAIT = Math.max(Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000, 30000);
const SECRET = 'cascade-test-secret-0123456789abcdefghij';
const stopWatchdog = h.watchdog(300000);

const hasPg = () => fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
const hasRedis = () => { try { execFileSync('sh', ['-c', 'command -v redis-server']); return true; } catch { return false; } };
const skip = !hasRedis() || !hasPg() ? 'redis-server or PostgreSQL server binaries missing (apt install redis-server postgresql)' : false;

let dir; let redisDir; let pgDir;
const nodes = {};
let browser;
const pages = [];
let roomUrl; let roomId; let idChair;
let chair; let b1; let b2; let c1;

async function startNode(k, redis, pg) {
  const port = await h.freeTcpPort();
  const udp = await h.freeUdpPort();
  const data = path.join(dir, k);
  fs.mkdirSync(data);
  // recordings_dir and live_dir: one directory for every node (docs/cluster.md "Shared directories")
  for (const d of ['recordings', 'live']) fs.mkdirSync(path.join(dir, 'shared', d), { recursive: true });
  const conf = path.join(dir, `${k}.conf`);
  fs.writeFileSync(conf, [
    `listen = 127.0.0.1:${port}`, `data_dir = ${data}`, `udp_port = ${udp}`, 'media_workers = 1',
    `recordings_dir = ${path.join(dir, 'shared', 'recordings')}`, `live_dir = ${path.join(dir, 'shared', 'live')}`,
    `store = ${pg}`, `cluster_redis = ${redis}`, `cluster_node_id = ${k}`,
    `cluster_public_url = http://127.0.0.1:${port}`, `cluster_secret = ${SECRET}`,
    'join_rate_per_min = 1000', '',
  ].join('\n'));
  const proc = spawn(process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal'), ['serve', '--config', conf], { cwd: h.ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const node = { k, port, url: `http://127.0.0.1:${port}`, proc, output: () => out };
  nodes[k] = node;
  await h.waitHealthz(node.url, 20000, proc);
  await h.waitUntil(async () => (await fetch(`${node.url}/readyz`)).status === 200, { timeout: 20000, message: `${k} ready` });
  return node;
}

/** totalAudioEnergy of `participant`'s microphone as `page` receives it (0 when none yet). */
const audioEnergy = (page, participant) => page.evaluate(async (who) => {
  const r = window.__ratsaal;
  const pc = r && r.subscribePc;
  if (!pc) return 0;
  let e = 0;
  (await pc.getStats()).forEach((st) => {
    const m = st.type === 'inbound-rtp' && st.kind === 'audio' && r.mids.get(st.mid);
    if (m && m.participant === who && m.source === 'microphone') e = st.totalAudioEnergy || 0;
  });
  return e;
}, participant);

async function metric(k, name) {
  const text = await (await fetch(`${nodes[k].url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)`, 'm'));
  return m ? Number(m[1]) : NaN;
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-cascade-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
  redisDir = path.join(dir, 'redis');
  pgDir = path.join(dir, 'pg');
  const redis = execFileSync(path.join(h.ROOT, 'scripts/redis-test.sh'), ['start', redisDir]).toString().trim();
  const pg = execFileSync(path.join(h.ROOT, 'scripts/pg-test.sh'), ['start', pgDir]).toString().trim();
  for (const k of ['a', 'b', 'c']) await startNode(k, redis, pg);
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const n of Object.values(nodes)) {
    if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
    if (process.env.RATSAAL_E2E_KEEP_LOGS) fs.writeFileSync(path.join(os.tmpdir(), `cascade-${n.k}.log`), n.output());
  }
  if (redisDir) try { execFileSync(path.join(h.ROOT, 'scripts/redis-test.sh'), ['stop', redisDir]); } catch { /* gone */ }
  if (pgDir) try { execFileSync(path.join(h.ROOT, 'scripts/pg-test.sh'), ['stop', pgDir]); } catch { /* gone */ }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  stopWatchdog();
});

const withLogs = async (fn) => {
  try { await fn(); } catch (e) {
    for (const n of Object.values(nodes)) e.message += `\n--- ${n.k} log (tail)\n${n.output().split('\n').filter((l) => /cascade|edge|mirror|uplink|relay|error|warn/i.test(l)).slice(-25).join('\n')}`;
    throw e;
  }
};

test('the chair starts a meeting on A and switches podium mode on', { skip }, () => withLogs(async () => {
  chair = await h.newPage(browser);
  pages.push(chair);
  roomUrl = await h.startMeetingViaUi(chair, nodes.a.url, 'Erika Vorsitz');
  roomId = new URL(roomUrl).pathname.split('/').pop();
  idChair = await h.selfId(chair);
  await chair.click(tid('more-button'));
  await chair.locator(tid('more-podium')).click();
  await chair.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor({ timeout: WAIT });
}));

async function audience(k, name) {
  const page = await h.newPage(browser);
  await h.trackErrorToasts(page);
  pages.push(page);
  await h.gotoReady(page, `${nodes[k].url}/r/${roomId}`);
  await h.joinFromPrejoin(page, name);
  return page;
}

test('audience on B and C stay on their node and decode the stage', { skip }, () => withLogs(async () => {
  b1 = await audience('b', 'Berta Publikum');
  c1 = await audience('c', 'Carl Publikum');
  for (const page of [b1, c1]) {
    assert.ok(page.url().startsWith(nodes.b.url) || page.url().startsWith(nodes.c.url), `stayed on its node: ${page.url()}`);
    await page.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    const v = await rising(page, `${idChair}:camera`, 'frames', { timeout: WAIT });
    assert.ok(v.width > 0, 'decoded video has a size');
    await rising(page, `${idChair}:microphone`, 'packets', { timeout: WAIT });
    // the chair's (fake) microphone is heard: the decoded audio's energy grows
    const e0 = await audioEnergy(page, idChair);
    await h.waitUntil(async () => (await audioEnergy(page, idChair)) > e0, { timeout: WAIT, message: 'audio energy rising' });
  }
  assert.ok(b1.url().startsWith(nodes.b.url), 'B\'s audience was not moved');
  assert.ok(c1.url().startsWith(nodes.c.url), 'C\'s audience was not moved');
  for (const page of [b1, c1]) assert.deepEqual(await page.evaluate(() => window.__errorToasts), [], 'no error shown');
  // the stage on the audience's page: the chair's tile, with the chair's name
  await c1.locator(`${tid('tile')}[data-participant-id="${idChair}"]`).waitFor({ state: 'visible', timeout: WAIT });
}));

test('A has one relay per audience node; B and C forward what they receive over it', { skip }, () => withLogs(async () => {
  assert.equal(await metric('a', 'ratsaal_cascade_relay_subscribers'), 2);
  assert.equal(await metric('a', 'ratsaal_cascade_uplinks'), 0);
  for (const k of ['b', 'c']) {
    assert.equal(await metric(k, 'ratsaal_cascade_uplinks'), 1, `${k} holds one uplink`);
    assert.equal(await metric(k, 'ratsaal_cascade_edge_joins_total'), 1);
    const in1 = await metric(k, 'ratsaal_cascade_packets_in_total');
    const out1 = await metric(k, 'ratsaal_rtp_packets_out_total');
    await h.sleep(2000);
    assert.ok(await metric(k, 'ratsaal_cascade_packets_in_total') > in1, `${k} receives over its relay`);
    assert.ok(await metric(k, 'ratsaal_rtp_packets_out_total') > out1, `${k} forwards to its audience`);
  }
  const outA = await metric('a', 'ratsaal_cascade_packets_out_total');
  assert.ok(outA > 0, 'A sends to the relays');
}));

test('a second audience member on B shares B\'s relay', { skip }, () => withLogs(async () => {
  b2 = await audience('b', 'Bodo Publikum');
  await rising(b2, `${idChair}:camera`, 'frames', { timeout: WAIT });
  assert.equal(await metric('b', 'ratsaal_cascade_uplinks'), 1);
  assert.equal(await metric('a', 'ratsaal_cascade_relay_subscribers'), 2);
}));

test('a relay join with a wrong secret is refused and counted', { skip }, () => withLogs(async () => {
  const before = await metric('a', 'ratsaal_cascade_refused_total');
  const code = await chair.evaluate(({ url, room }) => new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/signaling`);
    ws.onopen = () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: 'x', cascade_node: 'evil', cascade_secret: 'wrong-secret-wrong-secret-wrong-secret' }));
    ws.onmessage = (m) => { const j = JSON.parse(m.data); if (j.event === 'error') { resolve(j.code); ws.close(); } };
    setTimeout(() => resolve('timeout'), 8000);
  }), { url: nodes.a.url, room: roomId });
  assert.equal(code, 'unauthorized');
  assert.equal(await metric('a', 'ratsaal_cascade_refused_total'), before + 1);
  assert.equal(await metric('a', 'ratsaal_cascade_relay_subscribers'), 2);
}));

test('when B\'s audience leaves, B\'s relay closes', { skip }, () => withLogs(async () => {
  await b1.close();
  await b2.close();
  await h.waitUntil(async () => (await metric('b', 'ratsaal_cascade_uplinks')) === 0, { timeout: WAIT, message: 'B\'s uplink closed' });
  await h.waitUntil(async () => (await metric('a', 'ratsaal_cascade_relay_subscribers')) === 1, { timeout: WAIT, message: 'A has one relay left' });
  await rising(c1, `${idChair}:camera`, 'frames', { timeout: WAIT }); // C goes on
}));

const forge = (page, msg, events) =>
  page.evaluate(({ m, ev }) => window.__ratsaalMeeting.sig.request(m, { events: ev, timeout: 8000 }).then(() => 'ok', (e) => e.code), { m: msg, ev: events });
const tile = (page, id) => page.locator(`${tid('tile')}[data-participant-id="${id}"]`);

test('the stage changes: someone called up on A reaches C\'s audience, sent back is gone', { skip }, () => withLogs(async () => {
  const dora = await h.newPage(browser);
  pages.push(dora);
  await h.gotoReady(dora, `${nodes.a.url}/r/${roomId}`);
  await h.joinFromPrejoin(dora, 'Dora Redner');
  assert.ok(dora.url().startsWith(nodes.a.url));
  const idDora = await h.selfId(dora);
  await dora.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
  assert.equal(await forge(chair, { ns: 'podium', action: 'call_up', participant: idDora }, ['podium/state']), 'ok');
  await dora.locator(tid('podium-check-go')).waitFor({ state: 'visible', timeout: WAIT });
  await dora.locator(tid('podium-check-go')).click();
  await dora.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor({ timeout: WAIT });
  await rising(c1, `${idDora}:microphone`, 'packets', { timeout: WAIT });
  await rising(c1, `${idDora}:camera`, 'frames', { timeout: WAIT });
  await tile(c1, idDora).waitFor({ state: 'visible', timeout: WAIT });
  assert.equal(await metric('a', 'ratsaal_cascade_relay_subscribers'), 1, 'still one relay for C');
  assert.equal(await forge(chair, { ns: 'podium', action: 'send_back', participant: idDora }, ['podium/state']), 'ok');
  await tile(c1, idDora).waitFor({ state: 'hidden', timeout: WAIT });
  await rising(c1, `${idChair}:camera`, 'frames', { timeout: WAIT }); // the chair goes on
}));

test('SIGTERM: every node exits 0 (B and C with their edge state, A with its relays)', { skip }, () => withLogs(async () => {
  for (const n of Object.values(nodes)) {
    const exited = new Promise((resolve) => n.proc.once('exit', (code, signal) => resolve({ code, signal })));
    n.proc.kill('SIGTERM');
    let timer;
    const res = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), 15000); })]);
    clearTimeout(timer);
    assert.ok(res, `${n.k} exits within 15 s`);
    assert.equal(res.code, 0, `${n.k} exit code ${res.code} signal ${res.signal}`);
  }
}));
