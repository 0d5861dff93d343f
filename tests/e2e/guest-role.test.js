// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12 in Chromium, against the real binary with local accounts:
// - point 6: an invitation made today for a meeting in 7 days at 17:00 outlives the meeting
//   (default expiry = scheduled end + invite_grace_h); "My meetings" offers "Until the meeting
//   ends" and lists the expiry; an explicit expiry in the past is refused;
// - point 7: a guest invitation makes a guest, shown as "Guest"/"Gast" on the tile and in a
//   section of its own; a guest gets no screen button and no "Copy link", and the server refuses
//   its screen share and moderator actions; a moderator makes the guest a participant;
// - the chair leaving: a keyboard-operable dialog (hand over, end for all, just leave); hand over
//   makes the chosen member moderator; "End meeting for all" ends it for everyone (German and
//   English screens), joins are refused until the chair starts it again; counted in /metrics.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');

const { tid } = h;
const stopWatchdog = h.watchdog(170000);
const PW = 'gast-test-passwort-1';
const HOUR = 3600 * 1000;

let browser;
let server;

before(async () => {
  server = await idp.startRatsaal({
    config: { anonymous_meetings: 'off', invite_grace_h: 3, login_rate_per_min: 100 },
    users: [
      { name: 'chair', role: 'user', password: PW, displayName: 'Erika Vorsitz' },
      { name: 'member', role: 'user', password: PW, displayName: 'Max Mitglied' },
    ],
  });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

const { pageApi } = h;

/** Like h.gotoReady, but patient: the shared test machine is often very busy. */
async function open(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
}

async function login(page, username) {
  await open(page, `${server.url}/login?return=/meetings`);
  await page.locator(tid('login-username')).waitFor({ state: 'visible' });
  await page.fill(tid('login-username'), username);
  await page.fill(tid('login-password'), PW);
  await page.click(tid('login-submit'));
  await page.waitForURL(`${server.url}/meetings`, { timeout: 15000, waitUntil: 'commit' });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
}

/** Error events the server sent this page, as {ns, code}. */
function recordErrors(page) {
  page.errors_ = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try {
      const m = JSON.parse(String(f.payload));
      if (m.event === 'error') page.errors_.push({ ns: m.ns, code: m.code });
    } catch { /* not JSON */ }
  }));
  return page;
}

const send = (page, msg) => page.evaluate((m) => window.__ratsaalMeeting.sig.trySend(m), msg);
const roleOf = (page, id) => page.evaluate((pid) => {
  const p = window.__ratsaalMeeting.state.participants.get(pid);
  return p ? p.role : null;
}, id);

/** A meeting in 7 days, 17:00 to 19:00 local time, lobby off; returns the meeting. */
async function scheduleMeeting(page, title) {
  // eight days ahead: a week ahead at 17:00 ends (with the 3 h grace) at 22:00, and a run after
  // 22:00 would see "now + 7 days" later than that
  const start = new Date();
  start.setDate(start.getDate() + 8);
  start.setHours(17, 0, 0, 0);
  const r = await pageApi(page, 'POST', '/api/v1/meetings', { title, lobby: false, scheduled_start: start.getTime(), scheduled_end: start.getTime() + 2 * HOUR });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

/** The chair signed in, with a scheduled meeting and a guest invitation, in the meeting. */
async function chairInMeeting(pages, title, { recordErrs = false } = {}) {
  const chair = await h.newPage(browser);
  if (recordErrs) recordErrors(chair);
  pages.push(chair);
  await login(chair, 'chair');
  const m = await scheduleMeeting(chair, title);
  const inv = await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, { role: 'guest' });
  await joinMeeting(chair, `${server.url}/r/${m.id}`);
  return { chair, m, guestUrl: `${server.url}${inv.json.url}` };
}

async function joinMeeting(page, url, name) {
  await open(page, url);
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  if (name) await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible' });
}

