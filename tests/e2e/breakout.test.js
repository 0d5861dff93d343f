// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Breakout rooms (issue 14, src/room/breakout.c, src/sfu/visibility.c, web/js/ui/breakout.js):
// four Chromium pages with fake camera and microphone — the chair (first in, a moderator), Anna,
// Bernd (German) and Clara. The chair drives everything through the Breakout rooms dialog
// (More menu): two rooms, "Fraktion A" hearing the plenary quietly and "Fraktion B", assigned
// by hand. What each page receives is measured with getStats() on its subscribe connection
// (per remote participant and source: audio packets, decoded video frames) — rising for those
// in the same place, not moving for everyone else — and what each user sees is checked beside
// it: the banner with the room's name, the tiles on the stage, the quiet plenary line, the chat's
// note. The chair gives herself the floor so that she is the plenary speaker: Fraktion A then
// receives her audio (played at 0.3, marked "Plenary (quiet)") and nothing else of the plenary.
// A visit by the chair is seen and heard by that room only; a broadcast reaches every room;
// "Call everyone back" restores the full meeting. Refusals: a participant's open/assign
// (`forbidden`), `choose` in manual mode (`invalid_value`), `assign` while closed
// (`breakout_closed`). Mode `random` spreads the three evenly; mode `choose`: the participant
// picks a room in the dialog by keyboard, and a one-minute duration calls everyone back by itself.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { assertNoViolations } = require('./lib/axe.js');

const stopWatchdog = h.watchdog(420000);
let server;
let browser;
const pages = [];
const ROOM = 'e2e-breakout-room';
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

// the chair's and Bernd's pages take axe-core as an inline script (bypassCSP); the others check the CSP
async function join(name, locale = 'en-US', bypassCSP = false) {
  const page = await h.newPage(browser, { locale, bypassCSP });
  pages.push(page);
  await h.joinByLink(page, `${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

let chair; let anna; let bernd; let clara;
const ids = {};
const NAMES = ['chair', 'anna', 'bernd', 'clara'];
const page = (n) => ({ chair, anna, bernd, clara })[n];

/**
 * Checks who receives whom: `expect(listener, speaker, source)` is true when listener must
 * receive speaker's `source` (microphone: audio packets; camera: decoded frames) and false when
 * nothing of it may arrive. All four pages are measured in the same window; a window that does
 * not match is measured again (a renegotiation takes a moment) until `timeout`.
 */
async function expectRouting(label, expect, { timeout = 40000 } = {}) {
  const end = Date.now() + timeout;
  let problems = [];
  for (;;) {
    const deltas = await Promise.all(NAMES.map((n) => h.inboundDelta(page(n))));
    problems = [];
    NAMES.forEach((listener, i) => {
      for (const speaker of NAMES) {
        if (speaker === listener) continue;
        for (const source of ['microphone', 'camera']) {
          const d = deltas[i][`${ids[speaker]}:${source}`] || { packets: 0, frames: 0 };
          const n = source === 'microphone' ? d.packets : d.frames;
          const want = expect(listener, speaker, source);
          if (want && n < (source === 'microphone' ? 20 : 3)) problems.push(`${listener} should receive ${speaker}'s ${source} (${n})`);
          if (!want && (source === 'microphone' ? d.packets > 2 : d.frames > 1 || d.packets > 2)) problems.push(`${listener} must not receive ${speaker}'s ${source} (${d.packets} packets, ${d.frames} frames)`);
        }
      }
    });
    if (!problems.length) return;
    if (Date.now() > end) assert.fail(`${label}:\n  ${problems.join('\n  ')}`);
  }
}

const everyone = () => true;

/** Tiles shown on the page's stage, by participant id. */
async function visibleTiles(p) {
  return p.evaluate(() => [...document.querySelectorAll('[data-testid="tile"]')].filter((n) => !n.hidden && n.getClientRects().length).map((n) => n.dataset.participantId).sort());
}

async function waitTiles(p, names, who) {
  const want = names.map((n) => ids[n]).sort();
  await h.waitUntil(async () => JSON.stringify(await visibleTiles(p)) === JSON.stringify(want), { timeout: 15000, message: `${who}'s stage to show ${names.join(', ')}` });
}

/** A raw message from the page's own signaling: resolves with the refusal {code, field} or 'accepted'. */
function rawRequest(p, msg) {
  return p.evaluate(async (m) => {
    try {
      await window.__ratsaalMeeting.sig.request(m, { events: ['breakout/state'], timeout: 5000 });
      return 'accepted';
    } catch (e) {
      return { code: e.code, field: e.field };
    }
  }, msg);
}

