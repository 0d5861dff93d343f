// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Podium mode (issue 14, docs/protocol.md "podium", web/js/ui/podium.js), four Chromium pages
// with getStats on each:
// - the chair (English, signed in) makes an audience invitation in "My meetings" (its link says
//   audience=1) and joins; Bernd (German) joins by a moderator invitation, Clara (English) by a
//   participant invitation and publishes like everyone;
// - the chair switches podium mode on from "More": Clara, now audience, closes her publish
//   connection and her camera and microphone (tracks ended), nobody receives her any more, she
//   goes on receiving the stage, and the chair's layout shows the stage only;
// - Dana opens the audience invitation: the pre-join screen asks for no device, and Dana never
//   calls getUserMedia and has no publish connection, yet receives the stage; her forged publish
//   is refused (not_on_stage), as is her call_up (forbidden);
// - Dana raises her hand; the chair calls her up from the podium section's hand list; after the
//   device check she publishes and Clara (the other audience page) receives her; the chair sends
//   her back from the participant menu: her publish connection closes, her tracks end, Clara's
//   counter for her stops; called up from the hand queue she stays in the audience (Escape in the
//   device check), called up again she leaves the stage herself;
// - questions: Clara and Dana ask, Bernd upvotes Dana's (the order changes on every page), Dana
//   may not upvote her own (invalid_value), the chair marks it answered in the chair's view,
//   Clara withdraws hers;
// - the chair switches podium mode off in the chair's view: Clara is offered camera and
//   microphone and, after the device check, is received again; Dana (audience invitation) is not;
//   the counters in /metrics;
// - podium mode on again, Clara leaves and rejoins: she joins as audience and does not publish.
// Every page is counted by an init script: getUserMedia calls and the tracks it returned.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { assertNoViolations } = require('./lib/axe.js');

const { tid, pageApi, inbound, rising } = h;
const stopWatchdog = h.watchdog(420000);
const PW = 'podium-test-passwort-1';
const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000;

let browser;
let server;
let meeting;
const pages = [];
let chair; let bernd; let clara; let dana;
let idChair; let idBernd; let idClara; let idDana;
let audienceUrl;
const mic = (id) => `${id}:microphone`;

