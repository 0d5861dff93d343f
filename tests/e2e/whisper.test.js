// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Whisper groups and the whisper key (issue 14, src/room/whisper.c, web/js/ui/whisper.js):
// three Chromium pages with fake microphones. Clara (the moderator, first in), Anna and Bernd
// (German). Anna forms a group with Bernd from the participant list, Bernd accepts the
// invitation on the stage. What each page receives is measured with getStats() on its
// subscribe connection: while Anna holds W, Bernd's inbound audio counter for Anna rises and
// Clara's does not move, and everyone else goes on hearing everyone; after the release Clara
// receives Anna again. Clara, outside the group, cannot whisper to it; when the moderator
// forbids whispering, Anna's key is refused and her audio goes on reaching Clara. Bernd
// whispers with the press-and-hold button (the touch-screen path) too. The chair mutes Anna in
// mid-whisper: the whisper ends, nothing of her reaches anyone, and her key is refused. axe runs
// on the form, an invitation and both sides of a whisper.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { assertNoViolations } = require('./lib/axe.js');

const stopWatchdog = h.watchdog(240000);
let server;
let browser;
const pages = [];
const ROOM = 'e2e-whisper-room';
const { inbound, rising, tid } = h;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

// Anna's and Bernd's pages take axe-core as an inline script (bypassCSP); Clara's checks the CSP
async function join(name, locale = 'en-US', bypassCSP = false) {
  const page = await h.newPage(browser, { locale, bypassCSP });
  pages.push(page);
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

/** The focus off any field or button, so that W is the meeting's shortcut. */
async function unfocus(page) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
}

async function metrics() {
  return (await fetch(`${server.url}/metrics`)).text();
}

let clara; let anna; let bernd; let idClara; let idAnna; let idBernd;
const mic = (id) => `${id}:microphone`;

test('Anna forms a whisper group with Bernd, who accepts (German)', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    clara = await join('Clara');
    anna = await join('Anna', 'en-US', true);
    bernd = await join('Bernd', 'de-DE', true);
    [idClara, idAnna, idBernd] = await Promise.all([clara, anna, bernd].map((p) => h.selfId(p)));
    // getStats on every page: everyone receives everyone before any whisper
    for (const [page, others] of [[clara, [idAnna, idBernd]], [anna, [idClara, idBernd]], [bernd, [idClara, idAnna]]])
      for (const id of others) await rising(page, mic(id), 'packets');

    await h.openParticipants(anna);
    const section = anna.locator(tid('whisper-section'));
    await section.waitFor({ state: 'visible' });
    assert.match(await section.textContent(), /You are in no whisper group/);
    // the form refuses a group without anyone to invite
    await anna.click(tid('whisper-new'));
    await anna.click(tid('whisper-create'));
    assert.equal(await anna.locator(tid('whisper-form-error')).textContent(), 'Please choose at least one person.');
    await assertNoViolations(anna, 'the new whisper group form');
    await anna.fill(tid('whisper-name'), 'Fraktion');
    await anna.locator(`${tid('whisper-pick')}[data-participant-id="${idBernd}"]`).check();
    await anna.click(tid('whisper-create'));
    const group = anna.locator(tid('whisper-group'));
    await group.waitFor({ state: 'visible' });
    await h.waitUntil(async () => /Invited: Bernd/.test(await group.textContent()), { message: "Bernd invited on Anna's page" });

    // Bernd (German) gets the invitation on the stage, with Accept/Decline by keyboard
    const invitation = bernd.locator(tid('whisper-invitation'));
    await invitation.waitFor({ state: 'visible' });
    assert.match(await invitation.textContent(), /Anna lädt Sie in die Flüstergruppe „Fraktion“ ein/);
    await assertNoViolations(bernd, 'a whisper invitation (German)');
    await invitation.locator(tid('whisper-accept')).focus();
    await bernd.keyboard.press('Enter');
    await invitation.waitFor({ state: 'detached' });
    await h.waitUntil(async () => /Members: Anna \(you\) \(owner\), Bernd/.test(await group.textContent()), { message: 'Bernd a member on Anna\'s page' });
    // Clara was not invited and sees nothing of it
    assert.equal(await clara.locator(tid('whisper-invitation')).count(), 0);
    assert.equal(await clara.locator(tid('whisper-hold')).isVisible(), false);
  }));

