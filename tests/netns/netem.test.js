// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 16: a meeting under real network conditions. Anna publishes from the test namespace;
// Bernd and Clara only watch, each from a child namespace whose link the test shapes:
//   - Bernd's link loses 2 % and delays 100 ms ± 30 ms in both directions (what netem's
//     `loss 2% delay 100ms 30ms` does; netem_shaper.py, as the kernel has no sch_netem): his
//     video keeps playing, lost packets come back as RTX after his NACKs, and Anna's audio never
//     stops; a 4 s cut of his link comes back through a keyframe (PLI);
//   - Clara's downlink is limited to 500 kbit/s (tbf, a router with 150 ms of queue): the server
//     moves her to a lower simulcast layer (her frameWidth falls) within seconds, and back up once
//     the limit is lifted; her audio never stops meanwhile.
// Each page samples getStats() in the page every 100 ms; the recovery times (time to the lower
// layer, time back up, longest video freeze, longest audio gap) are printed as diagnostics and
// "[netem]" lines (BENCHMARKS.md, "Under real network conditions", has the numbers of our runs).
// Run: RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/netem.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');

const stopWatchdog = h.watchdog(420000);
let server; let browser; let bBrowser; let cBrowser; let kidB; let kidC;
let A; let B; let C; let idA; let shapeB;
const pages = [];
const shapers = [];
const CUT_MS = 4000;

/**
 * Loss, delay and jitter on a child's link in both directions. tc's netem would need the kernel's
 * sch_netem, which these machines' kernel lacks (tc: "Specified qdisc kind is unknown"), so the
 * UDP frames are passed through netem_shaper.py instead (see there): tc redirects what leaves
 * each end of the link (outer: what the child receives, inner: what it sends) to a veth pair,
 * the shaper holds or drops them and sends them on. TCP (the page's WebSocket) is not shaped.
 * Returns {set(spec), clear(), stop()}; spec as the shaper's control line.
 */
async function shaper(kid) {
  const k = kid.outer.slice(1, -1);
  const dirs = [
    { dev: kid.outer, a: `s${k}a`, b: `s${k}b`, run: (c, a) => ns.sh(c, a), prefix: [] },
    { dev: kid.inner, a: `u${k}a`, b: `u${k}b`, run: (c, a) => kid.run(c, a), prefix: ['ip', 'netns', 'exec', kid.name] },
  ];
  for (const d of dirs) {
    d.run('ip', ['link', 'add', d.a, 'type', 'veth', 'peer', 'name', d.b]);
    d.run('ip', ['link', 'set', d.a, 'up']);
    d.run('ip', ['link', 'set', d.b, 'up']);
    const argv = [...d.prefix, '/usr/bin/python3', path.join(__dirname, 'netem_shaper.py'), '--src', d.b, '--dst', d.dev];
    d.proc = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    shapers.push(d.proc);
    const lines = readline.createInterface({ input: d.proc.stdout });
    d.next = () => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`netem_shaper on ${d.dev} did not answer`)), 5000);
      lines.once('line', (l) => { clearTimeout(t); resolve(l); });
    });
    assert.equal(await d.next(), 'ready');
  }
  const filtered = async (on) => {
    for (const d of dirs) {
      try { d.run('tc', ['qdisc', 'del', 'dev', d.dev, 'clsact']); } catch { /* none yet */ }
      if (!on) continue;
      d.run('tc', ['qdisc', 'add', 'dev', d.dev, 'clsact']);
      d.run('tc', ['filter', 'add', 'dev', d.dev, 'egress', 'protocol', 'ip', 'u32', 'match', 'ip', 'protocol', '17', '0xff',
        'action', 'mirred', 'egress', 'redirect', 'dev', d.a]);
    }
  };
  const control = async (line) => {
    for (const d of dirs) {
      d.proc.stdin.write(`${line}\n`);
      assert.equal(await d.next(), 'ok');
    }
  };
  return {
    async set(spec) { await control(spec); await filtered(true); },
    async clear() { await filtered(false); await control('pass'); },
    /** Ends both shapers; resolves their counters ({in, lost, sent, ...} per direction). */
    async stop() {
      const out = [];
      for (const d of dirs) {
        const res = d.next();
        d.proc.stdin.end();
        out.push(JSON.parse(await res));
      }
      return { down: out[0], up: out[1] };
    },
  };
}

