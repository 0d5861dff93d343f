// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Firefox ESR in the tests: Debian's /usr/bin/firefox-esr, headless, driven over WebDriver BiDi
// by puppeteer-core (Playwright cannot drive a stock Firefox). Fake camera and microphone come
// from prefs (shared/E2E.md). Firefox gathers no loopback ICE candidates, so media tests with it
// run in a network namespace (tests/e2e/lib/netns.js) and the server announces the veth address.
//
// The page helpers mirror harness.js for a puppeteer page. harness.js functions that only call
// page.evaluate (selfId, inbound, rising, inboundDelta, pageApi, errorToasts) take a puppeteer
// page as they are and are re-exported here; those that use Playwright locators have a
// counterpart below (newPage, gotoReady, joinByLink, click, fill, waitFor, ...).

const path = require('node:path');
const h = require('./harness.js');

const FIREFOX = '/usr/bin/firefox-esr';
const wait = () => Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 10000;

const PREFS = {
  // fake camera (moving picture) and microphone (tone), no permission prompt, autoplay allowed
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // screen sharing: with fake streams Firefox hands getDisplayMedia a fake video as well
  'media.getdisplaymedia.enabled': true,
  // several pages at once, none of them in front
  'media.suspend-bkgnd-video.enabled': false,
  // otherwise enumerateDevices() waits until its window has focus (only one window has it)
  'media.devices.unfocused.enabled': true,
  'dom.min_background_timeout_value': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  // no network chatter outside the namespace
  'network.dns.disableIPv6': true,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'app.update.enabled': false,
};

/**
 * An X server of its own for a Firefox that must capture a screen (Debian's xvfb): headless
 * Firefox has no screen, and getDisplayMedia() rejects with NotFoundError even with fake streams.
 * Resolves {display: ':N', stop()}; -displayfd lets Xvfb pick a free display number.
 */
function startXvfb() {
  const { spawn } = require('node:child_process');
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`Xvfb gave no display within 10 s: ${err}`)); }, 10000);
    proc.once('error', (e) => { clearTimeout(timer); reject(new Error(`Xvfb: ${e.message} (Debian package xvfb)`)); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited with ${code}: ${err}`)); });
    proc.stdio[3].on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      const stop = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); };
      process.once('exit', stop); // a test process that ends early leaves no X server behind
      resolve({ display: `:${out.trim()}`, stop });
    });
  });
}

/**
 * One Firefox (puppeteer Browser), headless unless `screen`: then it runs with a window on an
 * Xvfb display of its own (closed with the browser), so that it can share that screen. Never
 * downloads a browser.
 * @param {{prefs?: object, screen?: boolean}} o  extra prefs
 */
async function launchFirefox({ prefs = {}, screen = false } = {}) {
  const puppeteer = require(path.join(h.ROOT, 'node_modules/puppeteer-core'));
  const x = screen ? await startXvfb() : null;
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: !screen && !process.env.RATSAAL_E2E_HEADFUL,
      extraPrefsFirefox: { ...PREFS, ...prefs },
      env: x ? { ...process.env, DISPLAY: x.display } : process.env,
      protocolTimeout: 60000,
      timeout: screen ? 60000 : 30000, // a first window on a fresh X server takes longer
    });
    if (x) {
      const close = browser.close.bind(browser);
      browser.close = async () => { try { await close(); } finally { x.stop(); } };
    }
    return browser;
  } catch (e) {
    if (x) x.stop();
    throw e;
  }
}

/**
 * A page in a browser context of its own (own cookies and storage), like harness.newPage:
 * `locale` is what navigator.language(s) say and what Accept-Language asks for; the page
 * collects consoleErrors, pageErrors and cspViolations.
 */
async function newPage(browser, { locale = 'en-US', viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.createBrowserContext();
  // a window each: a second tab of one window would be a background tab, whose timers are
  // throttled and whose videos are not decoded
  const page = await context.newPage({ type: 'window' });
  page.setDefaultTimeout(wait());
  page.setDefaultNavigationTimeout(Math.round(wait() * 1.5));
  await page.setViewport(viewport);
  page.consoleErrors = [];
  page.pageErrors = [];
  page.cspViolations = [];
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('[e2e-csp] ')) page.cspViolations.push(text.slice(10));
    else if (m.type() === 'error') page.consoleErrors.push(text);
  });
  page.on('pageerror', (e) => page.pageErrors.push(String(e && e.message)));
  const languages = [locale, locale.split('-')[0]].filter((v, i, a) => a.indexOf(v) === i);
  await page.evaluateOnNewDocument((langs) => {
    // Firefox takes its languages from one browser-wide pref; a page of its own needs its own
    Object.defineProperty(Navigator.prototype, 'languages', { get: () => langs.slice(), configurable: true });
    Object.defineProperty(Navigator.prototype, 'language', { get: () => langs[0], configurable: true });
    document.addEventListener('securitypolicyviolation', (e) => {
      console.log(`[e2e-csp] ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  }, languages);
  await page.setExtraHTTPHeaders({ 'accept-language': languages.join(',') }).catch(() => {});
  return page;
}

