// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Firefox ESR and Chromium in one meeting through the real SFU (issue 16): two Firefox pages
// (puppeteer over WebDriver BiDi, tests/e2e/lib/firefox.js) and one Chromium page decode each
// other's camera and receive each other's microphone; a Chromium screen share is decoded by both
// Firefox pages; a Firefox subscriber whose tile shrinks is switched to the (Firefox) publisher's
// lowest simulcast layer; Firefox publishes simulcast (a=rid l/m/h, a=simulcast:send l;m;h in its own
// SDP dialect), the server takes all three layers and a Chromium subscriber gets the lowest of
// them after shrinking the tile.
//
// Headless Firefox has no screen to capture: getDisplayMedia() rejects with NotFoundError even
// with fake streams (media.navigator.streams.fake fakes only camera and microphone). So the
// Firefox page that shares its screen runs in a second Firefox with a window on an Xvfb display
// of its own (ff.launchFirefox({screen: true})); it shares that display, and a Chromium and a
// Firefox page decode it.
//
// Firefox gathers no loopback candidates, hence the network namespace:
//     RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/firefox-media.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');
const ff = require('../e2e/lib/firefox.js');

const stopWatchdog = h.watchdog(240000);
let server; let firefox; let chromium; let firefoxScreen;
const pages = [];
let F1; let F2; let C1; let idF1; let idF2; let idC1;

before(async () => {
  ns.setup();
  server = await h.startServer(ns.serverOptions());
  [firefox, chromium] = await Promise.all([
    ff.launchFirefox(),
    h.launchBrowser({ loopback: false, args: ['--auto-select-desktop-capture-source=Entire screen'] }),
  ]);
});

after(async () => {
  for (const b of [firefox, chromium, firefoxScreen]) if (b) await b.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

const room = (name) => `${server.url}/r/ff-media-room?join=1&name=${name}`;

/** Every pair in both directions at once: camera frames and microphone packets rise. */
function allReceive(list, source, field) {
  const checks = [];
  for (const [page] of list) {
    for (const [other, id] of list) if (other !== page) checks.push(h.rising(page, `${id}:${source}`, field, { timeout: 25000 }));
  }
  return Promise.all(checks);
}

/**
 * `sub` first receives a layer of `pub`'s camera above its lowest, shrinks the tile, then
 * receives the lowest layer (its width no more than what `pub`'s encoder says rid l is).
 */
async function switchesDown(sub, pub, pubId) {
  const key = `${pubId}:camera`;
  let last = '';
  const widths = async () => {
    const w = ((await h.inbound(sub))[key] || {}).width || 0;
    const layers = await ff.outboundLayers(pub);
    last = `received width ${w}, publisher's layers ${JSON.stringify(layers)}`;
    return [w, layers.l || 0];
  };
  // the other cameras on `sub` as thumbnails: the subscriber's bandwidth estimate, shared by
  // its subscriptions, goes to this one (the machine may be busy and the estimate low)
  const others = await sub.evaluate((pid) => [...document.querySelectorAll('[data-testid="tile"]')]
    .map((e) => e.dataset.participantId).filter((id) => id && id !== pid), pubId);
  for (const id of others) await ff.shrinkTile(sub, id);
  // the publisher's bandwidth estimate ramps up before the upper layers flow
  const [big, lowBefore] = await h.waitUntil(async () => { const [w, l] = await widths(); return w > l && l > 0 && [w, l]; },
    { timeout: 30000, interval: 500, message: `a layer above the lowest of ${key}` }).catch((e) => { throw new Error(`${e.message}; ${last}`); });
  await ff.shrinkTile(sub, pubId);
  const [small, low] = await h.waitUntil(async () => { const [w, l] = await widths(); return w > 0 && w <= l && [w, l]; },
    { timeout: 20000, interval: 500, message: `${key} to switch down from width ${big} (lowest layer ${lowBefore})` })
    .catch((e) => { throw new Error(`${e.message}; ${last}`); });
  assert.ok(small < big, `width ${big} → ${small} (lowest layer ${low})`);
  await h.rising(sub, key, 'frames'); // and it keeps decoding after the switch
}

test('two Firefox pages and a Chromium page decode each other\'s camera and hear each other', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    F1 = await ff.newPage(firefox); pages.push(F1);
    F2 = await ff.newPage(firefox); pages.push(F2);
    C1 = await h.newPage(chromium); pages.push(C1);
    await Promise.all([ff.joinByLink(F1, room('Fiona')), ff.joinByLink(F2, room('Felix')), h.joinByLink(C1, room('Carl'))]);
    [idF1, idF2, idC1] = await Promise.all([F1, F2, C1].map((p) => h.selfId(p)));
    const list = [[F1, idF1], [F2, idF2], [C1, idC1]];
    await allReceive(list, 'camera', 'frames');
    await allReceive(list, 'microphone', 'packets');
    for (const p of [F1, F2]) assert.deepEqual([...p.pageErrors, ...p.consoleErrors, ...p.cspViolations], []);
  }));

