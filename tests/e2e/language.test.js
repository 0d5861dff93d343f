// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12, point 5: the language. The server serves every page with the <html lang> the
// client will render (cookie ratsaal_lang, else Accept-Language with weights, RFC 4647 lookup),
// with Content-Language and Vary; the client picks from the cookie, then the whole
// navigator.languages list; a switcher in the footer and in the meeting's settings remembers
// the choice and switches a running meeting in place (same WebSocket, media still flowing).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(180000);

let server;
let browser;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

async function get(path, headers = {}) {
  const r = await fetch(`${server.url}${path}`, { headers });
  const body = await r.text();
  const m = /<html lang="([a-z]+)">/.exec(body);
  return { status: r.status, lang: m && m[1], contentLanguage: r.headers.get('content-language'), vary: r.headers.get('vary') };
}

/** A page whose browser says: UI language `language`, preference list `languages`. */
async function pageWith({ language, languages, acceptLanguage }) {
  const page = await h.newPage(browser, { locale: language });
  pages.push(page);
  // the browser context's locale would set Accept-Language to the UI language alone
  if (acceptLanguage) {
    await page.route(`${server.url}/**`, (route) => route.continue({ headers: { ...route.request().headers(), 'accept-language': acceptLanguage } }));
  }
  await page.addInitScript(
    ({ language: l, languages: ls }) => {
      Object.defineProperty(Navigator.prototype, 'language', { get: () => l, configurable: true });
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => Object.freeze([...ls]), configurable: true });
    },
    { language, languages },
  );
  return page;
}

test('pages are served with <html lang>, Content-Language and Vary from Accept-Language; the cookie wins', async () => {
  const cases = [
    ['de', 'de'],
    ['de-AT', 'de'],
    ['fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7', 'de'],
    ['en-US,en;q=0.9,de;q=0.8', 'en'],
    ['fr, en;q=0.4, de;q=0.5', 'de'],
    ['de;q=0, en;q=0.1', 'en'],
    ['fr', 'en'],
    ['', 'en'],
    ['de;q=2, xx--y, en', 'en'],
  ];
  for (const path of ['/', '/r/lang-check', '/login', '/meetings']) {
    for (const [al, want] of cases) {
      const r = await get(path, al ? { 'Accept-Language': al } : {});
      assert.equal(r.status, 200, path);
      assert.equal(r.lang, want, `${path} with Accept-Language "${al}"`);
      assert.equal(r.contentLanguage, want, `${path} Content-Language for "${al}"`);
      assert.match(r.vary || '', /Accept-Language/, path);
      assert.match(r.vary || '', /Cookie/, path);
    }
  }
  // an explicit choice beats the header; a cookie naming no language of ours does not count
  assert.equal((await get('/', { 'Accept-Language': 'de', Cookie: 'ratsaal_lang=en' })).lang, 'en');
  assert.equal((await get('/', { 'Accept-Language': 'en', Cookie: 'a=b; ratsaal_lang=de' })).lang, 'de');
  assert.equal((await get('/', { 'Accept-Language': 'de', Cookie: 'ratsaal_lang=fr' })).lang, 'de');
  // files that are not pages are unchanged and do not vary
  const js = await fetch(`${server.url}/js/app.js`, { headers: { 'Accept-Language': 'de' } });
  assert.equal(js.headers.get('content-language'), null);
  assert.equal(js.headers.get('vary'), null);
});

test('the client chooses from the whole preference list, not only the UI language', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // an English browser UI whose preference list starts with German
    const a = await pageWith({ language: 'en-US', languages: ['de-DE', 'en-US'], acceptLanguage: 'de-DE,en-US;q=0.9' });
    const res = await h.gotoReady(a, `${server.url}/`);
    assert.match(await res.text(), /<html lang="de">/, 'served in German before any script');
    assert.equal(await a.textContent(tid('start-button')), 'Besprechung starten');
    assert.equal(await a.getAttribute('html', 'lang'), 'de');
    // French first, German second
    const b = await pageWith({ language: 'fr-FR', languages: ['fr-FR', 'fr', 'de'], acceptLanguage: 'fr-FR,fr;q=0.9,de;q=0.8' });
    await h.gotoReady(b, `${server.url}/`);
    assert.equal(await b.textContent(tid('start-button')), 'Besprechung starten');
    // nothing we have: English
    const c = await pageWith({ language: 'fr-FR', languages: ['fr-FR', 'it'], acceptLanguage: 'fr-FR,it;q=0.5' });
    await h.gotoReady(c, `${server.url}/`);
    assert.equal(await c.textContent(tid('start-button')), 'Start a meeting');
    assert.equal(await c.getAttribute('html', 'lang'), 'en');
    for (const p of [a, b, c]) assert.deepEqual(p.consoleErrors, []);
  }));

