// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13 in the browser: the chair (English UI) opens a vote from the participants panel, a
// participant (German UI) sees it, votes "Ja" and is told the vote is recorded; the chair sees the
// turnout, votes, closes it, and both see the result; the participant has no chair controls.
// (An ad-hoc room has no member list: everyone in it may vote.) Then, in "My meetings", the owner
// of a meeting sets its member list; a line naming no account is refused and nothing is stored.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const h = require('./lib/harness.js');
const { assertNoViolations } = require('./lib/axe.js');
const { tid } = h;

h.watchdog(240000);

let server;
let browser;
let chair;
let member;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  chair = await h.newPage(browser, { locale: 'en-US' });
  // the member's page takes axe-core as an inline script (bypassCSP); the chair's checks the CSP
  member = await h.newPage(browser, { locale: 'de-DE', bypassCSP: true });
  pages.push(chair, member);
  const url = await h.startMeetingViaUi(chair, server.url, 'Vera Vorsitz');
  await h.gotoReady(member, url.replace(/#.*$/, ''));
  await h.joinFromPrejoin(member, 'Max Mitglied');
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('open, cast, turnout, close and the result in both languages', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openParticipants(chair);
    await chair.click(tid('vote-new'));
    // an empty motion is refused in the form
    await chair.click(tid('vote-start'));
    assert.match(await chair.locator(tid('vote-form-error')).innerText(), /Please enter the motion/);
    await chair.fill(tid('vote-title'), 'Bebauungsplan Süd');
    await chair.click(tid('vote-start'));

    const card = member.locator(tid('vote-card'));
    await card.waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await card.innerText(), /Bebauungsplan Süd/);
    assert.match(await card.locator(tid('vote-turnout')).innerText(), /0 von 2 haben abgestimmt/);
    const labels = await card.locator(tid('vote-option')).allInnerTexts();
    assert.deepEqual(labels, ['Ja', 'Nein', 'Enthaltung']);
    // the participant has no chair controls
    assert.equal(await member.locator(tid('vote-close')).count(), 0);
    await h.openParticipants(member);
    assert.equal(await member.locator(tid('vote-new')).isVisible(), false);

    await assertNoViolations(member, 'an open vote (German)');
    await card.locator(tid('vote-option')).first().click();
    await card.locator(tid('vote-done')).waitFor({ timeout: 30000 });
    assert.match(await card.locator(tid('vote-done')).innerText(), /Ihre Stimme ist gespeichert: Ja/);
    assert.equal(await card.locator(tid('vote-option')).count(), 0);

    const chairCard = chair.locator(tid('vote-card'));
    await h.waitUntil(async () => /1 of 2 has voted/.test(await chairCard.locator(tid('vote-turnout')).innerText()),
      { timeout: 30000, message: 'turnout 1 of 2 at the chair' });
    assert.deepEqual(await chairCard.locator(tid('vote-option')).allInnerTexts(), ['Yes', 'No', 'Abstain']);
    await chairCard.locator(tid('vote-option')).nth(1).click();
    await chairCard.locator(tid('vote-done')).waitFor({ timeout: 30000 });
    await chairCard.locator(tid('vote-close')).click();

    // one yes, one no: a tie fails
    await member.locator(tid('vote-result')).waitFor({ timeout: 30000 });
    assert.equal(await member.locator(tid('vote-outcome')).innerText(), 'Abgelehnt');
    await assertNoViolations(member, 'a closed vote (German)');
    await chair.locator(tid('vote-result')).waitFor({ timeout: 30000 });
    assert.equal(await chair.locator(tid('vote-outcome')).innerText(), 'Not passed');
    assert.match(await chair.locator(tid('vote-result')).innerText(), /Quorate · 2 ballots cast/);
    assert.deepEqual(chair.cspViolations, [], 'no CSP violations');
    for (const p of pages) assert.deepEqual(p.consoleErrors, [], 'no console errors');
  }));

function pageApi(page, method, p, body) {
  return page.evaluate(async ({ method, p, body }) => {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(p, init);
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }, { method, p, body });
}

test('"My meetings": the member list', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const bin = process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal');
    for (const name of ['owner', 'alice']) {
      const r = spawnSync(bin, ['user', 'add', name, '--role', 'user', '--data', server.dataDir],
        { input: 'correct horse battery staple\n', encoding: 'utf8', timeout: 20000 });
      assert.equal(r.status, 0, r.stderr);
    }
    const page = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(page);
    await h.gotoReady(page, `${server.url}/`);
    assert.equal((await pageApi(page, 'POST', '/auth/local/login', { username: 'owner', password: 'correct horse battery staple' })).status, 200);
    const created = await pageApi(page, 'POST', '/api/v1/meetings', { title: 'Finanzausschuss' });
    assert.equal(created.status, 201);
    await h.gotoReady(page, `${server.url}/meetings`);
    const item = page.locator(`${tid('meeting-item')}[data-meeting-id="${created.json.id}"]`);
    await item.locator(tid('meeting-members')).click();
    const text = item.locator(tid('members-text'));
    await text.waitFor({ state: 'visible' });
    await h.waitUntil(async () => /0 Mitglieder/.test(await item.locator(tid('members-status')).innerText()), { timeout: 20000, message: 'empty list loaded' });

    await text.fill('@alice\n@niemand\nErika Muster');
    await item.locator(tid('members-save')).click();
    await item.locator(tid('members-error')).waitFor({ state: 'visible' });
    assert.match(await item.locator(tid('members-error')).innerText(), /@niemand/);
    assert.deepEqual((await pageApi(page, 'GET', `/api/v1/meetings/${created.json.id}/members`)).json, { members: [] });

    await text.fill('@alice\n  Erika Muster  \n');
    await item.locator(tid('members-save')).click();
    await h.waitUntil(async () => /Gespeichert: 2 Mitglieder/.test(await item.locator(tid('members-status')).innerText()), { timeout: 20000, message: 'saved' });
    assert.equal(await text.inputValue(), '@alice\nErika Muster');
    const stored = (await pageApi(page, 'GET', `/api/v1/meetings/${created.json.id}/members`)).json.members;
    assert.deepEqual(stored.map((m) => m.name), ['alice', 'Erika Muster']);
    assert.ok(stored[0].user_id && !stored[1].user_id);
    assert.deepEqual(page.consoleErrors.filter((e) => !/status of 400/.test(e)), []);
  }));