test('while Anna holds W only Bernd receives her; the rest of the meeting goes on; released, Clara hears her again', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await unfocus(anna);
    await anna.keyboard.down('w');
    try {
      // the whisperer and the group see it (only once the server routed it)
      await anna.locator(tid('whisper-banner'), { hasText: 'Whispering to “Fraktion”' }).waitFor({ state: 'visible' });
      await bernd.locator(tid('whisper-banner'), { hasText: 'Anna flüstert Ihnen zu („Fraktion“)' }).waitFor({ state: 'visible' });
      assert.equal(await clara.locator(tid('whisper-banner')).isVisible(), false);
      await assertNoViolations(anna, 'whispering, with the group in the participants panel');
      await assertNoViolations(bernd, 'someone whispers to me (German)');
      // getStats: Bernd's counter for Anna rises, Clara's does not move
      const toBernd = await arriving(bernd, mic(idAnna));
      const toClara = await arriving(clara, mic(idAnna));
      assert.ok(toBernd > 20, `Anna's whisper reaches Bernd (${toBernd} packets)`);
      assert.ok(toClara <= 2, `Anna whispers, yet ${toClara} of her packets reached Clara`);
      // undisturbed: Clara and Bernd hear each other, Anna hears both
      await rising(clara, mic(idBernd), 'packets');
      await rising(bernd, mic(idClara), 'packets');
      await rising(anna, mic(idClara), 'packets');
      await rising(anna, mic(idBernd), 'packets');
    } finally {
      await anna.keyboard.up('w');
    }
    await anna.locator(tid('whisper-banner')).waitFor({ state: 'hidden' });
    await bernd.locator(tid('whisper-banner')).waitFor({ state: 'hidden' });
    await rising(clara, mic(idAnna), 'packets');
    await rising(bernd, mic(idAnna), 'packets');
    assert.match(await metrics(), /ratsaal_whispers_started_total [1-9]/);
  }));

test('Clara, outside the group, cannot whisper to it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const groupId = await anna.locator(tid('whisper-group')).getAttribute('data-group-id');
    // Clara's page has no key for the group; her client asks anyway
    await clara.evaluate((group) => window.__ratsaalMeeting.sig.send({ ns: 'whisper', action: 'start', group }), groupId);
    const refused = clara.locator('.toast[data-code="not_group_member"]');
    await refused.waitFor({ state: 'visible' });
    assert.match(await refused.textContent(), /You are not a member of this whisper group/);
    // nothing was routed: Clara still reaches Anna and Bernd
    assert.ok((await arriving(anna, mic(idClara))) > 20, 'Clara reaches Anna');
    assert.ok((await arriving(bernd, mic(idClara))) > 20, 'Clara reaches Bernd');
    assert.match(await metrics(), /ratsaal_whisper_refused_total\{reason="not_group_member"\} [1-9]/);
  }));

