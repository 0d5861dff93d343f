// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Accessibility: axe-core (from node_modules, see lib/axe.js) with the WCAG 2.0/2.1 A and AA
// rules on every page state the suite reaches — landing, login, "My meetings" (with a meeting's
// invites open), pre-join, meeting view, device settings dialog, chat panel, participants panel
// with a guest waiting in the lobby, the guest's lobby screen, a raised hand, the rejected,
// denied and left screens — in English; landing, pre-join and meeting view (raised hand, unread
// chat badge) in German; and the landing, login and meeting pages at phone width.
// Every state must have zero violations; a failure lists each violation's id, impact and targets.

const { test, before, after } = require('node:test');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { axeViolations, formatViolations } = require('./lib/axe.js');

const { tid } = h;
const stopWatchdog = h.watchdog(170000);
const PASSWORD = 'a11y-passwort-123';

let browser;
let server;

before(async () => {
  server = await idp.startRatsaal({ users: [{ name: 'mod1', role: 'moderator', password: PASSWORD, displayName: 'Erika Mustermann' }] });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

/** Collects the violations of every state; the test fails at the end with all of them. */
function checker(t) {
  const found = [];
  const checked = [];
  return {
    async check(page, label) {
      const v = await axeViolations(page);
      checked.push(label);
      if (v.length) {
        found.push(`── ${label}\n${formatViolations(v)}`);
        t.diagnostic(`axe: ${v.length} violation(s) on ${label}`);
      }
    },
    done() {
      t.diagnostic(`axe checked: ${checked.join(', ')}`);
      if (refused.length) throw new Error(`refused phase transitions: ${refused.join('; ')}`);
      if (found.length) throw new Error(`axe found violations (WCAG 2.1 A/AA):\n${found.join('\n')}`);
    },
  };
}

/** A page for axe; it also records refused phase transitions (web/js/phases.js), which must not happen. */
const refused = [];
async function page(o = {}) {
  const p = await h.newPage(browser, { bypassCSP: true, ...o });
  p.on('console', (m) => {
    if (m.type() === 'warning' && m.text().startsWith('meeting: no transition')) refused.push(m.text());
  });
  return p;
}

/** The pre-join preview has its camera and microphone (a join before that joins without them). */
const previewLive = (p) => h.waitUntil(() => p.evaluate(() => window.__ratsaalMeeting.prejoin.stream.getTracks().length === 2), { timeout: 10000, message: 'pre-join camera and microphone' });

test('axe: no WCAG 2.1 A/AA violations on the pages and meeting states (English)', async (t) => {
  const pages = [];
  const axe = checker(t);
  await h.withArtifacts(t, () => pages, async () => {
    // landing, anonymous
    const anon = await page();
    pages.push(anon);
    await h.gotoReady(anon, `${server.url}/`);
    await anon.locator(tid('start-button')).waitFor({ state: 'visible' });
    await axe.check(anon, 'landing page');

    // login page, then the form → My meetings
    const mod = await page();
    pages.push(mod);
    await h.gotoReady(mod, `${server.url}/login?return=/meetings`);
    await mod.locator(tid('login-username')).waitFor({ state: 'visible' });
    await axe.check(mod, 'login page');
    await mod.fill(tid('login-username'), 'mod1');
    await mod.fill(tid('login-password'), PASSWORD);
    await mod.click(tid('login-submit'));
    await mod.waitForURL(`${server.url}/meetings`);
    await mod.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
    await mod.locator(tid('meeting-create-title')).waitFor({ state: 'visible' });
    await axe.check(mod, '"My meetings" (empty)');

    // a meeting (lobby on by default) and a guest invite through the UI
    const title = 'Barrierefreiheit';
    await mod.fill(tid('meeting-create-title'), title);
    await mod.click(tid('meeting-create-submit'));
    const item = mod.locator(tid('meeting-item')).filter({ has: mod.locator(tid('meeting-title'), { hasText: title }) });
    await item.waitFor({ state: 'visible' });
    const meetingId = await item.getAttribute('data-meeting-id');
    await item.locator(tid('meeting-invites')).click();
    await item.locator(tid('invite-role')).selectOption('guest');
    await item.locator(tid('invite-create')).click();
    await item.locator(tid('invite-link')).waitFor({ state: 'visible' });
    const inviteUrl = await item.locator(tid('invite-link')).inputValue();
    await axe.check(mod, '"My meetings" with a meeting and its invites open');
    await item.locator(tid('meeting-edit')).click();
    await item.locator(tid('meeting-edit-panel')).waitFor({ state: 'visible' });
    await axe.check(mod, '"My meetings" with the edit form open');

    // pre-join and the meeting view (moderator)
    await h.gotoReady(mod, `${server.url}/r/${meetingId}`);
    await mod.locator(tid('name-input')).waitFor({ state: 'visible' });
    await h.waitUntil(async () => (await mod.inputValue(tid('name-input'))) === 'Erika Mustermann', { message: 'name prefilled' });
    await previewLive(mod);
    await axe.check(mod, 'pre-join screen');
    await mod.click(tid('join-button'));
    await mod.locator(tid('meeting')).waitFor({ state: 'visible' });
    await mod.locator(`${tid('mic-button')}:not([disabled])`).waitFor();
    await axe.check(mod, 'meeting view');
    await mod.click(tid('mic-button'));
    await mod.locator(`${tid('mic-button')}[aria-pressed="false"]`).waitFor();
    await axe.check(mod, 'meeting view, microphone off');

    // device settings dialog
    await mod.click(tid('settings-button'));
    await mod.locator(tid('settings-dialog')).waitFor({ state: 'visible' });
    await axe.check(mod, 'settings dialog open');
    await mod.click(tid('settings-done'));
    await mod.locator(tid('settings-dialog')).waitFor({ state: 'hidden' });

    // chat panel with a message
    await h.openChat(mod);
    await axe.check(mod, 'chat panel open (empty)');
    await mod.fill(tid('chat-input'), 'Guten Morgen');
    await mod.press(tid('chat-input'), 'Enter');
    await mod.locator(tid('chat-log')).getByText('Guten Morgen').waitFor();
    await axe.check(mod, 'chat panel open with a message');

    // a guest: invite link → pre-join → lobby
    const guest = await page();
    pages.push(guest);
    await h.gotoReady(guest, inviteUrl);
    await guest.locator(tid('name-input')).waitFor({ state: 'visible' });
    await axe.check(guest, 'pre-join screen (guest invite)');
    await guest.fill(tid('name-input'), 'Gast Eins');
    await guest.click(tid('join-button'));
    await guest.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
    await axe.check(guest, 'lobby: guest waiting');

    // participants panel with the lobby section and the waiting guest
    await h.openParticipants(mod);
    await mod.locator(tid('lobby-item')).waitFor({ state: 'visible' });
    await axe.check(mod, 'participants panel open, one guest in the lobby');

    // raised hand ("Lower hand")
    await mod.click(tid('hand-button'));
    await mod.locator(`${tid('hand-button')}[aria-pressed="true"]`).waitFor();
    await mod.locator(tid('hand-item')).waitFor({ state: 'visible' });
    await axe.check(mod, 'participants panel open, hand raised');

    // the guest is rejected
    await mod.locator(tid('lobby-item')).locator(tid('lobby-reject')).click();
    await guest.locator(tid('lobby-rejected')).waitFor({ state: 'visible' });
    await axe.check(guest, 'rejected screen');

    // no invitation, not signed in: denied
    const stranger = await page();
    pages.push(stranger);
    await h.gotoReady(stranger, `${server.url}/r/${meetingId}`);
    await stranger.locator(tid('name-input')).waitFor({ state: 'visible' });
    await stranger.fill(tid('name-input'), 'Jemand');
    await stranger.click(tid('join-button'));
    await stranger.locator(tid('join-denied')).waitFor({ state: 'visible' });
    await axe.check(stranger, 'join denied screen');

    // leave: the chair is asked first (hand over, end for all, just leave)
    await mod.click(tid('leave-button'));
    await mod.locator(tid('leave-dialog')).waitFor({ state: 'visible' });
    await axe.check(mod, 'the chair\'s leave dialog');
    await mod.click(tid('leave-just'));
    await mod.locator(tid('ended')).waitFor({ state: 'visible' });
    await axe.check(mod, 'left screen');

    for (const p of pages) if (p.pageErrors.length) throw new Error(`page errors: ${p.pageErrors.join('; ')}`);
    axe.done();
  });
});

test('axe: no WCAG 2.1 A/AA violations in German (landing, pre-join, meeting)', async (t) => {
  const pages = [];
  const axe = checker(t);
  await h.withArtifacts(t, () => pages, async () => {
    const de = await page({ locale: 'de-DE' });
    pages.push(de);
    await h.gotoReady(de, `${server.url}/`);
    await axe.check(de, 'Startseite');
    await de.click(tid('start-button'));
    await de.waitForURL(/\/r\/[A-Za-z0-9_-]{22}(#.*)?$/);
    await de.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
    await de.locator(tid('name-input')).waitFor({ state: 'visible' });
    await axe.check(de, 'Vorschau vor dem Beitritt');
    await de.fill(tid('name-input'), 'Erika');
    await de.click(tid('join-button'));
    await de.locator(tid('meeting')).waitFor({ state: 'visible' });
    await de.click(tid('hand-button'));
    await de.locator(`${tid('hand-button')}[aria-pressed="true"]`).waitFor();
    await h.openParticipants(de);
    await axe.check(de, 'Besprechung, Teilnehmerliste, Hand gehoben');
    // someone else writes while the chat is closed: the unread badge
    const other = await page({ locale: 'de-DE' });
    pages.push(other);
    await h.joinByLink(other, `${de.url().split('#')[0]}?name=Max&join=1`);
    await h.openChat(other);
    await other.fill(tid('chat-input'), 'Hallo');
    await other.press(tid('chat-input'), 'Enter');
    await de.locator(tid('unread-badge')).filter({ hasText: '1' }).waitFor({ state: 'visible' });
    await axe.check(de, 'Besprechung, ungelesene Chatnachricht');
    axe.done();
  });
});

test('axe: no WCAG 2.1 A/AA violations at phone width (400 px: phone control bar, More menu, logo-only brand)', async (t) => {
  const pages = [];
  const axe = checker(t);
  await h.withArtifacts(t, () => pages, async () => {
    const p = await page({ viewport: { width: 400, height: 800 } });
    pages.push(p);
    await h.gotoReady(p, `${server.url}/`);
    await axe.check(p, 'landing page (narrow)');
    await h.gotoReady(p, `${server.url}/login`);
    await axe.check(p, 'login page (narrow)');
    await h.startMeetingViaUi(p, server.url, 'Schmal');
    await p.locator(`${tid('mic-button')}:not([disabled])`).waitFor();
    await axe.check(p, 'meeting view (narrow)');
    await p.click(tid('more-button'));
    await p.locator(tid('more-menu')).waitFor({ state: 'visible' });
    await axe.check(p, 'More menu open (narrow)');
    await p.keyboard.press('Escape');
    await h.openParticipants(p);
    await axe.check(p, 'participants panel open (narrow)');
    await h.openChat(p);
    await axe.check(p, 'chat panel open (narrow)');
    axe.done();
  });
});
