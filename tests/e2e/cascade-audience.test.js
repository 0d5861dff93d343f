// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The edge audience at the owner, in browsers (issue 18, docs/cluster.md section 11 "The edge
// audience at the owner" and "Call-up of an edge audience member"): Redis, PostgreSQL, three
// nodes with one cluster_secret and nginx in front (tests/e2e/lib/cluster.js). Every page that
// moves is loaded from the load balancer, as a user's would be, so A's WebSocket origin check
// sees the page's own origin when it follows `moved` to A's route (LB/n/a).
// - The load balancer's default pool is node b only; b and c are busy (a participant each
//   without a browser), so the chair's new meeting is placed on a, the least loaded node: the
//   chair is moved to LB/n/a and a owns the room. The chair switches podium mode on.
// - Carl opens the meeting on c's own URL (c's audience, he only watches); Berta opens it on the
//   load balancer and lands on b, whose edge room serves her (no move: her signaling stays on
//   the pool). Both decode the chair's camera.
// - Berta raises her hand on b; the chair on a sees it in the podium section of the participants
//   panel; a's /metrics counts ratsaal_cascade_remote_members ≥ 1.
// - The chair calls Berta up from that hand list: b sends her browser `moved` with a's URL, the
//   page reconnects to LB/n/a/signaling and resumes as the same participant, passes the device
//   check and publishes its fake camera; the chair decodes it, and Carl on c sees her on the stage
//   (a tile, framesDecoded rising over c's relay).
// - The chair locks the meeting; Dieter (German) opens it on the load balancer, lands on b's edge
//   room, which a refuses after b let him in: his page leaves the meeting for good (no reconnect)
//   and says why in German ("Sie konnten der Besprechung nicht beitreten", "Die Sitzung ist
//   gesperrt; …"); a does not count him.
// - Every node exits 0 on SIGTERM (the sanitizer build's reports fail the run).
// Skips, saying why, only when Redis, PostgreSQL or nginx is not installed.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { missingTools, startCluster } = require('./lib/cluster.js');

const { tid, rising } = h;
const WAIT = Math.max(Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000, 30000);
const SECRET = 'cascade-audience-secret-0123456789abcdefgh';
const stopWatchdog = h.watchdog(300000);
const missing = missingTools();
const skip = missing ? `needs a cluster's tools: ${missing}` : false;

let cluster;
let browser;
const pages = [];
let roomId; let idChair; let idBerta;
let chair; let berta; let carl;

before(async () => {
  if (missing) return;
  cluster = await startCluster({ pool: ['b'], config: [`cluster_secret = ${SECRET}`, 'join_rate_per_min = 1000'] });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (cluster && !cluster.stopped) await cluster.stop();
  stopWatchdog();
});

const sigUrl = (page) => page.evaluate(() => window.__ratsaalMeeting.sig.url);
const tile = (page, id) => page.locator(`${tid('tile')}[data-participant-id="${id}"]`);
const metric = (k, name) => cluster.metric(k, name);

/** The tail of each node's log that speaks of the cascade, added to a failure's message. */
const withLogs = (t, fn) => h.withArtifacts(t, () => pages, async () => {
  try { await fn(); } catch (e) {
    for (const [k, n] of Object.entries(cluster.nodes)) {
      e.message += `\n--- ${k} log (tail)\n${n.output().split('\n').filter((l) => /cascade|edge|mirror|uplink|relay|member|moved|error|warn/i.test(l)).slice(-25).join('\n')}`;
    }
    throw e;
  }
});

async function newPage(locale) {
  const page = await h.newPage(browser, { locale });
  await h.trackErrorToasts(page);
  pages.push(page);
  return page;
}

test('the chair\'s meeting is placed on a (b and c busy) and podium mode goes on', { skip }, (t) => withLogs(t, async () => {
  cluster.hold('b', 'e2e-busy-b');
  cluster.hold('c', 'e2e-busy-c');
  await h.waitUntil(() => cluster.load('b') === 1 && cluster.load('c') === 1, { timeout: 10000, message: 'b and c to show a participant each' });
  await h.sleep(1500); // the nodes' copies of the node list (cluster_place.h) see it
  chair = await newPage('en-US');
  const roomUrl = await h.startMeetingViaUi(chair, cluster.lb, 'Erika Vorsitz');
  roomId = new URL(roomUrl).pathname.split('/').pop();
  idChair = await h.selfId(chair);
  assert.equal(cluster.owner(roomId), 'a', 'a owns the room');
  assert.equal(await sigUrl(chair), `${cluster.lb.replace(/^http/, 'ws')}/n/a/signaling`, 'the chair followed moved to a');
  await chair.click(tid('more-button'));
  await chair.locator(tid('more-podium')).click();
  await chair.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor({ timeout: WAIT });
}));

test('Carl (c\'s own URL) and Berta (load balancer → b) are served by their edge rooms', { skip }, (t) => withLogs(t, async () => {
  carl = await newPage('en-US');
  await h.gotoReady(carl, `${cluster.nodes.c.url}/r/${roomId}`);
  await h.joinFromPrejoin(carl, 'Carl Publikum');
  berta = await newPage('en-US');
  await h.gotoReady(berta, `${cluster.lb}/r/${roomId}`);
  await h.joinFromPrejoin(berta, 'Berta Publikum');
  idBerta = await h.selfId(berta);
  assert.equal(await sigUrl(berta), `${cluster.lb.replace(/^http/, 'ws')}/signaling`, 'Berta was not moved');
  for (const page of [berta, carl]) {
    await page.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    await rising(page, `${idChair}:camera`, 'frames', { timeout: WAIT });
  }
  assert.equal(await metric('b', 'ratsaal_cascade_edge_joins_total'), 1, 'Berta joined b\'s edge room');
  assert.equal(await metric('c', 'ratsaal_cascade_edge_joins_total'), 1, 'Carl joined c\'s edge room');
  assert.equal(await metric('a', 'ratsaal_cascade_relay_subscribers'), 2);
  // a counts both in its audience, and the chair sees the count
  await h.openParticipants(chair);
  await chair.locator(tid('podium-audience-count'), { hasText: '2 people in the audience' }).waitFor({ timeout: WAIT });
}));

