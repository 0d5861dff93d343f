// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Recording and livestream in the browser (issue 15, docs/protocol.md "recording", web/js/ui/
// recording.js, web/js/live.js, web/js/ui/recordings_list.js), against the real server with the
// fake recorder (tests/support/fake_recorder.sh: speaks the control protocol without GStreamer and
// writes a few bytes as the file), started through a wrapper of ours that switches it to its "die"
// mode while a flag file exists. Three pages, cameras and microphones off (this is about what
// people see and answer):
// - the chair (English, signed in) starts a recording from "More" with the form (an empty purpose
//   refused in the form); Clara (English) gets the consent dialog with purpose, retention and who
//   started it, declines: her indicator says she is not in the recording;
// - Bernd (German) joins into the running recording and is asked at once; Escape closes the
//   dialog and leaves him out (pending);
// - Clara changes her answer from the indicator; the chair's consent counts follow;
// - pause and stop (confirmed) change everyone's indicator and are announced; a second start while
//   it runs is refused (already_running) with a clear sentence;
// - the public live page of a meeting that never streamed tells no title;
// - a stream: the public link and the configured RTMP destinations (one switched on), the
//   participants' dialog names the public page, the destination that is on and "not kept";
// - after it, the live page: the meeting's title, the current public agenda item and "not live"
//   in English and German, nothing from other hosts, the imprint and privacy links; live while a
//   playlist without its end is there, not live once it ended;
// - refusals: a participant has no start control and a forged start is refused (forbidden) with
//   the error shown; a retention beyond the server's maximum and a recorder that cannot run are
//   refused in the form (the maximum taken from the server's answer); the recorder dying makes a
//   toast for the chair and the failed state with "Start again";
// - "My meetings": the recording of the run above with its purpose, its audit log, Download and
//   Delete (confirmed).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { assertNoViolations } = require('./lib/axe.js');

const { tid, pageApi } = h;
const stopWatchdog = h.watchdog(360000);
const PW = 'aufnahme-test-passwort-1';
const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000;
const FAKE = path.join(h.ROOT, 'tests/support/fake_recorder.sh');
const TITLE = 'Ratssitzung Juni';
const PURPOSE = 'Protokoll der Sitzung';

let browser;
let server;
let meeting;
const pages = [];
let chair; let clara; let bernd;
let tmp; let dieFlag; let wrapper;

before(async () => {
  assert.ok(fs.existsSync(FAKE), `${FAKE} missing (it comes with the server's recording feature)`);
  // the recorder the server runs: the fake one, crashing after "start" while the flag exists
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-e2e-rec-'));
  dieFlag = path.join(tmp, 'die');
  wrapper = path.join(tmp, 'recorder.sh');
  fs.writeFileSync(wrapper, `#!/bin/sh\nif [ -e '${dieFlag}' ]; then RS_FAKE_RECORDER_MODE=die; export RS_FAKE_RECORDER_MODE; fi\nexec '${FAKE}' "$@"\n`, { mode: 0o755 });
  server = await idp.startRatsaal({
    config: {
      anonymous_meetings: 'off',
      login_rate_per_min: 100,
      join_rate_per_min: 1000,
      recorder_path: wrapper,
      recording_retention_days: 90,
      imprint_url: 'http://127.0.0.1/impressum',
      privacy_url: 'http://127.0.0.1/datenschutz',
      rtmp_target: ['owncast rtmp://127.0.0.1:1/live/key-a Owncast', 'tube rtmp://127.0.0.1:1/live/key-b Test Tube'],
    },
    users: [{ name: 'chair', role: 'user', password: PW, displayName: 'Erika Vorsitz' }],
  });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  stopWatchdog();
});

/** A page that keeps every error toast it showed (h.errorToasts). */
async function newPage(locale, bypassCSP = false) {
  const page = await h.newPage(browser, { locale, bypassCSP });
  await h.trackErrorToasts(page);
  pages.push(page);
  return page;
}

const { errorToasts } = h;

async function open(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
}

/** Join with camera and microphone off (the pre-join's own checkboxes). */
async function join(page, name) {
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  if (name) await page.fill(tid('name-input'), name);
  await page.check(tid('cam-off'));
  await page.check(tid('mic-off'));
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible', timeout: 30000 });
}

