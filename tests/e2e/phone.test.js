// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12, the phone: the meeting one-handed at 390×844 (English and German) and on a tablet at
// 768×1024, in Chromium's device emulation (viewport, isMobile, hasTouch). Pre-join: Join on the
// first screen. Meeting: every main control inside the viewport, at least 44×44, not covered and
// not overlapping the others; the rest in "More" (a menu that works with the keyboard and names
// its items for screen readers); chat and participants as full-screen sheets that close with
// their close button; title, participant count and "Copy link" in the header. Each state is
// compared with a baseline picture in tests/e2e/screenshots/ (lib/screenshots.js; video and
// connection bars masked); UPDATE_SCREENSHOTS=1 rewrites the baselines.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness.js');
const { expectScreenshot, comparePngs } = require('./lib/screenshots.js');

const { tid } = h;
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 768, height: 1024 };

h.watchdog(300000);

let server;
let browser;
let host; // Anna, on a desktop, moderator of the meeting
let comparer; // a blank page that decodes PNGs
let roomUrl;
const pages = [];

test.before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  host = await h.newPage(browser);
  await h.gotoReady(host, `${server.url}/`);
  await host.fill(tid('title-input'), 'Bauausschuss Nord');
  await host.click(tid('start-button'));
  await host.waitForURL(/\/r\/[A-Za-z0-9_-]{22}/);
  await host.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  // microphones off everywhere: nobody becomes the active speaker (a yellow frame) mid-picture
  await host.check(tid('mic-off'));
  await h.joinFromPrejoin(host, 'Anna');
  roomUrl = host.url();
  comparer = await (await browser.newContext()).newPage();
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** A touch device of `viewport` size in `locale`. */
async function device(viewport, locale) {
  const context = await browser.newContext({ viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 1, locale, permissions: ['camera', 'microphone'] });
  await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e && e.message)));
  pages.push(page);
  return page;
}

/** Centre of `testid` is that element (nothing covers it). */
async function onTop(page, testid, box) {
  return page.evaluate(
    ({ x, y, id }) => {
      const e = document.elementFromPoint(x, y);
      return !!e && !!e.closest(`[data-testid="${id}"]`);
    },
    { x: box.x + box.width / 2, y: box.y + box.height / 2, id: testid },
  );
}

/** Every control in `ids`: visible, inside the viewport, ≥ 44×44, uncovered, no two overlapping. */
async function assertTappable(page, ids, viewport) {
  const boxes = [];
  for (const id of ids) {
    const loc = page.locator(tid(id));
    assert.ok(await loc.isVisible(), `${id} is visible`);
    const b = await loc.boundingBox();
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= viewport.width + 0.5 && b.y + b.height <= viewport.height + 0.5, `${id} lies inside the ${viewport.width}×${viewport.height} viewport: ${JSON.stringify(b)}`);
    assert.ok(b.width >= 44 && b.height >= 44, `${id} is at least 44×44 px to tap: ${b.width}×${b.height}`);
    assert.ok(await onTop(page, id, b), `nothing covers the middle of ${id}`);
    boxes.push({ id, b });
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const p = boxes[i].b;
      const q = boxes[j].b;
      const overlap = p.x < q.x + q.width - 0.5 && q.x < p.x + p.width - 0.5 && p.y < q.y + q.height - 0.5 && q.y < p.y + p.height - 0.5;
      assert.ok(!overlap, `${boxes[i].id} and ${boxes[j].id} overlap`);
    }
  }
}

/** The pre-join screen: Join on the first screen and uncovered, before and after typing. */
async function prejoinFits(page, viewport) {
  await h.gotoReady(page, roomUrl);
  const join = page.locator(tid('join-button'));
  await join.waitFor({ state: 'visible' });
  for (const when of ['at first', 'after typing the name']) {
    if (when !== 'at first') await page.fill(tid('name-input'), 'Bernd');
    const b = await join.boundingBox();
    assert.ok(b.y >= 0 && b.y + b.height <= viewport.height, `Join is on the first screen ${when}: ${JSON.stringify(b)} in ${viewport.height} px`);
    assert.ok(await onTop(page, 'join-button', b), `nothing covers Join ${when}`);
  }
}

async function joinMicOff(page) {
  await page.check(tid('mic-off'));
  await page.locator(tid('join-button')).tap();
  await page.locator(tid('meeting')).waitFor({ state: 'visible' });
}

/** Both tiles show video (so no avatar flips into the picture), toasts gone. */
async function settle(page, tiles) {
  await h.waitUntil(async () => (await page.locator(`${tid('tile')}.has-video`).count()) === tiles, { timeout: 20000, message: `${tiles} tiles with video` });
  await page.evaluate(() => {
    for (const n of document.querySelectorAll('.toast')) n.remove();
  });
  await h.sleep(300);
}