const sel = (idOrSelector) => (/^[a-z0-9-]+$/.test(idOrSelector) ? h.tid(idOrSelector) : idOrSelector);

/** Waits for a test id (or a CSS selector): state visible (default), hidden, attached, detached. */
async function waitFor(page, idOrSelector, { state = 'visible', timeout = wait() } = {}) {
  const s = sel(idOrSelector);
  if (state === 'detached') {
    return page.waitForFunction((q) => !document.querySelector(q), { timeout, polling: 100 }, s);
  }
  return page.waitForSelector(s, { timeout, visible: state === 'visible', hidden: state === 'hidden' });
}

/** Clicks the element with this test id (or selector) once it is visible. */
async function click(page, idOrSelector, { timeout = wait() } = {}) {
  const el = await waitFor(page, idOrSelector, { timeout });
  await el.click();
}

/** Replaces the value of an input (test id or selector), as typing would. */
async function fill(page, idOrSelector, value) {
  const el = await waitFor(page, idOrSelector);
  await el.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await el.type(value);
}

const attr = (page, idOrSelector, name) =>
  page.$eval(sel(idOrSelector), (e, n) => e.getAttribute(n), name);

const text = (page, idOrSelector) => page.$eval(sel(idOrSelector), (e) => e.textContent);

/** page.goto + wait until the client has wired its handlers (<html data-ready>). */
async function gotoReady(page, url) {
  const res = await page.goto(url);
  await waitFor(page, 'html[data-ready="1"]', { state: 'attached' });
  return res;
}

/** Pre-join: the name, Join, the meeting shows. */
async function joinFromPrejoin(page, name) {
  await fill(page, 'name-input', name);
  await click(page, 'join-button');
  await waitFor(page, 'meeting');
}

/** Opens a prefilling link (`?name=…&join=1`) and clicks Join, as harness.joinByLink. */
async function joinByLink(page, url) {
  await gotoReady(page, url);
  await click(page, 'join-button');
  await waitFor(page, 'meeting');
}

/** Landing → start meeting → pre-join → join, as harness.startMeetingViaUi. Returns the room URL. */
async function startMeetingViaUi(page, serverUrl, name, { title } = {}) {
  await gotoReady(page, `${serverUrl}/`);
  if (title) await fill(page, 'title-input', title);
  await Promise.all([page.waitForNavigation(), click(page, 'start-button')]);
  await page.waitForFunction(() => /\/r\/[A-Za-z0-9_-]{22}(#.*)?$/.test(location.href), { timeout: wait() });
  await waitFor(page, 'html[data-ready="1"]', { state: 'attached' });
  await joinFromPrejoin(page, name);
  return page.url();
}

/** Opens the participants panel unless it is open. */
async function openParticipants(page) {
  if ((await attr(page, 'participants-button', 'aria-expanded')) !== 'true') await click(page, 'participants-button');
  await waitFor(page, 'participant-list');
}

/** Opens the chat panel unless it is open. */
async function openChat(page) {
  if ((await attr(page, 'chat-button', 'aria-expanded')) !== 'true') await click(page, 'chat-button');
  await waitFor(page, 'chat-input');
}

/**
 * The publisher's simulcast layers as its own encoder reports them: {rid: frameWidth} of every
 * video outbound-rtp with a rid on the publish connection (Firefox and Chromium both name them).
 * Works on a Playwright page as well.
 */
async function outboundLayers(page) {
  return page.evaluate(async () => {
    const pc = window.__ratsaal && window.__ratsaal.publishPc;
    const out = {};
    if (!pc) return out;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) out[s.rid] = s.frameWidth || 0;
    });
    return out;
  });
}

/**
 * Shrinks the tile of participant `id` to a 96×72 thumbnail, as tests/e2e/media.test.js does:
 * the client reports the smaller video_size and the server may switch to a lower layer. Works
 * on a Playwright page as well.
 */
function shrinkTile(page, id) {
  return page.evaluate((pid) => {
    const tile = document.querySelector(`[data-testid="tile"][data-participant-id="${pid}"]`);
    tile.style.width = '96px';
    tile.style.height = '72px';
    tile.style.flex = 'none';
    tile.style.gridColumn = 'auto';
    const v = tile.querySelector('video');
    if (v) { v.style.width = '96px'; v.style.height = '72px'; }
  }, id);
}

module.exports = {
  outboundLayers, shrinkTile,
  FIREFOX, PREFS, launchFirefox, newPage, waitFor, click, fill, attr, text,
  gotoReady, joinFromPrejoin, joinByLink, startMeetingViaUi, openParticipants, openChat,
  // shared with harness.js: they need nothing but page.evaluate
  selfId: h.selfId, inbound: h.inbound, rising: h.rising, inboundDelta: h.inboundDelta,
  pageApi: h.pageApi, errorToasts: h.errorToasts,
};
