// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Chat beyond the room message (issue 13): a private message reaches only its recipient; the
// chair turns the chat for everyone off (a participant is told and can still write privately)
// and exports the chat as a file; a reaction shows on the sender's tile for everyone. The
// chair's page is German.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const h = require('./lib/harness.js');

const stopWatchdog = h.watchdog(180000);
let server;
let browser;
const pages = [];
const ROOM = 'e2e-chat-private';
const { tid } = h;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

async function join(name, locale = 'en-US') {
  const page = await h.newPage(browser, { locale });
  pages.push(page);
  await h.joinByLink(page, `${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

async function say(page, text, toLabel) {
  await h.openChat(page);
  if (toLabel) await page.selectOption(tid('chat-to'), { label: toLabel });
  else await page.selectOption(tid('chat-to'), { index: 0 });
  await page.fill(tid('chat-input'), text);
  await page.click(tid('chat-send'));
}

const texts = (page) => page.locator(tid('chat-text')).allTextContents();

let chair; let anna; let bernd;

test('a private message reaches only its recipient', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await join('Vorsitz', 'de-DE');
    anna = await join('Anna');
    bernd = await join('Bernd');
    await say(anna, 'Hallo alle');
    await say(anna, 'Nur für Bernd', 'Bernd (private)');
    await h.openChat(bernd);
    await bernd.locator(tid('chat-text'), { hasText: 'Nur für Bernd' }).waitFor();
    await bernd.locator(tid('chat-private')).first().waitFor();
    await h.openChat(chair);
    await chair.locator(tid('chat-text'), { hasText: 'Hallo alle' }).waitFor();
    await h.sleep(500);
    assert.deepEqual(await texts(chair), ['Hallo alle']);
    assert.match(await anna.locator(tid('chat-private')).first().textContent(), /Private to Bernd/);
  }));

test('the chair turns the chat for everyone off and exports it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openChat(chair);
    assert.equal(await chair.locator(tid('chat-enabled')).textContent(), 'Chat für alle');
    await chair.click(tid('chat-enabled'));
    await bernd.locator('.toast', { hasText: 'turned the chat for everyone off' }).waitFor();
    await bernd.locator(tid('chat-off-note')).waitFor({ state: 'visible' });
    // "Everyone" is no longer offered; a private message still works
    const labels = await bernd.locator(`${tid('chat-to')} option`).allTextContents();
    assert.ok(!labels.includes('Everyone'), `recipients offered: ${labels}`);
    await say(bernd, 'Privat an Anna', 'Anna (private)');
    await anna.locator(tid('chat-text'), { hasText: 'Privat an Anna' }).waitFor();
    // a participant cannot turn it back on: the switch is not there
    assert.equal(await bernd.locator(tid('chat-enabled')).isVisible(), false);
    // export: a JSON file with the room messages, not the private ones
    const [download] = await Promise.all([chair.waitForEvent('download'), chair.click(tid('chat-export'))]);
    const file = await download.path();
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(data.messages.map((m) => m.text), ['Hallo alle']);
    await chair.click(tid('chat-enabled'));
    await bernd.locator(tid('chat-off-note')).waitFor({ state: 'hidden' });
  }));

test('a reaction shows on the sender\'s tile for everyone', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const idAnna = await h.selfId(anna);
    await anna.click(tid('reaction-applause'));
    for (const page of [chair, bernd]) {
      await page.locator(`${tid('tile')}[data-participant-id="${idAnna}"] ${tid('reaction-flash')}[data-kind="applause"]`).waitFor({ state: 'attached', timeout: 5000 });
    }
    assert.equal(await chair.locator(tid('reaction-applause')).getAttribute('aria-label'), 'Applaus');
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /ratsaal_reactions_total [1-9]/);
    assert.match(m, /ratsaal_chat_private_messages_total [2-9]/);
  }));
