// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 3, mid-meeting devices: two Chromium pages (A English, B German) in one room through the
// real SFU. What a person would notice, measured with getStats() through window.__ratsaal:
//  (a) A turns the camera off → B's tile for A shows the avatar (B got media/track_state) and
//      A's video stops arriving at B (B's decoded frames stop rising); camera on → B decodes again.
//  (b) A switches the microphone in the settings dialog to another fake device → A's audio sender
//      carries a new track from that device (no renegotiation), B keeps receiving A's audio; the
//      choice is remembered; the speaker choice reaches A's <audio> elements; Escape closes and
//      focus returns to the settings button.
//  (c) camera choice: Chromium's fake capture offers one camera, so the dialog must list exactly
//      that one and re-selecting it (a new track of the same device) keeps A's video decoding at B.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

const stopWatchdog = h.watchdog(90000);
const ROOM = 'e2e-devices-room';
let server;
let browser;
const pages = [];
let A; let B; let idA;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  A = await join('Anna', 'en-US');
  B = await join('Bernd', 'de-DE');
  idA = await h.selfId(A);
  assert.ok(idA, 'A has a participant id');
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

async function join(name, locale) {
  const page = await h.newPage(browser, { locale });
  pages.push(page);
  await h.joinByLink(page, `${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

const { inbound, rising } = h;

/** A's sender of `kind` on the publish connection: its track and the publish SDP (renegotiation check). */
function sender(page, kind) {
  return page.evaluate((k) => {
    const pc = window.__ratsaal.publishPc;
    const s = pc.getSenders().find((x) => x.track && x.track.kind === k);
    if (!s) return null;
    window.__e2eOld = window.__e2eOld || {};
    window.__e2eOld[k] = s.track;
    return { id: s.track.id, label: s.track.label, deviceId: s.track.getSettings().deviceId, sdp: pc.localDescription.sdp };
  }, kind);
}

function devices(page, kind) {
  return page.evaluate(async (k) => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === k && d.deviceId).map((d) => ({ id: d.deviceId, label: d.label })), kind);
}

const tileOf = (page, id) => page.locator(`${h.tid('tile')}[data-participant-id="${id}"]`);
const hasVideo = (page, id) => tileOf(page, id).evaluate((el) => el.classList.contains('has-video'));
const optionValues = (page, testid) => page.locator(`${h.tid(testid)} option`).evaluateAll((os) => os.map((o) => o.value));
const focusedTestid = (page) => page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);

async function openSettings(page) {
  await page.click(h.tid('settings-button'));
  await page.locator(h.tid('settings-dialog')).waitFor({ state: 'visible', timeout: 5000 });
  // options come from enumerateDevices (async)
  await h.waitUntil(async () => (await optionValues(page, 'settings-mic')).some(Boolean), { timeout: 5000, message: 'device options' });
}

test('(a) camera off: B sees A\'s avatar and A\'s video stops; camera on: B decodes A again', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const key = `${idA}:camera`;
    await rising(B, key, 'frames');
    await h.waitUntil(() => hasVideo(B, idA), { timeout: 5000, message: "B's tile for A showing video" });

    await A.click(h.tid('camera-button'));
    assert.equal(await A.locator(h.tid('camera-button')).getAttribute('aria-pressed'), 'false');
    // B got media/track_state muted and shows the avatar instead of a frozen picture
    await h.waitUntil(() => B.evaluate((id) => window.__ratsaalMeeting.state.participants.get(id).muted.camera === true, idA),
      { timeout: 5000, message: 'B to learn that A\'s camera is off (media/track_state)' });
    await h.waitUntil(async () => !(await hasVideo(B, idA)), { timeout: 5000, message: "B's tile for A without video" });
    await tileOf(B, idA).locator(h.tid('avatar')).waitFor({ state: 'visible', timeout: 5000 });
    // and no more of A's pictures reach B
    await h.sleep(1000); // in flight
    const off1 = await inbound(B);
    await h.sleep(2000);
    const off2 = await inbound(B);
    assert.ok(off2[key].frames - off1[key].frames <= 2,
      `B still decodes A's video while A's camera is off: ${off1[key].frames} → ${off2[key].frames}`);

    await A.click(h.tid('camera-button'));
    assert.equal(await A.locator(h.tid('camera-button')).getAttribute('aria-pressed'), 'true');
    await rising(B, key, 'frames');
    await h.waitUntil(() => hasVideo(B, idA), { timeout: 5000, message: "B's tile for A showing video again" });
    await tileOf(B, idA).locator(h.tid('avatar')).waitFor({ state: 'hidden', timeout: 5000 });
  }));

test('(b) switching the microphone in the settings dialog replaces A\'s audio track; B keeps hearing A', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const mics = await devices(A, 'audioinput');
    assert.ok(mics.length >= 2, `Chromium's fake capture should offer several microphones: ${JSON.stringify(mics)}`);
    const old = await sender(A, 'audio');
    assert.ok(old, 'A sends audio');

    await openSettings(A);
    assert.equal(await focusedTestid(A), 'settings-camera', 'focus moves into the dialog');
    assert.deepEqual(await optionValues(A, 'settings-mic'), mics.map((d) => d.id), 'the dialog lists every microphone');
    assert.equal(await A.locator(h.tid('settings-mic')).inputValue(), old.deviceId, 'the microphone in use is preselected');

    const target = mics.find((d) => d.id !== old.deviceId && d.label !== old.label);
    assert.ok(target, 'another microphone to switch to');
    await A.selectOption(h.tid('settings-mic'), target.id);

    const now = await h.waitUntil(async () => {
      const s = await A.evaluate(() => {
        const pc = window.__ratsaal.publishPc;
        const tr = pc.getSenders().map((x) => x.track).find((x) => x && x.kind === 'audio');
        return tr && { id: tr.id, label: tr.label, deviceId: tr.getSettings().deviceId, state: tr.readyState, enabled: tr.enabled,
          oldState: window.__e2eOld.audio.readyState, sdp: pc.localDescription.sdp, signaling: pc.signalingState };
      });
      return s && s.deviceId === target.id ? s : null;
    }, { timeout: 8000, message: `A's audio sender to carry ${target.label}` });
    assert.notEqual(now.id, old.id, 'a new track');
    assert.notEqual(now.label, old.label, 'from another device');
    assert.equal(now.label, target.label);
    assert.equal(now.state, 'live');
    assert.equal(now.enabled, true, 'the microphone stays on');
    assert.equal(now.oldState, 'ended', 'the old microphone is released');
    assert.equal(now.sdp, old.sdp, 'replaceTrack, no renegotiation');
    assert.equal(now.signaling, 'stable');
    // remembered like the pre-join choice
    const stored = await A.evaluate(() => JSON.parse(localStorage.getItem('ratsaal.devices') || '{}'));
    assert.equal(stored.microphone, target.id);

    // B keeps receiving A's audio from the new device
    await h.sleep(500);
    await rising(B, `${idA}:microphone`, 'packets');

    // speaker (Chromium has HTMLMediaElement.setSinkId): B's audio plays on the chosen output at A
    const outs = await devices(A, 'audiooutput');
    if (outs.length > 1) {
      await A.locator(h.tid('settings-speaker')).waitFor({ state: 'visible', timeout: 2000 });
      assert.deepEqual(await optionValues(A, 'settings-speaker'), outs.map((d) => d.id));
      const out = outs.find((d) => d.id !== 'default') || outs[0];
      await A.selectOption(h.tid('settings-speaker'), out.id);
      await h.waitUntil(() => A.evaluate((id) => {
        const els = [...document.querySelectorAll('[data-testid="remote-audio"] audio')];
        return els.length > 0 && els.every((a) => a.sinkId === id);
      }, out.id), { timeout: 5000, message: 'remote audio on the chosen speaker' });
    }

    // Escape closes, focus returns to the button; reopening shows the microphone in use
    await A.keyboard.press('Escape');
    await A.locator(h.tid('settings-dialog')).waitFor({ state: 'hidden', timeout: 3000 });
    assert.equal(await focusedTestid(A), 'settings-button');
    await openSettings(A);
    assert.equal(await A.locator(h.tid('settings-mic')).inputValue(), target.id);
    await A.keyboard.press('Escape');
    await A.locator(h.tid('settings-dialog')).waitFor({ state: 'hidden', timeout: 3000 });
  }));