test('the moderator forbids whispering: the key is refused and Anna stays audible to all', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openParticipants(clara);
    const sw = clara.locator(tid('whisper-allow'));
    assert.equal(await sw.getAttribute('aria-checked'), 'true');
    assert.equal(await anna.locator(tid('whisper-allow')).count(), 0); // not for participants
    await sw.click();
    await h.waitUntil(async () => (await sw.getAttribute('aria-checked')) === 'false', { message: 'whispering off' });
    await anna.locator('.toast', { hasText: 'The moderators have turned whispering off' }).waitFor({ state: 'visible' });
    // Anna holds W anyway: the server refuses, and her audio keeps reaching everyone
    await unfocus(anna);
    await anna.keyboard.down('w');
    try {
      await anna.locator('.toast[data-code="whisper_forbidden"]').waitFor({ state: 'visible' });
      assert.equal(await anna.locator(tid('whisper-banner')).isVisible(), false);
      assert.equal(await bernd.locator(tid('whisper-banner')).isVisible(), false);
      assert.ok((await arriving(clara, mic(idAnna))) > 20, 'Anna is heard by Clara while whispering is forbidden');
    } finally {
      await anna.keyboard.up('w');
    }
    assert.match(await metrics(), /ratsaal_whisper_refused_total\{reason="whisper_forbidden"\} [1-9]/);
    // allowed again
    await sw.click();
    await h.waitUntil(async () => (await sw.getAttribute('aria-checked')) === 'true', { message: 'whispering on' });
  }));

test('Bernd whispers with the hold button (touch screens): Anna receives him, Clara does not', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const hold = bernd.locator(tid('whisper-hold'));
    await hold.waitFor({ state: 'visible' });
    assert.match(await hold.textContent(), /Flüstern: Fraktion/);
    await hold.hover();
    await bernd.mouse.down();
    try {
      await anna.locator(tid('whisper-banner'), { hasText: 'Bernd whispers to you (“Fraktion”)' }).waitFor({ state: 'visible' });
      assert.equal(await hold.getAttribute('aria-pressed'), 'true');
      const toAnna = await arriving(anna, mic(idBernd));
      const toClara = await arriving(clara, mic(idBernd));
      assert.ok(toAnna > 20, `Bernd's whisper reaches Anna (${toAnna} packets)`);
      assert.ok(toClara <= 2, `Bernd whispers, yet ${toClara} of his packets reached Clara`);
    } finally {
      await bernd.mouse.up();
    }
    await anna.locator(tid('whisper-banner')).waitFor({ state: 'hidden' });
    await rising(clara, mic(idBernd), 'packets');
  }));

test('muted by the chair, Anna cannot whisper around it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await unfocus(anna);
    await anna.keyboard.down('w');
    try {
      await bernd.locator(tid('whisper-banner'), { hasText: 'Anna flüstert Ihnen zu' }).waitFor({ state: 'visible' });
      // the chair (Clara) mutes Anna mid-whisper: the whisper ends, nobody receives her
      await h.openParticipants(clara);
      const row = h.participantItem(clara, 'Anna');
      await row.locator(tid('chair-menu')).click();
      await row.locator(tid('chair-mute')).click();
      await anna.locator('.toast', { hasText: 'Your whisper ended: the chair muted your microphone.' }).waitFor({ state: 'visible' });
      await bernd.locator(tid('whisper-banner')).waitFor({ state: 'hidden' });
      assert.ok((await arriving(bernd, mic(idAnna))) <= 2, 'a muted whisperer reached her group');
      assert.ok((await arriving(clara, mic(idAnna))) <= 2, 'a muted whisperer reached the chair');
    } finally {
      await anna.keyboard.up('w');
    }
    // pressing the key again is refused while the mute holds
    await unfocus(anna);
    await anna.keyboard.down('w');
    try {
      await anna.locator('.toast[data-code="mic_restricted"]').waitFor({ state: 'visible' });
      assert.equal(await bernd.locator(tid('whisper-banner')).isVisible(), false);
    } finally {
      await anna.keyboard.up('w');
    }
    assert.match(await metrics(), /ratsaal_whisper_refused_total\{reason="mic_restricted"\} [1-9]/);
    for (const p of [clara, anna, bernd]) {
      assert.deepEqual(p.pageErrors, [], 'no page errors');
      assert.deepEqual(p.cspViolations, [], 'no CSP violations');
      // the refusals this test provokes are toasts, not console errors
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
    }
  }));
