// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Media through the real SFU (issue 3): three Chromium pages with fake camera and microphone in
// one room. Asserts what a person would notice, measured with getStats(): every page decodes
// both remote videos and receives both remote audio streams; a muted microphone stops reaching
// the others; a shared screen is decoded by the others; a subscriber that shows a video small
// is switched to a lower simulcast layer; a participant who leaves disappears with its tiles.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

const stopWatchdog = h.watchdog(240000);
let server;
let browser;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser({ args: ['--auto-select-desktop-capture-source=Entire screen'] });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stopWatchdog();
});

const { inbound, rising } = h;

async function join(name) {
  const page = await h.newPage(browser);
  pages.push(page);
  await h.joinByLink(page, `${server.url}/r/e2e-media-room?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

let A; let B; let C; let idA; let idB; let idC;

test('three pages: every page decodes both remote videos and receives both remote audios', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    A = await join('Anna');
    B = await join('Bernd');
    C = await join('Carla');
    [idA, idB, idC] = await Promise.all([A, B, C].map((p) => h.selfId(p)));
    const ids = { A: idA, B: idB, C: idC };
    for (const [me, page] of [['A', A], ['B', B], ['C', C]]) {
      for (const other of ['A', 'B', 'C'].filter((x) => x !== me)) {
        await rising(page, `${ids[other]}:camera`, 'frames');
        await rising(page, `${ids[other]}:microphone`, 'packets');
      }
    }
    const m = await (await fetch(`${server.url}/metrics`)).text();
    const forwarded = Number(m.match(/ratsaal_rtp_packets_out_total (\d+)/)[1]);
    assert.ok(forwarded > 100, `server forwarded ${forwarded} packets`);
    assert.match(m, /ratsaal_dtls_handshakes_total [1-9]/);
  }));

const speakerOn = (page) => page.evaluate(() => window.__ratsaalMeeting.state.activeSpeaker);

test('a muted microphone stops reaching the others (and its owner stops being the active speaker)', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // the fake microphones beep: the server announces an active speaker to everyone
    await h.waitUntil(async () => [idA, idB, idC].includes(await speakerOn(B)), { timeout: 30000, message: 'an active speaker' });
    await A.click(h.tid('mic-button'));
    assert.equal(await A.locator(h.tid('mic-button')).getAttribute('aria-pressed'), 'false');
    await h.sleep(1000); // in flight
    const before = await inbound(B);
    await h.sleep(2000);
    const afterMute = await inbound(B);
    const key = `${idA}:microphone`;
    assert.ok(afterMute[key].packets - before[key].packets <= 2,
      `A's audio still arriving at B: ${before[key].packets} → ${afterMute[key].packets}`);
    // C's audio still flows to B, and B's tile shows A muted
    await rising(B, `${idC}:microphone`, 'packets');
    await B.locator(`${h.tid('tile')}[data-participant-id="${idA}"] ${h.tid('muted-indicator')}`).waitFor({ state: 'visible' });
    // a silent participant loses the active-speaker highlight within a few seconds
    await h.waitUntil(async () => { const sp = await speakerOn(B); return sp && sp !== idA; }, { timeout: 8000, message: 'speaker moved away from the muted A' });
    await h.sleep(1500);
    assert.notEqual(await speakerOn(C), idA);
    // unmute: audio resumes
    await A.click(h.tid('mic-button'));
    await rising(B, key, 'packets');
  }));