test('(c) camera: the only fake camera is listed, and re-selecting it (new track, same device) keeps A\'s video decoding at B', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const cams = await devices(A, 'videoinput');
    assert.ok(cams.length >= 1, 'a fake camera');
    const old = await sender(A, 'video');
    assert.ok(old, 'A sends video');

    await openSettings(A);
    assert.deepEqual(await optionValues(A, 'settings-camera'), cams.map((d) => d.id), 'the dialog lists the camera(s)');
    assert.equal(await A.locator(h.tid('settings-camera')).inputValue(), old.deviceId, 'the camera in use is preselected');
    // the live preview shows the camera that is sent
    await h.waitUntil(() => A.evaluate(() => {
      const v = document.querySelector('[data-testid="settings-preview"]');
      return !v.hidden && v.videoWidth > 0;
    }), { timeout: 5000, message: 'camera preview playing' });

    // with one camera a person can only pick it again; a <select> fires no change for the same
    // value, so dispatch the change the picker would fire for another device
    const target = cams.find((d) => d.id !== old.deviceId) || cams[0];
    await A.selectOption(h.tid('settings-camera'), target.id);
    if (target.id === old.deviceId) await A.locator(h.tid('settings-camera')).dispatchEvent('change');

    const now = await h.waitUntil(async () => {
      const s = await A.evaluate(() => {
        const pc = window.__ratsaal.publishPc;
        const tr = pc.getSenders().map((x) => x.track).find((x) => x && x.kind === 'video');
        const preview = document.querySelector('[data-testid="settings-preview"]').srcObject;
        const self = document.querySelector(`[data-testid="tile"][data-participant-id="${window.__ratsaalMeeting.state.selfId}"] video`).srcObject;
        return tr && { id: tr.id, deviceId: tr.getSettings().deviceId, state: tr.readyState, oldState: window.__e2eOld.video.readyState,
          sdp: pc.localDescription.sdp, previewIsSent: !!preview && preview.getVideoTracks()[0] === tr,
          selfTileIsSent: !!self && self.getVideoTracks()[0] === tr };
      });
      return s && s.id !== old.id && s.previewIsSent ? s : null;
    }, { timeout: 8000, message: "A's video sender to carry a new camera track" });
    assert.equal(now.deviceId, target.id);
    assert.equal(now.state, 'live');
    assert.equal(now.oldState, 'ended', 'the old camera track is released');
    assert.equal(now.sdp, old.sdp, 'replaceTrack, no renegotiation');
    assert.ok(now.selfTileIsSent, 'A\'s own tile shows the new track');
    const stored = await A.evaluate(() => JSON.parse(localStorage.getItem('ratsaal.devices') || '{}'));
    assert.equal(stored.camera, target.id);

    await h.sleep(500);
    await rising(B, `${idA}:camera`, 'frames');
    assert.ok(await hasVideo(B, idA), "B's tile for A shows video");

    // the Done button closes too, focus back on the settings button
    await A.click(h.tid('settings-done'));
    await A.locator(h.tid('settings-dialog')).waitFor({ state: 'hidden', timeout: 3000 });
    assert.equal(await focusedTestid(A), 'settings-button');

    // B's control bar is German; no CSP violations or page errors anywhere
    assert.equal((await B.locator(`${h.tid('settings-button')} .ctrl-label`).textContent()).trim(), 'Einstellungen');
    for (const p of pages) {
      assert.deepEqual(p.cspViolations, []);
      assert.deepEqual(p.pageErrors, []);
    }
  }));
