// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 13, the chair's tools in the browser (web/js/ui/chair_view.js, status_strip.js, vote.js):
// a council meeting with a member list of four and its lobby on; the chair (English, signed in)
// runs it from the chair's view by keyboard alone: opens it with "L", admits two members from
// the lobby, sets a speaking time and gives the floor, opens a vote and closes it, and reads
// turnout, attendance and quorum there; Anna (German) and Bert (English) see their own state in
// the status strip. Then the full vote form: custom options and a named electorate (Bert, not
// named, gets no options and the server refuses his ballot), the client's checks, a quorum; a
// vote with a duration that shows its countdown and closes by itself; and the server's refusal
// shown in the form (a member-list vote in an ad-hoc room, which has none).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { assertNoViolations } = require('./lib/axe.js');

const { tid, pageApi } = h;
const stopWatchdog = h.watchdog(300000);
const PW = 'vorsitz-test-passwort-1';

let server;
let browser;
let chair;
let anna;
let bert;
let ids;
const pages = [];

before(async () => {
  server = await idp.startRatsaal({ users: [{ name: 'chair', role: 'user', password: PW, displayName: 'Vera Vorsitz' }] });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

const CV = tid('chair-view');
const strip = (page) => page.locator(tid('status-strip'));

/** Press Tab (at most `max` times) until the focus is on `selector`: the keyboard only. */
async function tabTo(page, selector, max = 120) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function stripText(page, re, message) {
  await h.waitUntil(async () => re.test(await strip(page).innerText().catch(() => '')), { timeout: 20000, message });
}

/** Dismiss every result card on these pages. */
async function dismissResults(...list) {
  for (const page of list) {
    const b = page.locator(tid('vote-dismiss'));
    while (await b.count()) await b.first().click();
  }
}

async function openMeeting(page, url, name) {
  await h.gotoReady(page, url);
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  if (name) await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
}

test("the chair's view by keyboard: lobby, speakers' list, vote with turnout, attendance; the status strip in German and English", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await h.newPage(browser, { locale: 'en-US', bypassCSP: true });
    pages.push(chair);
    await h.gotoReady(chair, `${server.url}/`);
    assert.equal((await pageApi(chair, 'POST', '/auth/local/login', { username: 'chair', password: PW })).status, 200);
    const m = (await pageApi(chair, 'POST', '/api/v1/meetings', { title: 'Hauptausschuss', lobby: true })).json;
    const put = await pageApi(chair, 'PUT', `/api/v1/meetings/${m.id}/members`, { members: [{ user: 'chair' }, { name: 'Anna Alt' }, { name: 'Bert Bunt' }, { name: 'Nina Neu' }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const inv = (await pageApi(chair, 'POST', `/api/v1/meetings/${m.id}/invites`, { role: 'participant' })).json;
    await openMeeting(chair, `${server.url}/r/${m.id}`);
    await chair.locator(tid('meeting')).waitFor({ state: 'visible' });

    // "L" opens the chair's view; the focus goes into it
    await chair.keyboard.press('l');
    const view = chair.locator(CV);
    await view.waitFor({ state: 'visible' });
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'chair-view-close');
    assert.equal(await view.locator('[data-chair-slot="agenda"]').getAttribute('aria-label'), 'Agenda');
    assert.equal(await view.locator(tid('chair-present')).innerText(), '1 person present');
    // the body's size comes with the join (member_count): known before any vote
    assert.equal(await view.locator(tid('chair-members')).innerText(), '1 of 4 members present');

    anna = await h.newPage(browser, { locale: 'de-DE' });
    bert = await h.newPage(browser, { locale: 'en-US' });
    pages.push(anna, bert);
    for (const [page, name] of [[anna, 'Anna Alt'], [bert, 'Bert Bunt']]) {
      await openMeeting(page, `${server.url}${inv.url}`, name);
      await page.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
      const entry = view.locator(tid('lobby-item')).filter({ hasText: name });
      await entry.waitFor({ state: 'visible', timeout: 20000 });
      await tabTo(chair, `[data-testid="chair-view"] [data-participant-id="${await entry.getAttribute('data-participant-id')}"] [data-testid="lobby-admit"]`);
      await chair.keyboard.press('Enter');
      await page.locator(tid('meeting')).waitFor({ state: 'visible', timeout: 30000 });
    }
    ids = { chair: await h.selfId(chair), anna: await h.selfId(anna), bert: await h.selfId(bert) };
    await h.waitUntil(async () => (await view.locator(tid('chair-present')).innerText()) === '3 people present', { message: '3 present' });
    assert.equal(await view.locator(tid('chair-members')).innerText(), '3 of 4 members present');
    assert.equal(await view.locator(tid('chair-quorate')).innerText(), 'Quorate (3 members needed)');
    assert.equal(await view.locator(tid('lobby-item')).count(), 0);
    // nobody holds the chair yet; the moderator takes it (session/set_role) and everyone sees it
    assert.equal(await view.locator(tid('chair-holders')).innerText(), 'Nobody has taken the chair: every moderator leads.');
    await view.locator(tid('chair-take')).click();
    await h.waitUntil(async () => /^Chair: /.test(await view.locator(tid('chair-holders')).innerText()), { message: 'the chair taken' });
    assert.equal(await view.locator(tid('chair-take')).innerText(), 'Give up the chair');
    await h.waitUntil(async () => anna.evaluate((id) => !!window.__ratsaalMeeting.state.participants.get(id).session_chair, ids.chair), { message: "Anna's page knows who chairs" });
    // nobody asked for anything yet: no strip
    assert.equal(await strip(anna).isVisible(), false);

    // the speakers' list: Anna, then Bert ask for the floor
    for (const page of [anna, bert]) {
      await h.openParticipants(page);
      await page.click(tid('speakers-request'));
    }
    await h.waitUntil(async () => (await view.locator(tid('speakers-item')).count()) === 2, { message: "two on the chair's view's list" });
    await stripText(anna, /Sie stehen auf der Redeliste \(Platz 1\)/, "Anna's strip: position 1");
    await stripText(bert, /You are on the speakers' list \(position 2\)/, "Bert's strip: position 2");
    // the chair sets one minute's speaking time and gives the floor, by keyboard
    await tabTo(chair, '[data-testid="chair-view"] [data-testid="speakers-time"]');
    await chair.keyboard.press('ArrowDown');
    await h.waitUntil(async () => (await view.locator(tid('speakers-time')).inputValue()) === '60', { message: 'speaking time 1 minute' });
    await tabTo(chair, '[data-testid="chair-view"] [data-testid="speakers-next"]');
    await chair.keyboard.press('Enter');
    await stripText(anna, /Sie haben das Wort \(noch 0:[0-5]\d\)/, "Anna's strip: the floor with time left");
    assert.match(await anna.locator(tid('status-live')).textContent(), /^Sie haben das Wort$/, 'the live region has no seconds');
    await stripText(bert, /You are on the speakers' list \(position 1\)/, "Bert's strip: position 1");
    assert.match(await view.locator(tid('speakers-current')).innerText(), /Anna Alt has the floor/);

    // a vote from the chair's view, by keyboard: turnout and attendance there
    await tabTo(chair, '[data-testid="chair-view"] [data-testid="chair-vote-new"]');
    await chair.keyboard.press('Enter');
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'vote-title');
    await chair.keyboard.type('Haushalt 2027');
    await chair.keyboard.press('Enter');
    const card = view.locator(tid('vote-card'));
    await card.waitFor({ state: 'visible', timeout: 20000 });
    assert.match(await card.locator(tid('vote-turnout')).innerText(), /0 of 3 have voted/);
    await stripText(anna, /Abstimmung läuft: Bitte stimmen Sie ab/, "Anna's strip: please vote");
    await stripText(bert, /Vote open: please vote/, "Bert's strip: please vote");
    await anna.locator(tid('vote-area')).locator(tid('vote-option')).first().click();
    await stripText(anna, /Abstimmung läuft: Sie haben abgestimmt/, "Anna's strip: voted");
    await h.waitUntil(async () => /1 of 3 has voted/.test(await card.locator(tid('vote-turnout')).innerText()), { message: 'turnout in the chair view' });
    // still 3 of 4 members with the vote open, 3 needed
    assert.equal(await view.locator(tid('chair-members')).innerText(), '3 of 4 members present');
    assert.equal(await view.locator(tid('chair-quorate')).innerText(), 'Quorate (3 members needed)');
    await assertNoViolations(chair, "the chair's view with a vote open");

    await tabTo(chair, '[data-testid="chair-view"] [data-testid="vote-close"]');
    await chair.keyboard.press('Enter');
    const result = view.locator(tid('vote-result'));
    await result.waitFor({ state: 'visible', timeout: 20000 });
    // one ballot of a quorum of three: not quorate, not passed
    assert.equal(await result.locator(tid('vote-outcome')).innerText(), 'Not passed');
    assert.match(await result.locator(tid('vote-quorate')).innerText(), /^Not quorate · 1 ballot cast · quorum 3$/);
    await stripText(bert, /You are on the speakers' list/, 'the vote has left the strip');
    assert.doesNotMatch(await strip(bert).innerText(), /Vote/);

    // muted by the chair
    await h.openParticipants(chair);
    const row = h.participantItem(chair, 'Bert Bunt');
    await row.locator(tid('chair-menu')).click();
    await row.locator(tid('chair-mute')).click();
    await stripText(bert, /Muted by the chair/, "Bert's strip: muted by the chair");

    // Escape closes the chair's view; "More" opens it again
    await chair.keyboard.press('l');
    await view.waitFor({ state: 'visible' });
    await chair.keyboard.press('Escape');
    await view.waitFor({ state: 'hidden' });
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'more-button');
    await chair.keyboard.press('Enter');
    await chair.locator(tid('more-chair-view')).waitFor({ state: 'visible' });
    assert.equal(await anna.locator(tid('more-chair-view')).count(), 0, 'not offered to a participant');
    await chair.keyboard.press('Escape');
    // a participant's "L" opens nothing
    await anna.keyboard.press('Escape');
    await anna.locator('body').press('l');
    assert.equal(await anna.locator(CV).isVisible(), false);
    for (const p of [chair, anna, bert]) assert.deepEqual(p.consoleErrors, [], 'no console errors');
  }));

test('the vote form: custom options, a named electorate, the checks, a quorum', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await dismissResults(chair, anna, bert);
    await h.openParticipants(chair);
    await chair.click(tid('vote-new'));
    const form = chair.locator(tid('vote-form'));
    await chair.fill(tid('vote-title'), 'Standort der Grundschule');
    await chair.fill(tid('vote-options'), 'Park\nSchule\nPark');
    await chair.selectOption(tid('vote-electorate'), 'list');
    // the checklist: the members present
    const boxes = form.locator(tid('vote-voter'));
    assert.deepEqual((await boxes.evaluateAll((b) => b.map((x) => x.dataset.participantId))).sort(), [ids.chair, ids.anna, ids.bert].sort());
    await chair.fill(tid('vote-quorum'), '2.5');
    await chair.click(tid('vote-start'));
    const error = form.locator(tid('vote-form-error'));
    await error.waitFor({ state: 'visible' });
    const text = await error.innerText();
    assert.match(text, /The option “Park” is there twice/);
    assert.match(text, /Please choose at least one person who may vote/);
    assert.match(text, /The quorum is a whole number from 0 to 500/);
    assert.equal(await chair.locator(tid('vote-options')).getAttribute('aria-invalid'), 'true');
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'vote-options', 'the first wrong field has the focus');

    await chair.fill(tid('vote-options'), 'Park\nSchule');
    await chair.fill(tid('vote-quorum'), '2');
    await form.locator(`${tid('vote-voter')}[data-participant-id="${ids.anna}"]`).check();
    await form.locator(`${tid('vote-voter')}[data-participant-id="${ids.chair}"]`).check();
    await chair.click(tid('vote-start'));
    await form.waitFor({ state: 'detached', timeout: 20000 });

    const annaCard = anna.locator(tid('vote-card'));
    await annaCard.waitFor({ state: 'visible', timeout: 20000 });
    assert.deepEqual(await annaCard.locator(tid('vote-option')).allInnerTexts(), ['Park', 'Schule', 'Enthaltung']);
    assert.match(await annaCard.locator(tid('vote-turnout')).innerText(), /0 von 2 haben abgestimmt/);
    // Bert is not named: no options, nothing owed in his strip, and the server refuses his ballot
    const bertCard = bert.locator(tid('vote-card'));
    await bertCard.waitFor({ state: 'visible', timeout: 20000 });
    assert.equal(await bertCard.locator(tid('vote-option')).count(), 0);
    await bertCard.locator(tid('vote-not-eligible')).waitFor();
    assert.doesNotMatch(await strip(bert).innerText(), /Vote open/);
    const voteId = await bertCard.getAttribute('data-vote');
    const refused = await bert.evaluate((v) => window.__ratsaalMeeting.sig.request({ ns: 'vote', action: 'cast', vote: v, option: 0 }).then(() => 'accepted', (e) => e.code), voteId);
    assert.equal(refused, 'not_eligible');

    await annaCard.locator(tid('vote-option')).first().click();
    await annaCard.locator(tid('vote-done')).waitFor({ timeout: 20000 });
    const chairCard = chair.locator(tid('vote-card'));
    await chairCard.locator(tid('vote-option')).first().click();
    await chairCard.locator(tid('vote-done')).waitFor({ timeout: 20000 });
    await chairCard.locator(tid('vote-close')).click();
    const result = anna.locator(tid('vote-result'));
    await result.waitFor({ timeout: 20000 });
    assert.equal(await result.locator(tid('vote-outcome')).innerText(), 'Angenommen');
    assert.equal(await result.locator(tid('vote-winner')).innerText(), 'Gewählt: Park');
    assert.match(await result.locator(tid('vote-quorate')).innerText(), /^Beschlussfähig · 2 Stimmen abgegeben · Quorum 2$/);
    assert.equal(await result.getAttribute('data-outcome'), 'passed');
  }));

