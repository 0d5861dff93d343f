// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The whole client in Firefox ESR (issue 16): a chair (English) starts a meeting from the
// landing page, sees the devices and the preview on the pre-join screen and joins; a member
// (German, a second Firefox window) joins by link. Chat, raised hand, a reaction, the participant
// list, the settings dialog, microphone and camera off (seen by the other and, for the camera,
// no more frames), a screen share that cannot start (the warning), a vote (opened, cast by both, closed, the result on both pages) and leaving.
// No page error, console error or CSP violation in Firefox along the way.
//
// In the network namespace so that media flows too (Firefox gathers no loopback candidates):
//     RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/firefox-ui.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');
const ff = require('../e2e/lib/firefox.js');

const { tid } = h;
const stopWatchdog = h.watchdog(240000);
let server; let firefox;
const pages = [];
let chair; let member; let idChair; let idMember;

before(async () => {
  ns.setup();
  server = await h.startServer(ns.serverOptions());
  firefox = await ff.launchFirefox();
});

after(async () => {
  if (firefox) await firefox.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

const tileOf = (id) => `${tid('tile')}[data-participant-id="${id}"]`;
const count = (page, selector) => page.$$eval(selector, (els) => els.length);

test('landing → start a meeting → pre-join with devices and preview → join; a German member joins by link', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await ff.newPage(firefox); pages.push(chair);
    await ff.gotoReady(chair, `${server.url}/`);
    await Promise.all([chair.waitForNavigation(), ff.click(chair, 'start-button')]);
    await ff.waitFor(chair, 'html[data-ready="1"]', { state: 'attached' });
    assert.match(chair.url(), /\/r\/[A-Za-z0-9_-]{22}(#.*)?$/);
    // the pre-join lists Firefox's fake devices and plays the preview
    await ff.waitFor(chair, 'name-input');
    await h.waitUntil(() => chair.evaluate(() => {
      const n = (id) => document.querySelectorAll(`[data-testid="${id}"] option`).length;
      const v = document.querySelector('[data-testid="preview-video"]');
      return n('camera-select') > 0 && n('mic-select') > 0 && v && v.videoWidth > 0 && !v.paused;
    }), { timeout: 15000, message: 'device lists and a playing preview' });
    await ff.joinFromPrejoin(chair, 'Vera Vorsitz');
    idChair = await ff.selfId(chair);

    member = await ff.newPage(firefox, { locale: 'de-DE' }); pages.push(member);
    await ff.joinByLink(member, `${chair.url().replace(/#.*$/, '')}?name=Max%20Mitglied&join=1`);
    idMember = await ff.selfId(member);
    assert.equal(await ff.attr(member, 'hand-button', 'aria-label'), 'Hand heben');
    assert.equal(await ff.attr(chair, 'hand-button', 'aria-label'), 'Raise hand');
    // and they see each other's camera
    await ff.rising(chair, `${idMember}:camera`, 'frames');
    await ff.rising(member, `${idChair}:camera`, 'frames');
  }));

test('chat, a raised hand, a reaction and the participant list', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await ff.openChat(chair);
    await ff.fill(chair, 'chat-input', 'Guten Morgen aus Firefox');
    await chair.keyboard.press('Enter');
    await ff.openChat(member);
    await h.waitUntil(() => member.evaluate(() => [...document.querySelectorAll('[data-testid="chat-message"]')]
      .some((m) => m.textContent.includes('Guten Morgen aus Firefox') && m.querySelector('[data-testid="chat-from"]').textContent === 'Vera Vorsitz')),
    { message: 'the chat message at the member' });
    assert.equal(await chair.$eval(tid('chat-input'), (e) => e.value), '', 'input cleared after sending');

    await ff.click(member, 'hand-button');
    await ff.waitFor(member, `${tid('hand-button')}[aria-pressed="true"]`);
    await ff.waitFor(chair, `${tileOf(idMember)} ${tid('hand-badge')}`);
    await ff.click(member, 'hand-button');
    await ff.waitFor(chair, `${tileOf(idMember)} ${tid('hand-badge')}`, { state: 'hidden' });

    await ff.click(member, 'reaction-applause');
    await ff.waitFor(chair, `${tileOf(idMember)} ${tid('reaction-flash')}[data-kind="applause"]`, { state: 'attached', timeout: 5000 });

    await ff.openParticipants(chair);
    await h.waitUntil(async () => (await count(chair, tid('participant-item'))) === 2, { message: 'two participants listed' });
    const names = await chair.$$eval(tid('participant-name'), (els) => els.map((e) => e.textContent));
    assert.ok(names.some((n) => n.includes('Max Mitglied')) && names.some((n) => n.includes('Vera Vorsitz')), names.join(', '));
  }));