/** The chair's dialog from the More menu, by keyboard. */
async function openBreakoutDialog(p) {
  await p.locator(tid('more-button')).focus();
  await p.keyboard.press('Enter');
  await p.locator(tid('more-breakout')).focus();
  await p.keyboard.press('Enter');
  const dialog = p.locator(tid('breakout-dialog'));
  await dialog.waitFor({ state: 'visible' });
  return dialog;
}

const banner = (p) => p.locator(tid('breakout-banner'));

/** The chair opens two rooms through the dialog: names, mode, minutes (0: no end). */
async function openTwoRooms([first, second], mode, minutes) {
  await openBreakoutDialog(chair);
  await chair.fill(tid('breakout-count'), '2');
  const names = chair.locator(tid('breakout-room-name'));
  await names.nth(0).fill(first);
  await names.nth(1).fill(second);
  await chair.locator(tid(`breakout-mode-${mode}`)).check();
  await chair.fill(tid('breakout-duration'), String(minutes));
  await chair.click(tid('breakout-open'));
  await chair.locator(tid('breakout-rooms')).waitFor({ state: 'visible' });
}

test('four pages join and receive each other; breakout is only offered to the chair', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await join('Vorsitz', 'en-US', true);
    anna = await join('Anna');
    bernd = await join('Bernd', 'de-DE', true);
    clara = await join('Clara');
    for (const n of NAMES) ids[n] = await h.selfId(page(n));
    await expectRouting('before breakout everyone receives everyone', everyone, { timeout: 60000 });
    await anna.click(tid('more-button'));
    await anna.locator(tid('layout-grid')).waitFor({ state: 'visible' });
    assert.equal(await anna.locator(tid('more-breakout')).count(), 0, 'a participant is not offered breakout rooms');
    await anna.keyboard.press('Escape');
    assert.equal(await anna.locator(tid('breakout-strip')).isVisible(), false);
  }));

test("a participant's open and assign are refused; so is assign while closed", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const open = { ns: 'breakout', action: 'open', rooms: [{ name: 'X' }], mode: 'manual' };
    assert.equal((await rawRequest(anna, open)).code, 'forbidden');
    assert.equal((await rawRequest(anna, { ns: 'breakout', action: 'assign', participant: ids.bernd, room: 1 })).code, 'forbidden');
    const closed = await rawRequest(chair, { ns: 'breakout', action: 'assign', participant: ids.bernd, room: 1 });
    assert.equal(closed.code, 'breakout_closed');
    assert.equal(await bernd.locator(tid('breakout-strip')).isVisible(), false, 'nothing opened');
  }));

test('the chair opens two rooms from the dialog (a repeated name refused in the form)', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // the chair holds the floor: she is the plenary speaker that Fraktion A hears quietly
    await chair.evaluate((id) => window.__ratsaalMeeting.sig.send({ ns: 'speakers', action: 'give', id }), ids.chair);
    await anna.locator(tid('speakers-bar'), { hasText: 'Vorsitz' }).waitFor({ state: 'visible' });

    const dialog = await openBreakoutDialog(chair);
    assert.match(await dialog.textContent(), /Breakout rooms/);
    await chair.fill(tid('breakout-count'), '2');
    const names = chair.locator(tid('breakout-room-name'));
    await h.waitUntil(async () => (await names.count()) === 2, { message: 'two name fields' });
    await names.nth(0).fill('Fraktion A');
    await names.nth(1).fill('Fraktion A');
    await chair.click(tid('breakout-open'));
    assert.equal(await chair.locator(tid('breakout-form-error')).textContent(), 'The name “Fraktion A” appears twice.');
    await assertNoViolations(chair, "the chair's breakout form with a refusal");
    await names.nth(1).fill('Fraktion B');
    await chair.locator(tid('breakout-room-hear')).nth(0).check();
    await chair.locator(tid('breakout-mode-manual')).check();
    await chair.fill(tid('breakout-duration'), '30');
    // by keyboard: Enter in the last field submits the form
    await chair.locator(tid('breakout-duration')).press('Enter');
    await dialog.locator(tid('breakout-rooms')).waitFor({ state: 'visible' });
    assert.match(await dialog.locator(tid('breakout-mode')).textContent(), /Assign by hand/);
    assert.match(await chair.locator(tid('breakout-dialog-countdown')).textContent(), /^(30:00|29:\d\d) left$/);
    // everyone is still in the plenary, and everyone's page says so with the countdown
    await banner(anna).waitFor({ state: 'visible' });
    assert.match(await banner(anna).textContent(), /^Breakout rooms are open – you are in the plenary · (30:00|29:\d\d) left$/);
    await banner(bernd).waitFor({ state: 'visible' });
    assert.match(await banner(bernd).textContent(), /^Breakout-Räume sind offen – Sie sind im Plenum · noch (30:00|29:\d\d)$/);
    await assertNoViolations(chair, "the chair's breakout dialog while open");
  }));

