// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 2 (walking skeleton): join through the UI, participant lists, chat, raised hands,
// auto-join link, leave, German/English UI, server shutdown message.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(180000);

let server;
let browser;
const pages = [];
let roomUrl;
let A;
let B;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('two pages join the same room through the UI and see each other', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    A = await h.newPage(browser);
    pages.push(A);
    roomUrl = await h.startMeetingViaUi(A, server.url, 'Anna Amsel');
    B = await h.newPage(browser);
    pages.push(B);
    await h.gotoReady(B, roomUrl);
    await h.joinFromPrejoin(B, 'Bernd Bussard');

    for (const p of [A, B]) await h.openParticipants(p);
    await h.participantItem(A, 'Bernd Bussard').waitFor({ state: 'visible' });
    await h.participantItem(B, 'Anna Amsel').waitFor({ state: 'visible' });
    assert.equal(await A.locator(tid('participant-item')).count(), 2);
    assert.equal(await B.locator(tid('participant-item')).count(), 2);
    // the first participant moderates
    assert.equal(await h.participantItem(B, 'Anna Amsel').getAttribute('data-role'), 'moderator');
    // tiles for both
    assert.equal(await A.locator(tid('tile')).count(), 2);
    assert.deepEqual(A.pageErrors, []);
    assert.deepEqual(B.pageErrors, []);
  }));

test('a chat message from A arrives on B', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const text = `Guten Morgen zusammen – TOP 1 ${Date.now()}`;
    await h.openChat(A);
    await A.fill(tid('chat-input'), text);
    await A.press(tid('chat-input'), 'Enter');
    // B has the participant panel open: the unread badge counts it
    await B.locator(tid('unread-badge')).filter({ hasText: '1' }).waitFor({ state: 'visible' });
    await h.openChat(B);
    const msg = B.locator(tid('chat-message')).filter({ hasText: text });
    await msg.waitFor({ state: 'visible' });
    assert.equal(await msg.locator(tid('chat-from')).textContent(), 'Anna Amsel');
    assert.equal(await A.inputValue(tid('chat-input')), '', 'input cleared after sending');
    await A.locator(tid('chat-message')).filter({ hasText: text }).waitFor({ state: 'visible' });
    await B.locator(tid('unread-badge')).waitFor({ state: 'hidden' });
  }));

test('a raised hand on B shows on A (tile badge and list), in order of raising', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const bId = await h.selfId(B);
    assert.ok(bId);
    await B.click(tid('hand-button'));
    await B.locator(`${tid('hand-button')}[aria-pressed="true"]`).waitFor();
    await A.locator(`${tid('tile')}[data-participant-id="${bId}"] ${tid('hand-badge')}`).waitFor({ state: 'visible' });
    await h.openParticipants(A);
    await A.locator(`${tid('participant-item')}[data-participant-id="${bId}"] ${tid('list-hand')}`).waitFor({ state: 'visible' });
    await A.locator(`${tid('hand-item')}[data-participant-id="${bId}"]`).waitFor({ state: 'visible' });
    // A raises second: queue order B, A
    await A.click(tid('hand-button'));
    const aId = await h.selfId(A);
    await h.waitUntil(async () => (await A.locator(tid('hand-item')).count()) === 2, { message: 'two hands' });
    const order = await A.locator(tid('hand-item')).evaluateAll((els) => els.map((e) => e.dataset.participantId));
    assert.deepEqual(order, [bId, aId]);
    // lowering removes the badge everywhere
    await B.click(tid('hand-button'));
    await A.locator(`${tid('tile')}[data-participant-id="${bId}"] ${tid('hand-badge')}`).waitFor({ state: 'hidden' });
    await A.click(tid('hand-button'));
    await h.waitUntil(async () => (await A.locator(tid('hand-item')).count()) === 0, { message: 'no hands' });
  }));

