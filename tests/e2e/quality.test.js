// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12, connection quality: in a two-page meeting over the real SFU every tile and one's own
// tile show "good" (computed from getStats: loss per participant, round-trip time, layer), with
// a text alternative in each language. Then Anna's browser reports packet loss (the monitor's
// stats source is wrapped so that packetsLost grows by a third of what arrives, as on a lossy
// network; everything after the stats, the deltas, the classification and the UI, is the real
// code): her own indicator and Bernd's tile go "poor", she gets the plain-language hint, Bernd's
// side stays good. Real stats again: back to good.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

const { tid } = h;
h.watchdog(240000);

let server;
let browser;
let A; // Anna, English, camera off
let B; // Bernd, German, camera on
const ids = {};

test.before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  A = await h.newPage(browser);
  await h.gotoReady(A, `${server.url}/`);
  await A.click(tid('start-button'));
  await A.waitForURL(/\/r\/[A-Za-z0-9_-]{22}/);
  await A.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  await A.check(tid('cam-off'));
  await h.joinFromPrejoin(A, 'Anna');
  B = await h.newPage(browser, { locale: 'de-DE' });
  await h.gotoReady(B, A.url());
  await h.joinFromPrejoin(B, 'Bernd');
  ids.Anna = await h.selfId(A);
  ids.Bernd = await h.selfId(B);
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** {quality, label} of the indicator on `id`'s tile as `page` shows it. */
function indicator(page, id) {
  return page.locator(`${tid('tile')}[data-participant-id="${id}"] ${tid('quality-indicator')}`).evaluate((e) => ({
    quality: e.hidden ? null : e.dataset.quality,
    label: e.getAttribute('aria-label'),
    role: e.getAttribute('role'),
  }));
}

async function waitIndicator(page, id, quality, label, timeout = 30000) {
  let last;
  await h.waitUntil(
    async () => {
      last = await indicator(page, id);
      return last.quality === quality && last.label === label;
    },
    { timeout, interval: 250, message: `${label}` },
  ).catch((e) => {
    throw new Error(`${e.message}; last ${JSON.stringify(last)}`);
  });
  assert.equal(last.role, 'img');
}

test('good in a healthy meeting, poor with a hint under packet loss, good again', (t) =>
  h.withArtifacts(t, [A, B], async () => {
    await waitIndicator(A, ids.Anna, 'good', 'Your connection: good');
    await waitIndicator(A, ids.Bernd, 'good', 'Connection: good');
    await waitIndicator(B, ids.Bernd, 'good', 'Ihre Verbindung: gut');
    await waitIndicator(B, ids.Anna, 'good', 'Verbindung: gut');
    assert.equal(await A.locator(`${tid('toast')}[data-code="poor_connection"]`).count(), 0, 'no hint while all is well');

    // Anna's network loses a quarter of what is sent to her
    await A.evaluate(() => {
      const q = window.__ratsaalMeeting.quality;
      q.setStatsSource(async (pc) => {
        const real = await pc.getStats();
        const out = new Map();
        real.forEach((s, k) => {
          const c = { ...s };
          if (c.type === 'inbound-rtp') c.packetsLost = (c.packetsLost || 0) + Math.round((c.packetsReceived || 0) / 3);
          out.set(k, c);
        });
        return out;
      });
    });
    await waitIndicator(A, ids.Anna, 'poor', 'Your connection: poor', 15000);
    await waitIndicator(A, ids.Bernd, 'poor', 'Connection: poor', 15000);
    const hint = A.locator(`${tid('toast')}[data-code="poor_connection"]`);
    await hint.waitFor({ timeout: 15000 });
    assert.match(await hint.innerText(), /Your connection is poor: others may hear and see you with gaps\. Turning your camera off or moving closer to the Wi-Fi router helps\./);
    assert.equal(await hint.evaluate((n) => n.closest('[aria-live]').getAttribute('aria-live')), 'polite', 'the hint is announced');
    // Bernd's side is not affected
    assert.equal((await indicator(B, ids.Bernd)).quality, 'good');

    // the network recovers
    await A.evaluate(() => window.__ratsaalMeeting.quality.setStatsSource((pc) => pc.getStats()));
    await waitIndicator(A, ids.Anna, 'good', 'Your connection: good', 15000);
    await waitIndicator(A, ids.Bernd, 'good', 'Connection: good', 15000);
    assert.deepEqual(A.pageErrors, []);
    assert.deepEqual(B.pageErrors, []);
  }));