test('assigned: each page decodes only its room; Fraktion A also hears the plenary speaker, quietly', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const dialog = chair.locator(tid('breakout-dialog'));
    const assign = (who, room) => dialog.locator(`${tid('breakout-assign-select')}[data-participant-id="${ids[who]}"]`).selectOption(String(room));
    await assign('anna', 1);
    await assign('bernd', 1);
    await assign('clara', 2);
    await h.waitUntil(async () => /Anna, Bernd/.test(await dialog.locator(`${tid('breakout-room')}[data-room-id="1"]`).textContent()), { message: 'Anna and Bernd in Fraktion A on the chair\'s dialog' });
    await banner(anna).filter({ hasText: 'You are in breakout room “Fraktion A”' }).waitFor({ state: 'visible' });
    await banner(bernd).filter({ hasText: 'Sie sind im Breakout-Raum „Fraktion A“' }).waitFor({ state: 'visible' });
    await banner(clara).filter({ hasText: 'You are in breakout room “Fraktion B”' }).waitFor({ state: 'visible' });
    // the stage: one's own place only
    await waitTiles(anna, ['anna', 'bernd'], 'Anna');
    await waitTiles(bernd, ['anna', 'bernd'], 'Bernd');
    await waitTiles(clara, ['clara'], 'Clara');
    await waitTiles(chair, ['chair'], 'the chair');
    // the plenary speaker, marked and played quietly in Fraktion A only
    await anna.locator(tid('breakout-plenary-quiet'), { hasText: 'Plenary (quiet): Vorsitz' }).waitFor({ state: 'visible' });
    await bernd.locator(tid('breakout-plenary-quiet'), { hasText: 'Plenum (leise): Vorsitz' }).waitFor({ state: 'visible' });
    assert.equal(await clara.locator(tid('breakout-plenary-quiet')).isVisible(), false);
    const volume = (p) => p.evaluate((id) => {
      const a = document.querySelector(`[data-testid="remote-audio"] audio[data-participant-id="${id}"][data-source="microphone"]`);
      return a ? a.volume : null;
    }, ids.chair);
    await h.waitUntil(async () => Math.abs((await volume(anna)) - 0.3) < 0.01, { message: "the chair's audio at 0.3 on Anna's page" });
    await assertNoViolations(bernd, 'in a breakout room, the plenary heard quietly (German)');

    // the speaker view shows someone of one's own room large: Bernd, never the chair or Clara
    await anna.click(tid('more-button'));
    await anna.click(tid('layout-speaker'));
    await h.waitUntil(async () => (await anna.locator('[data-testid="tile"].featured').getAttribute('data-participant-id')) === ids.bernd, { message: "Bernd large in Anna's speaker view" });
    await anna.click(tid('more-button'));
    await anna.click(tid('layout-grid'));
    await anna.locator('[data-testid="tile"].featured').waitFor({ state: 'detached' });
    // the participant list names everyone's place
    await h.openParticipants(clara);
    assert.equal(await h.participantItem(clara, 'Anna').locator(tid('breakout-badge')).textContent(), 'Fraktion A');
    assert.equal(await h.participantItem(clara, 'Vorsitz').locator(tid('breakout-badge')).textContent(), 'Plenary');

    const room = { chair: 0, anna: 1, bernd: 1, clara: 2 };
    await expectRouting('in the rooms', (l, s, source) => room[l] === room[s] || (room[l] === 1 && s === 'chair' && source === 'microphone'));

    // the chat is the room's: Bernd reads Anna, Clara and the chair do not
    await h.openChat(anna);
    assert.equal(await anna.locator(tid('breakout-chat-note')).textContent(), 'Chat of breakout room “Fraktion A”: only this room reads it.');
    await anna.fill(tid('chat-input'), 'Nur für Fraktion A');
    await anna.keyboard.press('Enter');
    await h.openChat(bernd);
    const msg = bernd.locator(tid('chat-message'), { hasText: 'Nur für Fraktion A' });
    await msg.waitFor({ state: 'visible' });
    assert.equal(await msg.locator(tid('chat-room')).textContent(), 'Breakout: Fraktion A');
    await h.sleep(1000);
    for (const p of [clara, chair]) assert.equal(await p.locator(tid('chat-message'), { hasText: 'Nur für Fraktion A' }).count(), 0, 'the chat stays in the room');
  }));

