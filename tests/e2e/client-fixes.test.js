// SPDX-License-Identifier: EUPL-1.2
'use strict';
// What a new user met (issue 12): role toasts only when the role changes, plurals, initials.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(150000);

let server;
let browser;
const pages = [];


after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

/** Every toast text the page has shown since it loaded (toasts disappear after a while). */
async function watchToasts(page) {
  await page.evaluate(() => {
    window.__toastsSeen = [];
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes)
          if (n.nodeType === 1 && n.matches('[data-testid="toast"], [data-testid="toast-error"]'))
            window.__toastsSeen.push(n.textContent);
    }).observe(document.body, { childList: true, subtree: true });
  });
}
const toastsSeen = (page) => page.evaluate(() => window.__toastsSeen.slice());

let a;
let b;
let url;
let aloneCount;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  a = await h.newPage(browser);
  pages.push(a);
  url = await h.startMeetingViaUi(a, server.url, 'Anna Vorsitz');
  await a.locator(`${tid('participant-count')}:not([hidden])`).waitFor();
  aloneCount = await a.locator(tid('participant-count')).textContent();
  b = await h.newPage(browser);
  pages.push(b);
  await h.gotoReady(b, url);
  await watchToasts(b);
  await h.joinFromPrejoin(b, 'Gerda Gast (Bürgerin)');
});

test('plurals: "1 participant" alone, "2 participants" with two', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    assert.equal(aloneCount, '1 participant');
    await a.locator(`${tid('participant-count')}:text-is("2 participants")`).waitFor({ timeout: 5000 });
  }));

test('no role toast when the server updates a participant after a publish; one when the role changes', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // B publishes camera and microphone: the server sends participant_updated about B after
    // each publish; a participant who never was a moderator must not hear otherwise
    await h.waitUntil(async () => Object.keys(await h.inbound(a)).length >= 2, { timeout: 20000 });
    await h.sleep(1500);
    let seen = await toastsSeen(b);
    assert.ok(!seen.some((s) => /moderator/i.test(s)), `no role toast for B, saw ${JSON.stringify(seen)}`);
    // A makes B a moderator: B is told once
    const bid = await h.selfId(b);
    await a.evaluate((id) => window.__ratsaalMeeting.sig.trySend({ ns: 'moderation', action: 'set_role', id, role: 'moderator' }), bid);
    await h.waitUntil(async () => (await toastsSeen(b)).some((s) => /now a moderator/i.test(s)), { timeout: 10000 });
    await h.sleep(500);
    seen = await toastsSeen(b);
    assert.equal(seen.filter((s) => /moderator/i.test(s)).length, 1, JSON.stringify(seen));
  }));

test('avatar initials take letters only: "Gerda Gast (Bürgerin)" is GG', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const bid = await h.selfId(b);
    const initials = await a.locator(`[data-participant-id="${bid}"] ${tid('avatar')}`).textContent();
    assert.equal(initials, 'GG');
  }));

test('rejoin keeps the last choice: microphone and camera turned off stay off', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const mic = b.locator(tid('mic-button'));
    const cam = b.locator(tid('camera-button'));
    await b.locator(`${tid('mic-button')}[aria-pressed="true"]`).waitFor({ timeout: 10000 });
    await mic.click();
    await b.locator(`${tid('mic-button')}[aria-pressed="false"]`).waitFor();
    await cam.click();
    await b.locator(`${tid('camera-button')}[aria-pressed="false"]`).waitFor();
    await b.click(tid('leave-button'));
    // B is a moderator since the test above, and a moderator is asked first
    if (await b.locator(tid('leave-dialog')).isVisible()) await b.click(tid('leave-just'));
    await b.locator(tid('rejoin-button')).waitFor({ state: 'visible' });
    await b.click(tid('rejoin-button'));
    await b.locator(tid('meeting')).waitFor({ state: 'visible' });
    await h.sleep(1500); // the media session has started with its settings
    assert.equal(await mic.getAttribute('aria-pressed'), 'false', 'microphone stays off');
    assert.equal(await cam.getAttribute('aria-pressed'), 'false', 'camera stays off');
  }));