before(async () => {
  ns.setup();
  // one packet per datagram: netem_shaper.py passes frames one by one
  server = await h.startServer(ns.serverOptions('udp_gso = off\n'));
  browser = await h.launchBrowser({ loopback: false, fps: 20 }); // frame timing as BENCHMARKS.md measured it
  kidB = await ns.child(server.port);
  kidC = await ns.child(server.port);
  [bBrowser, cBrowser] = await Promise.all([h.launchBrowser({ ...kidB.launchArgs, fps: 20 }), h.launchBrowser({ ...kidC.launchArgs, fps: 20 })]);
  const url = `${server.url}/r/netem-room?join=1&name=`;
  A = await h.newPage(browser); pages.push(A);
  B = await h.newPage(bBrowser); pages.push(B);
  // a large window: Anna's tile asks for her top layer
  C = await h.newPage(cBrowser, { viewport: { width: 1920, height: 1080 } }); pages.push(C);
  await h.joinByLink(A, `${url}Anna`);
  idA = await h.selfId(A);
  for (const [page, name] of [[B, 'Bernd'], [C, 'Clara']]) await watchOnly(page, `${url}${name}`);
  for (const page of [B, C]) {
    await h.rising(page, `${idA}:camera`, 'frames', { timeout: 30000 });
    await h.rising(page, `${idA}:microphone`, 'packets', { timeout: 30000 });
    await startSampler(page, idA);
  }
});

after(async () => {
  for (const p of shapers) if (p.exitCode === null) p.kill('SIGKILL');
  for (const b of [browser, bBrowser, cBrowser]) if (b) await b.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

/** Joins with camera and microphone off: a viewer whose own media does not load the links. */
async function watchOnly(page, link) {
  await h.gotoReady(page, link);
  await page.locator(h.tid('join-button')).waitFor({ state: 'visible' });
  await page.check(h.tid('cam-off'));
  await page.check(h.tid('mic-off'));
  await page.click(h.tid('join-button'));
  await page.locator(h.tid('meeting')).waitFor({ state: 'visible' });
}

/**
 * Samples, inside the page every 100 ms, the inbound-rtp of `publisher`'s camera and microphone
 * into window.__netem (in-page, so a busy test process does not stretch the gaps it measures).
 */
async function startSampler(page, publisher) {
  await page.evaluate((pid) => {
    const samples = [];
    window.__netem = samples;
    const tick = async () => {
      const r = window.__ratsaal;
      if (!r || !r.subscribePc) return;
      const stats = await r.subscribePc.getStats();
      const s = { t: Date.now() };
      stats.forEach((x) => {
        if (x.type !== 'inbound-rtp') return;
        const m = r.mids.get(x.mid);
        if (!m || m.participant !== pid) return;
        s.t = Math.round(x.timestamp); // when the counters were read, not when we asked
        if (m.source === 'camera') {
          Object.assign(s, {
            frames: x.framesDecoded || 0, width: x.frameWidth || 0, nack: x.nackCount || 0, pli: x.pliCount || 0,
            rtxBytes: x.retransmittedBytesReceived || 0, lost: x.packetsLost || 0, freezes: x.freezeCount || 0,
          });
        } else if (m.source === 'microphone') {
          s.audio = x.packetsReceived || 0;
        }
      });
      samples.push(s);
    };
    window.__netemTimer = setInterval(() => { tick().catch(() => {}); }, 100);
  }, publisher);
}

/** The samples taken since `since` (ms since the epoch, the machine's clock). */
async function samplesSince(page, since) {
  return (await page.evaluate(() => window.__netem)).filter((s) => s.t >= since && s.frames !== undefined);
}

/** Longest time (ms) over which `field` did not grow, the open end included. */
function longestStall(samples, field) {
  let worst = 0;
  let lastGrowth = samples[0].t;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i][field] || 0) > (samples[i - 1][field] || 0)) {
      worst = Math.max(worst, samples[i].t - lastGrowth);
      lastGrowth = samples[i].t;
    }
  }
  return Math.max(worst, samples[samples.length - 1].t - lastGrowth);
}