test("sub-room audio off: Fraktion A no longer receives the plenary speaker", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const sw = chair.locator(`${tid('breakout-hear-toggle')}[data-room-id="1"]`);
    assert.equal(await sw.getAttribute('aria-checked'), 'true');
    await sw.click();
    await h.waitUntil(async () => (await sw.getAttribute('aria-checked')) === 'false', { message: 'the switch off' });
    await anna.locator(tid('breakout-plenary-quiet')).waitFor({ state: 'hidden' });
    const room = { chair: 0, anna: 1, bernd: 1, clara: 2 };
    await expectRouting('sub-room audio off', (l, s) => room[l] === room[s]);
    await sw.click(); // on again for the rest
    await h.waitUntil(async () => (await sw.getAttribute('aria-checked')) === 'true', { message: 'the switch on' });
  }));

test("the chair's visit is seen and heard by that room only; then back to the plenary", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const dialog = chair.locator(tid('breakout-dialog'));
    await dialog.locator(`${tid('breakout-visit')}[data-room-id="2"]`).click();
    await banner(chair).filter({ hasText: 'You are visiting breakout room “Fraktion B”' }).waitFor({ state: 'visible' });
    await waitTiles(clara, ['chair', 'clara'], 'Clara');
    await waitTiles(chair, ['chair', 'clara'], 'the chair');
    await waitTiles(anna, ['anna', 'bernd'], 'Anna');
    // the visiting chair is no longer in the plenary, so not its speaker: nothing of her in Fraktion A
    await anna.locator(tid('breakout-plenary-quiet')).waitFor({ state: 'hidden' });
    const room = { chair: 2, anna: 1, bernd: 1, clara: 2 };
    await expectRouting('the chair visits Fraktion B', (l, s) => room[l] === room[s]);
    await dialog.locator(`${tid('breakout-back')}[data-room-id="2"]`).click();
    await banner(chair).filter({ hasText: 'Breakout rooms are open – you are in the plenary' }).waitFor({ state: 'visible' });
    await waitTiles(clara, ['clara'], 'Clara');
  }));

test('a broadcast reaches every room', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.fill(tid('breakout-broadcast-text'), '5 minutes left');
    await chair.click(tid('breakout-broadcast-send'));
    for (const [p, text] of [[anna, 'Message from Vorsitz: 5 minutes left'], [bernd, 'Nachricht von Vorsitz: 5 minutes left'], [clara, 'Message from Vorsitz: 5 minutes left']]) {
      await p.locator('.toast', { hasText: text }).waitFor({ state: 'visible' });
      assert.equal(await p.locator(tid('breakout-message')).textContent(), text);
    }
  }));

test('"Call everyone back" restores the full room', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('breakout-close'));
    for (const p of [anna, bernd, clara]) await p.locator(tid('breakout-strip')).waitFor({ state: 'hidden' });
    await anna.locator('.toast', { hasText: 'The chair called everyone back to the plenary.' }).waitFor({ state: 'visible' });
    await bernd.locator('.toast', { hasText: 'Die Sitzungsleitung hat alle ins Plenum zurückgeholt.' }).waitFor({ state: 'visible' });
    for (const n of NAMES) await waitTiles(page(n), NAMES, n);
    await expectRouting('called back', everyone);
    // the dialog offers to open again
    await chair.locator(tid('breakout-open')).waitFor({ state: 'visible' });
    await chair.click(tid('breakout-dialog-close'));
    // the chair's view has the same entry
    await chair.click(tid('more-button'));
    await chair.click(tid('more-chair-view'));
    assert.equal(await chair.locator(tid('chair-breakout-status')).textContent(), 'No breakout rooms open.');
    await chair.click(tid('chair-breakout-open'));
    await chair.locator(tid('breakout-form')).waitFor({ state: 'visible' });
    await chair.keyboard.press('Escape');
    await chair.locator(tid('breakout-dialog')).waitFor({ state: 'hidden' });
    await chair.click(tid('chair-view-close'));
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /ratsaal_breakout_opened_total 1\b/);
    assert.match(m, /ratsaal_breakout_closed_total\{reason="closed"\} 1\b/);
    assert.match(m, /ratsaal_breakout_broadcasts_total 1\b/);
  }));