async function moreItems(page) {
  await page.click(tid('more-button'));
  const ids = await page.locator('[role="menu"]:visible [role^="menuitem"]').evaluateAll((ns) => ns.map((n) => n.dataset.testid));
  await page.keyboard.press('Escape');
  return ids;
}

async function openControls(page) {
  if (await page.locator(tid('recording-dialog')).isVisible()) return;
  await page.click(tid('more-button'));
  await page.click(tid('more-recording'));
  await page.locator(tid('recording-dialog')).waitFor({ state: 'visible' });
}

/** The consent counts the chair sees for `kind`: {given, declined, pending}. */
async function counts(page, kind) {
  const c = page.locator(tid(`rec-counts-${kind}`));
  if (!(await c.count())) return null;
  const d = await c.evaluate((n) => ({ ...n.dataset }));
  return { given: Number(d.given), declined: Number(d.declined), pending: Number(d.pending) };
}

async function waitCounts(page, kind, want) {
  await h.waitUntil(async () => JSON.stringify(await counts(page, kind)) === JSON.stringify(want), { timeout: WAIT, message: `${kind} counts ${JSON.stringify(want)} (have ${JSON.stringify(await counts(page, kind))})` });
}

const badge = (page, kind, attrs = '') => page.locator(`${tid(`recording-badge-${kind}`)}${attrs}`);
const announced = (page) => page.locator(tid('recording-announce')).textContent();

async function waitAnnounced(page, text) {
  await h.waitUntil(async () => (await announced(page)) === text, { timeout: WAIT, message: `announced "${text}" (is "${await announced(page)}")` });
}

test('the chair starts a recording with the form; Clara is asked with purpose and retention and declines', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    chair = await newPage('en-US', true); // axe is injected
    await h.loginLocal(chair, server.url, 'chair', PW);
    const r = await pageApi(chair, 'POST', '/api/v1/meetings', { title: TITLE, lobby: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    meeting = r.json;
    const inv = async () => {
      const res = await pageApi(chair, 'POST', `/api/v1/meetings/${meeting.id}/invites`, { role: 'participant' });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return new URL(res.json.url, server.url).href;
    };
    meeting.claraUrl = await inv();
    meeting.berndUrl = await inv();

    await open(chair, `${server.url}/r/${meeting.id}`);
    await join(chair);
    clara = await newPage('en-US', true); // axe on her consent dialog
    await open(clara, meeting.claraUrl);
    await join(clara, 'Clara');
    assert.equal(await badge(clara, 'recording').count(), 0, 'no indicator while nothing runs');

    await openControls(chair);
    const form = chair.locator(tid('rec-form-recording'));
    assert.equal(await chair.locator(tid('rec-start-recording')).innerText(), 'Start recording');
    // the form refuses an empty purpose before anything is sent
    await chair.click(tid('rec-start-recording'));
    assert.equal(await chair.locator(tid('rec-form-error-recording')).innerText(), 'Please give the purpose.');
    assert.equal(await chair.locator(tid('rec-purpose-recording')).getAttribute('aria-invalid'), 'true');
    assert.equal(await chair.evaluate(() => document.activeElement.dataset.testid), 'rec-purpose-recording');
    await chair.fill(tid('rec-purpose-recording'), PURPOSE);
    await chair.fill(tid('rec-retention'), '7');
    await form.locator(tid('rec-form-layout-recording')).selectOption('grid');
    await assertNoViolations(chair, 'the recording controls (start form)');
    await chair.click(tid('rec-start-recording'));
    await chair.locator(`${tid('rec-state-recording')}[data-state="running"]`).waitFor({ timeout: WAIT });
    assert.equal(await chair.locator(tid('rec-layout-recording')).inputValue(), 'grid');
    assert.match(await chair.locator(tid('rec-started-recording')).innerText(), /^Started by Erika Vorsitz at \d\d:\d\d$/);

    // the chair is asked too (on top of the controls) and agrees
    await chair.locator(tid('consent-dialog')).waitFor({ state: 'visible', timeout: WAIT });
    await chair.click(tid('consent-agree-recording'));
    await chair.locator(tid('consent-dialog')).waitFor({ state: 'hidden' });

    const dlg = clara.locator(tid('consent-dialog'));
    await dlg.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await clara.locator('#consent-heading').innerText(), 'This meeting is being recorded');
    const text = await clara.locator(tid('consent-recording')).innerText();
    for (const part of ['recorded to a file', 'Started by: Erika Vorsitz', `Purpose: ${PURPOSE}`, 'Kept for: 7 days, then the recording is deleted.', 'You have not answered yet.'])
      assert.ok(text.includes(part), `the dialog says "${part}":\n${text}`);
    assert.match(await clara.locator(tid('consent-decline-means')).innerText(), /not in it at all: no picture, no voice, no name/);
    assert.ok(await dlg.evaluate((d) => d.contains(document.activeElement)), 'the focus is in the dialog');
    assert.equal(await clara.locator(tid('consent-agree-recording')).innerText(), 'I agree');
    await assertNoViolations(clara, 'the consent dialog');
    await assertNoViolations(chair, 'the chair with the recording running');
    await clara.click(tid('consent-decline-recording'));
    await dlg.waitFor({ state: 'hidden' });
    await h.waitUntil(async () => (await badge(clara, 'recording').getAttribute('data-you')) === 'declined', { timeout: WAIT, message: "Clara's answer: declined" });
    assert.match(await badge(clara, 'recording').innerText(), /● REC/);
    assert.equal(await clara.locator(tid('recording-you-recording')).innerText(), 'You are not in the recording.');
    assert.match(await badge(clara, 'recording').getAttribute('title'), /Recording is running\. You are not in the recording\./);
    await waitAnnounced(clara, 'The recording has started.');
  }));

