// SPDX-License-Identifier: EUPL-1.2
'use strict';
// UI quality: no console errors or CSP violations, keyboard-only flow, link validation,
// Escape closes panels.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(150000);

let server;
let browser;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

async function focusedTestId(page) {
  return page.evaluate(() => document.activeElement && document.activeElement.dataset && document.activeElement.dataset.testid);
}

/** Press Tab until the element with data-testid has focus (it may already have it). */
async function tabTo(page, testid, max = 25) {
  for (let i = 0; i <= max; i++) {
    if ((await focusedTestId(page)) === testid) return i;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${testid}`);
}

test('landing page: no console errors, no CSP violations, security headers set', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    const res = await h.gotoReady(page, `${server.url}/`);
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    await page.locator(tid('start-button')).waitFor({ state: 'visible' });
    await h.sleep(300);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.pageErrors, []);
    assert.deepEqual(page.cspViolations, []);
    // every asset the page references is served
    for (const p of ['/css/app.css', '/js/app.js', '/img/logo.svg', '/favicon.svg']) {
      const r = await page.request.get(`${server.url}${p}`);
      assert.equal(r.status(), 200, p);
    }
  }));

test('keyboard only: Tab to start, Enter, Tab to name, type, Enter joins; focus is visible', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    await h.gotoReady(page, `${server.url}/`);
    await tabTo(page, 'start-button');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focused button shows a focus ring');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
    await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
    await page.locator(tid('name-input')).waitFor({ state: 'visible' });
    await tabTo(page, 'name-input');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Klara Tastatur');
    await page.keyboard.press('Enter');
    await page.locator(tid('meeting')).waitFor({ state: 'visible' });
    // keyboard reaches the hand button and raises the hand
    await tabTo(page, 'hand-button');
    await page.keyboard.press('Enter');
    await page.locator(`${tid('hand-button')}[aria-pressed="true"]`).waitFor();
    // chat opens with Enter, Escape closes it and focus returns to the chat button
    await tabTo(page, 'chat-button');
    await page.keyboard.press('Enter');
    await page.locator(tid('chat-panel')).waitFor({ state: 'visible' });
    assert.equal(await focusedTestId(page), 'chat-input');
    await page.keyboard.type('per Tastatur');
    await page.keyboard.press('Enter');
    await page.locator(tid('chat-message')).filter({ hasText: 'per Tastatur' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(tid('chat-panel')).waitFor({ state: 'hidden' });
    assert.equal(await focusedTestId(page), 'chat-button');
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.cspViolations, []);
    assert.deepEqual(page.pageErrors, []);
  }));

test('join by link or id: invalid input shows an error, a full link and a bare id work', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    await h.gotoReady(page, `${server.url}/`);
    await page.fill(tid('join-input'), 'https://example.org/r/bad id!');
    await page.click(tid('join-link-button'));
    await page.locator(tid('join-error')).waitFor({ state: 'visible' });
    assert.equal(await page.getAttribute(tid('join-input'), 'aria-invalid'), 'true');
    await page.fill(tid('join-input'), 'https://ratsaal.example.org/r/Ab_9-xY');
    await page.click(tid('join-link-button'));
    await page.waitForURL(`${server.url}/r/Ab_9-xY`);
    await h.gotoReady(page, `${server.url}/`);
    await page.fill(tid('join-input'), 'Sitzung-2025_03');
    await page.press(tid('join-input'), 'Enter');
    await page.waitForURL(`${server.url}/r/Sitzung-2025_03`);
    await page.locator(tid('name-input')).waitFor({ state: 'visible' });
    await h.sleep(300);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.cspViolations, []);
  }));

test('pre-join: empty name is rejected in place; name is remembered', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(page);
    await h.gotoReady(page, `${server.url}/r/Namenstest`);
    await page.fill(tid('name-input'), '   ');
    await page.click(tid('join-button'));
    await page.locator(tid('name-error')).filter({ hasText: 'Bitte geben Sie einen Namen ein.' }).waitFor();
    await page.fill(tid('name-input'), 'Renate Rat');
    await page.click(tid('join-button'));
    await page.locator(tid('meeting')).waitFor({ state: 'visible' });
    await h.gotoReady(page, `${server.url}/r/Namenstest2`);
    await h.waitUntil(async () => (await page.inputValue(tid('name-input'))) === 'Renate Rat', { message: 'remembered name' });
  }));

test('a link with ?name=…&join=1 only prefills: no join, no publish, no peer connection until Join is clicked', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const room = 'LinkJoinTest';
    const host = await h.newPage(browser);
    pages.push(host);
    await h.gotoReady(host, `${server.url}/r/${room}`);
    await h.joinFromPrejoin(host, 'Anna');

    // the camera and microphone permission is remembered (granted to the context), as in the
    // issue: nothing but a deliberate click may join and start sending
    const page = await h.newPage(browser);
    pages.push(page);
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await page.addInitScript(() => {
      window.__e2ePcs = 0;
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = function RTCPeerConnection(...a) {
        window.__e2ePcs++;
        return new Native(...a);
      };
      window.RTCPeerConnection.prototype = Native.prototype;
    });
    await h.gotoReady(page, `${server.url}/r/${room}?name=Mallory&join=1`);
    await page.locator(tid('join-button')).waitFor({ state: 'visible' });
    // longer than the old automatic join took (hello, getUserMedia, join, publish)
    await h.sleep(3000);
    const actions = () => sent.map((s) => { try { const m = JSON.parse(s); return `${m.ns}/${m.action}`; } catch { return '?'; } });
    assert.deepEqual(actions().filter((a) => a !== 'control/ping'), [], `frames sent before the click: ${sent.map((x) => x.slice(0, 80)).join(' | ')}`);
    assert.equal(await page.evaluate(() => window.__e2ePcs), 0, 'an RTCPeerConnection was created before the click');
    assert.equal(await page.evaluate(() => document.body.dataset.phase), 'prejoin');
    assert.equal(await page.inputValue(tid('name-input')), 'Mallory', 'the link prefills the name');
    assert.equal(await host.evaluate(() => window.__ratsaalMeeting.state.participants.size), 1, 'the host sees nobody new');

    // the deliberate click joins with the prefilled name
    await page.click(tid('join-button'));
    await page.locator(tid('meeting')).waitFor({ state: 'visible' });
    assert.ok(actions().includes('control/join'));
    await h.openParticipants(host);
    await h.participantItem(host, 'Mallory').waitFor({ state: 'visible' });
    assert.deepEqual(page.pageErrors, []);
  }));
