// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The network-namespace harness itself (tests/e2e/lib/netns.js): a server announcing the veth
// address, one Chromium page in the test namespace and one in a child namespace reached through
// its own link; media flows between them over the veth (host candidates, not loopback), and
// cutting the child's link stops what it receives. Run: unshare -n node --test tests/netns/netns.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');

const stopWatchdog = h.watchdog(180000);
let server; let browser; let childBrowser; let kid;
const pages = [];

before(async () => {
  ns.setup();
  server = await h.startServer(ns.serverOptions());
  browser = await h.launchBrowser({ loopback: false });
  kid = await ns.child(server.port);
  childBrowser = await h.launchBrowser(kid.launchArgs);
});

after(async () => {
  for (const b of [browser, childBrowser]) if (b) await b.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

async function selectedPair(page) {
  return page.evaluate(async () => {
    const pc = window.__ratsaalMeeting.media.sub;
    const stats = [...(await pc.getStats()).values()];
    const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    const remote = pair && stats.find((s) => s.id === pair.remoteCandidateId);
    return remote ? remote.address || remote.ip : null;
  });
}

test('a page in the namespace and one in a child namespace receive each other over the veth; a cut link stops it', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const url = `${server.url}/r/netns-room?join=1&name=`;
    const a = await h.newPage(browser); pages.push(a);
    const b = await h.newPage(childBrowser); pages.push(b);
    await h.joinByLink(a, `${url}Anna`);
    await h.joinByLink(b, `${url}Bernd`);
    const [idA, idB] = await Promise.all([a, b].map((p) => h.selfId(p)));
    await h.rising(a, `${idB}:camera`, 'frames');
    await h.rising(b, `${idA}:camera`, 'frames');
    assert.equal(await selectedPair(a), ns.HOST_IP);
    assert.equal(await selectedPair(b), ns.HOST_IP);
    kid.down();
    await h.sleep(1500);
    const before = (await h.inbound(b))[`${idA}:camera`].frames;
    await h.sleep(2000);
    const after = (await h.inbound(b))[`${idA}:camera`].frames;
    assert.ok(after - before <= 2, `frames still arriving through a link that is down: ${before} → ${after}`);
    kid.up();
  }));
