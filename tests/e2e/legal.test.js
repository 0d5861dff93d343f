// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Imprint, privacy notice and version on every page (issue 12): German authorities must link
// the first two from every page. Configured with imprint_url / privacy_url, served by
// GET /api/v1/site, shown in each page's footer and, during a meeting, in the settings dialog.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(150000);

const IMPRINT = 'http://127.0.0.1:9/impressum';
const PRIVACY = 'http://127.0.0.1:9/datenschutz';
const VERSION = fs.readFileSync(path.join(h.ROOT, 'VERSION'), 'utf8').trim();

let server;
let plain;
let browser;
const pages = [];

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-legal-'));
  const conf = path.join(dir, 'ratsaal.conf');
  fs.writeFileSync(conf, `imprint_url = ${IMPRINT}\nprivacy_url = ${PRIVACY}\n`);
  server = await h.startServer({ extraArgs: ['--config', conf] });
  plain = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (plain) await plain.stop();
});

async function footerOf(page) {
  const f = page.locator(tid('site-footer'));
  await f.locator(tid('version')).waitFor({ state: 'attached' });
  return {
    imprint: await f.locator(tid('imprint-link')).getAttribute('href').catch(() => null),
    privacy: await f.locator(tid('privacy-link')).getAttribute('href').catch(() => null),
    version: await f.locator(tid('version')).textContent(),
    visible: await f.isVisible(),
  };
}

test('every page links the imprint and the privacy notice and shows the version', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    for (const p of ['/', '/login', '/meetings', '/r/legal-check']) {
      await h.gotoReady(page, `${server.url}${p}`);
      const f = await footerOf(page);
      assert.equal(f.imprint, IMPRINT, p);
      assert.equal(f.privacy, PRIVACY, p);
      assert.equal(f.version, `Ratsaal ${VERSION}`, p);
      assert.ok(f.visible, `footer visible on ${p}`);
    }
    const r = await page.request.get(`${server.url}/api/v1/site`);
    assert.deepEqual(await r.json(), { version: VERSION, imprint_url: IMPRINT, privacy_url: PRIVACY });
  }));

test('in a meeting the links are in the settings dialog; German texts', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser, { locale: 'de-DE' });
    pages.push(page);
    await h.startMeetingViaUi(page, server.url, 'Erika Recht');
    await page.click(tid('settings-button'));
    const legal = page.locator(tid('settings-legal'));
    await legal.locator(tid('imprint-link')).waitFor();
    assert.equal(await legal.locator(tid('imprint-link')).textContent(), 'Impressum');
    assert.equal(await legal.locator(tid('privacy-link')).textContent(), 'Datenschutz');
    assert.equal(await legal.locator(tid('privacy-link')).getAttribute('href'), PRIVACY);
  }));

test('without imprint_url and privacy_url only the version is shown', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    await h.gotoReady(page, `${plain.url}/`);
    const f = await footerOf(page);
    assert.equal(f.imprint, null);
    assert.equal(f.privacy, null);
    assert.equal(f.version, `Ratsaal ${VERSION}`);
  }));