test('at random: the three participants are spread evenly over two rooms, the chair stays in the plenary', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await openTwoRooms(['Nord', 'Süd'], 'random', 0);
    const where = {};
    for (const n of ['anna', 'bernd', 'clara']) {
      await h.waitUntil(async () => /Nord|Süd/.test(await banner(page(n)).textContent()), { message: `${n} placed in a room` });
      where[n] = /Nord/.test(await banner(page(n)).textContent()) ? 'Nord' : 'Süd';
    }
    const sizes = ['Nord', 'Süd'].map((r) => Object.values(where).filter((x) => x === r).length).sort();
    assert.deepEqual(sizes, [1, 2], `spread evenly: ${JSON.stringify(where)}`);
    assert.match(await banner(chair).textContent(), /you are in the plenary/);
    for (const n of ['anna', 'bernd', 'clara']) await waitTiles(page(n), ['anna', 'bernd', 'clara'].filter((o) => where[o] === where[n]), n);
    await chair.click(tid('breakout-close'));
    for (const n of ['anna', 'bernd', 'clara']) await banner(page(n)).waitFor({ state: 'hidden' });
    await chair.click(tid('breakout-dialog-close'));
  }));

test('choose: refused in manual mode; in mode choose Anna picks a room by keyboard; the time runs out', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // manual mode (opened by the chair's own client, raw): a participant cannot choose
    assert.equal(await rawRequest(chair, { ns: 'breakout', action: 'open', rooms: [{ name: 'Eins' }, { name: 'Zwei' }], mode: 'manual' }), 'accepted');
    await banner(anna).waitFor({ state: 'visible' });
    const refused = await rawRequest(anna, { ns: 'breakout', action: 'choose', room: 1 });
    assert.deepEqual(refused, { code: 'invalid_value', field: 'room' });
    assert.match(await banner(anna).textContent(), /you are in the plenary/);
    // open again twice is refused
    assert.equal((await rawRequest(chair, { ns: 'breakout', action: 'open', rooms: [{ name: 'Drei' }], mode: 'manual' })).code, 'invalid_value');
    assert.equal(await rawRequest(chair, { ns: 'breakout', action: 'close' }), 'accepted');
    await banner(anna).waitFor({ state: 'hidden' });

    // mode choose through the dialog: Anna's page asks her to pick
    await openTwoRooms(['Eins', 'Zwei'], 'choose', 1);
    const pick = anna.locator(tid('breakout-choose-dialog'));
    await pick.waitFor({ state: 'visible' });
    await anna.keyboard.press('Tab'); // from "Eins" to "Zwei"
    assert.equal(await anna.evaluate(() => document.activeElement.dataset.roomId), '2');
    await anna.keyboard.press('Enter');
    await pick.waitFor({ state: 'hidden' });
    await banner(anna).filter({ hasText: 'You are in breakout room “Zwei”' }).waitFor({ state: 'visible' });
    assert.match(await banner(anna).textContent(), /^You are in breakout room “Zwei” · (1:00|0:[0-5]\d) left$/);
    await waitTiles(anna, ['anna'], 'Anna');
    await h.waitUntil(async () => /Anna/.test(await chair.locator(`${tid('breakout-room')}[data-room-id="2"]`).textContent()), { message: 'Anna in Zwei on the chair\'s dialog' });
    // one minute: the server calls everyone back by itself; both pages say so (watched at once:
    // a toast stays 4 s, and a busy page may take longer than that to show Anna's banner gone)
    await Promise.all([
      anna.locator('.toast', { hasText: 'Time is up: everyone is back in the plenary.' }).waitFor({ state: 'visible', timeout: 90000 }),
      bernd.locator('.toast', { hasText: 'Die Zeit ist um: Alle sind wieder im Plenum.' }).waitFor({ state: 'visible', timeout: 90000 }),
    ]);
    await banner(anna).waitFor({ state: 'hidden' });
    await waitTiles(anna, NAMES, 'Anna');
    await chair.locator(tid('breakout-open')).waitFor({ state: 'visible' }); // the chair's dialog is back at the form
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /ratsaal_breakout_closed_total\{reason="timeout"\} 1\b/);
    for (const p of [chair, anna, bernd, clara]) {
      assert.deepEqual(p.pageErrors, [], 'no page errors');
      // the refusals this test provokes are answers to requests, not console errors
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
    }
    for (const p of [anna, clara]) assert.deepEqual(p.cspViolations, [], 'no CSP violations');
  }));