const LIVE = (page) => [page.locator(tid('tile-video')), page.locator(tid('quality-indicator')), page.locator(tid('preview-video')), page.locator('#mic-level')];

/** A sheet fills the viewport, its close button closes it. */
async function sheetOpensAndCloses(page, { open, panel, viewport, focusBack }) {
  await open();
  const sheet = page.locator(tid(panel));
  await sheet.waitFor({ state: 'visible' });
  const b = await sheet.boundingBox();
  assert.deepEqual([b.x, b.y, Math.round(b.width), Math.round(b.height)], [0, 0, viewport.width, viewport.height], `${panel} is a full-screen sheet`);
  const close = sheet.locator('.panel-close');
  const cb = await close.boundingBox();
  assert.ok(cb.width >= 44 && cb.height >= 44 && (await close.isVisible()), `${panel} has a close button large enough to tap`);
  assert.ok((await close.getAttribute('aria-label')).length > 0, 'the close button has a name');
  await close.tap();
  await sheet.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid), focusBack, `focus returns to ${focusBack}`);
}

test('phone 390×844 in English: pre-join, bottom bar, More, sheets, title and link; compared with the baselines', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await device(PHONE, 'en-US');
    await prejoinFits(page, PHONE);
    await page.fill(tid('name-input'), '');
    await h.waitUntil(() => page.$eval(tid('preview-video'), (v) => v.readyState >= 2), { timeout: 10000, message: 'the camera preview' });
    await expectScreenshot(page, 'phone-390-prejoin', { mask: LIVE(page), comparer });
    await page.fill(tid('name-input'), 'Bernd');
    await joinMicOff(page);

    // the bar: microphone, camera, hand, chat, more, leave; screen, settings, participants in More
    await assertTappable(page, ['mic-button', 'camera-button', 'hand-button', 'chat-button', 'more-button', 'leave-button', 'copy-link'], PHONE);
    for (const id of ['participants-button', 'settings-button', 'screen-button']) assert.equal(await page.locator(tid(id)).isVisible(), false, `${id} is in More, not in the bar`);
    assert.equal((await page.locator(`${tid('more-button')} .ctrl-label`).textContent()).trim(), 'More');

    // title and count readable in full, the link can be copied from the header
    const title = page.locator(tid('meeting-title'));
    assert.equal((await title.textContent()).trim(), 'Bauausschuss Nord');
    assert.ok(await title.evaluate((e) => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1), 'the title is not cut');
    await h.waitUntil(async () => (await page.locator(tid('participant-count')).textContent()).trim() === '2 participants', { message: 'participant count' });
    assert.ok(await page.locator(tid('participant-count')).isVisible());
    assert.equal((await page.locator(tid('copy-link')).textContent()).trim(), 'Copy link', 'the icon button keeps its name');
    await page.locator(tid('copy-link')).tap();
    await page.locator(tid('toast'), { hasText: 'Invitation link copied.' }).first().waitFor();
    assert.match(await page.evaluate(() => navigator.clipboard.readText()), /\/r\/[A-Za-z0-9_-]{22}#title=Bauausschuss/);

    await settle(page, 2);
    await expectScreenshot(page, 'phone-390-meeting', { mask: LIVE(page), comparer });

    // chat: a sheet over everything, closed by its own button (the Chat button is under it)
    await sheetOpensAndCloses(page, { open: () => page.locator(tid('chat-button')).tap(), panel: 'chat-panel', viewport: PHONE, focusBack: 'chat-button' });
    assert.equal(await page.locator(tid('chat-button')).getAttribute('aria-expanded'), 'false');
    await page.locator(tid('chat-button')).tap();
    await page.locator(tid('chat-panel')).waitFor({ state: 'visible' });
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await expectScreenshot(page, 'phone-390-chat', { mask: LIVE(page), comparer });
    await page.locator(`${tid('chat-panel')} .panel-close`).tap();

    // participants through More; closing returns to More
    await sheetOpensAndCloses(page, {
      open: async () => {
        await page.locator(tid('more-button')).tap();
        await page.locator(tid('more-menu')).waitFor({ state: 'visible' });
        await page.locator(tid('more-participants')).tap();
      },
      panel: 'participants-panel',
      viewport: PHONE,
      focusBack: 'more-button',
    });

    // More with the keyboard, named for screen readers
    const more = page.locator(tid('more-button'));
    await more.focus();
    await page.keyboard.press('Enter');
    const menu = page.locator(tid('more-menu'));
    await menu.waitFor({ state: 'visible' });
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    assert.equal(await more.getAttribute('aria-haspopup'), 'menu');
    assert.equal(await menu.getAttribute('role'), 'menu');
    assert.equal(await menu.getAttribute('aria-label'), 'More options');
    const focused = () => page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
    assert.equal(await focused(), 'more-screen', 'the first item has the focus');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'more-settings');
    await page.keyboard.press('End');
    assert.equal(await focused(), 'more-copy-link');
    await page.keyboard.press('Home');
    assert.equal(await focused(), 'more-screen');
    assert.equal(await page.locator(tid('layout-grid')).getAttribute('role'), 'menuitemradio');
    assert.equal(await page.locator(tid('layout-grid')).getAttribute('aria-checked'), 'true');
    assert.deepEqual(
      await menu.locator('[role^="menuitem"]').allInnerTexts(),
      ['Share screen', 'Open device settings', 'Participants', '✓\nLayout: grid', 'Layout: active speaker', 'Copy link'],
    );
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    assert.equal(await focused(), 'more-button', 'Escape returns to More');
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowUp');
    await menu.waitFor({ state: 'visible' });
    assert.equal(await focused(), 'more-copy-link', 'ArrowUp opens on the last item');
    await page.keyboard.press('Tab');
    await menu.waitFor({ state: 'hidden' });

    // the comparison can fail: the chat sheet is not the meeting
    const a = fs.readFileSync(path.join(h.ARTIFACTS, 'phone-390-chat.png'));
    const b = fs.readFileSync(path.join(h.ARTIFACTS, 'phone-390-meeting.png'));
    const r = await comparePngs(comparer, a, b, 48);
    assert.ok(r.differing / (r.width * r.height) > 0.2, `two different screens differ (${r.differing} pixels)`);

    assert.deepEqual(page.pageErrors, []);
    await page.context().close();
  }));

