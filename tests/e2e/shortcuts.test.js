// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Keyboard shortcuts (issue 12): M microphone, V camera, H hand, C chat, P participants, held
// Space talks while muted, ? lists them; none fires while typing.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(150000);

let server;
let browser;
let page;
const pages = [];

const pressed = (id) => page.locator(tid(id)).getAttribute('aria-pressed');
const expanded = (id) => page.locator(tid(id)).getAttribute('aria-expanded');

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  page = await h.newPage(browser);
  pages.push(page);
  await h.startMeetingViaUi(page, server.url, 'Tilda Tasten');
  await page.locator(`${tid('mic-button')}[aria-pressed="true"]`).waitFor({ timeout: 30000 });
  await page.locator(tid('meeting-heading')).focus().catch(() => page.locator('body').focus());
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('M, V, H, C, P act on the meeting', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await page.keyboard.press('m');
    await page.locator(`${tid('mic-button')}[aria-pressed="false"]`).waitFor();
    await page.keyboard.press('m');
    await page.locator(`${tid('mic-button')}[aria-pressed="true"]`).waitFor();
    await page.keyboard.press('v');
    await page.locator(`${tid('camera-button')}[aria-pressed="false"]`).waitFor();
    await page.keyboard.press('v');
    await page.locator(`${tid('camera-button')}[aria-pressed="true"]`).waitFor();
    await page.keyboard.press('h');
    await page.locator(`${tid('hand-button')}[aria-pressed="true"]`).waitFor();
    await page.keyboard.press('h');
    await page.locator(`${tid('hand-button')}[aria-pressed="false"]`).waitFor();
    await page.keyboard.press('p');
    await page.locator(tid('participant-list')).waitFor({ state: 'visible' });
    await page.keyboard.press('p');
    await page.locator(tid('participant-list')).waitFor({ state: 'hidden' });
    await page.keyboard.press('c');
    await page.locator(tid('chat-input')).waitFor({ state: 'visible' });
  }));

test('nothing fires while typing in the chat', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await page.locator(tid('chat-input')).focus();
    await page.keyboard.type('mvhcp ?');
    assert.equal(await page.inputValue(tid('chat-input')), 'mvhcp ?');
    assert.equal(await pressed('mic-button'), 'true');
    assert.equal(await pressed('camera-button'), 'true');
    assert.equal(await pressed('hand-button'), 'false');
    assert.equal(await page.locator(tid('shortcuts-dialog')).isVisible(), false);
    assert.equal(await expanded('chat-button'), 'true');
    await page.fill(tid('chat-input'), '');
    await page.keyboard.press('Escape'); // closes the chat panel
    await page.locator(tid('chat-input')).waitFor({ state: 'hidden' });
  }));

test('held Space talks while muted, and the microphone is off again on release', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await page.keyboard.press('m');
    await page.locator(`${tid('mic-button')}[aria-pressed="false"]`).waitFor();
    await page.locator('body').focus();
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.down(' ');
    await page.locator(`${tid('mic-button')}[aria-pressed="true"]`).waitFor();
    await page.keyboard.up(' ');
    await page.locator(`${tid('mic-button')}[aria-pressed="false"]`).waitFor();
  }));

test('? lists the shortcuts in a dialog; Escape closes it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await page.keyboard.press('?');
    const d = page.locator(tid('shortcuts-dialog'));
    await d.waitFor({ state: 'visible' });
    const text = await page.locator(tid('shortcuts-table')).textContent();
    for (const s of ['Microphone on/off', 'Camera on/off', 'Raise/lower hand', 'Open/close chat', 'Open/close participants', 'Hold to talk', 'Space']) {
      assert.ok(text.includes(s), s);
    }
    // while it is open, letters do nothing
    await page.keyboard.press('h');
    assert.equal(await pressed('hand-button'), 'false');
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'hidden' });
  }));
