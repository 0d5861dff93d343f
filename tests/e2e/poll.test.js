// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13 in the browser: polls and the meeting timer. The chair (English UI) starts a named
// poll from the participants panel (a poll without answers refused in the form); a participant
// (German UI) sees the question and "0 von 2", answers, changes the answer; the chair sees
// "1 of 2 answered" but no distribution, closes it, and both see the result bars with the count
// and the participant's name. Then the chair starts a 5-minute "Kaffeepause": the countdown
// shows on both pages; stopped, it goes from both. The participant has no chair controls.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(200000);

let server;
let browser;
let chair;
let member;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  chair = await h.newPage(browser, { locale: 'en-US' });
  member = await h.newPage(browser, { locale: 'de-DE' });
  pages.push(chair, member);
  const url = await h.startMeetingViaUi(chair, server.url, 'Vera Vorsitz');
  await h.gotoReady(member, url.replace(/#.*$/, ''));
  await h.joinFromPrejoin(member, 'Max Mitglied');
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('a named poll: answer, change, progress, results with count and name', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openParticipants(chair);
    await chair.click(tid('poll-new'));
    await chair.fill(tid('poll-question'), 'Wann machen wir Mittag?');
    await chair.fill(tid('poll-options'), '12:00');
    await chair.click(tid('poll-start'));
    assert.match(await chair.locator(tid('poll-form-error')).innerText(), /2 to 10 different answers/);
    await chair.fill(tid('poll-options'), '12:00\n13:00\n');
    await chair.click(tid('poll-start'));

    const card = member.locator(tid('poll-card'));
    await card.waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await card.innerText(), /Wann machen wir Mittag\?/);
    assert.match(await card.innerText(), /Namentlich/);
    assert.deepEqual(await card.locator(tid('poll-option')).allInnerTexts(), ['12:00', '13:00']);
    assert.equal(await card.locator(tid('poll-progress')).innerText(), '0 von 2 haben geantwortet');
    // no chair controls for the participant
    assert.equal(await member.locator(tid('poll-close')).count(), 0);
    await h.openParticipants(member);
    assert.equal(await member.locator(tid('poll-new')).isVisible(), false);
    assert.equal(await member.locator(tid('timer-chair')).isVisible(), false);

    // answer by keyboard, then change it by click
    await card.locator(tid('poll-option')).first().focus();
    await member.keyboard.press('Enter');
    await card.locator(`${tid('poll-option')}[aria-pressed="true"]`).filter({ hasText: '12:00' }).waitFor({ timeout: 30000 });
    await card.locator(tid('poll-option')).nth(1).click();
    await card.locator(`${tid('poll-option')}[aria-pressed="true"]`).filter({ hasText: '13:00' }).waitFor({ timeout: 30000 });
    assert.equal(await card.locator(tid('poll-progress')).innerText(), '1 von 2 hat geantwortet');

    const chairCard = chair.locator(tid('poll-card'));
    await h.waitUntil(async () => (await chairCard.locator(tid('poll-progress')).innerText()) === '1 of 2 answered',
      { timeout: 30000, message: 'progress 1 of 2 at the chair' });
    // while open, nobody sees counts
    assert.equal(await chair.locator(tid('poll-count')).count(), 0);
    await chairCard.locator(tid('poll-close')).click();

    for (const [page, answered, names] of [[member, /1 von 2 hat geantwortet/, 'Gewählt von: Max Mitglied'], [chair, /1 of 2 answered/, 'Chosen by: Max Mitglied']]) {
      const result = page.locator(tid('poll-result'));
      await result.waitFor({ timeout: 30000 });
      assert.match(await result.innerText(), answered);
      const rows = result.locator(tid('poll-row'));
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.nth(0).locator(tid('poll-count')).innerText(), '0 (0 %)');
      assert.equal(await rows.nth(1).locator(tid('poll-count')).innerText(), '1 (100 %)');
      assert.equal(await rows.nth(1).locator(tid('poll-names')).innerText(), names);
      assert.equal(await rows.nth(0).locator(tid('poll-names')).count(), 0);
    }
    assert.equal(await member.locator(tid('poll-card')).count(), 0);
  }));

test('a timer started by the chair shows on both pages and stops for both', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openParticipants(chair);
    await chair.fill(tid('timer-label'), 'Kaffeepause');
    await chair.locator(`${tid('timer-preset')}[data-minutes="5"]`).click();
    for (const [page, re] of [[chair, /^Kaffeepause: (5:00|4:5\d) left$/], [member, /^Kaffeepause: noch (5:00|4:5\d)$/]]) {
      const chip = page.locator(tid('timer-chip'));
      await chip.waitFor({ state: 'visible', timeout: 30000 });
      assert.match(await chip.innerText(), re);
    }
    await chair.click(tid('timer-stop'));
    await member.locator(tid('timer-chip')).waitFor({ state: 'hidden', timeout: 30000 });
    await chair.locator(tid('timer-chip')).waitFor({ state: 'hidden', timeout: 30000 });
    assert.deepEqual(chair.cspViolations, [], 'no CSP violations');
    for (const p of pages) {
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
      assert.deepEqual(p.pageErrors, [], 'no page errors');
    }
  }));