/** The first growth of `field` after which it never stalls for more than `maxStall` ms (or null). */
function steadyFrom(samples, field, maxStall) {
  let from = null;
  let last = null;
  for (let i = 1; i < samples.length; i++) {
    if (!((samples[i][field] || 0) > (samples[i - 1][field] || 0))) continue;
    if (last !== null && samples[i].t - last > maxStall) from = null;
    if (from === null) from = samples[i].t;
    last = samples[i].t;
  }
  return last !== null && samples[samples.length - 1].t - last <= maxStall ? from : null;
}

/** The longest time between two samples: a gap measured above is no finer than this. */
const sampleGap = (samples) => samples.reduce((m, x, i) => (i ? Math.max(m, x.t - samples[i - 1].t) : 0), 0);

/** Every window of `ms` (from each sample to the first at least `ms` later) in which `field` did not grow. */
function flatWindows(samples, field, ms) {
  const flat = [];
  let j = 0;
  for (let i = 0; i < samples.length; i++) {
    while (j < samples.length && samples[j].t < samples[i].t + ms) j++;
    if (j >= samples.length) break;
    if (!((samples[j][field] || 0) > (samples[i][field] || 0))) flat.push(samples[i].t - samples[0].t);
  }
  return flat;
}

/** The simulcast layers `page` sends that are active: [{rid, width, fps, limit}]. */
async function outboundLayers(page) {
  return page.evaluate(async () => {
    const pc = window.__ratsaal && window.__ratsaal.publishPc;
    if (!pc) return [];
    const out = [];
    (await pc.getStats()).forEach((x) => {
      if (x.type === 'outbound-rtp' && x.kind === 'video' && x.frameWidth) {
        out.push({ rid: x.rid, width: x.frameWidth, fps: x.framesPerSecond, limit: x.qualityLimitationReason });
      }
    });
    return out.sort((p, q) => p.width - q.width);
  });
}

