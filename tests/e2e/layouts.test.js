// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12, layouts: the layout switch in "More" (grid / active speaker, remembered), speaker
// view following the server's media/active_speaker, pinning from a tile's menu (for oneself
// only) and the moderator's spotlight for everyone (moderation/spotlight): a participant's
// request is refused, a late joiner gets it, it ends when ended or when that person leaves.
// Anna (moderator) and Carla (German) keep their microphones off; Bernd talks (the fake tone).
// Cameras stay off: layouts need no video, and four video pages are heavy on two cores.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

const { tid } = h;
h.watchdog(300000);

let server;
let browser;
let A; // Anna, moderator
let B; // Bernd, microphone on
let C; // Carla, German
const ids = {};
const all = [];

async function join(name, { locale = 'en-US', micOn = false, url } = {}) {
  const page = await h.newPage(browser, { locale });
  page.setDefaultNavigationTimeout(30000);
  all.push(page);
  await h.gotoReady(page, url);
  await page.locator(tid('join-button')).waitFor({ state: 'visible' });
  await page.fill(tid('name-input'), name);
  if (!micOn) await page.check(tid('mic-off'));
  await page.check(tid('cam-off'));
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible' });
  ids[name] = await h.selfId(page);
  return page;
}

/** The participant id of the featured tile on `page`, or null in a plain grid. */
async function featured(page) {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="grid"]');
    if (!grid.classList.contains('featured-mode')) return null;
    const tile = grid.querySelector('.tile.featured');
    return tile ? tile.dataset.participantId : null;
  });
}

const tile = (page, id) => page.locator(`${tid('tile')}[data-participant-id="${id}"]`);

async function waitFeatured(page, id, message, timeout = 10000) {
  await h.waitUntil(async () => (await featured(page)) === id, { timeout, message });
}

async function openTileMenu(page, id) {
  await tile(page, id).locator(tid('tile-menu-button')).click();
  const menu = page.locator(`${tid('tile-menu')}:visible`);
  await menu.waitFor({ state: 'visible' });
  return menu;
}

async function chooseLayout(page, which) {
  await page.click(tid('more-button'));
  await page.locator(tid('more-menu')).waitFor({ state: 'visible' });
  await page.click(tid(`layout-${which}`));
  await page.locator(tid('more-menu')).waitFor({ state: 'hidden' });
}

test.before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  A = await h.newPage(browser);
  all.push(A);
  await h.gotoReady(A, `${server.url}/`);
  await A.click(tid('start-button'));
  await A.waitForURL(/\/r\/[A-Za-z0-9_-]{22}/);
  await A.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  await A.check(tid('mic-off'));
  await A.check(tid('cam-off'));
  await h.joinFromPrejoin(A, 'Anna');
  ids.Anna = await h.selfId(A);
  B = await join('Bernd', { micOn: true, url: A.url() });
  C = await join('Carla', { locale: 'de-DE', url: A.url() });
  for (const p of [A, B, C]) await h.waitUntil(async () => (await p.locator(tid('tile')).count()) === 3, { message: 'three tiles' });
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('speaker view follows the active speaker, the stage shows that person large, the choice is remembered', (t) =>
  h.withArtifacts(t, () => all, async () => {
    assert.equal(await featured(A), null, 'a plain grid at first');
    await chooseLayout(A, 'speaker');
    await waitFeatured(A, ids.Bernd, 'Bernd (the only one talking) large on Anna’s stage', 30000);
    const big = await tile(A, ids.Bernd).boundingBox();
    const small = await tile(A, ids.Carla).boundingBox();
    assert.ok(big.width > 2 * small.width && big.height > 2 * small.height, `the speaker is large (${big.width}×${big.height}), the others small (${small.width}×${small.height})`);
    assert.ok(small.y >= big.y + big.height, 'the others form a strip below');
    assert.equal(await featured(B), null, 'Bernd’s own grid is unchanged (a view choice is local)');

    // Bernd stops, Carla talks: the stage follows
    await B.click(tid('mic-button'));
    await C.click(tid('mic-button'));
    await waitFeatured(A, ids.Carla, 'Carla large once she talks', 30000);
    await C.click(tid('mic-button'));

    // remembered: Anna opens the meeting again in the same browser
    const again = await A.context().newPage();
    all.push(again);
    await h.joinByLink(again, `${A.url().split('#')[0]}?name=Anna%202`);
    await h.waitUntil(async () => (await featured(again)) !== null, { message: 'speaker view after reopening' });
    await again.click(tid('more-button'));
    assert.equal(await again.locator(tid('layout-speaker')).getAttribute('aria-checked'), 'true');
    await again.keyboard.press('Escape');
    await again.click(tid('leave-button'));
    await again.locator(tid('ended')).waitFor({ state: 'visible' });
    await again.close();

    await chooseLayout(A, 'grid');
    await h.waitUntil(async () => (await featured(A)) === null, { message: 'grid again' });
  }));

