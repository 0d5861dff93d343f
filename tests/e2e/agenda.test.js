// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13 in Chromium: the agenda, the minutes and the session roles.
// - "My meetings" (English): the chair writes the agenda before the meeting (an empty title is
//   refused in the form, a non-public item, reordering), the server keeps it in that order; a
//   participant's PUT is refused (403); the record links are there.
// - In the meeting: the chair (English) makes an item current by keyboard and calls the next
//   one; everyone (a German and an English participant) sees it on the stage and in the panel,
//   with "nicht öffentlich"; the chair makes the German participant minute-taker (badge in the
//   list and on the tile), who writes minutes that save themselves ("Gespeichert") and that the
//   other participant sees live; a plain participant gets no editing controls, and its forged
//   agenda/minutes/session messages are refused by the server; the chair adds, edits, moves and
//   removes an item live, and cannot remove one with minutes; "Make chair" is not offered for a
//   non-moderator and the server refuses it (not_moderator), which the chair sees.
// - The phone layout (390×844): the agenda opens from "More" as a full-screen sheet and closes
//   back to "More".
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { assertNoViolations } = require('./lib/axe.js');

const { tid, pageApi } = h;
const stopWatchdog = h.watchdog(240000);
const PW = 'agenda-test-passwort-1';

let browser;
let server;
let meeting;
const pages = [];
let chair;
let writer; // German, made minute-taker
let viewer; // English, a plain participant
let inviteUrl;

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

async function joinMeeting(page, url, name) {
  await open(page, url);
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  if (name) await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible', timeout: 30000 });
}

/** Send a message with the page's own signaling connection; resolves with 'ok' or the error code. */
const forge = (page, msg) =>
  page.evaluate((m) => window.__ratsaalMeeting.sig.request(m, { events: [`${m.ns}/state`], timeout: 8000 }).then(() => 'ok', (e) => e.code), msg);

/** Open the agenda panel from "More" (every width). */
async function openAgenda(page) {
  if (await page.locator(tid('agenda-panel')).isVisible()) return;
  // below 860 px a panel is a full-screen sheet over "More": close the other one first
  const other = page.locator('.panel:not([hidden]):not([data-testid="agenda-panel"]) .panel-close');
  if (await other.count()) await other.first().click();
  await page.locator(tid('more-button')).click();
  await page.locator(tid('more-agenda')).click();
  await page.locator(tid('agenda-panel')).waitFor({ state: 'visible' });
}

const agendaItem = (page, title) => page.locator(tid('agenda-item')).filter({ has: page.locator(tid('agenda-title'), { hasText: title }) });
const titles = (page) => page.locator(`${tid('agenda-list')} ${tid('agenda-title')}`).allInnerTexts();