test('invitation expiry follows the schedule; explicit expiry in the past refused; "My meetings" shows it', async (t) => {
  const pages = [];
  t.after(() => Promise.all(pages.map((p) => p.context().close().catch(() => {}))));
  await h.withArtifacts(t, () => pages, async () => {
    const chair = await h.newPage(browser);
    pages.push(chair);
    await login(chair, 'chair');
    const m = await scheduleMeeting(chair, 'Bauausschuss');
    const before = Date.now();

    // REST: no expiry given → the meeting's end + invite_grace_h (3 h), not "now + 7 days",
    // which would be the morning of the meeting day
    const inv = await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, { role: 'guest' });
    assert.equal(inv.status, 201);
    assert.equal(inv.json.expires_at, m.scheduled_end + 3 * HOUR);
    assert.ok(inv.json.expires_at > m.scheduled_end, 'the invitation outlives the meeting');
    assert.ok(inv.json.expires_at > before + 7 * 24 * HOUR);
    // an explicit expiry still wins ...
    const short = await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, { role: 'guest', expires_in_s: 3600 });
    assert.equal(short.status, 201);
    assert.ok(Math.abs(short.json.expires_at - (Date.now() + HOUR)) < 60000);
    const at = m.scheduled_end + 24 * HOUR;
    const exact = await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, { role: 'participant', expires_at: at });
    assert.equal(exact.status, 201);
    assert.equal(exact.json.expires_at, at);
    // ... but not one in the past, and not both kinds at once
    for (const body of [{ role: 'guest', expires_at: Date.now() - 60000 }, { role: 'guest', expires_at: at, expires_in_s: 3600 }, { role: 'guest', expires_at: 'tomorrow' }]) {
      const bad = await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.json.error.field, 'expires_at');
    }
    // an unscheduled meeting keeps 7 days
    const adhoc = await pageApi(chair, 'POST', '/api/v1/meetings', { title: 'Ohne Termin' });
    const inv7 = await pageApi(chair, 'POST', `/api/v1/meetings/${adhoc.json.id}/invites`, { role: 'guest' });
    assert.ok(Math.abs(inv7.json.expires_at - (Date.now() + 7 * 24 * HOUR)) < 60000);

    // UI: the default choice is "Until the meeting ends"; the list shows the expiry
    await open(chair, `${server.url}/meetings`);
    const item = chair.locator(tid('meeting-item')).filter({ has: chair.locator(tid('meeting-title'), { hasText: 'Bauausschuss' }) });
    await item.waitFor({ state: 'visible' });
    await item.locator(tid('meeting-invites')).click();
    const expiry = item.locator(tid('invite-expiry'));
    await expiry.waitFor({ state: 'visible' });
    assert.equal(await expiry.inputValue(), '');
    assert.equal((await expiry.locator('option:checked').textContent()).trim(), 'Until the meeting ends');
    await item.locator(tid('invite-role')).selectOption('guest');
    await item.locator(tid('invite-create')).click();
    await item.locator(tid('invite-link')).waitFor({ state: 'visible' });
    const list = await pageApi(chair, 'GET', `/api/v1/meetings/${m.id}/invites`);
    const newest = list.json.invites.reduce((a, b) => (b.created_at >= a.created_at ? b : a));
    assert.equal(newest.expires_at, m.scheduled_end + 3 * HOUR);
    const shown = await chair.evaluate((ms) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms)), newest.expires_at);
    await item.locator(tid('invite-state'), { hasText: shown }).first().waitFor({ state: 'visible' });

    // German: the same choice in German
    const de = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(de);
    await login(de, 'chair');
    const itemDe = de.locator(tid('meeting-item')).filter({ has: de.locator(tid('meeting-title'), { hasText: 'Bauausschuss' }) });
    await itemDe.locator(tid('meeting-invites')).click();
    await itemDe.locator(tid('invite-expiry')).waitFor({ state: 'visible' });
    assert.equal((await itemDe.locator(`${tid('invite-expiry')} option:checked`).textContent()).trim(), 'Bis zum Ende der Besprechung');
    await itemDe.locator(tid('invite-state'), { hasText: 'gültig bis' }).first().waitFor({ state: 'visible' });
  });
});