test('Firefox publishes simulcast: the server takes its three rids, and a Chromium subscriber is switched to the lowest', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const sdp = await F2.evaluate(() => {
      const pc = window.__ratsaal.publishPc;
      return { offer: pc.localDescription.sdp, answer: pc.remoteDescription.sdp };
    });
    assert.match(sdp.offer, /^a=simulcast:send l;m;h\r?$/m, 'Firefox offers its rids in the order given');
    assert.match(sdp.answer, /^a=simulcast:recv l;m;h\r?$/m, `server's answer:\n${sdp.answer}`);
    for (const rid of ['l', 'm', 'h']) assert.match(sdp.answer, new RegExp(`^a=rid:${rid} recv\\r?$`, 'm'));
    const layers = await ff.outboundLayers(F2);
    assert.ok(layers.l > 0 && layers.l < layers.h, `Firefox encodes l < h: ${JSON.stringify(layers)}`);
    await switchesDown(C1, F2, idF2);
  }));

// (Firefox publishing to a Firefox subscriber. With a Chromium publisher the Firefox page gets
// the middle layer for the first seconds only: once its REMB (~300 kbps) arrives the server steps
// it down to the lowest layer, and a REMB measured on what arrives hovers around the middle
// layer's bitrate (it flipped between the two every few seconds over 40 s); on a busy machine the
// first window was missed. A Chromium subscriber did the same, staying on the lowest layer with a
// ~215 kbps REMB: the server's choose_layers() in src/sfu/router.c, not Firefox; told the lead.)
test('a Firefox subscriber is switched to the lowest layer when its tile shrinks', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await switchesDown(F1, F2, idF2);
  }));

test('a screen shared from Chromium is decoded by both Firefox pages', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await C1.click(h.tid('screen-button'));
    await Promise.all([F1, F2].map((p) => h.rising(p, `${idC1}:screen`, 'frames', { timeout: 25000 })));
    await ff.waitFor(F1, 'screen-share');
  }));

test('a screen shared from Firefox is decoded by the Chromium and a Firefox page; stopped, its tile goes', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await C1.click(h.tid('screen-button')); // Chromium's share from the test above ends first
    await ff.waitFor(F1, 'screen-share', { state: 'detached' });
    firefoxScreen = await ff.launchFirefox({ screen: true });
    const F4 = await ff.newPage(firefoxScreen); pages.push(F4);
    await ff.joinByLink(F4, room('Fritz'));
    const idF4 = await h.selfId(F4);
    await ff.click(F4, 'screen-button');
    await ff.waitFor(F4, '[data-testid="screen-button"][aria-pressed="true"]');
    const tile = `[data-testid="screen-share"][data-participant-id="${idF4}"]`;
    await Promise.all([C1, F1].map((p) => h.rising(p, `${idF4}:screen`, 'frames', { timeout: 40000 })));
    // the 1280×800 display, not a fake camera's picture; the encoder may start smaller while its
    // bandwidth estimate ramps up
    for (const p of [C1, F1]) {
      let v = {};
      await h.waitUntil(async () => { v = (await h.inbound(p))[`${idF4}:screen`] || {}; return v.width >= 640 && v.height >= 400; },
        { timeout: 20000, interval: 500, message: 'the screen at 640×400 or more' })
        .catch((e) => { throw new Error(`${e.message}: last ${v.width}×${v.height}`); });
    }
    await C1.locator(tile).waitFor({ state: 'visible' });
    await ff.waitFor(F1, tile);
    await ff.click(F4, 'screen-button');
    await C1.locator(tile).waitFor({ state: 'detached', timeout: 15000 });
    await ff.waitFor(F1, tile, { state: 'detached', timeout: 15000 });
    assert.deepEqual([...F4.pageErrors, ...F4.consoleErrors, ...F4.cspViolations], []);
  }));

test('Firefox joins with camera and microphone off and switches them on: the Chromium page decodes and hears it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // the simulcast sender was negotiated without a track; replaceTrack() fills it later
    const F3 = await ff.newPage(firefox); pages.push(F3);
    await ff.gotoReady(F3, room('Frieda'));
    await ff.click(F3, 'cam-off');
    await ff.click(F3, 'mic-off');
    await ff.click(F3, 'join-button');
    await ff.waitFor(F3, 'meeting');
    const idF3 = await h.selfId(F3);
    assert.equal(await ff.attr(F3, 'camera-button', 'aria-pressed'), 'false');
    await ff.click(F3, 'camera-button');
    await ff.click(F3, 'mic-button');
    await h.rising(C1, `${idF3}:camera`, 'frames', { timeout: 25000 });
    await h.rising(C1, `${idF3}:microphone`, 'packets', { timeout: 25000 });
    assert.deepEqual([...F3.pageErrors, ...F3.consoleErrors], []);
  }));
