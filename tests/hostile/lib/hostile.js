// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Hostile-client helpers: a server with a given config and descriptor limit, attackers that
// hold connections open from another loopback address, and the checks a user or an operator
// would make while they run (/healthz and a join answer quickly, the server's CPU, its log
// volume, /metrics). Everything talks to 127.0.0.1; the attackers bind to 127.0.0.2 and up
// (the whole 127.0.0.0/8 is loopback on Linux), so that "one address" is not the address the
// user's probes come from.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const WebSocket = require('ws');
const { ROOT, startServer, sleep, newPage, joinByLink, selfId, inbound } = require('../../e2e/lib/harness.js');

const ATTACKER = '127.0.0.2';

/** This process's own descriptor limit (soft): attacks are scaled below it. */
function ownFdLimit() {
  const m = fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+|unlimited)/m);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : 1 << 20;
}

/**
 * Starts bin/ratsaal with `config` (key = value pairs in a temporary file) and, when `nofile`
 * is given, with that descriptor limit (soft and hard: `ulimit -n` in a wrapper that execs the
 * server, so the pid is the server's). RATSAAL_HOSTILE_DEFAULTS=1 drops `config` (to run the
 * battery against a binary that does not know the keys).
 */
async function startHostileServer({ config = {}, nofile } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-hostile-'));
  const conf = path.join(dir, 'ratsaal.conf');
  const keys = process.env.RATSAAL_HOSTILE_DEFAULTS === '1' ? {} : config;
  fs.writeFileSync(conf, Object.entries(keys).map(([k, v]) => `${k} = ${v}\n`).join(''));
  const real = process.env.RATSAAL_BIN || path.join(ROOT, 'bin/ratsaal');
  let bin = real;
  if (nofile) {
    bin = path.join(dir, 'ratsaal');
    fs.writeFileSync(bin, `#!/bin/sh\nulimit -n ${nofile} || exit 97\nexec "${real}" "$@"\n`, { mode: 0o755 });
  }
  const saved = process.env.RATSAAL_BIN;
  process.env.RATSAAL_BIN = bin;
  let server;
  try {
    server = await startServer({ extraArgs: ['--config', conf], timeout: 20000 });
  } finally {
    if (saved === undefined) delete process.env.RATSAAL_BIN;
    else process.env.RATSAAL_BIN = saved;
  }
  const stop = server.stop.bind(server);
  server.stop = async (opts) => {
    try {
      return await stop(opts);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return server;
}

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Measures the server's CPU share of one core and its log growth over `ms`. */
async function watch(server, ms) {
  const cpu0 = cpuSeconds(server.proc.pid);
  const log0 = server.output().length;
  const t0 = Date.now();
  await sleep(ms);
  const secs = (Date.now() - t0) / 1000;
  return {
    cpu: (cpuSeconds(server.proc.pid) - cpu0) / secs,
    logBytesPerSec: (server.output().length - log0) / secs,
  };
}

/** GET path on a fresh connection from 127.0.0.1: {ok, status, ms, error}. */
function probeHttp(port, pathName = '/healthz', timeout = 5000) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, agent: false, timeout }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode, body, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
    req.on('error', (e) => resolve({ ok: false, status: 0, error: e.message, ms: Date.now() - t0 }));
  });
}