test('Bernd (German) joins into the running recording, is asked at once, and Escape leaves him out', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    bernd = await newPage('de-DE');
    await open(bernd, meeting.berndUrl);
    await join(bernd, 'Bernd');
    const dlg = bernd.locator(tid('consent-dialog'));
    await dlg.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await bernd.locator('#consent-heading').innerText(), 'Diese Sitzung wird aufgenommen');
    const text = await bernd.locator(tid('consent-recording')).innerText();
    for (const part of [`Zweck: ${PURPOSE}`, 'Aufbewahrung: 7 Tage', 'Gestartet von: Erika Vorsitz'])
      assert.ok(text.includes(part), `the dialog says "${part}":\n${text}`);
    assert.equal(await bernd.locator(tid('consent-agree-recording')).innerText(), 'Einverstanden');
    assert.equal(await bernd.locator(tid('consent-decline-recording')).innerText(), 'Ablehnen');
    await bernd.keyboard.press('Escape');
    await dlg.waitFor({ state: 'hidden' });
    assert.equal(await badge(bernd, 'recording').getAttribute('data-you'), 'pending');
    assert.match(await badge(bernd, 'recording').innerText(), /● AUFNAHME/);
    assert.equal(await bernd.locator(tid('recording-you-recording')).innerText(), 'Sie sind nicht in der Aufnahme.');
    // the chair agreed, Clara declined, Bernd has not answered
    await waitCounts(chair, 'recording', { given: 1, declined: 1, pending: 1 });
    assert.equal(await chair.locator(tid('rec-counts-recording')).innerText(), 'Consent: 1 agreed · 1 declined · 1 not answered');
  }));

test('Clara changes her answer from the indicator; the chair sees the counts change', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await badge(clara, 'recording').click();
    await clara.locator(tid('consent-dialog')).waitFor({ state: 'visible' });
    assert.equal(await clara.locator(tid('consent-current-recording')).innerText(), 'Your answer so far: you declined.');
    await clara.click(tid('consent-agree-recording'));
    await clara.locator(tid('consent-dialog')).waitFor({ state: 'hidden' });
    await h.waitUntil(async () => (await badge(clara, 'recording').getAttribute('data-you')) === 'given', { timeout: WAIT, message: "Clara's answer: given" });
    assert.equal(await clara.locator(tid('recording-you-recording')).innerText(), 'You are in the recording.');
    await waitCounts(chair, 'recording', { given: 2, declined: 0, pending: 1 });
  }));