async function serverMetric(name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm'));
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

function report(t, line) {
  line += ` (load ${os.loadavg()[0].toFixed(1)})`;
  t.diagnostic(line);
  console.log(`[netem] ${line}`);
}

test('2 % loss and 100 ± 30 ms delay both ways: video keeps playing, NACK/RTX and PLI recover, audio never stops', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const nacksIn = await serverMetric('ratsaal_nacks_in_total');
    const rtx = await serverMetric('ratsaal_retransmissions_total');
    const plisIn = await serverMetric('ratsaal_plis_in_total');
    const spec = 'loss 2% delay 100ms 30ms';
    shapeB = await shaper(kidB);
    await shapeB.set('loss 2 delay 100 jitter 30');
    await h.sleep(500); // what was in flight when the shaping began
    const start = Date.now();
    // a 4 s cut in the middle (a handover, a microwave): the receiver gives up waiting for the
    // frames it lost and asks for a keyframe (PLI)
    await h.sleep(10000);
    const cutAt = Date.now();
    kidB.down();
    await h.sleep(CUT_MS);
    kidB.up();
    await h.sleep(12000);
    const s = await samplesSince(B, start);
    const first = s[0];
    const last = s[s.length - 1];
    await shapeB.clear();
    const frames = await shapeB.stop();
    report(t, `loss: frames through the shaper: down ${JSON.stringify(frames.down)}, up ${JSON.stringify(frames.up)}`);
    assert.ok(frames.down.lost > 0 && frames.up.lost > 0 && frames.down.oversize === 0, 'the shaper did not shape');

    const freeze = longestStall(s, 'frames');
    const audioGap = longestStall(s, 'audio');
    const beforeCut = s.filter((x) => x.t < cutAt);
    const freezeBeforeCut = longestStall(beforeCut, 'frames');
    const afterCut = s.filter((x) => x.t >= cutAt + CUT_MS);
    // back: frames flow again and never stand still for a second after that (a frame or two
    // that NACK repaired may come first, then the wait for the keyframe)
    const back = steadyFrom(afterCut, 'frames', 1000);
    const recovery = back === null ? Infinity : back - (cutAt + CUT_MS);
    const afterResume = afterCut.filter((x) => x.t >= (back === null ? Infinity : back));
    const audioGapOutside = Math.max(longestStall(beforeCut, 'audio'), afterResume.length ? longestStall(afterResume, 'audio') : 0);
    report(t, `loss: ${spec}, ${((last.t - first.t) / 1000).toFixed(1)} s; frames ${last.frames - first.frames} ` +
      `(${((last.frames - first.frames) / ((last.t - first.t) / 1000)).toFixed(1)} fps), packets lost ${last.lost - first.lost}, ` +
      `NACKs ${last.nack - first.nack}, RTX bytes ${last.rtxBytes - first.rtxBytes}, PLIs ${last.pli - first.pli}, ` +
      `freezes (Chromium) ${last.freezes - first.freezes}`);
    report(t, `loss: longest video freeze ${freezeBeforeCut} ms before the cut, ${freeze} ms with it; ` +
      `video back ${recovery} ms after the ${CUT_MS / 1000} s cut; longest audio gap ${audioGapOutside} ms outside the cut, ${audioGap} ms with it; ` +
      `samples at most ${sampleGap(s)} ms apart`);

    // the video kept playing: frames grew in every 2 s window outside the cut, and came back after it
    const flatVideo = flatWindows(beforeCut, 'frames', 2000);
    assert.deepEqual(flatVideo, [], `video stood still under loss in the windows starting at ${flatVideo} ms`);
    assert.ok(recovery < 10000, `video not steady again within 10 s after the link returned (${recovery} ms)`);
    // what the browser and the server both saw of the repairs
    assert.ok(last.nack > first.nack, 'Bernd sent no NACK under 2 % loss');
    assert.ok(last.rtxBytes > first.rtxBytes, 'no retransmitted bytes reached Bernd');
    assert.ok(last.pli > first.pli, `Bernd sent no PLI across the ${CUT_MS / 1000} s cut`);
    assert.ok(await serverMetric('ratsaal_nacks_in_total') > nacksIn, 'ratsaal_nacks_in_total did not grow');
    assert.ok(await serverMetric('ratsaal_retransmissions_total') > rtx, 'ratsaal_retransmissions_total did not grow');
    // the server counts the PLIs that reached it: those Bernd sent while the link was down never
    // did; one sent while it was up (2 % loss aside) did
    const at = (tt) => s.filter((x) => x.t <= tt).pop() || first;
    const plisLinkUp = (at(cutAt).pli - first.pli) + (last.pli - at(cutAt + CUT_MS + 200).pli);
    t.diagnostic(`PLIs Bernd sent while the link was up: ${plisLinkUp}`);
    if (plisLinkUp > 0) assert.ok(await serverMetric('ratsaal_plis_in_total') > plisIn, `ratsaal_plis_in_total did not grow (Bernd sent ${plisLinkUp} PLIs over the link while up)`);
    // audio: packets in every 1 s window, the cut aside (nothing can arrive over a link that is down)
    const audio = s.filter((x) => x.t < cutAt || x.t > cutAt + CUT_MS + 500);
    const flatAudio = flatWindows(audio.filter((x) => x.t < cutAt), 'audio', 1000)
      .concat(flatWindows(audio.filter((x) => x.t > cutAt), 'audio', 1000));
    assert.deepEqual(flatAudio, [], `no audio packet in the 1 s windows starting at ${flatAudio} ms`);
  }));