/** A normal WebSocket join from 127.0.0.1 (control/joined received): {ok, ms, error}. */
function probeJoin(url, room, timeout = 5000) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/signaling`, { handshakeTimeout: timeout });
    const done = (r) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done({ ok: false, error: `not joined within ${timeout} ms` }), timeout);
    ws.on('open', () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: 'Probe' })));
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString());
      if (ev.ns === 'control' && ev.event === 'joined') done({ ok: true });
      if (ev.event === 'error') done({ ok: false, error: ev.code });
    });
    ws.on('unexpected-response', (req, res) => done({ ok: false, error: `HTTP ${res.statusCode}` }));
    ws.on('error', (e) => done({ ok: false, error: e.message }));
  });
}

/** /metrics as {name{labels}: value}. */
async function metrics(port) {
  const r = await probeHttp(port, '/metrics');
  if (!r.ok) throw new Error(`/metrics: ${r.error || r.status}`);
  const out = {};
  for (const line of r.body.split('\n')) {
    const m = line.match(/^([a-z_]+(?:\{[^}]*\})?) (\d+(?:\.\d+)?)$/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * Slow loris: keeps `count` connections from `localAddress`, each sending a request line and
 * then one header byte every `trickleMs`, never the blank line that ends the headers. A
 * connection the server closes (or refuses) is opened again after `retryMs`.
 */
function slowLoris({ port, count, localAddress = ATTACKER, trickleMs = 500, retryMs = 1000 }) {
  const sockets = new Set();
  const stats = { connects: 0, answered: {}, closed: 0 };
  let stopped = false;
  function open() {
    if (stopped) return;
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    sockets.add(s);
    let timer = null;
    let got = '';
    s.on('connect', () => {
      stats.connects++;
      s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      timer = setInterval(() => s.write('a'), trickleMs);
    });
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
      stats.closed++;
      const status = got.startsWith('HTTP/1.1 ') ? got.slice(9, 12) : 'none';
      stats.answered[status] = (stats.answered[status] || 0) + 1;
      if (!stopped) setTimeout(open, retryMs);
    });
  }
  for (let i = 0; i < count; i++) open();
  return {
    stats,
    held: () => sockets.size,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}

/**
 * Connection hoarders: `count` WebSocket slots from the addresses in `localAddresses` (round
 * robin) that open /signaling and never join (the ws library answers the server's pings). At
 * most `concurrency` handshakes are in flight; a slot whose connection is refused or closed
 * tries again after `retryMs`.
 */
function wsHoarders({ url, count, localAddresses = [ATTACKER], concurrency = 200, retryMs = 2000, handshakeTimeout = 5000 }) {
  const open = new Set();
  const stats = { attempts: 0, opened: 0, refused: {}, failed: 0, closedByServer: {} };
  let stopped = false;
  let inFlight = 0;
  const queue = [];
  const target = `${url.replace('http', 'ws')}/signaling`;
  function pump() {
    while (!stopped && inFlight < concurrency && queue.length) attempt(queue.shift());
  }
  function again(slot) {
    if (stopped) return;
    setTimeout(() => { queue.push(slot); pump(); }, retryMs);
  }
  function attempt(slot) {
    inFlight++;
    stats.attempts++;
    let settled = false;
    const settle = () => {
      if (!settled) { settled = true; inFlight--; pump(); }
    };
    const ws = new WebSocket(target, { localAddress: localAddresses[slot % localAddresses.length], handshakeTimeout });
    ws.on('open', () => { stats.opened++; open.add(ws); settle(); });
    ws.on('unexpected-response', (req, res) => {
      stats.refused[res.statusCode] = (stats.refused[res.statusCode] || 0) + 1;
      req.destroy();
      settle();
      again(slot);
    });
    ws.on('error', () => { if (!settled) { stats.failed++; settle(); again(slot); } });
    ws.on('close', (code) => {
      if (open.delete(ws)) {
        stats.closedByServer[code] = (stats.closedByServer[code] || 0) + 1;
        again(slot);
      }
    });
  }
  for (let i = 0; i < count; i++) queue.push(i);
  pump();
  return {
    stats,
    held: () => open.size,
    stop() {
      stopped = true;
      queue.length = 0;
      for (const ws of open) ws.terminate();
      open.clear();
    },
  };
}

/**
 * A meeting of browser pages (one per name) in `room` of `server`, each joined through a
 * prefilling link; resolves with {pages, ids} once every page decodes every other's video and
 * receives its audio. Pages are pushed into `pages` as they open (for screenshots on failure).
 */
async function startMeeting(browser, server, room, names, pages = []) {
  for (const name of names) {
    const p = await newPage(browser);
    // the set-up only: on two busy cores the third page's load can take longer than 15 s
    p.setDefaultNavigationTimeout(45000);
    p.setDefaultTimeout(30000);
    pages.push(p);
    await joinByLink(p, `${server.url}/r/${room}?name=${name}&join=1`);
  }
  const ids = await Promise.all(pages.map((p) => selfId(p)));
  await meetingFlows(pages, ids, { timeout: 30000 });
  return { pages, ids };
}

/**
 * Waits until, across one `gap`, on every page every other participant's camera frames and
 * microphone packets rise (all pages sampled together, so one check costs one gap).
 */
async function meetingFlows(pages, ids, { timeout = 20000, gap = 1500 } = {}) {
  const end = Date.now() + timeout;
  let missing = [];
  do {
    const a = await Promise.all(pages.map(inbound));
    await sleep(gap);
    const b = await Promise.all(pages.map(inbound));
    missing = [];
    for (let i = 0; i < pages.length; i++)
      for (let j = 0; j < pages.length; j++) {
        if (i === j) continue;
        for (const [key, field] of [[`${ids[j]}:camera`, 'frames'], [`${ids[j]}:microphone`, 'packets']])
          if (!(a[i][key] && b[i][key] && b[i][key][field] > a[i][key][field])) missing.push(`page ${i} ${key}.${field}`);
      }
  } while (missing.length && Date.now() < end);
  if (missing.length) throw new Error(`media stopped: ${missing.join(', ')}`);
}

/** Packets the page's inbound streams report lost so far (all remote tracks together). */
function lostPackets(page) {
  return page.evaluate(async () => {
    const r = window.__ratsaal;
    let n = 0;
    (await r.subscribePc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp') n += s.packetsLost || 0;
    });
    return n;
  });
}

module.exports = {
  ATTACKER, ownFdLimit, startHostileServer, cpuSeconds, watch, probeHttp, probeJoin, metrics,
  slowLoris, wsHoarders, sleep, startMeeting, meetingFlows, lostPackets,
};
