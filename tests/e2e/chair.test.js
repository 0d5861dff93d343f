// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The chair (issue 13, src/room/chair.c, web/js/ui/chair.js): three Chromium pages with fake
// microphones in one room; the chair's page is German. What the others hear is measured with
// getStats() on their subscribe connections: a participant the chair muted stops reaching
// them even when its client ignores the mute and keeps sending; under "speak only when allowed"
// only the chair and those given the word are heard; a locked meeting turns a newcomer away; a
// removed participant sees why. The non-moderator sees none of the chair's tools.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

const stopWatchdog = h.watchdog(240000);
let server;
let browser;
const pages = [];
const ROOM = 'e2e-chair-room';

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

const { inbound, rising, tid } = h;

async function join(name, locale = 'en-US') {
  const page = await h.newPage(browser, { locale });
  pages.push(page);
  page.on('dialog', (d) => d.accept()); // the chair's confirmations
  await h.joinByLink(page, `${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

/** Packets of `key` arriving at `page` over `ms` (after a moment for what is in flight). */
async function arriving(page, key, ms = 2500) {
  await h.sleep(800);
  const a = await inbound(page);
  await h.sleep(ms);
  const b = await inbound(page);
  return (b[key] ? b[key].packets : 0) - (a[key] ? a[key].packets : 0);
}

/** Audio packets the page's publish connection sent over `ms`. */
async function sending(page, ms = 2000) {
  const sent = () =>
    page.evaluate(async () => {
      let n = 0;
      (await window.__ratsaal.publishPc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'audio') n += s.packetsSent || 0;
      });
      return n;
    });
  const a = await sent();
  await h.sleep(ms);
  return (await sent()) - a;
}

async function chairMenu(page, name, action) {
  await h.openParticipants(page);
  const row = h.participantItem(page, name);
  await row.locator(tid('chair-menu')).click();
  await row.locator(tid(action)).click();
}

let chair; let anna; let bernd; let idChair; let idAnna; let idBernd;

test('the chair sees its tools (in German), a participant does not', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await join('Vorsitz', 'de-DE');
    anna = await join('Anna');
    bernd = await join('Bernd');
    [idChair, idAnna, idBernd] = await Promise.all([chair, anna, bernd].map((p) => h.selfId(p)));
    for (const [page, others] of [[chair, [idAnna, idBernd]], [bernd, [idChair, idAnna]]])
      for (const id of others) await rising(page, `${id}:microphone`, 'packets');
    await h.openParticipants(chair);
    const section = chair.locator(tid('chair-section'));
    await section.waitFor({ state: 'visible' });
    assert.match(await section.textContent(), /Sitzungsleitung/);
    assert.equal(await chair.locator(tid('chair-mute-all')).textContent(), 'Alle stummschalten');
    await h.openParticipants(bernd);
    assert.equal(await bernd.locator(tid('chair-section')).isVisible(), false);
    assert.equal(await bernd.locator(tid('chair-menu')).count(), 0);
  }));

test('muted by the chair: the audio reaches nobody, even from a client that ignores the mute', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // Anna's client drops every chair event: it keeps its microphone on and keeps sending
    await anna.evaluate(() => {
      const m = window.__ratsaalMeeting;
      const route = m.features.route;
      m.features.route = (msg) => (msg.ns === 'chair' ? undefined : route(msg));
    });
    const before = await arriving(bernd, `${idAnna}:microphone`);
    assert.ok(before > 20, `Anna's audio reaches Bernd before the mute (${before} packets)`);
    await chairMenu(chair, 'Anna', 'chair-mute');
    await h.participantItem(bernd, 'Anna').locator(tid('chair-mic-blocked')).waitFor({ state: 'visible' });
    assert.ok((await sending(anna)) > 20, 'Anna still sends');
    const toBernd = await arriving(bernd, `${idAnna}:microphone`);
    const toChair = await arriving(chair, `${idAnna}:microphone`);
    assert.ok(toBernd <= 2 && toChair <= 2, `Anna muted, yet ${toBernd} packets reached Bernd and ${toChair} the chair`);
    // Bernd is still heard
    await rising(chair, `${idBernd}:microphone`, 'packets');
    // a client that follows the mute turns its microphone off and says why
    await chairMenu(chair, 'Bernd', 'chair-mute');
    await bernd.locator('.toast', { hasText: 'The chair muted your microphone' }).waitFor({ state: 'visible' });
    await h.waitUntil(async () => (await bernd.locator(tid('mic-button')).getAttribute('aria-pressed')) === 'false', { message: "Bernd's microphone button off" });
    assert.ok((await arriving(chair, `${idBernd}:microphone`)) <= 2, 'Bernd muted reaches the chair');
    // Bernd unmutes himself (no restriction): heard again
    await bernd.click(tid('mic-button'));
    await rising(chair, `${idBernd}:microphone`, 'packets');
  }));