test("pause, resume and stop (confirmed) change everyone's indicator; a second start is refused", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // a start while it runs: the server's refusal as a sentence
    await chair.evaluate(() => window.__ratsaalMeeting.sig.trySend({ ns: 'recording', action: 'start', kind: 'recording', purpose: 'noch einmal' }));
    await h.waitUntil(async () => (await errorToasts(chair)).some((x) => x.startsWith('already_running: That is already running.')), { timeout: WAIT, message: 'already_running shown' });

    await chair.click(tid('rec-pause-recording'));
    for (const p of [chair, clara, bernd]) await badge(p, 'recording', '[data-paused="true"]').waitFor({ timeout: WAIT });
    assert.match(await badge(bernd, 'recording').innerText(), /pausiert/i);
    assert.match(await badge(clara, 'recording').innerText(), /paused/i);
    await waitAnnounced(clara, 'The recording is paused.');
    assert.equal(await chair.locator(tid('rec-pause-recording')).innerText(), 'Resume');
    assert.equal(await chair.locator(tid('rec-state-recording')).innerText(), 'State: Paused');
    await chair.click(tid('rec-pause-recording'));
    for (const p of [chair, clara, bernd]) await badge(p, 'recording', '[data-paused="false"]').waitFor({ timeout: WAIT });
    await waitAnnounced(bernd, 'Die Aufnahme läuft wieder.');

    // stop asks first; Cancel keeps it running
    await chair.click(tid('rec-stop-recording'));
    await chair.locator(tid('confirm-dialog')).waitFor({ state: 'visible' });
    assert.equal(await chair.locator('#confirm-heading').innerText(), 'Stop the recording?');
    await chair.click(tid('confirm-cancel'));
    await h.sleep(500);
    assert.equal(await badge(clara, 'recording').count(), 1, 'still running after Cancel');
    await chair.click(tid('rec-stop-recording'));
    await chair.click(tid('confirm-ok'));
    for (const p of [chair, clara, bernd]) await p.locator(tid('recording-indicator')).waitFor({ state: 'hidden', timeout: WAIT });
    await waitAnnounced(bernd, 'Die Aufnahme ist beendet.');
    await waitAnnounced(clara, 'The recording has ended.');
    await chair.locator(`${tid('rec-state-recording')}[data-state="off"]`).waitFor({ timeout: WAIT });
    await chair.locator(tid('rec-start-recording')).waitFor({ state: 'visible' });
  }));

test('the live page of a meeting that never streamed: no title told, not live', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await newPage('en-US');
    await open(page, `${server.url}/live/${meeting.id}`);
    await page.locator('body[data-state="offline"]').waitFor({ timeout: WAIT });
    assert.equal(await page.locator(tid('live-title')).innerText(), 'Public meeting');
    assert.equal(await page.locator(tid('live-status')).innerText(), 'Not live at the moment.');
    assert.equal(await page.locator(tid('live-agenda')).isVisible(), false);
    assert.equal(await page.title(), 'Public meeting – Livestream – Ratsaal');
    await page.close();
    pages.splice(pages.indexOf(page), 1);
  }));

test('a stream shows its public link and destinations; participants are told where it goes', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.fill(tid('rec-purpose-stream'), 'Öffentliche Übertragung');
    await chair.click(tid('rec-start-stream'));
    await chair.locator(`${tid('rec-state-stream')}[data-state="running"]`).waitFor({ timeout: WAIT });
    const publicUrl = `${server.url}/live/${meeting.id}`;
    assert.equal(await chair.locator(tid('rec-public-url')).inputValue(), publicUrl);
    const targets = chair.locator(tid('rec-target'));
    assert.deepEqual(await targets.locator('.switch-label').allInnerTexts(), ['Owncast', 'Test Tube']);
    assert.deepEqual(await targets.evaluateAll((ns) => ns.map((n) => n.dataset.state)), ['off', 'off']);
    await chair.locator(tid('consent-dialog')).waitFor({ state: 'visible', timeout: WAIT });
    await chair.click(tid('consent-agree-stream'));

    const dlg = clara.locator(tid('consent-dialog'));
    await dlg.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await clara.locator('#consent-heading').innerText(), 'This meeting is being streamed live');
    const text = () => clara.locator(tid('consent-stream')).innerText();
    assert.ok((await text()).includes(publicUrl), await text());
    assert.ok((await text()).includes('Kept for: live only, not kept by Ratsaal.'), await text());
    assert.ok(!(await text()).includes('Owncast'), 'no destination named while none is on');

    // Owncast on: its switch and state; Clara's open dialog now names it
    const owncast = chair.locator(`${tid('rec-target')}[data-target-id="owncast"]`);
    await owncast.locator(tid('rec-target-switch-owncast')).click();
    await h.waitUntil(async () => ['connecting', 'running', 'reconnecting'].includes(await owncast.getAttribute('data-state')), { timeout: WAIT, message: 'Owncast switched on' });
    assert.equal(await owncast.locator(tid('rec-target-switch-owncast')).getAttribute('aria-checked'), 'true');
    assert.match(await owncast.locator(tid('rec-target-state')).innerText(), /^(connecting …|sending|reconnecting …)$/);
    await h.waitUntil(async () => (await text()).includes('It is also sent to: Owncast.'), { timeout: WAIT, message: 'the dialog names Owncast' });
    assert.ok(!(await text()).includes('Test Tube'), 'a destination that is off is not named');
    await clara.click(tid('consent-agree-stream'));
    await dlg.waitFor({ state: 'hidden' });
    await badge(clara, 'stream', '[data-you="given"]').waitFor({ timeout: WAIT });
    assert.match(await badge(clara, 'stream').innerText(), /● LIVE/);
    // Bernd answers in German
    await bernd.locator(tid('consent-dialog')).waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await bernd.locator('#consent-heading').innerText(), 'Diese Sitzung wird live übertragen');
    await bernd.click(tid('consent-decline-stream'));
    await bernd.locator(tid('recording-you-stream'), { hasText: 'Sie sind nicht im Livestream.' }).waitFor({ timeout: WAIT });
    await waitCounts(chair, 'stream', { given: 2, declined: 1, pending: 0 });

    await chair.click(tid('rec-stop-stream'));
    assert.equal(await chair.locator('#confirm-heading').innerText(), 'Stop the livestream?');
    await chair.click(tid('confirm-ok'));
    for (const p of [chair, clara, bernd]) await p.locator(tid('recording-indicator')).waitFor({ state: 'hidden', timeout: WAIT });
  }));