test('Berta raises her hand on b: the chair on a sees it; a counts its remote members', { skip }, (t) => withLogs(t, async () => {
  await berta.click(tid('hand-button'));
  await h.openParticipants(chair);
  const hand = chair.locator(`${tid('podium-hand')}[data-participant-id="${idBerta}"]`);
  await hand.waitFor({ timeout: WAIT });
  assert.match(await hand.innerText(), /Berta Publikum/);
  const remote = await metric('a', 'ratsaal_cascade_remote_members');
  assert.ok(remote >= 1, `ratsaal_cascade_remote_members ${remote}`);
  assert.ok(await metric('a', 'ratsaal_cascade_member_actions_total') >= 1, 'her hand ran at a');
  // no node's relay in the chair's list
  assert.equal(await chair.locator(tid('participant-item'), { hasText: 'relay' }).count(), 0);
}));

test('the chair calls Berta up: her page moves to a as the same participant, publishes, and c\'s audience sees her', { skip }, (t) => withLogs(t, async () => {
  const callups0 = await metric('a', 'ratsaal_cascade_callups_total');
  await chair.locator(`${tid('podium-hand')}[data-participant-id="${idBerta}"] ${tid('podium-call-up')}`).click();
  const check = berta.locator(tid('podium-check'));
  await check.waitFor({ state: 'visible', timeout: WAIT });
  assert.match(await check.innerText(), /You are called onto the stage/);
  assert.equal(await sigUrl(berta), `${cluster.lb.replace(/^http/, 'ws')}/n/a/signaling`, 'Berta\'s page follows moved to a');
  assert.equal(await h.selfId(berta), idBerta, 'the same participant at a');
  await berta.locator(tid('podium-check-go')).click();
  await berta.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor({ timeout: WAIT });
  await h.waitUntil(async () => berta.evaluate(() => !!(window.__ratsaal && window.__ratsaal.publishPc && window.__ratsaal.publishPc.connectionState === 'connected')), { timeout: WAIT, message: 'Berta\'s publish connection' });
  assert.equal(await metric('a', 'ratsaal_cascade_callups_total'), callups0 + 1);
  // the chair decodes her camera; Carl on c sees her on the stage, over c's relay
  await rising(chair, `${idBerta}:camera`, 'frames', { timeout: WAIT });
  await rising(carl, `${idBerta}:camera`, 'frames', { timeout: WAIT });
  await tile(carl, idBerta).waitFor({ state: 'visible', timeout: WAIT });
  // she is a's participant now, her hand down; c's Carl is the one remote member left
  await chair.locator(`${tid('podium-hand')}[data-participant-id="${idBerta}"]`).waitFor({ state: 'detached', timeout: WAIT });
  await h.waitUntil(async () => (await metric('a', 'ratsaal_cascade_remote_members')) === 1, { timeout: WAIT, message: 'one remote member left (Carl)' });
  await rising(berta, `${idChair}:camera`, 'frames', { timeout: WAIT }); // she receives the stage at a
  assert.deepEqual(await berta.evaluate(() => window.__errorToasts), [], 'no error shown to Berta');
  assert.deepEqual(berta.pageErrors, [], 'no page error');
  assert.deepEqual(berta.cspViolations, [], 'no CSP violation');
}));

test('a locked meeting: a newcomer landing on b is refused with the owner\'s reason, in German', { skip }, (t) => withLogs(t, async () => {
  await h.openParticipants(chair);
  await chair.click(tid('chair-lock'));
  await h.waitUntil(async () => (await chair.locator(tid('chair-lock')).getAttribute('aria-checked')) === 'true', { timeout: WAIT, message: 'locked' });
  const remote0 = await metric('a', 'ratsaal_cascade_remote_members');
  const dieter = await newPage('de-DE');
  await h.gotoReady(dieter, `${cluster.lb}/r/${roomId}`);
  await dieter.locator(tid('name-input')).waitFor({ state: 'visible' });
  await dieter.fill(tid('name-input'), 'Dieter Spät');
  await dieter.click(tid('join-button'));
  // b let him in, a refused him: the page says so in German and leaves the meeting for good
  await dieter.locator(tid('ended-heading'), { hasText: 'Sie konnten der Besprechung nicht beitreten' }).waitFor({ state: 'visible', timeout: WAIT });
  assert.equal(await dieter.locator('#ended-text').textContent(), 'Die Sitzung ist gesperrt; niemand Neues kann hinein.');
  assert.equal(await dieter.locator(tid('meeting')).isVisible(), false, 'Dieter is not in the meeting');
  // no reconnect: nothing more reaches the owner from him, he is not counted there
  await h.sleep(3000);
  assert.equal(await dieter.evaluate(() => window.__ratsaalMeeting.sig.state), 'closed');
  assert.equal(await metric('a', 'ratsaal_cascade_remote_members'), remote0);
  assert.match(await dieter.locator(tid('ended-heading')).textContent(), /nicht beitreten/);
  const m = await (await fetch(`${cluster.nodes.a.url}/metrics`)).text();
  assert.match(m, /ratsaal_chair_refused_total\{reason="meeting_locked"\} [1-9]/);
}));

test('SIGTERM: every node exits 0', { skip }, async () => {
  await browser.close();
  browser = null;
  cluster.stopped = true; // stop() asserts each node's exit status 0
  await cluster.stop();
});