test('phone 390×844 in German: the bar fits with German labels, More in German', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await device(PHONE, 'de-DE');
    await prejoinFits(page, PHONE);
    await joinMicOff(page);
    await assertTappable(page, ['mic-button', 'camera-button', 'hand-button', 'chat-button', 'more-button', 'leave-button', 'copy-link'], PHONE);
    assert.equal((await page.locator(`${tid('more-button')} .ctrl-label`).textContent()).trim(), 'Mehr');
    assert.equal((await page.locator(tid('meeting-title')).textContent()).trim(), 'Bauausschuss Nord');
    await h.waitUntil(async () => (await page.locator(tid('participant-count')).textContent()).trim() === '2 Teilnehmende', { message: 'participant count' });
    await page.locator(tid('more-button')).tap();
    const menu = page.locator(tid('more-menu'));
    await menu.waitFor({ state: 'visible' });
    assert.equal(await menu.getAttribute('aria-label'), 'Weitere Funktionen');
    assert.equal((await page.locator(tid('layout-speaker')).innerText()).trim(), 'Ansicht: Sprechende Person groß');
    assert.equal((await page.locator(tid('more-participants')).innerText()).trim(), 'Teilnehmende');
    await page.keyboard.press('Escape');
    await settle(page, 2);
    await expectScreenshot(page, 'phone-390-meeting-de', { mask: LIVE(page), comparer });
    await sheetOpensAndCloses(page, { open: () => page.locator(tid('chat-button')).tap(), panel: 'chat-panel', viewport: PHONE, focusBack: 'chat-button' });
    assert.equal(await page.locator(`${tid('chat-panel')} .panel-close`).getAttribute('aria-label'), 'Chat schließen');
    assert.deepEqual(page.pageErrors, []);
    await page.context().close();
  }));

test('tablet 768×1024: all controls in one row, panels as sheets, pre-join fits', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await device(TABLET, 'en-US');
    await prejoinFits(page, TABLET);
    await joinMicOff(page);
    await assertTappable(page, ['mic-button', 'camera-button', 'screen-button', 'settings-button', 'hand-button', 'chat-button', 'participants-button', 'more-button', 'leave-button', 'copy-link'], TABLET);
    const ys = new Set();
    for (const id of ['mic-button', 'leave-button', 'more-button']) ys.add(Math.round((await page.locator(tid(id)).boundingBox()).y));
    assert.equal(ys.size, 1, 'the controls are one row');
    assert.equal((await page.locator(`${tid('participants-button')} .ctrl-label`).textContent()).trim(), 'Participants', 'labels are shown');
    await settle(page, 2);
    await expectScreenshot(page, 'tablet-768-meeting', { mask: LIVE(page), comparer });
    await sheetOpensAndCloses(page, { open: () => page.locator(tid('participants-button')).tap(), panel: 'participants-panel', viewport: TABLET, focusBack: 'participants-button' });
    await sheetOpensAndCloses(page, { open: () => page.locator(tid('chat-button')).tap(), panel: 'chat-panel', viewport: TABLET, focusBack: 'chat-button' });
    // on a tablet More holds only the layout and the link
    await page.locator(tid('more-button')).tap();
    await page.locator(tid('more-menu')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(tid('more-participants')).count(), 0);
    assert.equal(await page.locator(tid('layout-speaker')).count(), 1);
    assert.deepEqual(page.pageErrors, []);
    await page.context().close();
  }));
