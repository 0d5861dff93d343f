// SPDX-License-Identifier: EUPL-1.2
'use strict';
// End-to-end harness: starts `bin/ratsaal serve` on free ports, launches headless Chromium with
// the flags below (fake devices, loopback ICE), and offers small helpers where every wait has a
// timeout.
//
// Environment:
//   RATSAAL_BIN=path          server binary (default <repo>/bin/ratsaal)
//   RATSAAL_E2E_SERVER=mock   run against tests/e2e/lib/mock-server.js instead (client development
//                             only: the mock is not the reference; CI must use the real binary)
//   RATSAAL_E2E_HEADFUL=1     show the browser (local debugging)

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const dgram = require('node:dgram');
const assert = require('node:assert/strict');

const ROOT = path.resolve(__dirname, '../../..');
const WEB = path.join(ROOT, 'web');
const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');
const CHROMIUM = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--force-webrtc-ip-handling-policy=default',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows', '--autoplay-policy=no-user-gesture-required',
];

// Node's fetch (undici) reuses a kept-alive connection without retrying when the server has
// closed it in the same moment (the server closes idle ones after 5 s; a busy test process may
// reuse one just then): "fetch failed", cause UND_ERR_SOCKET. Browsers retry an idempotent
// request on such a connection; so do the tests, once, for GET and HEAD. A request without a
// signal of its own gets a limit of 60 s: a stalled answer fails with its URL, not the watchdog.
if (!globalThis.fetch.ratsaalRetry) {
  const plainFetch = globalThis.fetch;
  const retrying = async (input, init) => {
    if (!(init && init.signal)) init = { ...init, signal: AbortSignal.timeout(60000) };
    try {
      return await plainFetch(input, init);
    } catch (e) {
      const method = String((init && init.method) || (input && input.method) || 'GET').toUpperCase();
      const code = e && e.cause && e.cause.code;
      if (!['GET', 'HEAD'].includes(method) || !['UND_ERR_SOCKET', 'ECONNRESET'].includes(code)) throw e;
      return plainFetch(input, init);
    }
  };
  retrying.ratsaalRetry = true;
  globalThis.fetch = retrying;
}

function log(...a) {
  if (process.env.RATSAAL_E2E_VERBOSE) console.error('[e2e]', ...a);
}

/**
 * Kill the whole test file if it runs longer than ms: a WebRTC test must fail, never hang.
 * The limit grows with RATSAAL_E2E_TIMEOUT_MS (its default is 10 s): waits twice as long on a
 * busy machine, a file twice as long.
 */