before(async () => {
  server = await idp.startRatsaal({
    config: { anonymous_meetings: 'off', login_rate_per_min: 100, join_rate_per_min: 1000 },
    users: [{ name: 'chair', role: 'user', password: PW, displayName: 'Erika Vorsitz' }],
  });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

/** A page whose getUserMedia calls and returned tracks are counted from its first script on. */
async function countedPage(locale, bypassCSP = false) {
  const page = await h.newPage(browser, { locale, bypassCSP });
  await h.trackErrorToasts(page); // every error toast the page shows (they go away by themselves)
  await page.addInitScript(() => {
    const md = navigator.mediaDevices;
    const gum = { calls: 0, tracks: [] };
    Object.defineProperty(window, '__gum', { value: gum });
    if (!md || !md.getUserMedia) return;
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      gum.calls += 1;
      const s = await orig(c);
      gum.tracks.push(...s.getTracks());
      return s;
    };
  });
  pages.push(page);
  return page;
}

/** {calls, live}: getUserMedia calls so far and how many of their tracks are still live. */
const gum = (page) => page.evaluate(() => ({ calls: window.__gum.calls, live: window.__gum.tracks.filter((t) => t.readyState === 'live').length }));
const publishPc = (page) => page.evaluate(() => (window.__ratsaal && window.__ratsaal.publishPc ? window.__ratsaal.publishPc.connectionState : null));

async function open(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
}

async function joinPrejoin(page, name) {
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  if (name) await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible', timeout: 30000 });
}

/** Sends with the page's own signaling connection; resolves with 'ok' or the error code. */
const forge = (page, msg, events) =>
  page.evaluate(({ m, ev }) => window.__ratsaalMeeting.sig.request(m, { events: ev, timeout: 8000 }).then(() => 'ok', (e) => e.code), { m: msg, ev: events });

/** Packets of `key` arriving at `page` over `ms` (after a moment for what is in flight). */
async function arriving(page, key, ms = 2500) {
  await h.sleep(800);
  const a = await inbound(page);
  await h.sleep(ms);
  const b = await inbound(page);
  return (b[key] ? b[key].packets : 0) - (a[key] ? a[key].packets : 0);
}

const tile = (page, id) => page.locator(`${tid('tile')}[data-participant-id="${id}"]`);
const shownTiles = (page) => page.locator(`${tid('tile')}:visible`).evaluateAll((ns) => ns.map((n) => n.dataset.participantId).sort());
const questionTexts = (page) => page.locator(`${tid('podium-questions')} ${tid('podium-question-text')}`).allInnerTexts();

async function openChairView(page) {
  if (await page.locator(tid('chair-view')).isVisible()) return;
  await page.click(tid('more-button'));
  await page.click(tid('more-chair-view'));
  await page.locator(tid('chair-view')).waitFor({ state: 'visible' });
}

test('before the meeting: an audience invitation made in "My meetings"', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await countedPage('en-US', true); // axe is injected
    await open(chair, `${server.url}/login?return=/meetings`);
    await chair.fill(tid('login-username'), 'chair');
    await chair.fill(tid('login-password'), PW);
    await chair.click(tid('login-submit'));
    await chair.waitForURL(`${server.url}/meetings`, { timeout: 15000, waitUntil: 'commit' });
    const r = await pageApi(chair, 'POST', '/api/v1/meetings', { title: 'Bürgerversammlung', lobby: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    meeting = r.json;
    await open(chair, `${server.url}/meetings`);
    const item = chair.locator(`${tid('meeting-item')}[data-meeting-id="${meeting.id}"]`);
    await item.locator(tid('meeting-invites')).click();
    const role = item.locator(tid('invite-role'));
    assert.ok((await role.locator('option').allInnerTexts()).includes('Audience'), 'the role "Audience" is offered');
    await role.selectOption('audience');
    await item.locator(tid('invite-create')).click();
    await item.locator(tid('invite-link')).waitFor({ state: 'visible' });
    audienceUrl = await item.locator(tid('invite-link')).inputValue();
    assert.match(audienceUrl, /[?&]invite=[^&]+/);
    assert.match(audienceUrl, /[?&]audience=1(&|$)/);
    await item.locator(`${tid('invite-item')}[data-role="audience"]`).first().waitFor();
    // a refused role is not made silently: the REST answer says what it made
    const list = await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/invites`);
    assert.ok(list.json.invites.some((i) => i.role === 'audience'), JSON.stringify(list.json));
  }));

test('chair, Bernd (moderator invitation, German) and Clara join and receive each other', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const inv = async (r) => {
      const res = await pageApi(chair, 'POST', `/api/v1/meetings/${meeting.id}/invites`, { role: r });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return new URL(res.json.url, server.url).href;
    };
    const berndUrl = await inv('moderator');
    const claraUrl = await inv('participant');
    await open(chair, `${server.url}/r/${meeting.id}`);
    await joinPrejoin(chair);
    bernd = await countedPage('de-DE');
    await open(bernd, berndUrl);
    await joinPrejoin(bernd, 'Bernd');
    clara = await countedPage('en-US');
    await open(clara, claraUrl);
    await joinPrejoin(clara, 'Clara');
    [idChair, idBernd, idClara] = await Promise.all([chair, bernd, clara].map((p) => h.selfId(p)));
    for (const [page, others] of [[chair, [idBernd, idClara]], [bernd, [idChair, idClara]], [clara, [idChair, idBernd]]])
      for (const id of others) await rising(page, mic(id), 'packets', { timeout: WAIT });
    assert.equal(await publishPc(clara), 'connected');
    assert.ok((await gum(clara)).live > 0, "Clara's camera and microphone are live");
  }));

test('the chair switches podium mode on from "More": Clara becomes audience and stops publishing', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('more-button'));
    const item = chair.locator(tid('more-podium'));
    assert.equal(await item.getAttribute('aria-checked'), 'false');
    assert.equal(await item.innerText(), 'Podium mode');
    await item.click();
    await clara.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    await bernd.locator(tid('podium-you'), { hasText: 'Sie sind auf der Bühne.' }).waitFor({ timeout: WAIT });
    await chair.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor({ timeout: WAIT });
    // Clara's publish connection is closed and her devices released (camera light off)
    await h.waitUntil(async () => (await publishPc(clara)) === null, { timeout: WAIT, message: "Clara's publish connection closed" });
    await h.waitUntil(async () => (await gum(clara)).live === 0, { timeout: WAIT, message: "Clara's tracks stopped" });
    assert.equal(await clara.locator(tid('mic-button')).isVisible(), false, 'no microphone button for the audience');
    // nobody receives her; she still receives the stage
    assert.ok((await arriving(chair, mic(idClara))) <= 2, 'the chair still receives Clara');
    assert.ok((await arriving(bernd, mic(idClara))) <= 2, 'Bernd still receives Clara');
    await rising(clara, mic(idChair), 'packets', { timeout: WAIT });
    await rising(clara, mic(idBernd), 'packets', { timeout: WAIT });
    // the layout follows the stage: Clara has no tile on the chair's page, and sees the stage only
    await tile(chair, idClara).waitFor({ state: 'hidden', timeout: WAIT });
    assert.deepEqual(await shownTiles(chair), [idChair, idBernd].sort());
    assert.deepEqual(await shownTiles(clara), [idChair, idBernd].sort());
    // the switch in the participants panel says the same; the list says who is where
    await h.openParticipants(chair);
    assert.equal(await chair.locator(tid('podium-switch')).getAttribute('aria-checked'), 'true');
    await h.participantItem(chair, 'Clara').locator(tid('podium-badge'), { hasText: 'Audience' }).waitFor({ timeout: WAIT });
    assert.equal(await h.participantItem(chair, 'Bernd').locator(tid('podium-badge')).innerText(), 'On stage');
  }));

test('Dana joins by the audience invitation: no device prompt, no publish connection, the stage received', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    dana = await countedPage('en-US', true); // axe is injected
    await open(dana, audienceUrl);
    await dana.locator(tid('prejoin-audience'), { hasText: 'You join as the audience' }).waitFor();
    assert.equal(await dana.locator(tid('camera-select')).isVisible(), false);
    await joinPrejoin(dana, 'Dana');
    idDana = await h.selfId(dana);
    await dana.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    // no microphone, camera or device buttons; the keyboard lands on "Raise hand"
    for (const b of ['mic-button', 'camera-button', 'settings-button', 'screen-button']) assert.equal(await dana.locator(tid(b)).isVisible(), false, b);
    assert.equal(await dana.evaluate(() => document.activeElement.dataset.testid), 'hand-button');
    await rising(dana, mic(idChair), 'packets', { timeout: WAIT });
    await rising(dana, mic(idBernd), 'packets', { timeout: WAIT });
    assert.deepEqual(await gum(dana), { calls: 0, live: 0 }, 'Dana never called getUserMedia');
    assert.equal(await publishPc(dana), null, 'Dana has no publish connection');
    assert.deepEqual(await shownTiles(dana), [idChair, idBernd].sort());
    // the chair sees the audience count (sent at most every 2 s)
    await chair.locator(tid('podium-audience-count'), { hasText: '2 people in the audience' }).waitFor({ timeout: WAIT });
  }));

test('the audience may not publish nor call anyone up', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const code = await dana.evaluate(async () => {
      const pc = new RTCPeerConnection();
      const tr = pc.addTransceiver('audio', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const res = await window.__ratsaalMeeting.sig
        .request({ ns: 'media', action: 'publish', sdp: pc.localDescription.sdp, tracks: [{ mid: tr.mid, source: 'microphone' }] }, { events: ['media/publish_answer'], timeout: 8000 })
        .then(() => 'ok', (e) => e.code);
      pc.close();
      return res;
    });
    assert.equal(code, 'not_on_stage');
    assert.equal(await forge(dana, { ns: 'podium', action: 'call_up', participant: idClara }, ['podium/state']), 'forbidden');
    assert.ok((await arriving(clara, mic(idDana), 1500)) === 0, 'nothing of Dana reaches Clara');
    assert.deepEqual(await gum(dana), { calls: 0, live: 0 });
  }));

test('Dana raises her hand, the chair calls her up; after the device check everyone receives her', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await dana.click(tid('hand-button'));
    await h.openParticipants(chair);
    const hand = chair.locator(`${tid('podium-hand')}[data-participant-id="${idDana}"]`);
    await hand.waitFor({ timeout: WAIT });
    await hand.locator(tid('podium-call-up')).click();
    const check = dana.locator(tid('podium-check'));
    await check.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await check.innerText(), /You are called onto the stage/);
    await dana.locator(tid('podium-check-preview')).waitFor({ state: 'visible', timeout: WAIT });
    await assertNoViolations(dana, 'the device check before going on stage');
    await assertNoViolations(chair, "the chair's podium section with a raised hand");
    // by keyboard: the focus is on "Go on stage"
    assert.equal(await dana.evaluate(() => document.activeElement.dataset.testid), 'podium-check-go');
    await dana.keyboard.press('Enter');
    await h.waitUntil(async () => (await publishPc(dana)) === 'connected', { timeout: WAIT, message: "Dana's publish connection" });
    await dana.locator(tid('podium-you'), { hasText: 'You are on the stage.' }).waitFor();
    // her hand went down; the other audience page, the chair and Bernd receive her
    await chair.locator(`${tid('podium-hand')}[data-participant-id="${idDana}"]`).waitFor({ state: 'detached', timeout: WAIT });
    await rising(clara, mic(idDana), 'packets', { timeout: WAIT });
    await rising(chair, mic(idDana), 'packets', { timeout: WAIT });
    await rising(bernd, mic(idDana), 'packets', { timeout: WAIT });
    await tile(clara, idDana).waitFor({ state: 'visible', timeout: WAIT });
  }));

test('sent back from the participant menu, Dana stops publishing', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await h.openParticipants(chair);
    const row = h.participantItem(chair, 'Dana');
    await row.locator(tid('chair-menu')).click();
    await row.locator(tid('podium-send-back')).click();
    await h.waitUntil(async () => (await publishPc(dana)) === null, { timeout: WAIT, message: "Dana's publish connection closed" });
    await h.waitUntil(async () => (await gum(dana)).live === 0, { timeout: WAIT, message: "Dana's tracks stopped" });
    await dana.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor();
    assert.ok((await arriving(clara, mic(idDana))) <= 2, 'Clara still receives Dana');
    assert.ok((await arriving(chair, mic(idDana))) <= 2, 'the chair still receives Dana');
    await tile(clara, idDana).waitFor({ state: 'hidden', timeout: WAIT });
  }));

test('called up from the hand queue, Dana first stays in the audience, then leaves the stage herself', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await dana.click(tid('hand-button'));
    await h.openParticipants(chair);
    const callUp = chair.locator(`${tid('hand-item')}[data-participant-id="${idDana}"] ${tid('hand-call-up')}`);
    await callUp.waitFor({ timeout: WAIT });
    assert.equal(await callUp.getAttribute('aria-label'), 'Call onto the stage: Dana');
    await callUp.click();
    const check = dana.locator(tid('podium-check'));
    await check.waitFor({ state: 'visible', timeout: WAIT });
    // Escape: "Stay in the audience" — she goes back, nothing was published
    await dana.keyboard.press('Escape');
    await check.waitFor({ state: 'hidden' });
    await dana.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    assert.equal(await publishPc(dana), null);
    assert.equal((await gum(dana)).live, 0, 'the device check released its devices');
    // called up again from the participant menu; on stage she leaves by herself
    const row = h.participantItem(chair, 'Dana');
    await row.locator(tid('chair-menu')).click();
    await row.locator(tid('podium-call-up')).click();
    await check.waitFor({ state: 'visible', timeout: WAIT });
    await dana.click(tid('podium-check-go'));
    await h.waitUntil(async () => (await publishPc(dana)) === 'connected', { timeout: WAIT, message: "Dana's publish connection" });
    await rising(clara, mic(idDana), 'packets', { timeout: WAIT });
    await dana.click(tid('podium-leave-stage'));
    await h.waitUntil(async () => (await publishPc(dana)) === null, { timeout: WAIT, message: 'left the stage: publish connection closed' });
    await h.waitUntil(async () => (await gum(dana)).live === 0, { timeout: WAIT, message: "Dana's tracks stopped" });
    assert.ok((await arriving(clara, mic(idDana))) <= 2, 'Clara still receives Dana after she left the stage');
  }));

test('questions: ask, upvote (the order changes), not one\'s own, answered by the chair', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const ask = async (page, text) => {
      await h.openParticipants(page);
      await page.fill(tid('podium-ask-input'), text);
      await page.click(tid('podium-ask-submit'));
    };
    // an empty question is refused in the form
    await h.openParticipants(clara);
    await clara.click(tid('podium-ask-submit'));
    assert.equal(await clara.locator(tid('podium-ask-error')).innerText(), 'Please write a question.');
    await ask(clara, 'When does the bridge open?');
    await clara.locator(tid('podium-question-text'), { hasText: 'When does the bridge open?' }).waitFor({ timeout: WAIT });
    await ask(dana, 'What does it cost?');
    for (const page of [chair, clara, dana])
      await h.waitUntil(async () => JSON.stringify(await questionTexts(page)) === JSON.stringify(['When does the bridge open?', 'What does it cost?']), { timeout: WAIT, message: 'two questions in order of age' });
    // Dana has no upvote for her own question; the server refuses it anyway
    const own = dana.locator(tid('podium-question'), { hasText: 'What does it cost?' });
    assert.equal(await own.locator(tid('podium-upvote')).count(), 0);
    const qid = Number(await own.getAttribute('data-question-id'));
    assert.equal(await forge(dana, { ns: 'podium', action: 'upvote', question: qid, on: true }, ['podium/questions']), 'invalid_value');
    // Bernd (German) upvotes Dana's question: it moves to the top everywhere
    await h.openParticipants(bernd);
    await bernd.locator(tid('podium-audience-count'), { hasText: '2 Personen im Publikum' }).waitFor({ timeout: WAIT });
    const q = bernd.locator(tid('podium-question'), { hasText: 'What does it cost?' });
    await q.locator(tid('podium-upvote')).click();
    for (const page of [chair, clara, dana, bernd])
      await h.waitUntil(async () => JSON.stringify(await questionTexts(page)) === JSON.stringify(['What does it cost?', 'When does the bridge open?']), { timeout: WAIT, message: 'the upvoted question first' });
    assert.equal(await q.locator(tid('podium-votes')).innerText(), '1 Stimme');
    assert.equal(await q.locator(tid('podium-upvote')).getAttribute('aria-pressed'), 'true');
    await clara.locator(tid('podium-question'), { hasText: 'What does it cost?' }).locator(tid('podium-votes'), { hasText: '1 vote' }).waitFor();
    // the chair marks it answered in the chair's view: it leaves the queue everywhere
    await openChairView(chair);
    const inView = chair.locator(`${tid('chair-view')} ${tid('podium-question')}`, { hasText: 'What does it cost?' });
    await inView.locator(tid('podium-answer')).click();
    for (const page of [chair, clara, dana, bernd])
      await h.waitUntil(async () => JSON.stringify(await questionTexts(page)) === JSON.stringify(['When does the bridge open?']), { timeout: WAIT, message: 'the answered question gone' });
    // Clara withdraws her own question
    const mine = clara.locator(tid('podium-question'), { hasText: 'When does the bridge open?' });
    assert.equal(await mine.getAttribute('data-mine'), 'true');
    assert.equal(await mine.locator(tid('podium-dismiss')).innerText(), 'Withdraw');
    await mine.locator(tid('podium-dismiss')).click();
    for (const page of [chair, clara])
      await page.locator(tid('podium-no-questions')).first().waitFor({ state: 'attached', timeout: WAIT });
    assert.deepEqual(await questionTexts(dana), []);
  }));

test('podium mode off in the chair\'s view: Clara may publish again, Dana (audience invitation) may not', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await openChairView(chair);
    const sw = chair.locator(`${tid('chair-view')} ${tid('podium-switch')}`);
    assert.equal(await sw.getAttribute('aria-checked'), 'true');
    await sw.click();
    await h.waitUntil(async () => (await sw.getAttribute('aria-checked')) === 'false', { timeout: WAIT, message: 'podium mode off' });
    const offer = clara.locator(tid('podium-offer'));
    await offer.waitFor({ timeout: WAIT });
    assert.equal(await publishPc(clara), null, 'nothing is switched on unasked');
    await offer.click();
    await clara.locator(tid('podium-check')).waitFor({ state: 'visible' });
    await clara.click(tid('podium-check-go'));
    await h.waitUntil(async () => (await publishPc(clara)) === 'connected', { timeout: WAIT, message: "Clara's publish connection" });
    await rising(chair, mic(idClara), 'packets', { timeout: WAIT });
    await tile(chair, idClara).waitFor({ state: 'visible', timeout: WAIT });
    // Dana holds an audience invitation: no offer, no publishing, her forged publish refused
    assert.equal(await dana.locator(tid('podium-offer')).count(), 0);
    assert.equal(await publishPc(dana), null);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /ratsaal_podium_publish_refused_total [1-9]/);
    assert.match(metrics, /ratsaal_podium_stage_changes_total [1-9]/);
    assert.match(metrics, /ratsaal_podium_questions_total [1-9]/);
  }));

test('joining while podium mode is on, a participant does not publish', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('more-button'));
    await chair.click(tid('more-podium'));
    await h.waitUntil(async () => (await publishPc(clara)) === null, { timeout: WAIT, message: "Clara's publish connection closed" });
    // Clara leaves and joins again: the join finds podium mode on
    await clara.click(tid('leave-button'));
    await clara.locator(tid('rejoin-button')).waitFor({ state: 'visible', timeout: WAIT });
    await clara.click(tid('rejoin-button'));
    await clara.locator(tid('podium-you'), { hasText: 'You are in the audience' }).waitFor({ timeout: WAIT });
    idClara = await h.selfId(clara);
    await rising(clara, mic(idChair), 'packets', { timeout: WAIT });
    assert.equal(await publishPc(clara), null, 'no publish connection when joining as audience');
    await h.waitUntil(async () => (await gum(clara)).live === 0, { timeout: WAIT, message: "Clara's devices released" });
    assert.ok((await arriving(chair, mic(idClara))) <= 2, 'the chair receives Clara');
    for (const p of pages) {
      assert.deepEqual(p.pageErrors, [], 'no page errors');
      assert.deepEqual(p.cspViolations, [], 'no CSP violations');
      // the refusals this test provokes were answered to requests, not shown as console errors
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
      assert.deepEqual(await p.evaluate(() => window.__errorToasts), [], 'no error shown');
    }
  }));

test('opening an ordinary invitation link while podium mode is on: no device prompt at all', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // podium mode is still on from the test before; Erik has a participant invitation, not an
    // audience one, so only the server's receive_only (GET …/public) tells his page
    const res = await pageApi(chair, 'POST', `/api/v1/meetings/${meeting.id}/invites`, { role: 'participant' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const url = new URL(res.json.url, server.url).href;
    assert.doesNotMatch(url, /audience=1/);
    const erik = await countedPage('de-DE');
    await open(erik, url);
    await erik.locator(tid('prejoin-audience'), { hasText: 'Sie nehmen als Publikum teil' }).waitFor({ timeout: WAIT });
    assert.deepEqual(await gum(erik), { calls: 0, live: 0 }, 'no getUserMedia before the join');
    await joinPrejoin(erik, 'Erik');
    await rising(erik, mic(idChair), 'packets', { timeout: WAIT });
    assert.equal(await publishPc(erik), null, 'no publish connection');
    assert.deepEqual(await gum(erik), { calls: 0, live: 0 }, 'never asked for a camera or microphone');
    // podium mode off: the same kind of link asks for devices again (the answer follows the room)
    const fresh = await countedPage('en-US');
    assert.equal(await forge(chair, { ns: 'podium', action: 'set', on: false }, ['podium/state']), 'ok');
    const publicUrl = `/api/v1/rooms/${meeting.id}/public?invite=${encodeURIComponent(res.json.token)}`;
    await h.waitUntil(async () => {
      const r = await pageApi(erik, 'GET', publicUrl);
      return r.json && r.json.receive_only === false;
    }, { timeout: WAIT, message: 'podium mode off' });
    await open(fresh, url);
    await h.waitUntil(async () => (await gum(fresh)).calls > 0, { timeout: WAIT, message: 'the ordinary pre-join screen asks for devices' });
    assert.equal(await fresh.locator(tid('prejoin-audience')).count(), 0);
    await fresh.close();
    await erik.close();
  }));