test('the footer switcher remembers the choice across reloads, for the server too', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await pageWith({ language: 'de-DE', languages: ['de-DE'], acceptLanguage: 'de-DE' });
    await h.gotoReady(page, `${server.url}/`);
    assert.equal(await page.textContent(tid('start-button')), 'Besprechung starten');
    const select = page.locator(`${tid('site-footer')} ${tid('footer-language')}`);
    assert.equal(await select.inputValue(), 'de');
    assert.equal(await page.textContent(`${tid('site-footer')} label[for="footer-language"]`), 'Sprache');
    await Promise.all([page.waitForNavigation(), select.selectOption('en')]);
    await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
    assert.equal(await page.textContent(tid('start-button')), 'Start a meeting');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const cookies = await page.context().cookies(server.url);
    assert.equal((cookies.find((c) => c.name === 'ratsaal_lang') || {}).value, 'en');
    // a fresh load: the server reads the cookie, the German Accept-Language does not win
    const res = await h.gotoReady(page, `${server.url}/login`);
    assert.match(await res.text(), /<html lang="en">/);
    assert.equal(await page.locator(`${tid('site-footer')} ${tid('footer-language')}`).inputValue(), 'en');
    assert.equal(await page.textContent(`${tid('site-footer')} label[for="footer-language"]`), 'Language');
    assert.deepEqual(page.consoleErrors, []);
  }));

test('switching the language in the meeting settings keeps the call', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await pageWith({ language: 'de-DE', languages: ['de-DE'], acceptLanguage: 'de-DE' });
    await h.startMeetingViaUi(page, server.url, 'Erika');
    await h.waitUntil(() => page.evaluate(() => !!(window.__ratsaal && window.__ratsaal.publishPc && window.__ratsaal.publishPc.connectionState === 'connected')), {
      timeout: 15000,
      message: 'media connected',
    });
    assert.equal(await page.textContent(tid('participant-count')), '1 teilnehmende Person');
    // mark this WebSocket and peer connection: after the switch they must be the same ones
    await page.evaluate(() => {
      window.__ratsaalMeeting.sig.ws.__e2eMark = 1;
      window.__ratsaal.publishPc.__e2eMark = 1;
    });
    await page.click(tid('settings-button'));
    await page.locator(tid('settings-dialog')).waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#settings-heading'), 'Geräteeinstellungen');
    await page.locator(tid('settings-language')).selectOption('en');
    await h.waitUntil(async () => (await page.textContent('#settings-heading')) === 'Device settings', { message: 'settings relabelled' });
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent(tid('participant-count')), '1 participant');
    assert.equal(await page.getAttribute(tid('mic-button'), 'title'), 'Turn microphone off');
    // the control bar's other labels and the tile's built-in texts follow too
    assert.equal(await page.textContent(`${tid('chat-button')} .ctrl-label`), 'Chat');
    assert.equal(await page.textContent(`${tid('participants-button')} .ctrl-label`), 'Participants');
    assert.equal(await page.textContent(`${tid('leave-button')} .ctrl-label`), 'Leave');
    assert.equal(await page.getAttribute(`${tid('tile')} ${tid('hand-badge')}`, 'aria-label'), 'Hand raised');
    await page.click(tid('settings-done'));
    const still = await page.evaluate(() => ({
      phase: window.__ratsaalMeeting.phase,
      ws: window.__ratsaalMeeting.sig.ws.__e2eMark === 1 && window.__ratsaalMeeting.sig.ws.readyState === WebSocket.OPEN,
      pc: window.__ratsaal.publishPc.__e2eMark === 1 && window.__ratsaal.publishPc.connectionState === 'connected',
    }));
    assert.deepEqual(still, { phase: 'meeting', ws: true, pc: true });
    const cookies = await page.context().cookies(server.url);
    assert.equal((cookies.find((c) => c.name === 'ratsaal_lang') || {}).value, 'en');
    assert.deepEqual(page.pageErrors, []);
  }));