function watchdog(ms, label = path.basename(process.argv[1] || 'e2e')) {
  ms = Math.round(ms * Math.max(1, (Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 10000) / 10000));
  const timer = setTimeout(() => {
    console.error(`[e2e] watchdog: ${label} still running after ${ms} ms, aborting`);
    for (const s of liveServers) { try { s.proc && s.proc.kill('SIGKILL'); } catch { /* gone */ } }
    process.exit(124);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

async function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function bindUdp(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(null));
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/**
 * A UDP port P such that P .. P + count - 1 are free: the server's media worker k listens on
 * udp_port + k (media_workers = auto: one per CPU, at most 16).
 */
async function freeUdpPort(count = 16) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(0);
    if (!first) continue;
    const base = first.address().port;
    const held = [first];
    let ok = base + count - 1 <= 65535;
    for (let k = 1; ok && k < count; k++) {
      const s = await bindUdp(base + k);
      if (s) held.push(s); else ok = false;
    }
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn until it returns a truthy value; throw after timeout ms. */
async function waitUntil(fn, { timeout = 5000, interval = 50, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timeout after ${timeout} ms waiting for ${message}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

/** GET over https, trusting only `ca` (PEM). Resolves {status, headers, body}. */
function httpsGet(url, { ca, timeout = 3000 } = {}) {
  const https = require('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

async function waitHealthz(url, timeout = 10000, proc = null, tls = null) {
  await waitUntil(
    async () => {
      if (proc && proc.exitCode !== null) throw new Error(`server exited early with ${proc.exitCode}`);
      if (tls) return (await httpsGet(`${url}/healthz`, { ca: tls.ca, timeout: 1000 })).status === 200;
      const ctl = new AbortController();
      const t = setTimeout(() => ctl.abort(), 1000);
      try {
        const r = await fetch(`${url}/healthz`, { signal: ctl.signal });
        return r.status === 200;
      } finally {
        clearTimeout(t);
      }
    },
    { timeout, interval: 100, message: `${url}/healthz to answer 200` },
  );
}

let helpCache = null;
function serverHelp(bin) {
  if (helpCache !== null) return helpCache;
  let text = '';
  for (const args of [['serve', '--help'], ['--help']]) {
    const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 5000 });
    text += `${r.stdout || ''}\n${r.stderr || ''}`;
  }
  helpCache = text;
  return text;
}

const liveServers = new Set();

/**
 * Start the server. Returns {url, port, udpPort, dataDir, proc, output(), stop()}; stop() sends
 * SIGTERM and asserts a clean exit (code 0). `config`: text of a config file (written into the
 * data directory, passed with --config; the flags above still win). `tls: {ca}`: the server
 * speaks https (tls_cert/tls_key in `config`); url is https://… and /healthz is checked
 * trusting only the PEM `ca`.
 */
// RATSAAL_E2E_START_TIMEOUT_MS: the default wait for /healthz (a sanitizer build starts slower)
async function startServer({ extraArgs = [], env = {}, timeout = Number(process.env.RATSAAL_E2E_START_TIMEOUT_MS) || 15000, features, config, tls, listen = '127.0.0.1' } = {}) {
  if (process.env.RATSAAL_E2E_SERVER === 'mock') {
    const { startMockServer } = require('./mock-server.js');
    const s = await startMockServer({ webDir: WEB, features: features || [] });
    const handle = {
      url: s.url, port: s.port, udpPort: 0, dataDir: null, mock: true, output: () => '', dropAll: s.dropAll,
      async stop() { liveServers.delete(handle); return s.stop(); },
    };
    liveServers.add(handle);
    return handle;
  }
  const bin = process.env.RATSAAL_BIN || path.join(ROOT, 'bin/ratsaal');
  if (!fs.existsSync(bin)) throw new Error(`server binary ${bin} missing: run make first`);
  const port = await freeTcpPort();
  const udpPort = await freeUdpPort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-e2e-'));
  const help = serverHelp(bin);
  const args = ['serve', '--listen', `${listen}:${port}`, '--data', dataDir];
  if (!help.trim() || help.includes('--udp-port')) args.push('--udp-port', String(udpPort));
  if (help.includes('--web')) args.push('--web', WEB);
  if (config !== undefined) {
    const file = path.join(dataDir, 'ratsaal.conf');
    fs.writeFileSync(file, config);
    args.push('--config', file);
  }
  args.push(...extraArgs);
  log('start', bin, args.join(' '));
  const proc = spawn(bin, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const handle = {
    url, port, udpPort, dataDir, proc, mock: false,
    output: () => out,
    async stop({ timeout: stopTimeout = 10000 } = {}) {
      liveServers.delete(handle);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      // an unref'd timer: a pending one would keep the test's process alive after its last test
      let timer;
      const res = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), stopTimeout); timer.unref(); })]);
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (!res) {
        proc.kill('SIGKILL');
        throw new Error(`server did not exit within ${stopTimeout} ms after SIGTERM\n${out.slice(-4000)}`);
      }
      assert.equal(res.code, 0, `server exit code ${res.code} signal ${res.signal}\n${out.slice(-4000)}`);
      return res.code;
    },
  };
  liveServers.add(handle);
  try {
    await waitHealthz(url, timeout, proc, tls);
  } catch (e) {
    proc.kill('SIGKILL');
    liveServers.delete(handle);
    throw new Error(`${e.message}\nserver output:\n${out.slice(-4000)}`);
  }
  return handle;
}

/**
 * One Chromium per test file (or per distinct fake audio/video file).
 * @param {{fakeAudioFile?: string, fakeVideoFile?: string, args?: string[]}} o
 */
// loopback: false leaves out --allow-loopback-in-peer-connection (network-namespace tests, whose
// media must take the veth); executablePath: a wrapper such as netns.child()'s.
// fps: the fake camera's frame rate. Chromium's default is 20; the tests take 10, which halves
// what every page spends encoding its 1280×720 simulcast and decoding the others': two lanes of
// browser tests share two cores (scripts/test.sh), and a starved page misses its timeouts.
// Measurements that report frame timing (netem.test.js) ask for the default.
async function launchBrowser({ fakeAudioFile, fakeVideoFile, args = [], loopback = true, executablePath = CHROMIUM, fps = 10 } = {}) {
  const { chromium } = require(path.join(ROOT, 'node_modules/playwright-core'));
  const all = CHROMIUM_ARGS.filter((a) => loopback || a !== '--allow-loopback-in-peer-connection');
  all.push(`--use-fake-device-for-media-stream=fps=${fps}`);
  if (process.env.RATSAAL_E2E_HEADFUL) all.splice(all.indexOf('--headless=new'), 1);
  if (fakeAudioFile) all.push(`--use-file-for-fake-audio-capture=${fakeAudioFile}`);
  if (fakeVideoFile) all.push(`--use-file-for-fake-video-capture=${fakeVideoFile}`);
  all.push(...args);
  return chromium.launch({ executablePath, headless: !process.env.RATSAAL_E2E_HEADFUL, args: all, timeout: 30000 });
}