test('a dropped WebSocket reconnects with backoff and resumes the same participant', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const before = await h.selfId(B);
    // closed without a status (not 1000/1001): lost, so the server keeps B's place (protocol "Resume")
    await B.evaluate(() => window.__ratsaalMeeting.sig.ws.close());
    await B.locator(`${tid('connection-state')}[data-state="reconnecting"]`).waitFor({ state: 'attached', timeout: 3000 });
    await B.locator(`${tid('connection-state')}[data-state="open"]`).waitFor({ state: 'attached', timeout: 8000 });
    await h.waitUntil(async () => (await B.evaluate(() => window.__ratsaalMeeting.state.participants.size)) === 2, { timeout: 8000, message: 'B back' });
    await B.locator(tid('meeting')).waitFor({ state: 'visible' });
    const resumes = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('ratsaal_resumes_total{result="ok"} '));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    await h.waitUntil(async () => (await resumes()) === 1, { timeout: 8000, message: 'the server resumed B' });
    assert.equal(await h.selfId(B), before, 'the same participant');
    await A.locator(`${tid('participant-item')}[data-participant-id="${before}"][data-connection="connected"]`).waitFor({ state: 'attached', timeout: 8000 });
    assert.equal(await A.locator(tid('participant-item')).count(), 2);
    assert.equal(await B.locator(tid('participant-item')).count(), 2);
  }));

test('a third page opens ?name=Gast&join=1 (name prefilled), clicks Join, leaves, and disappears from both lists', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const C = await h.newPage(browser);
    pages.push(C);
    const base = roomUrl.replace(/#.*$/, '');
    await h.joinByLink(C, `${base}?name=Gast&join=1`);
    for (const p of [A, B]) {
      await h.openParticipants(p);
      await h.participantItem(p, 'Gast').waitFor({ state: 'visible' });
      assert.equal(await p.locator(tid('participant-item')).count(), 3);
    }
    await C.click(tid('leave-button'));
    await C.locator(tid('ended')).waitFor({ state: 'visible' });
    await C.locator(tid('rejoin-button')).waitFor({ state: 'visible' });
    for (const p of [A, B]) {
      await h.participantItem(p, 'Gast').waitFor({ state: 'detached' });
    }
    // rejoin from the "left" screen, then leave for good
    await C.click(tid('rejoin-button'));
    await C.locator(tid('meeting')).waitFor({ state: 'visible' });
    await h.participantItem(A, 'Gast').waitFor({ state: 'visible' });
    await C.click(tid('leave-button'));
    await C.locator(tid('ended')).waitFor({ state: 'visible' });
    for (const p of [A, B]) {
      await h.participantItem(p, 'Gast').waitFor({ state: 'detached' });
      assert.equal(await p.locator(tid('participant-item')).count(), 2);
      assert.equal(await p.locator(tid('tile')).count(), 2);
    }
    await C.context().close();
    pages.splice(pages.indexOf(C), 1);
  }));

test('German UI for de-DE, English for en-US', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const de = await h.newPage(browser, { locale: 'de-DE' });
    const en = await h.newPage(browser, { locale: 'en-US' });
    pages.push(de, en);
    await h.gotoReady(de, `${server.url}/`);
    await h.gotoReady(en, `${server.url}/`);
    assert.equal(await de.getAttribute('html', 'lang'), 'de');
    assert.equal(await en.getAttribute('html', 'lang'), 'en');
    assert.equal((await de.textContent(tid('start-button'))).trim(), 'Besprechung starten');
    assert.equal((await en.textContent(tid('start-button'))).trim(), 'Start a meeting');
    // and inside a meeting
    const base = roomUrl.replace(/#.*$/, '');
    await h.joinByLink(de, `${base}?name=Dora&join=1`);
    assert.equal(await de.getAttribute(tid('hand-button'), 'aria-label'), 'Hand heben');
    assert.equal(await de.getAttribute(tid('leave-button'), 'aria-label'), 'Besprechung verlassen');
    await h.joinByLink(en, `${base}?name=Emil&join=1`);
    assert.equal(await en.getAttribute(tid('hand-button'), 'aria-label'), 'Raise hand');
    await en.click(tid('leave-button'));
    await de.click(tid('leave-button'));
    await de.locator(tid('ended-heading')).filter({ hasText: 'Sie haben die Besprechung verlassen.' }).waitFor();
  }));

test('server shutdown: pages show a clear message and the server exits 0', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const s = server;
    server = null;
    await s.stop();
    for (const p of [A, B]) {
      await p.locator(`${tid('ended')}[data-reason="shutdown"]`).waitFor({ state: 'visible', timeout: 5000 });
      assert.match(await p.textContent(tid('ended-heading')), /meeting has ended/);
    }
  }));