test('a subscriber that shows a video small gets a lower simulcast layer', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const key = `${idA}:camera`;
    // let the publisher's bandwidth estimate ramp up so the top layer flows
    const end = Date.now() + 30000;
    let big = 0;
    while (Date.now() < end) {
      const s = (await inbound(C))[key];
      if (s && s.width >= 640) { big = s.width; break; }
      await h.sleep(1000);
    }
    assert.ok(big >= 640, `C never received A's top layer (width ${big})`);
    // C shrinks A's tile to a thumbnail: the client reports video_size, the server switches
    await C.evaluate((id) => {
      const tile = document.querySelector(`[data-testid="tile"][data-participant-id="${id}"]`);
      tile.style.width = '96px';
      tile.style.height = '72px';
      tile.style.flex = 'none';
      tile.style.gridColumn = 'auto';
      const v = tile.querySelector('video');
      if (v) { v.style.width = '96px'; v.style.height = '72px'; }
    }, idA);
    const end2 = Date.now() + 20000;
    let small = big;
    while (Date.now() < end2) {
      const s = (await inbound(C))[key];
      if (s && s.width && s.width < big) { small = s.width; break; }
      await h.sleep(500);
    }
    assert.ok(small < big, `layer did not switch down (width stayed ${small})`);
    await rising(C, key, 'frames'); // and it keeps decoding after the switch
  }));

test('a shared screen is decoded by the others', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await B.click(h.tid('screen-button'));
    await rising(A, `${idB}:screen`, 'frames', { timeout: 25000 });
    await rising(C, `${idB}:screen`, 'frames', { timeout: 25000 });
    await A.locator(h.tid('screen-share')).first().waitFor({ state: 'visible' });
    // its label ("Screen of …") is a small tag in the corner, not a bar over the whole edge
    const box = await A.locator(`${h.tid('screen-share')} .screen-label`).first().boundingBox();
    const screen = await A.locator(h.tid('screen-share')).first().boundingBox();
    assert.ok(box && box.height < 48, `screen label is ${box && box.height} px high`);
    assert.ok(box.height < screen.height / 3, `label ${box.height} px in a ${screen.height} px screen`);
  }));

test('a participant who leaves disappears with its tiles', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    await C.click(h.tid('leave-button'));
    for (const p of [A, B]) {
      await p.locator(`${h.tid('tile')}[data-participant-id="${idC}"]`).waitFor({ state: 'detached', timeout: 10000 });
    }
    // the remaining two still see each other
    await rising(A, `${idB}:camera`, 'frames');
    await rising(B, `${idA}:camera`, 'frames');
  }));

test('after a network drop the pages restart ICE and media resumes without leaving', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const ufrags = (p) => p.evaluate(() => {
      const u = (pc) => pc && pc.remoteDescription && (pc.remoteDescription.sdp.match(/a=ice-ufrag:(\S+)/) || [])[1];
      return { pub: u(window.__ratsaal.publishPc), sub: u(window.__ratsaal.subscribePc) };
    });
    const before = { A: await ufrags(A), B: await ufrags(B) };
    // the server becomes unreachable for 15 s (no UDP, no TCP), as in a network outage
    await A.evaluate(() => {
      window.__iceLog = [];
      window.__ratsaal.media.addEventListener('ice-state', (e) => window.__iceLog.push(`${Date.now() % 100000} ${e.detail.pc}:${e.detail.state}`));
    });
    server.proc.kill('SIGSTOP');
    await h.sleep(15000);
    server.proc.kill('SIGCONT');
    // media flows again, on new ICE credentials, and nobody left the meeting
    await rising(A, `${idB}:camera`, 'frames', { timeout: 30000 });
    await rising(B, `${idA}:camera`, 'frames', { timeout: 30000 });
    await rising(B, `${idA}:microphone`, 'packets', { timeout: 30000 });
    const afterDrop = { A: await ufrags(A), B: await ufrags(B) };
    const iceLog = await A.evaluate(() => window.__iceLog);
    assert.ok(afterDrop.A.pub !== before.A.pub || afterDrop.A.sub !== before.A.sub,
      `A did not restart ICE: ${JSON.stringify(before.A)} → ${JSON.stringify(afterDrop.A)}; ${iceLog.join(', ')}`);
    assert.equal(await h.selfId(A), idA);
    assert.equal(await h.selfId(B), idB);
  }));