/**
 * A page in its own context (own storage, own locale) with camera/mic permission.
 * page.consoleErrors / page.cspViolations / page.pageErrors collect problems. bypassCSP lets a
 * test add inline scripts (axe-core in a11y.test.js); tests of the CSP itself must not set it.
 */
async function newPage(browser, { locale = 'en-US', viewport = { width: 1280, height: 800 }, origin, bypassCSP = false } = {}) {
  const context = await browser.newContext({ locale, viewport, permissions: ['camera', 'microphone'], bypassCSP });
  if (origin) await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin });
  // RATSAAL_E2E_TIMEOUT_MS: longer waits on a machine busy with other work (the default suits
  // the test suite running alone on two cores)
  const wait = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 10000;
  context.setDefaultTimeout(wait);
  context.setDefaultNavigationTimeout(Math.round(wait * 1.5));
  const page = await context.newPage();
  page.consoleErrors = [];
  page.pageErrors = [];
  page.cspViolations = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.pageErrors.push(String(e && e.message)));
  await page.exposeFunction('__e2eCsp', (v) => page.cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__e2eCsp(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return page;
}

/** Screenshot every page into tests/e2e/artifacts/<name>-<i>.png. */
async function saveScreenshots(name, pages) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  await Promise.all(
    pages.filter(Boolean).map((p, i) =>
      p.screenshot({ path: path.join(ARTIFACTS, `${safe}-${i}.png`), timeout: 5000 }).catch(() => {}),
    ),
  );
}

/**
 * Run fn; on failure save screenshots of pages() (a function, so pages made inside count).
 * Usage: test('x', (t) => withArtifacts(t, () => [a, b], async () => {...}))
 */
async function withArtifacts(t, pages, fn) {
  try {
    return await fn();
  } catch (e) {
    await saveScreenshots(t.name, typeof pages === 'function' ? pages() : pages);
    throw e;
  }
}

const tid = (id) => `[data-testid="${id}"]`;

/** page.goto + wait until the client has wired its handlers (<html data-ready>). */
async function gotoReady(page, url) {
  const res = await page.goto(url);
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  return res;
}

/** Landing → start meeting → name → join. Returns the room URL. */
async function startMeetingViaUi(page, serverUrl, name, { title } = {}) {
  await gotoReady(page, `${serverUrl}/`);
  if (title) await page.fill(tid('title-input'), title);
  await page.click(tid('start-button'));
  await page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}(#.*)?$/);
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  await joinFromPrejoin(page, name);
  return page.url();
}

async function joinFromPrejoin(page, name) {
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible' });
}

/**
 * Open a meeting link that prefills the name (`?name=…&join=1`) and click Join: a link never
 * joins by itself (web/js/meeting.js), so tests click like a user does.
 */
async function joinByLink(page, url) {
  await gotoReady(page, url);
  await page.locator(tid('join-button')).waitFor({ state: 'visible' });
  await page.click(tid('join-button'));
  await page.locator(tid('meeting')).waitFor({ state: 'visible' });
}

/** Below 860 px a panel is a full-screen sheet over the controls: close the other one first. */
async function closeOtherPanel(page, keep) {
  const other = page.locator(`.panel:not([hidden]):not([data-testid="${keep}"]) .panel-close`);
  if (await other.count()) {
    await other.first().click();
    await page.locator(`.panel:not([hidden]):not([data-testid="${keep}"])`).waitFor({ state: 'detached' }).catch(() => {});
  }
}

/** Open the participant panel if closed (on a phone the button is in "More"). */
async function openParticipants(page) {
  const b = page.locator(tid('participants-button'));
  if ((await b.getAttribute('aria-expanded')) !== 'true') {
    await closeOtherPanel(page, 'participants-panel');
    if (await b.isVisible()) await b.click();
    else {
      await page.click(tid('more-button'));
      await page.click(tid('more-participants'));
    }
  }
  await page.locator(tid('participant-list')).waitFor({ state: 'visible' });
}

async function openChat(page) {
  const b = page.locator(tid('chat-button'));
  if ((await b.getAttribute('aria-expanded')) !== 'true') {
    await closeOtherPanel(page, 'chat-panel');
    await b.click();
  }
  await page.locator(tid('chat-input')).waitFor({ state: 'visible' });
}