test('after the stream, the live page: title, agenda item and "not live" in English and German, live while a playlist runs', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // a public agenda item made current in the meeting is named on the page
    const send = (m) => chair.evaluate((msg) => window.__ratsaalMeeting.sig.request(msg, { events: ['agenda/state'] }).then(() => 'ok', (e) => e.code), m);
    assert.equal(await send({ ns: 'agenda', action: 'add', title: 'Haushalt 2027', public: true }), 'ok');
    const agenda = await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/agenda`);
    assert.equal(await send({ ns: 'agenda', action: 'current', item: agenda.json.items[0].id }), 'ok');
    for (const [locale, notLive, item] of [['en-US', 'Not live at the moment.', 'Current agenda item: Haushalt 2027'], ['de-DE', 'Zurzeit wird nicht übertragen.', 'Aktueller Tagesordnungspunkt: Haushalt 2027']]) {
      const page = await newPage(locale, true); // axe
      const foreign = [];
      page.on('request', (req) => {
        if (!req.url().startsWith(server.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) foreign.push(req.url());
      });
      const res = await page.goto(`${server.url}/live/${meeting.id}`, { waitUntil: 'domcontentloaded' });
      assert.equal(res.status(), 200);
      await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
      assert.equal(await page.locator('html').getAttribute('lang'), locale.slice(0, 2));
      await page.locator(tid('live-title'), { hasText: TITLE }).waitFor({ timeout: WAIT });
      assert.equal(await page.locator(tid('live-status')).innerText(), notLive);
      assert.equal(await page.locator(tid('live-agenda')).innerText(), item);
      assert.equal(await page.locator('body').getAttribute('data-state'), 'offline');
      assert.equal(await page.locator(tid('live-video')).isVisible(), false);
      assert.equal(await page.locator('#live-captions-heading').innerText(), locale === 'de-DE' ? 'Untertitel' : 'Captions');
      await page.locator(`${tid('site-footer')} select`).waitFor();
      // the imprint and privacy notice, as on every page
      assert.equal(await page.locator(tid('imprint-link')).innerText(), locale === 'de-DE' ? 'Impressum' : 'Imprint');
      assert.equal(await page.locator(tid('privacy-link')).getAttribute('href'), 'http://127.0.0.1/datenschutz');
      await assertNoViolations(page, `the live page (${locale}, not live)`);
      assert.deepEqual(foreign, [], 'no request to another host');
      assert.deepEqual(page.pageErrors, []);
      assert.deepEqual(page.consoleErrors, []);
      if (locale === 'en-US') {
        // a playlist without its end (what the recorder writes while streaming): the page turns live
        const dir = path.join(server.dataDir, 'live', meeting.id);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const playlist = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n';
        fs.writeFileSync(path.join(dir, 'index.m3u8'), playlist);
        await page.locator('body[data-state="live"]').waitFor({ timeout: WAIT });
        assert.equal(await page.locator(tid('live-mark')).innerText(), '● Live');
        assert.equal(await page.locator(tid('live-video')).isVisible(), true);
        assert.equal(await page.locator(tid('live-video')).getAttribute('aria-label'), 'Video player of the livestream');
        // ended (#EXT-X-ENDLIST): "not live" again, the player gone
        fs.writeFileSync(path.join(dir, 'index.m3u8'), `${playlist}#EXT-X-ENDLIST\n`);
        await page.locator('body[data-state="offline"]').waitFor({ timeout: WAIT });
        assert.equal(await page.locator(tid('live-video')).isVisible(), false);
        assert.equal(await page.locator(tid('live-mark')).isVisible(), false);
        assert.equal(await page.locator(tid('live-status')).innerText(), notLive);
        fs.rmSync(path.join(dir, 'index.m3u8'));
      }
      await page.close();
      pages.splice(pages.indexOf(page), 1);
    }
  }));

