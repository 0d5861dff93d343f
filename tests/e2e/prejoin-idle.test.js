// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The server closes a WebSocket that joins no room within join_timeout_s (issue 11). A person
// who lingers on the pre-join screen must not see "reconnecting" nor have the page reconnect in
// a loop; clicking Join afterwards joins at once.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { tid } = h;

h.watchdog(120000);

let server;
let browser;
const pages = [];

before(async () => {
  server = await h.startServer({ config: 'join_timeout_s = 2\n' });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('lingering on the pre-join screen past join_timeout_s: no reconnect loop, Join still works', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const page = await h.newPage(browser);
    pages.push(page);
    let sockets = 0;
    page.on('websocket', () => sockets++);
    const states = [];
    await page.exposeFunction('__connState', (s) => states.push(s));
    await h.gotoReady(page, `${server.url}/r/idle-check`);
    await page.evaluate(() => {
      const conn = document.getElementById('conn');
      new MutationObserver(() => window.__connState(conn.dataset.state)).observe(conn, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.locator(tid('name-input')).waitFor({ state: 'visible' });
    await h.sleep(6000); // three join timeouts
    assert.equal(sockets, 1, `one WebSocket while waiting, saw ${sockets}`);
    assert.ok(!states.includes('reconnecting'), `states ${JSON.stringify(states)}`);
    await h.joinFromPrejoin(page, 'Lena Langsam');
    assert.equal(await page.locator(tid('meeting')).isVisible(), true);
  }));