test('speak only when allowed: only the chair and those given the word are heard', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('chair-restrict'));
    await h.waitUntil(async () => (await chair.locator(tid('chair-restrict')).getAttribute('aria-checked')) === 'true', { message: 'restriction on' });
    await bernd.locator('.toast', { hasText: 'The chair lets only those allowed speak' }).waitFor({ state: 'visible' });
    assert.ok((await arriving(chair, `${idBernd}:microphone`)) <= 2, 'Bernd still heard under the restriction');
    await rising(bernd, `${idChair}:microphone`, 'packets'); // the chair always
    // Bernd tries to unmute: the client says why not, and nothing reaches the chair
    if ((await bernd.locator(tid('mic-button')).getAttribute('aria-pressed')) === 'true') await bernd.click(tid('mic-button'));
    await bernd.click(tid('mic-button'));
    await bernd.locator('.toast', { hasText: 'once the chair allows you' }).waitFor({ state: 'visible' });
    assert.ok((await arriving(chair, `${idBernd}:microphone`)) <= 2, 'a refused unmute reached the chair');

    // the speakers' list: Anna asks for the floor, the chair gives it; only she is heard
    await h.openParticipants(anna);
    await anna.click(tid('speakers-request'));
    await chair.locator(`${tid('speakers-item')}[data-participant-id="${idAnna}"]`).waitFor({ state: 'visible' });
    await chair.click(tid('speakers-next'));
    await bernd.locator(tid('speakers-bar'), { hasText: 'Speaking: Anna' }).waitFor({ state: 'visible' });
    // the chair's page gets the same event on its own time: wait for it there too
    await chair.locator(tid('speakers-bar'), { hasText: 'Es spricht: Anna' }).waitFor({ state: 'visible' });
    await rising(chair, `${idAnna}:microphone`, 'packets');
    await rising(bernd, `${idAnna}:microphone`, 'packets');
    assert.ok((await arriving(chair, `${idBernd}:microphone`)) <= 2, 'Bernd heard while Anna has the floor');
    await anna.click(tid('speakers-end'));
    await bernd.locator(tid('speakers-bar')).waitFor({ state: 'hidden' });
    assert.ok((await arriving(bernd, `${idAnna}:microphone`)) <= 2, 'Anna heard after her turn');

    // the chair gives Bernd the word
    await chairMenu(chair, 'Bernd', 'chair-allow-mic');
    await bernd.locator('.toast', { hasText: 'You may speak now' }).waitFor({ state: 'visible' });
    if ((await bernd.locator(tid('mic-button')).getAttribute('aria-pressed')) !== 'true') await bernd.click(tid('mic-button'));
    await rising(chair, `${idBernd}:microphone`, 'packets');
    await rising(anna, `${idBernd}:microphone`, 'packets');
    // Anna (not given the word) is still silent for everyone
    assert.ok((await arriving(bernd, `${idAnna}:microphone`)) <= 2, 'Anna heard under the restriction');
    // lifted: Bernd keeps speaking; the metrics counted what happened
    await chair.click(tid('chair-restrict'));
    await h.waitUntil(async () => (await chair.locator(tid('chair-restrict')).getAttribute('aria-checked')) === 'false', { message: 'restriction off' });
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /ratsaal_chair_actions_total\{action="mute"\} [2-9]/);
  }));

test('a locked meeting turns a newcomer away; a removed participant sees why', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('chair-lock'));
    await h.waitUntil(async () => (await chair.locator(tid('chair-lock')).getAttribute('aria-checked')) === 'true', { message: 'locked' });
    const late = await h.newPage(browser);
    pages.push(late);
    await h.gotoReady(late, `${server.url}/r/${ROOM}?name=Late`);
    await late.locator(tid('join-button')).waitFor({ state: 'visible' });
    await late.click(tid('join-button'));
    await late.locator('.toast', { hasText: 'The meeting is locked' }).waitFor({ state: 'visible' });
    assert.equal(await late.locator(tid('meeting')).isVisible(), false);
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /ratsaal_chair_refused_total\{reason="meeting_locked"\} [1-9]/);

    await chairMenu(chair, 'Bernd', 'chair-remove');
    await bernd.locator(tid('ended')).waitFor({ state: 'visible' });
    assert.match(await bernd.locator('#ended-heading').textContent(), /You were removed from the meeting/);
    await h.participantItem(chair, 'Bernd').waitFor({ state: 'detached' });
    await h.participantItem(anna, 'Bernd').waitFor({ state: 'detached' });
    // Bernd's page does not reconnect on its own
    await h.sleep(2500);
    assert.equal(await chair.locator(tid('participant-item')).count(), 2);
  }));