test('a guest is a guest: label and section, no screen sharing or link, refused server-side; made a participant by the chair', async (t) => {
  const pages = [];
  t.after(() => Promise.all(pages.map((p) => p.context().close().catch(() => {}))));
  await h.withArtifacts(t, () => pages, async () => {
    const { chair, guestUrl } = await chairInMeeting(pages, 'Gästerunde', { recordErrs: true });

    const guest = recordErrors(await h.newPage(browser, { locale: 'de-DE' }));
    pages.push(guest);
    await joinMeeting(guest, guestUrl, 'Gisela Gast');
    const guestId = await h.selfId(guest);

    // the guest's own view (German): "Gast" on its tile, no screen button, no link to copy
    const ownTile = guest.locator(`${tid('tile')}[data-participant-id="${guestId}"]`);
    await ownTile.locator(tid('tile-guest')).waitFor({ state: 'visible' });
    assert.equal((await ownTile.locator(tid('tile-guest')).textContent()).trim(), 'Gast');
    await guest.locator(`${tid('mic-button')}:not([disabled])`).waitFor();
    assert.equal(await guest.locator(tid('screen-button')).isVisible(), false, 'no screen button for a guest');
    assert.equal(await guest.locator('#copy-link').isVisible(), false, 'no meeting link for a guest');

    // the chair's view (English): a "Guests" section and a "Guest" label on the tile
    await h.openParticipants(chair);
    const guestList = chair.locator(tid('guest-list'));
    await guestList.locator(tid('participant-item'), { hasText: 'Gisela Gast' }).waitFor({ state: 'visible' });
    assert.equal((await chair.locator(tid('guest-heading')).textContent()).trim(), 'Guests (1)');
    assert.equal(await chair.locator(tid('participant-list')).locator(tid('participant-item'), { hasText: 'Gisela Gast' }).count(), 0);
    const tile = chair.locator(`${tid('tile')}[data-participant-id="${guestId}"]`);
    assert.equal((await tile.locator(tid('tile-guest')).textContent()).trim(), 'Guest');

    // the server enforces it, whatever the client does
    await send(guest, { ns: 'media', action: 'publish', sdp: 'v=0\r\n', tracks: [{ mid: '0', source: 'screen' }] });
    await send(guest, { ns: 'moderation', action: 'end' });
    await send(guest, { ns: 'moderation', action: 'set_role', id: guestId, role: 'participant' });
    await h.waitUntil(() => guest.errors_.length >= 3, { message: 'three refusals' });
    assert.deepEqual(guest.errors_.slice(0, 3), [{ ns: 'media', code: 'forbidden' }, { ns: 'moderation', code: 'forbidden' }, { ns: 'moderation', code: 'forbidden' }]);
    assert.equal(await roleOf(chair, guestId), 'guest');
    // not even the owner makes a guest a moderator in one step
    await send(chair, { ns: 'moderation', action: 'set_role', id: guestId, role: 'moderator' });
    await h.waitUntil(() => chair.errors_.some((e) => e.code === 'invalid_value'), { message: 'guest → moderator refused' });
    assert.equal(await roleOf(chair, guestId), 'guest');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^ratsaal_participants_by_role\{role="guest"\} 1$/m);

    // the chair makes the guest a participant: the section empties, the screen button appears
    const action = guestList.locator(`${tid('participant-item')}:has-text("Gisela Gast") ${tid('role-action')}`);
    assert.equal(await action.getAttribute('data-action'), 'make-participant');
    // the list is drawn again on every update (media, mute): click until one lands
    await h.waitUntil(async () => {
      await action.click({ timeout: 1500 }).catch(() => {});
      return (await roleOf(chair, guestId)) === 'participant';
    }, { timeout: 20000, interval: 200, message: 'guest made participant' });
    await chair.locator(tid('participant-list')).locator(tid('participant-item'), { hasText: 'Gisela Gast' }).waitFor({ state: 'visible' });
    assert.equal(await chair.locator(tid('guest-heading')).isVisible(), false);
    await guest.locator(tid('screen-button')).waitFor({ state: 'visible' });
    await ownTile.locator(tid('tile-guest')).waitFor({ state: 'hidden' });
    assert.equal(await roleOf(guest, guestId), 'participant');
  });
});