before(async () => {
  server = await idp.startRatsaal({
    config: { anonymous_meetings: 'off', login_rate_per_min: 100 },
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

test('"My meetings": the chair writes the agenda before the meeting', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await h.newPage(browser, { locale: 'en-US', bypassCSP: true }); // axe is injected
    pages.push(chair);
    await login(chair, 'chair');
    const r = await pageApi(chair, 'POST', '/api/v1/meetings', { title: 'Hauptausschuss', lobby: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    meeting = r.json;
    const inv = await pageApi(chair, 'POST', `/api/v1/meetings/${meeting.id}/invites`, { role: 'participant' });
    assert.equal(inv.status, 201, JSON.stringify(inv.json));
    inviteUrl = `${server.url}${inv.json.url}`;

    await open(chair, `${server.url}/meetings`);
    const item = chair.locator(`${tid('meeting-item')}[data-meeting-id="${meeting.id}"]`);
    await item.waitFor();
    // the record of the meeting: a page and JSON
    assert.match(await item.locator(tid('meeting-record')).getAttribute('href'), new RegExp(`/api/v1/meetings/${meeting.id}/record\\.html`));
    assert.equal(await item.locator(tid('meeting-record-json')).getAttribute('href'), `/api/v1/meetings/${meeting.id}/record`);

    await item.locator(tid('meeting-agenda')).click();
    const editor = item.locator(tid('agenda-editor-panel'));
    await editor.locator(tid('agenda-editor-status')).filter({ hasText: '0 items' }).waitFor();
    const rows = editor.locator(tid('agenda-editor-item'));
    for (const title of ['Begrüßung', '', 'Haushalt 2027']) {
      await editor.locator(tid('agenda-editor-add')).click();
      await rows.last().locator(tid('agenda-form-title')).fill(title);
    }
    await rows.nth(2).locator(tid('agenda-form-description')).fill('Beratung und Beschluss');
    await editor.locator(tid('agenda-editor-save')).click();
    assert.equal(await editor.locator(tid('agenda-editor-error')).innerText(), 'Item 2: Please enter a title.');
    assert.equal(await rows.nth(1).getAttribute('aria-invalid'), 'true');
    assert.deepEqual((await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/agenda`)).json.items, [], 'nothing stored');

    await rows.nth(1).locator(tid('agenda-form-title')).fill('Personalangelegenheiten');
    await rows.nth(1).locator(tid('agenda-form-public')).uncheck();
    // "Haushalt 2027" before "Personalangelegenheiten", by keyboard
    await rows.nth(2).locator(tid('agenda-editor-up')).focus();
    await chair.keyboard.press('Enter');
    await editor.locator(tid('agenda-editor-save')).click();
    await editor.locator(tid('agenda-editor-status')).filter({ hasText: 'Agenda saved (3 items).' }).waitFor();
    const stored = (await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/agenda`)).json;
    assert.deepEqual(stored.items.map((i) => [i.title, i.public]), [['Begrüßung', true], ['Haushalt 2027', true], ['Personalangelegenheiten', false]]);
    assert.equal(stored.items[1].description, 'Beratung und Beschluss');
    assert.equal(stored.current, null);
    for (const i of stored.items) assert.match(i.id, /^a[0-9a-f]{10}$/);
    await assertNoViolations(chair, 'the agenda editor in "My meetings"');

    // someone who is not a moderator of the meeting may not change it
    const other = await h.newPage(browser);
    pages.push(other);
    await login(other, 'member');
    const put = await pageApi(other, 'PUT', `/api/v1/meetings/${meeting.id}/agenda`, { items: [] });
    assert.ok([403, 404].includes(put.status), `member PUT → ${put.status}`);
    assert.equal((await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/agenda`)).json.items.length, 3);
    await other.context().close();
    pages.pop();
  }));

test('in the meeting: current item for everyone, minutes live, roles, refusals', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await joinMeeting(chair, `${server.url}/r/${meeting.id}`);
    writer = await h.newPage(browser, { locale: 'de-DE' });
    viewer = await h.newPage(browser, { locale: 'en-US' });
    pages.push(writer, viewer);
    await joinMeeting(writer, inviteUrl, 'Paula Protokoll');
    await joinMeeting(viewer, inviteUrl, 'Bruno Buerger');

    // the chair makes the first item current, by keyboard
    await openAgenda(chair);
    assert.deepEqual(await titles(chair), ['Begrüßung', 'Haushalt 2027', 'Personalangelegenheiten']);
    assert.equal(await agendaItem(chair, 'Personalangelegenheiten').locator(tid('agenda-nonpublic')).innerText(), 'non-public');
    await agendaItem(chair, 'Begrüßung').locator(tid('agenda-make-current')).focus();
    await chair.keyboard.press('Enter');
    for (const [page, text] of [[chair, 'Now: Item 1: Begrüßung'], [writer, 'Jetzt: TOP 1: Begrüßung'], [viewer, 'Now: Item 1: Begrüßung']]) {
      await page.locator(tid('agenda-now')).filter({ hasText: text }).waitFor({ timeout: 30000 });
    }
    await openAgenda(viewer);
    const first = agendaItem(viewer, 'Begrüßung');
    assert.equal(await first.getAttribute('aria-current'), 'true');
    assert.equal(await first.locator(tid('agenda-status')).innerText(), 'current');
    assert.match(await first.locator(tid('agenda-times')).innerText(), /^started \d\d:\d\d$/);

    // "Next item": everyone follows; the finished one is done
    await chair.locator(tid('agenda-next')).click();
    await viewer.locator(tid('agenda-now')).filter({ hasText: 'Now: Item 2: Haushalt 2027' }).waitFor({ timeout: 30000 });
    await writer.locator(tid('agenda-now')).filter({ hasText: 'Jetzt: TOP 2: Haushalt 2027' }).waitFor({ timeout: 30000 });
    assert.equal(await first.locator(tid('agenda-status')).innerText(), 'done');
    assert.match(await first.locator(tid('agenda-times')).innerText(), /^started \d\d:\d\d · ended \d\d:\d\d$/);

    // a plain participant: no editing controls, and the server refuses what it forges
    for (const id of ['agenda-add', 'agenda-next', 'agenda-chair-actions', 'agenda-minutes-input']) {
      assert.equal(await viewer.locator(`${tid(id)}:visible`).count(), 0, `${id} hidden for a participant`);
    }
    const itemId = await first.getAttribute('data-item-id');
    assert.equal(await forge(viewer, { ns: 'agenda', action: 'add', title: 'Gefälscht' }), 'forbidden');
    assert.equal(await forge(viewer, { ns: 'agenda', action: 'current', item: itemId }), 'forbidden');
    assert.equal(await forge(viewer, { ns: 'agenda', action: 'minutes', item: itemId, text: 'Gefälscht' }), 'forbidden');
    const viewerId = await h.selfId(viewer);
    assert.equal(await forge(viewer, { ns: 'session', action: 'set_role', id: viewerId, role: 'minute_taker', on: true }), 'forbidden');
    assert.deepEqual(await titles(chair), ['Begrüßung', 'Haushalt 2027', 'Personalangelegenheiten'], 'nothing forged arrived');

    // the chair makes the German participant minute-taker from the participant list
    await h.openParticipants(chair);
    const row = h.participantItem(chair, 'Paula Protokoll');
    await row.locator(tid('chair-menu')).click();
    assert.equal(await row.locator(tid('session-make-chair')).count(), 0, '"Make chair" only for moderators');
    await row.locator(tid('session-make-minutes')).click();
    await row.locator(tid('session-minutes-badge')).filter({ hasText: 'Minutes' }).waitFor({ timeout: 30000 });
    const writerTile = writer.locator(`${tid('tile')}[data-participant-id="${await h.selfId(writer)}"] ${tid('tile-session')}`);
    await writerTile.filter({ hasText: 'Schriftführung' }).waitFor({ timeout: 30000 });
    // the server refuses the chair for a non-moderator, and the chair is told
    assert.equal(await forge(chair, { ns: 'session', action: 'set_role', id: await h.selfId(writer), role: 'chair', on: true }), 'not_moderator');
    await chair.evaluate((id) => window.__ratsaalMeeting.features.session.setRole(id, 'chair', true), await h.selfId(writer));
    await chair.locator(tid('toasts')).filter({ hasText: 'Only someone with moderator rights can hold the chair.' }).waitFor({ timeout: 30000 });

    // the minute-taker writes; it saves itself and the others read it live
    await openAgenda(writer);
    const box = agendaItem(writer, 'Haushalt 2027').locator(tid('agenda-minutes-input'));
    await box.click();
    await writer.keyboard.type('Der Ausschuss berät den Haushalt.');
    const status = agendaItem(writer, 'Haushalt 2027').locator(tid('agenda-minutes-status'));
    await status.filter({ hasText: 'Gespeichert' }).waitFor({ timeout: 30000 });
    const seen = agendaItem(viewer, 'Haushalt 2027').locator(tid('agenda-minutes-text'));
    await seen.filter({ hasText: 'Der Ausschuss berät den Haushalt.' }).waitFor({ timeout: 30000 });
    assert.match(await agendaItem(viewer, 'Haushalt 2027').locator(tid('agenda-minutes-by')).innerText(), /^Last by Paula Protokoll, \d\d:\d\d$/);
    // more text, saved on leaving the field
    await writer.keyboard.type('\nBeschluss: einstimmig.');
    await writer.keyboard.press('Tab');
    await seen.filter({ hasText: 'Beschluss: einstimmig.' }).waitFor({ timeout: 30000 });
    await status.filter({ hasText: 'Gespeichert' }).waitFor({ timeout: 30000 });
    // the chair's editor shows the text too (the chair may write minutes as well)
    await h.waitUntil(async () => (await agendaItem(chair, 'Haushalt 2027').locator(tid('agenda-minutes-input')).inputValue()) === 'Der Ausschuss berät den Haushalt.\nBeschluss: einstimmig.',
      { timeout: 30000, message: 'the minutes in the chair\'s editor' });
    // minutes typed while the connection is down are kept and saved after the reconnect (the
    // chair: an account keeps its session roles over a reconnect)
    await openAgenda(chair);
    await chair.evaluate(() => {
      const sig = window.__ratsaalMeeting.sig;
      sig.backoff = [10000]; // long enough to type on a busy machine before the reconnect
      sig.ws.close();
    });
    await chair.locator(`${tid('connection-state')}[data-state="reconnecting"]`).waitFor({ state: 'attached', timeout: 3000 });
    const chairBox = agendaItem(chair, 'Haushalt 2027').locator(tid('agenda-minutes-input'));
    await chairBox.click();
    await chair.keyboard.press('End');
    await chair.keyboard.type(' Offline geschrieben.');
    await chair.keyboard.press('Tab');
    await agendaItem(chair, 'Haushalt 2027').locator(tid('agenda-minutes-status')).filter({ hasText: 'Not saved: Disconnected' }).waitFor({ timeout: 8000 });
    await seen.filter({ hasText: 'Beschluss: einstimmig. Offline geschrieben.' }).waitFor({ timeout: 30000 });
    assert.equal(await chairBox.inputValue(), 'Der Ausschuss berät den Haushalt.\nBeschluss: einstimmig. Offline geschrieben.');
    await h.waitUntil(async () => (await box.inputValue()) === 'Der Ausschuss berät den Haushalt.\nBeschluss: einstimmig. Offline geschrieben.', { timeout: 30000, message: 'the minute-taker\'s editor follows' });

    await assertNoViolations(chair, 'the agenda panel of the chair');
    // the minute-taker still may not edit the agenda
    assert.equal(await writer.locator(`${tid('agenda-add')}:visible`).count(), 0);
    assert.equal(await forge(writer, { ns: 'agenda', action: 'add', title: 'Gefälscht' }), 'forbidden');
  }));

test('the chair edits the agenda live; an item with minutes stays', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await openAgenda(chair);
    // an empty title is refused in the form
    await chair.locator(tid('agenda-add')).click();
    const form = chair.locator(`#agenda-add-form ${tid('agenda-form')}`);
    await form.locator(tid('agenda-form-save')).click();
    assert.equal(await form.locator(tid('agenda-form-error')).innerText(), 'Please enter a title.');
    await form.locator(tid('agenda-form-title')).fill('Verschiedenes');
    await form.locator(tid('agenda-form-public')).uncheck();
    await form.locator(tid('agenda-form-save')).click();
    await agendaItem(viewer, 'Verschiedenes').waitFor({ timeout: 30000 });
    assert.equal(await agendaItem(viewer, 'Verschiedenes').locator(tid('agenda-nonpublic')).innerText(), 'non-public');
    await agendaItem(writer, 'Verschiedenes').locator(tid('agenda-nonpublic')).filter({ hasText: 'nicht öffentlich' }).waitFor({ timeout: 30000 });

    // move it up by keyboard: the focus stays on the moved item's button
    await agendaItem(chair, 'Verschiedenes').locator(tid('agenda-up')).focus();
    await chair.keyboard.press('Enter');
    await h.waitUntil(async () => (await titles(viewer)).join('|') === 'Begrüßung|Haushalt 2027|Verschiedenes|Personalangelegenheiten', { timeout: 30000, message: 'moved up for everyone' });
    assert.equal(await chair.evaluate(() => document.activeElement.closest('[data-testid="agenda-item"]').textContent.includes('Verschiedenes')), true);

    // edit it
    await agendaItem(chair, 'Verschiedenes').locator(tid('agenda-edit')).click();
    const edit = agendaItem(chair, 'Verschiedenes').locator(tid('agenda-form'));
    await edit.locator(tid('agenda-form-title')).fill('Anfragen');
    await edit.locator(tid('agenda-form-public')).check();
    await edit.locator(tid('agenda-form-save')).click();
    await agendaItem(writer, 'Anfragen').waitFor({ timeout: 30000 });
    assert.equal(await agendaItem(writer, 'Anfragen').locator(tid('agenda-nonpublic')).count(), 0);

    // remove it (confirmed); the one with minutes cannot be removed
    chair.once('dialog', (d) => d.accept());
    await agendaItem(chair, 'Anfragen').locator(tid('agenda-remove')).click();
    await agendaItem(viewer, 'Anfragen').waitFor({ state: 'detached', timeout: 30000 });
    chair.once('dialog', (d) => d.accept());
    await agendaItem(chair, 'Haushalt 2027').locator(tid('agenda-remove')).click();
    await chair.locator(tid('agenda-error')).filter({ hasText: 'This item already has minutes or votes, or is being discussed.' }).waitFor({ timeout: 30000 });
    assert.deepEqual(await titles(viewer), ['Begrüßung', 'Haushalt 2027', 'Personalangelegenheiten']);

    // the chair's view's slot (another module provides it) gets the summary
    await chair.evaluate(() => {
      const s = document.createElement('section');
      s.dataset.chairSlot = 'agenda';
      s.dataset.testid = 'test-slot';
      document.body.append(s);
    });
    const slot = chair.locator(tid('test-slot'));
    await slot.locator(tid('agenda-slot-current')).filter({ hasText: 'Item 2: Haushalt 2027' }).waitFor();
    assert.equal(await slot.locator(tid('agenda-slot-next')).innerText(), 'Item 3: Personalangelegenheiten');
    await chair.locator(tid('agenda-next')).click();
    await slot.locator(tid('agenda-slot-current')).filter({ hasText: 'Item 3: Personalangelegenheiten' }).waitFor({ timeout: 30000 });
    assert.equal(await slot.locator(tid('agenda-slot-next')).innerText(), 'No further item.');
    await viewer.locator(tid('agenda-now')).filter({ hasText: 'non-public' }).waitFor({ timeout: 30000 });

    // switching the language in the meeting relabels the agenda in place
    await openAgenda(viewer);
    await viewer.click(tid('settings-button'));
    await viewer.locator(tid('settings-language')).selectOption('de');
    await viewer.click(tid('settings-done'));
    assert.equal(await viewer.locator('#agenda-heading').innerText(), 'Tagesordnung');
    assert.equal(await viewer.locator(tid('agenda-now')).innerText(), 'Jetzt: TOP 3: Personalangelegenheiten\nnicht öffentlich');
    assert.deepEqual(await viewer.locator(tid('agenda-status')).allInnerTexts(), ['erledigt', 'erledigt', 'wird beraten']);

    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'no page errors');
    for (const p of [writer, viewer]) assert.deepEqual(p.cspViolations, [], 'no CSP violations');
  }));

test('phone layout: the agenda opens from "More" as a sheet', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'de-DE', permissions: ['camera', 'microphone'] });
    const phone = await context.newPage();
    pages.push(phone);
    await joinMeeting(phone, inviteUrl, 'Hanna Handy');
    await phone.locator(tid('more-button')).tap();
    await phone.locator(tid('more-agenda')).tap();
    const panel = phone.locator(tid('agenda-panel'));
    await panel.waitFor({ state: 'visible' });
    const box = await panel.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844], 'a full-screen sheet');
    assert.equal(await phone.locator(tid('agenda-now')).filter({ hasText: 'Jetzt: TOP 3: Personalangelegenheiten' }).count(), 1);
    assert.deepEqual(await titles(phone), ['Begrüßung', 'Haushalt 2027', 'Personalangelegenheiten']);
    await phone.locator(tid('agenda-close')).tap();
    await panel.waitFor({ state: 'hidden' });
    assert.equal(await phone.evaluate(() => document.activeElement.dataset.testid), 'more-button');
    await context.close();
    pages.pop();
  }));
