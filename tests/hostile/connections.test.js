// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Connection exhaustion: WebSocket connections that open /signaling, answer pings and never
// join, from one address and from many, against a server whose descriptor limit is small.
// Users on 127.0.0.1 must still get /healthz and a join within 2 s (or, when the server is
// truly full, a quick 503 instead of a hang); the server must neither spin nor flood its log,
// must close the idle connections after join_timeout_s, and must count all of it in /metrics.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hostile.js');
const { watchdog } = require('../e2e/lib/harness.js');

const stopWatchdog = watchdog(200000);
test.after(() => stopWatchdog());

const JOIN_TIMEOUT_S = 3;

async function probes(server, n, label) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ healthz: await h.probeHttp(server.port), join: await h.probeJoin(server.url, `${label}-${i}`) });
    await h.sleep(300);
  }
  return out;
}

function assertServed(list, label) {
  for (const [i, p] of list.entries()) {
    assert.ok(p.healthz.ok && p.healthz.ms < 2000, `${label}: /healthz #${i}: ${JSON.stringify(p.healthz)}`);
    assert.ok(p.join.ok && p.join.ms < 2000, `${label}: join #${i}: ${JSON.stringify(p.join)}`);
  }
}

function report(label, attack, view, m) {
  console.log(`# ${label}: attempts ${attack.stats.attempts}, held ${attack.held()}, opened ${attack.stats.opened}, ` +
    `refused ${JSON.stringify(attack.stats.refused)}, failed ${attack.stats.failed}, closed ${JSON.stringify(attack.stats.closedByServer)}, ` +
    `server cpu ${(view.cpu * 100).toFixed(1)} %, log ${view.logBytesPerSec.toFixed(0)} B/s` +
    (m ? `, refused per_ip/busy/no_fd ${m['ratsaal_http_connections_refused_total{reason="per_ip"}']}/` +
      `${m['ratsaal_http_connections_refused_total{reason="busy"}']}/${m['ratsaal_http_connections_refused_total{reason="no_fd"}']}` : ''));
}

test('4000 idle WebSockets from one address, fd limit 1024: capped per address, closed after join_timeout_s', async () => {
  const count = Math.min(4000, h.ownFdLimit() - 300);
  const server = await h.startHostileServer({ nofile: 1024, config: { join_timeout_s: JOIN_TIMEOUT_S } });
  const attack = h.wsHoarders({ url: server.url, count, retryMs: 3000 });
  try {
    await h.sleep(4000); // every slot tried at least once
    const [view, list] = await Promise.all([h.watch(server, 4000), probes(server, 4, 'one-address')]);
    const m = await h.metrics(server.port).catch(() => null);
    report(`${count} slots from one address`, attack, view, m);
    assertServed(list, 'one address');
    assert.ok(m, '/metrics answers');
    assert.ok(view.cpu < 0.25, `server CPU ${(view.cpu * 100).toFixed(1)} % of a core`);
    assert.ok(view.logBytesPerSec < 8192, `server log ${view.logBytesPerSec.toFixed(0)} B/s`);
    assert.ok(attack.held() <= 64, `one address holds ${attack.held()} connections (max_connections_per_ip 64)`);
    assert.ok(m['ratsaal_http_connections_refused_total{reason="per_ip"}'] > 0, 'refusals per address counted');
    assert.ok(attack.stats.refused[429] > 0, `refused with 429: ${JSON.stringify(attack.stats.refused)}`);
    // the ones that got in and never joined are closed after join_timeout_s
    assert.ok(m['ratsaal_signaling_closed_total{reason="join_timeout"}'] > 0, 'join timeouts counted');
    assert.ok(attack.stats.closedByServer[1008] > 0, `closed with 1008: ${JSON.stringify(attack.stats.closedByServer)}`);
  } finally {
    attack.stop();
    await server.stop();
  }
});

test('an operator raised max_connections_per_ip: one address still leaves room for others', async () => {
  const count = Math.min(1000, h.ownFdLimit() - 300);
  const server = await h.startHostileServer({ nofile: 512, config: { max_connections_per_ip: 4096, join_timeout_s: 60 } });
  const attack = h.wsHoarders({ url: server.url, count, retryMs: 3000 });
  try {
    await h.sleep(3000);
    const [view, list] = await Promise.all([h.watch(server, 3000), probes(server, 3, 'raised')]);
    const m = await h.metrics(server.port).catch(() => null);
    report(`${count} slots, per-address cap raised, fd limit 512`, attack, view, m);
    assertServed(list, 'raised cap');
    assert.ok(m, '/metrics answers');
    assert.ok(view.cpu < 0.25, `server CPU ${(view.cpu * 100).toFixed(1)} % of a core`);
    assert.ok(view.logBytesPerSec < 8192, `server log ${view.logBytesPerSec.toFixed(0)} B/s`);
    const max = m.ratsaal_http_connections_max;
    assert.ok(max > 0 && max < 512, `connection budget ${max} below the fd limit`);
    assert.ok(attack.held() <= Math.ceil(max * 0.75), `one address holds ${attack.held()} of ${max}`);
    assert.ok(m['ratsaal_http_connections_refused_total{reason="busy"}'] > 0, 'busy refusals counted');
  } finally {
    attack.stop();
    await server.stop();
  }
});

test('full from many addresses: new clients get a quick 503, no spin, recovery when it ends', async () => {
  // 100 addresses × 6 slots: each address stays under every per-address share, together
  // they fill the server (fd limit 512)
  const addresses = Array.from({ length: 100 }, (_, i) => `127.0.0.${i + 2}`);
  const count = Math.min(600, h.ownFdLimit() - 300);
  const server = await h.startHostileServer({ nofile: 512, config: { join_timeout_s: 60 } });
  const attack = h.wsHoarders({ url: server.url, count, localAddresses: addresses, retryMs: 3000 });
  try {
    await h.sleep(4000);
    const view = await h.watch(server, 3000);
    const refused = await h.probeHttp(server.port);
    const m = await h.metrics(server.port).catch(() => null);
    report(`${count} slots from ${addresses.length} addresses, fd limit 512`, attack, view, m);
    assert.ok(view.cpu < 0.25, `server CPU ${(view.cpu * 100).toFixed(1)} % of a core`);
    assert.ok(view.logBytesPerSec < 8192, `server log ${view.logBytesPerSec.toFixed(0)} B/s`);
    assert.equal(refused.status, 503, `a new client while full: ${JSON.stringify(refused)}`);
    assert.ok(refused.ms < 1000, `503 after ${refused.ms} ms`);
    assert.ok(attack.stats.refused[503] > 0, `attackers refused with 503: ${JSON.stringify(attack.stats.refused)}`);
    // the attack gone, the server serves again at once and counted the refusals
    attack.stop();
    await h.sleep(500);
    const back = await h.probeHttp(server.port);
    assert.ok(back.ok && back.ms < 2000, JSON.stringify(back));
    const after = await h.metrics(server.port);
    assert.ok(after['ratsaal_http_connections_refused_total{reason="no_fd"}'] > 0, 'no_fd refusals counted');
    assertServed(await probes(server, 1, 'after'), 'after the attack');
  } finally {
    attack.stop();
    await server.stop();
  }
});