test('pin from a tile’s menu is for oneself; the menu works with the keyboard', (t) =>
  h.withArtifacts(t, () => all, async () => {
    const btn = tile(A, ids.Carla).locator(tid('tile-menu-button'));
    assert.equal(await btn.getAttribute('aria-label'), 'Options for Carla');
    assert.equal(await btn.getAttribute('aria-haspopup'), 'menu');
    await btn.focus();
    await A.keyboard.press('Enter');
    const menu = A.locator(`${tid('tile-menu')}:visible`);
    await menu.waitFor({ state: 'visible' });
    assert.equal(await A.evaluate(() => document.activeElement.dataset.testid), 'tile-pin');
    // Anna moderates: she also gets the spotlight
    assert.deepEqual(await menu.locator('[role="menuitem"]').allInnerTexts(), ['Pin for me', 'Spotlight for everyone']);
    await A.keyboard.press('Enter');
    await waitFeatured(A, ids.Carla, 'Carla pinned on Anna’s stage');
    assert.equal((await tile(A, ids.Carla).locator(tid('tile-flag')).innerText()).trim(), 'Pinned');
    await h.sleep(500);
    assert.equal(await featured(B), null, 'nobody else sees the pin');
    assert.equal(await featured(C), null, 'nobody else sees the pin');

    const m2 = await openTileMenu(A, ids.Carla);
    assert.deepEqual(await m2.locator('[role="menuitem"]').allInnerTexts(), ['Unpin', 'Spotlight for everyone']);
    await A.click(tid('tile-unpin'));
    await h.waitUntil(async () => (await featured(A)) === null, { message: 'unpinned' });
  }));

test('a moderator spotlights someone for everyone; a participant cannot; joiners follow; it ends', (t) =>
  h.withArtifacts(t, () => all, async () => {
    // Carla is no moderator: her menu has no spotlight, and the server refuses her request
    const cm = await openTileMenu(C, ids.Bernd);
    assert.deepEqual(await cm.locator('[role="menuitem"]').allInnerTexts(), ['Für mich anheften']);
    await C.keyboard.press('Escape');
    await C.evaluate((id) => window.__ratsaalMeeting.sig.trySend({ ns: 'moderation', action: 'spotlight', participant: id }), ids.Bernd);
    await C.locator(`${tid('toast-error')}[data-code="forbidden"]`).waitFor();
    await h.sleep(500);
    for (const p of [A, B, C]) assert.equal(await featured(p), null, 'the refused spotlight changed nothing');

    // Anna puts Bernd in the spotlight: everyone's stage follows, in grid layout too
    await openTileMenu(A, ids.Bernd);
    await A.click(tid('tile-spotlight'));
    for (const p of [A, B, C]) await waitFeatured(p, ids.Bernd, 'Bernd in the spotlight everywhere');
    assert.equal((await tile(C, ids.Bernd).locator(tid('tile-flag')).innerText()).trim(), 'Hervorgehoben');
    assert.equal((await tile(B, ids.Bernd).locator(tid('tile-flag')).innerText()).trim(), 'Spotlight');
    await C.locator(tid('toast'), { hasText: 'Bernd ist für alle hervorgehoben' }).first().waitFor();
    await B.locator(tid('toast'), { hasText: 'You are in the spotlight for everyone' }).first().waitFor();
    // a pin does not override it
    await openTileMenu(C, ids.Anna);
    await C.click(tid('tile-pin'));
    await h.sleep(300);
    assert.equal(await featured(C), ids.Bernd, 'the spotlight wins over a pin');

    // a late joiner sees it at once
    const D = await join('Dora', { url: A.url() });
    await waitFeatured(D, ids.Bernd, 'the joiner sees the spotlight');

    // Anna ends it
    await openTileMenu(A, ids.Bernd);
    assert.deepEqual(await A.locator(`${tid('tile-menu')}:visible [role="menuitem"]`).allInnerTexts(), ['Pin for me', 'End spotlight']);
    await A.click(tid('tile-spotlight-end'));
    for (const p of [A, B, D]) await h.waitUntil(async () => (await featured(p)) === null, { message: 'spotlight ended' });
    await waitFeatured(C, ids.Anna, 'Carla’s own pin is back');

    // again, and Bernd leaves: it ends for everyone
    await openTileMenu(A, ids.Bernd);
    await A.click(tid('tile-spotlight'));
    await waitFeatured(D, ids.Bernd, 'spotlight again');
    await B.click(tid('leave-button'));
    await B.locator(tid('ended')).waitFor({ state: 'visible' });
    for (const p of [A, D]) await h.waitUntil(async () => (await featured(p)) === null, { message: 'spotlight gone with Bernd' });
    await D.locator(tid('toast'), { hasText: 'Spotlight ended' }).first().waitFor();

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const m = metrics.match(/^ratsaal_spotlight_changes_total (\d+)$/m);
    assert.ok(m, 'the counter is in /metrics');
    assert.equal(Number(m[1]), 4, 'set, ended, set, ended by leaving (the refused one not counted)');
    for (const p of all.filter((x) => !x.isClosed())) assert.deepEqual(p.pageErrors, []);
  }));