test('a 500 kbit/s downlink: a lower simulcast layer within seconds, back up when the limit goes, audio throughout', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // the publisher's estimate ramps up first: wait until Clara receives the widest layer Anna
    // sends (640 px unless Anna's encoder is short of CPU and scales every layer down)
    let seen = '';
    const top = await h.waitUntil(async () => {
      const layers = await outboundLayers(A);
      const s = (await h.inbound(C))[`${idA}:camera`];
      seen = `Anna sends ${JSON.stringify(layers)}, Clara receives ${s && s.width} px`;
      const widest = Math.max(...layers.map((l) => l.width));
      return layers.length >= 2 && s && s.width === widest && widest;
    }, { timeout: 60000, interval: 500, message: "Clara to receive Anna's widest layer" }).catch((e) => { throw new Error(`${e.message}; ${seen}`); });
    report(t, `rate: ${seen}`);
    const probeCount = async () => Promise.all(['ok', 'failed'].map((r) => serverMetric(`ratsaal_layer_probes_total{result="${r}"}`)));
    const probes0 = await probeCount();
    const start = Date.now();
    // a router's bottleneck: 500 kbit/s, what waits longer than 150 ms is dropped
    kidC.qdisc('tbf rate 500kbit burst 10kb latency 150ms');
    const down = await h.waitUntil(async () => {
      const s = await samplesSince(C, start);
      return s.find((x) => x.width && x.width < top);
    }, { timeout: 30000, interval: 250, message: `Clara's frameWidth to fall below ${top} under 500 kbit/s` });
    // stay limited a while: the lower layer must keep playing there
    await h.sleep(15000);
    const limited = (await samplesSince(C, down.t));
    const lifted = Date.now();
    kidC.clearQdisc();
    const up = await h.waitUntil(async () => {
      const s = await samplesSince(C, lifted);
      return s.find((x) => x.width >= top);
    }, { timeout: 90000, interval: 250, message: `Clara's frameWidth back to ${top} after the limit was lifted` });
    await h.sleep(2000);
    const s = await samplesSince(C, start);

    const freeze = longestStall(s, 'frames');
    const audioGap = longestStall(s, 'audio');
    const probes = (await probeCount()).map((n, i) => n - probes0[i]);
    report(t, `rate: the server's layer probes meanwhile: ${probes[0]} ok, ${probes[1]} failed`);
    const widths = [...new Set(limited.map((x) => x.width))].join('/');
    report(t, `rate: tbf 500kbit/150ms; top layer ${top} px; lower layer (${down.width} px) after ${down.t - start} ms; ` +
      `widths while limited ${widths}; back to ${up.width} px ${up.t - lifted} ms after the limit was lifted`);
    report(t, `rate: longest video freeze ${freeze} ms, longest audio gap ${audioGap} ms (samples at most ${sampleGap(s)} ms apart), ` +
      `frames while limited ${limited[limited.length - 1].frames - limited[0].frames} in ${((limited[limited.length - 1].t - limited[0].t) / 1000).toFixed(1)} s`);

    // the server may try the top layer again while limited (a probe); it must not stay there:
    // count the frames decoded at each width (a frozen picture keeps its width, not its count)
    const framesAt = (pred) => limited.reduce((n, x, i) => n + (i && pred(x.width) ? x.frames - limited[i - 1].frames : 0), 0);
    const topShare = framesAt((w) => w >= top) / Math.max(1, framesAt(() => true));
    report(t, `rate: ${(topShare * 100).toFixed(0)} % of the frames decoded while limited were of the top layer`);
    assert.ok(topShare < 0.25, `${(topShare * 100).toFixed(0)} % of the frames while limited were of the top layer (widths ${widths})`);
    assert.deepEqual(flatWindows(limited, 'frames', 2000), [], 'the lower layer stood still while limited');
    const flatAudio = flatWindows(s, 'audio', 1000);
    assert.deepEqual(flatAudio, [], `no audio packet in the 1 s windows starting at ${flatAudio} ms`);
  }));