test('refused: a participant has no start control, and her forged start is refused with the error shown', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await chair.click(tid('recording-dialog-close')); // "More" is behind the modal dialog
    await chair.locator(tid('recording-dialog')).waitFor({ state: 'hidden' });
    const items = await moreItems(clara);
    assert.ok(!items.includes('more-recording'), `no recording entry for a participant: ${items}`);
    assert.ok((await moreItems(chair)).includes('more-recording'), 'the chair has it');
    assert.equal(await clara.locator(tid('recording-controls')).evaluate((n) => n.children.length), 0, 'no controls in her page');
    await clara.evaluate(() => window.__ratsaalMeeting.sig.trySend({ ns: 'recording', action: 'start', kind: 'recording', purpose: 'heimlich' }));
    await h.waitUntil(async () => (await errorToasts(clara)).some((x) => x === 'forbidden: You are not allowed to do this.'), { timeout: WAIT, message: 'forbidden shown to Clara' });
    await h.sleep(500);
    assert.equal(await badge(chair, 'recording').count(), 0, 'nothing started');
    await openControls(chair);
    assert.equal(await chair.locator(`${tid('rec-state-recording')}[data-state="off"]`).count(), 1);
  }));

test("refused in the form: a retention beyond the server's maximum, a recorder that cannot run", (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await openControls(chair);
    await chair.fill(tid('rec-purpose-recording'), 'Zu lange');
    await chair.fill(tid('rec-retention'), '365');
    await chair.click(tid('rec-start-recording'));
    // the server's limit (recording_retention_days = 90) is taken from its answer
    await chair.locator(tid('rec-form-error-recording'), { hasText: 'Please give a whole number from 1 to 90.' }).waitFor({ timeout: WAIT });
    assert.equal(await chair.locator(tid('rec-retention')).getAttribute('aria-invalid'), 'true');
    assert.equal(await chair.locator(tid('rec-retention')).getAttribute('max'), '90');
    // the recorder is not executable: recorder_unavailable, with the server's reason
    fs.chmodSync(wrapper, 0o644);
    try {
      await chair.fill(tid('rec-retention'), '30');
      await chair.click(tid('rec-start-recording'));
      await chair.locator(tid('rec-form-error-recording'), { hasText: 'The recording program is not available. (' }).waitFor({ timeout: WAIT });
    } finally {
      fs.chmodSync(wrapper, 0o755);
    }
    assert.equal(await chair.locator(`${tid('rec-state-recording')}[data-state="off"]`).count(), 1, 'nothing started');
    assert.equal(await badge(clara, 'recording').count(), 0);
  }));