test('the settings dialog lists the devices and closes with Escape', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await ff.click(member, 'settings-button');
    await ff.waitFor(member, 'settings-dialog');
    assert.ok(await count(member, `${tid('settings-mic')} option`) > 0, 'microphones listed');
    assert.ok(await count(member, `${tid('settings-camera')} option`) > 0, 'cameras listed');
    await member.keyboard.press('Escape');
    await ff.waitFor(member, 'settings-dialog', { state: 'hidden' });
  }));

test('microphone and camera off are seen by the other; no more frames arrive', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await ff.click(chair, 'mic-button');
    assert.equal(await ff.attr(chair, 'mic-button', 'aria-pressed'), 'false');
    await ff.waitFor(member, `${tileOf(idChair)} ${tid('muted-indicator')}`);
    await ff.click(chair, 'camera-button');
    assert.equal(await ff.attr(chair, 'camera-button', 'aria-pressed'), 'false');
    await ff.waitFor(member, `${tileOf(idChair)} ${tid('avatar')}`);
    const delta = await ff.inboundDelta(member);
    const key = `${idChair}:camera`;
    assert.ok(!delta[key] || delta[key].frames <= 2, `member still decodes the chair's camera: ${JSON.stringify(delta[key])}`);
    await ff.click(chair, 'camera-button');
    await ff.click(chair, 'mic-button');
    await ff.rising(member, key, 'frames');
    await ff.rising(member, `${idChair}:microphone`, 'packets');
  }));

test('sharing a screen that cannot be captured (headless Firefox has none): a warning in German, nothing published', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // getDisplayMedia() rejects with NotFoundError here, as it rejects when a user cancels
    await ff.click(member, 'screen-button');
    await h.waitUntil(() => member.evaluate(() => [...document.querySelectorAll('#toasts .toast')]
      .some((e) => e.textContent.includes('Die Bildschirmfreigabe wurde abgebrochen oder verweigert.'))),
    { timeout: 10000, message: 'the screen-share warning' });
    assert.equal(await member.evaluate(() => window.__ratsaal.media.on.screen), false);
    assert.equal(await count(chair, tid('screen-share')), 0);
  }));

test('a vote: opened by the chair, cast on both pages, closed, the result on both', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await ff.openParticipants(chair);
    await ff.click(chair, 'vote-new');
    await ff.fill(chair, 'vote-title', 'Bebauungsplan Süd');
    await ff.click(chair, 'vote-start');
    const card = `${tid('vote-card')}`;
    await ff.waitFor(member, `${card} ${tid('vote-option')}`, { timeout: 15000 });
    const labels = await member.$$eval(`${card} ${tid('vote-option')}`, (els) => els.map((e) => e.textContent.trim()));
    assert.deepEqual(labels, ['Ja', 'Nein', 'Enthaltung']);
    await ff.click(member, `${card} ${tid('vote-option')}`);
    await ff.waitFor(member, `${card} ${tid('vote-done')}`, { timeout: 30000 });
    assert.match(await ff.text(member, `${card} ${tid('vote-done')}`), /Ihre Stimme ist gespeichert: Ja/);
    await ff.waitFor(chair, `${card} ${tid('vote-option')}`);
    await chair.$$eval(`${card} ${tid('vote-option')}`, (els) => els[0].click());
    await ff.waitFor(chair, `${card} ${tid('vote-done')}`, { timeout: 30000 });
    await ff.click(chair, `${card} ${tid('vote-close')}`);
    await ff.waitFor(member, 'vote-result', { timeout: 30000 });
    assert.equal((await ff.text(member, 'vote-outcome')).trim(), 'Angenommen');
    await ff.waitFor(chair, 'vote-result', { timeout: 30000 });
    assert.equal((await ff.text(chair, 'vote-outcome')).trim(), 'Passed');
  }));

test('the member leaves; the chair sees one participant; no errors in Firefox', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await ff.click(member, 'leave-button');
    await ff.waitFor(member, 'ended');
    await ff.waitFor(member, 'rejoin-button');
    await ff.waitFor(chair, tileOf(idMember), { state: 'detached' });
    for (const p of pages) assert.deepEqual([...p.pageErrors, ...p.consoleErrors, ...p.cspViolations], []);
  }));
