// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Several nodes behind a load balancer (issue 18, docs/cluster.md section 7): three nodes on
// Redis and PostgreSQL behind nginx (tests/e2e/lib/cluster.js), whose default pool is node a
// only, so that every page and every first join lands on a. Node a is busy (two participants
// without a browser), so a new room is placed on the least loaded node, b. Two browsers open the
// room page through the load balancer and join: a answers `moved` with http://LB/n/b, the
// client follows to /n/b/signaling, and both end in the same meeting on b, where they see and
// hear each other (media straight to b's UDP port). No console errors, no CSP violation (the
// redirect stays on the page's origin). Skips, saying why, only when Redis, PostgreSQL or nginx
// is not installed (scripts/deps.sh installs them).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const { missingTools, startCluster } = require('./lib/cluster.js');

const stopWatchdog = h.watchdog(240000);
const missing = missingTools();
let cluster;
let browser;
const pages = [];
const ROOM = 'e2e-cluster-room';

before(async () => {
  if (missing) return;
  cluster = await startCluster({ pool: ['a'] });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (cluster) await cluster.stop();
  stopWatchdog();
});

async function join(name) {
  const page = await h.newPage(browser);
  pages.push(page);
  await h.joinByLink(page, `${cluster.lb}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

const sigUrl = (page) => page.evaluate(() => window.__ratsaalMeeting.sig.url);

test('joins through the load balancer land on the least loaded node, b, and the two see and hear each other',
  { skip: missing ? `needs a cluster's tools: ${missing}` : false }, (t) =>
    h.withArtifacts(t, () => pages, async () => {
      // a busy: two participants, published with a's next heartbeat and copied by every node
      cluster.hold('a', 'e2e-busy');
      cluster.hold('a', 'e2e-busy');
      await h.waitUntil(() => cluster.load('a') === 2, { timeout: 10000, message: "a's record to show 2 participants" });
      await h.sleep(1500);
      const placed0 = await cluster.metric('a', 'ratsaal_cluster_placements_total{where="other"}');

      const A = await join('Anna');
      assert.equal(cluster.owner(ROOM), 'b', 'the room is owned by b');
      assert.equal(await cluster.metric('a', 'ratsaal_cluster_placements_total{where="other"}'), placed0 + 1);
      const B = await join('Bernd');
      const wsB = `${cluster.lb.replace(/^http/, 'ws')}/n/b/signaling`;
      assert.equal(await sigUrl(A), wsB, "A's signaling follows moved to b's route");
      assert.equal(await sigUrl(B), wsB, "B's signaling follows moved to b's route");
      const moved = await cluster.metric('a', 'ratsaal_signaling_errors_total{code="moved"}');
      assert.ok(moved >= 2, `a answered moved ${moved} times`);
      const hz = await (await fetch(`${cluster.nodes.b.url}/healthz`)).json();
      assert.equal(hz.participants, 2, 'both participants are on b');
      assert.equal(hz.rooms, 1);

      // the same meeting: each lists the other, and media flows both ways
      const [idA, idB] = await Promise.all([h.selfId(A), h.selfId(B)]);
      await h.openParticipants(A);
      await h.participantItem(A, 'Bernd').waitFor({ state: 'visible' });
      await h.rising(A, `${idB}:camera`, 'frames');
      await h.rising(A, `${idB}:microphone`, 'packets');
      await h.rising(B, `${idA}:camera`, 'frames');
      await h.rising(B, `${idA}:microphone`, 'packets');
      const rtp = await cluster.metric('b', 'ratsaal_rtp_packets_out_total');
      assert.ok(rtp > 100, `b forwarded ${rtp} packets`);
      assert.equal(await cluster.metric('c', 'ratsaal_participants'), 0, 'nobody on c');

      for (const p of [A, B]) {
        assert.deepEqual(p.cspViolations, [], 'no CSP violation');
        assert.deepEqual(p.pageErrors, [], 'no page error');
        assert.deepEqual(p.consoleErrors, [], 'no console error');
      }
    }));