test('the recorder dies: the chair gets a toast and the failed state with "Start again"', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    fs.writeFileSync(dieFlag, '');
    await openControls(chair);
    await chair.fill(tid('rec-purpose-recording'), 'Absturztest');
    await chair.fill(tid('rec-retention'), '3');
    await chair.click(tid('rec-start-recording'));
    await h.waitUntil(async () => (await errorToasts(chair)).some((x) => x.startsWith('recorder_failed: Recording failed')), { timeout: WAIT, message: `recorder_failed toast (have ${await errorToasts(chair)})` });
    await chair.locator(`${tid('rec-state-recording')}[data-state="failed"]`).waitFor({ timeout: WAIT });
    assert.equal(await chair.locator(tid('rec-state-recording')).innerText(), 'State: Failed');
    assert.equal(await chair.locator(tid('rec-start-recording')).innerText(), 'Start again');
    await clara.locator(tid('recording-indicator')).waitFor({ state: 'hidden', timeout: WAIT });
    assert.equal((await errorToasts(clara)).filter((x) => x.startsWith('recorder_failed')).length, 0, 'only moderators get the toast');
    // the error the server names is shown with the state
    assert.ok((await chair.locator(tid('rec-error-recording')).innerText()).startsWith('Error: '));
    await chair.click(tid('recording-dialog-close'));
    fs.rmSync(dieFlag);
  }));

test('"My meetings": the recording with its purpose, the audit log, Download and Delete', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const list = await pageApi(chair, 'GET', `/api/v1/meetings/${meeting.id}/recordings`);
    assert.equal(list.status, 200, JSON.stringify(list.json));
    const rec = list.json.recordings.find((x) => x.purpose === PURPOSE);
    assert.ok(rec, `the first run is listed: ${JSON.stringify(list.json)}`);
    assert.equal(rec.retention_days, 7);
    // the fake recorder wrote a few bytes into the meeting's folder of recordings (whatever the
    // server names the file: the deletion must remove it)
    const dir = path.join(server.dataDir, 'recordings', meeting.id);
    const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
    const before = files();
    const want = Buffer.from('fake-mp4-data');
    assert.ok(before.some((f) => fs.readFileSync(path.join(dir, f)).equals(want)), `the fake recorder's file in ${dir}: ${before}`);

    const page = await chair.context().newPage(); // signed in as the chair (its context's cookie)
    pages.push(page);
    await open(page, `${server.url}/meetings`);
    const item = page.locator(`${tid('meeting-item')}[data-meeting-id="${meeting.id}"]`);
    await item.locator(tid('meeting-recordings')).click();
    const row = item.locator(`${tid('recording-row')}[data-recording-id="${rec.id}"]`);
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.locator(tid('recording-purpose')).innerText(), PURPOSE);
    assert.equal(await item.locator(`${tid('recordings-table')} th`).first().innerText(), 'Date');
    assert.equal(await row.locator(tid('recording-state')).innerText(), 'done');
    await assertNoViolations(page, 'the recordings in My meetings');

    assert.equal(rec.state, 'done');
    assert.equal(await row.locator(tid('recording-size')).innerText(), `${want.length} B`);
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator(tid('recording-download')).click()]);
    assert.ok(fs.readFileSync(await download.path()).equals(want), 'the downloaded file is the recording');

    await item.locator(tid('recordings-audit-button')).click();
    await item.locator(tid('recordings-audit-table')).waitFor({ timeout: WAIT });
    const events = await item.locator(tid('audit-row')).evaluateAll((ns) => ns.map((n) => n.dataset.event));
    for (const e of ['start', 'consent_given', 'consent_declined', 'pause', 'resume', 'stop', 'target_on', 'recorder_failed', 'download'])
      assert.ok(events.includes(e), `audit has ${e}: ${events}`);
    const shown = await item.locator(tid('audit-event')).allInnerTexts();
    for (const w of ['started', 'consent given', 'consent declined', 'downloaded', 'recorder failed']) assert.ok(shown.includes(w), `"${w}" in the audit log: ${shown}`);
    assert.ok((await item.locator(tid('audit-actor')).allInnerTexts()).includes('Erika Vorsitz'));

    await row.locator(tid('recording-delete')).click();
    await page.locator(tid('confirm-dialog')).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#confirm-heading').innerText(), 'Delete the recording?');
    await page.click(tid('confirm-ok'));
    await row.waitFor({ state: 'detached', timeout: WAIT });
    assert.equal(files().length, before.length - 1, `the file is gone: ${before} → ${files()}`);
    const again = await pageApi(page, 'GET', `/api/v1/meetings/${meeting.id}/recordings/${rec.id}/file`);
    assert.equal(again.status, 404);
    await h.waitUntil(async () => (await item.locator(tid('audit-row')).evaluateAll((ns) => ns.map((n) => n.dataset.event))).includes('delete'), { timeout: WAIT, message: 'the audit log shows the deletion' });
  }));
