#!/usr/bin/env node
// SPDX-License-Identifier: EUPL-1.2
// Simulated HLS viewers of a livestream: each viewer keeps one keep-alive connection and, every
// segment duration, fetches the playlist and then the segment a live player would fetch next
// (the wall clock picks it from the playlist's window, so a static window behaves like a live
// one). Prints one JSON line: requests and bytes per second served, latency percentiles per
// request type, errors.
//
//   node bench/live/viewers.js --url http://127.0.0.1:18080/live/bench --viewers 1000 \
//        --seconds 20 [--segment-s 2] [--label ratsaal]
'use strict';
const http = require('node:http');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const base = arg('url');
const viewers = Number(arg('viewers', '100'));
const seconds = Number(arg('seconds', '20'));
const segS = Number(arg('segment-s', '2'));
const label = arg('label', '');
if (!base) {
  console.error('usage: viewers.js --url http://HOST:PORT/live/ID [--viewers N] [--seconds S]');
  process.exit(2);
}
const u = new URL(base);

const stats = {
  playlist: { n: 0, lat: [] },
  segment: { n: 0, lat: [] },
  bytes: 0,
  errors: 0,
  statuses: {},
};

function get(agent, path) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: u.hostname, port: u.port, path, agent }, (res) => {
      let n = 0;
      const chunks = [];
      const keep = path.endsWith('.m3u8');
      res.on('data', (c) => {
        n += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] || 0) + 1;
        if (res.statusCode !== 200) stats.errors++;
        stats.bytes += n;
        resolve({ ok: res.statusCode === 200, ms, body: keep ? Buffer.concat(chunks).toString() : '' });
      });
    });
    req.on('error', () => {
      stats.errors++;
      resolve({ ok: false, ms: 0, body: '' });
    });
    req.setTimeout(10000, () => req.destroy());
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let measuring = false;

async function viewer(i, until) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await sleep((i / viewers) * segS * 1000); // viewers spread over one segment duration
  while (Date.now() < until) {
    const start = Date.now();
    const pl = await get(agent, `${u.pathname}/index.m3u8`);
    if (measuring) {
      stats.playlist.n++;
      stats.playlist.lat.push(pl.ms);
    }
    const segs = pl.body.split('\n').filter((l) => l && !l.startsWith('#'));
    if (segs.length) {
      // the segment a live player would fetch now: the window advances one per segment duration
      const k = Math.floor(Date.now() / (segS * 1000)) % segs.length;
      const s = await get(agent, `${u.pathname}/${segs[k]}`);
      if (measuring) {
        stats.segment.n++;
        stats.segment.lat.push(s.ms);
      }
    }
    const wait = segS * 1000 - (Date.now() - start);
    if (wait > 0) await sleep(wait);
  }
  agent.destroy();
}

function pct(a, p) {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

(async () => {
  const warm = segS * 1000 * 2;
  const t0 = Date.now();
  const until = t0 + warm + seconds * 1000;
  const runs = [];
  for (let i = 0; i < viewers; i++) runs.push(viewer(i, until));
  await sleep(warm);
  const bytes0 = stats.bytes;
  measuring = true;
  const m0 = Date.now();
  await sleep(seconds * 1000);
  measuring = false;
  const window = (Date.now() - m0) / 1000;
  const served = stats.bytes - bytes0;
  await Promise.all(runs);
  console.log(JSON.stringify({
    label,
    viewers,
    window_s: Math.round(window * 10) / 10,
    playlists_per_s: Math.round((stats.playlist.n / window) * 10) / 10,
    segments_per_s: Math.round((stats.segment.n / window) * 10) / 10,
    expected_segments_per_s: Math.round((viewers / segS) * 10) / 10,
    mbit_per_s: Math.round(((served * 8) / window / 1e6) * 10) / 10,
    playlist_ms_p50: pct(stats.playlist.lat, 50),
    playlist_ms_p99: pct(stats.playlist.lat, 99),
    segment_ms_p50: pct(stats.segment.lat, 50),
    segment_ms_p99: pct(stats.segment.lat, 99),
    errors: stats.errors,
    statuses: stats.statuses,
  }));
})();