/** Participant item locator by visible name (exact name, "(you)" suffix allowed). */
function participantItem(page, name) {
  return page.locator(tid('participant-item')).filter({ has: page.locator(tid('participant-name'), { hasText: name }) });
}

async function selfId(page) {
  return page.evaluate(() => window.__ratsaalMeeting && window.__ratsaalMeeting.state.selfId);
}

/**
 * Per remote (participant id, source): inbound-rtp counters on the page's subscribe connection,
 * keyed "participant:source" ({kind, packets, frames, width, height, bytes}).
 */
async function inbound(page) {
  return page.evaluate(async () => {
    const r = window.__ratsaal;
    // one connection throughout: the page may replace it meanwhile (a resume rebuilds media)
    const pc = r && r.subscribePc;
    if (!pc) return {};
    const stats = await pc.getStats();
    const out = {};
    const midOf = {};
    for (const t of pc.getTransceivers()) if (t.mid !== null && t.receiver) midOf[t.receiver.track.id] = t.mid;
    stats.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const mid = s.mid !== undefined ? s.mid : midOf[s.trackIdentifier];
      const m = r.mids.get(mid);
      if (!m) return;
      out[`${m.participant}:${m.source}`] = {
        kind: s.kind, packets: s.packetsReceived || 0, frames: s.framesDecoded || 0,
        width: s.frameWidth || 0, height: s.frameHeight || 0, bytes: s.bytesReceived || 0,
      };
    });
    return out;
  });
}

/** Waits until counter `field` of `key` (see inbound) rises across two samples `gap` ms apart. */
async function rising(page, key, field, { timeout = 20000, gap = 1500 } = {}) {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    const a = await inbound(page);
    await sleep(gap);
    const b = await inbound(page);
    if (a[key] && b[key] && b[key][field] > a[key][field]) return b[key];
    last = JSON.stringify(b);
  }
  throw new Error(`${key}.${field} did not rise within ${timeout} ms; last stats ${last}`);
}

/**
 * What arrived at `page` over `ms` (after `settle` ms for what is in flight): per key of inbound()
 * the growth of {packets, frames}. A key that vanished or never was counts as 0.
 */
async function inboundDelta(page, { settle = 800, ms = 2500 } = {}) {
  await sleep(settle);
  const a = await inbound(page);
  await sleep(ms);
  const b = await inbound(page);
  const out = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] || { packets: 0, frames: 0 };
    const y = b[key] || { packets: 0, frames: 0 };
    // a renegotiated track starts its counters afresh: count what the new one received
    const fresh = y.packets < x.packets;
    out[key] = { packets: fresh ? y.packets : y.packets - x.packets, frames: fresh ? y.frames : y.frames - x.frames };
  }
  return out;
}

/**
 * Keeps every error toast the page shows from its first script on (they go away by
 * themselves): errorToasts(page) → ["code: text", …]. Call before the page's first goto.
 */
async function trackErrorToasts(page) {
  await page.addInitScript(() => {
    const toasts = [];
    Object.defineProperty(window, '__errorToasts', { value: toasts });
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes)
          if (n.nodeType === 1 && n.classList.contains('toast') && n.classList.contains('error')) toasts.push(`${n.dataset.code || ''}: ${n.textContent}`);
    }).observe(document, { childList: true, subtree: true });
  });
}

const errorToasts = (page) => page.evaluate(() => [...window.__errorToasts]);

/** Signs in with a local account on the login page and waits for `ret` (default "My meetings"). */
async function loginLocal(page, serverUrl, username, password, ret = '/meetings') {
  await page.goto(`${serverUrl}/login?return=${encodeURIComponent(ret)}`, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30000 });
  await page.fill(tid('login-username'), username);
  await page.fill(tid('login-password'), password);
  await page.click(tid('login-submit'));
  await page.waitForURL(`${serverUrl}${ret}`, { timeout: 15000, waitUntil: 'commit' });
}

/** fetch from the page (its cookie, its origin), JSON in and out: {status, json}. */
function pageApi(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: r.status, json };
  }, { method, path, body });
}

module.exports = {
  pageApi, trackErrorToasts, errorToasts, loginLocal,
  ROOT, WEB, ARTIFACTS, CHROMIUM_ARGS, inbound, inboundDelta, rising,
  watchdog, freeTcpPort, freeUdpPort, sleep, waitUntil, waitHealthz, httpsGet,
  startServer, launchBrowser, newPage, saveScreenshots, withArtifacts,
  tid, gotoReady, startMeetingViaUi, joinFromPrejoin, joinByLink, openParticipants, openChat, participantItem, selfId,
};