test('the chair leaving: dialog by keyboard, hand over, end for all (German and English), joins refused until the chair returns', async (t) => {
  const pages = [];
  t.after(() => Promise.all(pages.map((p) => p.context().close().catch(() => {}))));
  await h.withArtifacts(t, () => pages, async () => {
    const { chair, m, guestUrl } = await chairInMeeting(pages, 'Ratssitzung');
    const room = `${server.url}/r/${m.id}`;
    const member = recordErrors(await h.newPage(browser));
    pages.push(member);
    await login(member, 'member');
    await joinMeeting(member, room);
    const memberId = await h.selfId(member);
    const guest = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(guest);
    await joinMeeting(guest, guestUrl, 'Gisela Gast');

    // a participant's Leave just leaves; its "end" is refused and ends nothing
    await send(member, { ns: 'moderation', action: 'end' });
    await h.waitUntil(() => member.errors_.some((e) => e.ns === 'moderation' && e.code === 'forbidden'), { message: 'end refused' });
    assert.equal(await member.locator(tid('meeting')).isVisible(), true);

    // the chair's Leave asks; Escape keeps the chair in the meeting
    await chair.click(tid('leave-button'));
    const dialog = chair.locator(tid('leave-dialog'));
    await dialog.waitFor({ state: 'visible' });
    assert.equal((await dialog.locator('h2').textContent()).trim(), 'Leave the meeting?');
    // only someone who can become moderator is offered: the member, not the guest
    const options = await dialog.locator(`${tid('leave-handover-select')} option`).allTextContents();
    assert.deepEqual(options, ['Max Mitglied']);
    await chair.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await chair.evaluate(() => window.__ratsaalMeeting.phase), 'meeting');

    // keyboard only: the picker has the focus, Tab to "Hand over and leave", Enter
    await chair.click(tid('leave-button'));
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'leave-handover-select');
    await chair.keyboard.press('Tab');
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'leave-handover');
    await chair.keyboard.press('Enter');
    await chair.locator(tid('ended')).waitFor({ state: 'visible' });
    assert.equal(await chair.locator(tid('ended')).getAttribute('data-reason'), 'left');
    await h.waitUntil(async () => (await roleOf(member, memberId)) === 'moderator', { message: 'member is moderator' });

    // the member, now chairing, ends the meeting for all
    await member.click(tid('leave-button'));
    await member.locator(tid('leave-dialog')).waitFor({ state: 'visible' });
    await member.click(tid('leave-end'));
    await member.locator(tid('ended-heading')).waitFor({ state: 'visible' });
    assert.equal((await member.locator(tid('ended-heading')).textContent()).trim(), 'You ended the meeting for everyone.');
    await guest.locator(tid('ended-heading')).waitFor({ state: 'visible' });
    assert.equal((await guest.locator(tid('ended-heading')).textContent()).trim(), 'Die Besprechung wurde von der Sitzungsleitung beendet.');
    assert.equal(await guest.locator(tid('ended')).getAttribute('data-reason'), 'ended');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^ratsaal_meetings_ended_total 1$/m);

    // the guest cannot come back in (German denial screen) ...
    await open(guest, guestUrl);
    await guest.locator(tid('name-input')).waitFor({ state: 'visible' });
    await guest.fill(tid('name-input'), 'Gisela Gast');
    await guest.click(tid('join-button'));
    await guest.locator(tid('join-denied')).waitFor({ state: 'visible' });
    assert.equal((await guest.locator(tid('denied-heading')).textContent()).trim(), 'Die Besprechung wurde von der Sitzungsleitung beendet.');
    // ... until the chair (the owner) starts it again
    await chair.click(tid('rejoin-button'));
    await chair.locator(tid('meeting')).waitFor({ state: 'visible' });
    await joinMeeting(guest, guestUrl, 'Gisela Gast');
    await h.openParticipants(chair);
    await chair.locator(tid('guest-list')).locator(tid('participant-item'), { hasText: 'Gisela Gast' }).waitFor({ state: 'visible' });

    // "Just leave" leaves the meeting running for the others
    await chair.click(tid('leave-button'));
    await chair.locator(tid('leave-dialog')).waitFor({ state: 'visible' });
    await chair.click(tid('leave-just'));
    await chair.locator(tid('ended')).waitFor({ state: 'visible' });
    assert.equal(await guest.locator(tid('meeting')).isVisible(), true);
  });
});