test('a vote with a duration shows its countdown and closes by itself', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await dismissResults(chair, anna, bert);
    await h.openParticipants(chair);
    await chair.click(tid('vote-new'));
    await chair.fill(tid('vote-title'), 'Vertagung');
    await chair.fill(tid('vote-duration'), '0.1');
    await chair.click(tid('vote-start'));
    assert.match(await chair.locator(tid('vote-form-error')).innerText(), /between 0.17 and 1440 minutes/);
    assert.equal(await chair.locator(tid('vote-duration')).getAttribute('aria-invalid'), 'true');
    await chair.fill(tid('vote-duration'), '0.25'); // 15 seconds
    await chair.click(tid('vote-start'));
    const left = anna.locator(tid('vote-card')).locator(tid('vote-time-left'));
    await left.waitFor({ state: 'visible', timeout: 20000 });
    const first = await left.innerText();
    assert.match(first, /^Schließt in 0:(1\d|0\d)$/);
    await h.waitUntil(async () => (await left.innerText().catch(() => first)) !== first, { timeout: 5000, message: 'the countdown runs' });
    assert.match(await chair.locator(tid('vote-card')).locator(tid('vote-time-left')).innerText(), /^Closes in 0:\d\d$|^Closing …$/);
    // nobody closes it: the server does, at its deadline
    await anna.locator(tid('vote-result')).waitFor({ state: 'visible', timeout: 40000 });
    assert.equal(await anna.locator(tid('vote-result')).locator(tid('vote-outcome')).innerText(), 'Abgelehnt');
    await chair.locator(tid('vote-result')).waitFor({ state: 'visible', timeout: 20000 });
  }));

test("the server's refusal shows in the form: a member-list vote in an ad-hoc room", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const host = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(host);
    await h.startMeetingViaUi(host, server.url, 'Gastgeberin');
    await h.openParticipants(host);
    await host.click(tid('vote-new'));
    await host.fill(tid('vote-title'), 'Probe');
    await host.selectOption(tid('vote-electorate'), 'members');
    await host.click(tid('vote-start'));
    const error = host.locator(tid('vote-form-error'));
    await error.waitFor({ state: 'visible', timeout: 20000 });
    assert.match(await error.innerText(), /^Der Server hat die Abstimmung nicht eröffnet: .*member list/);
    assert.equal(await host.locator(tid('vote-electorate')).getAttribute('aria-invalid'), 'true');
    assert.equal(await host.locator(tid('vote-form')).isVisible(), true, 'the form stays, with what was typed');
    assert.equal(await host.locator(tid('vote-title')).inputValue(), 'Probe');
    assert.equal(await host.locator(tid('vote-card')).count(), 0);
    assert.deepEqual(host.consoleErrors, []);
  }));
