// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 15, ratsaal-recorder on its own (no server, no browser): build/feeder spawns it as the
// server would (control socket on fd 3, RTP on fd 4) and feeds synthetic participants as real
// RTP, participant i a solid colour in VP8 and a tone in Opus. What a user of the recording
// would check: the MP4 file, the HLS playlist and the stream a loopback nginx-rtmp received are
// H.264 1280×720 + AAC of the expected length; a frame shows one tile per participant in their
// colours and, after a track_remove, no tile of the removed one; the removed one's tone is in the
// mix before and gone after while the others' stay; the RTMP server going away leaves the file
// and HLS running and the stream comes back when the server does; a recorder killed with SIGKILL
// leaves a playable MP4; a paused recording leaves the paused time out of the file; WebM is
// VP8 + Opus; a track removed and announced again with the same SSRC comes back; the speaker
// layout puts the active speaker big.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const media = require('./lib/media.js');

const RECORDER = path.join(h.ROOT, 'bin/ratsaal-recorder');
const FEEDER = path.join(h.ROOT, 'build/feeder');
const stopWatchdog = h.watchdog(150000);
let tmp;
let rtmpPort;

before(() => {
  const r = spawnSync('make', ['-s', 'bin/ratsaal-recorder', 'build/feeder'], { cwd: h.ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-recorder-'));
});

after(() => {
  stopNginx();
  stopWatchdog();
  if (tmp && !process.env.RATSAAL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- the test RTMP server (tests/e2e/lib/media.js): one instance, stopped and started again ----

let rtmp = null;
async function startNginx() {
  rtmp = rtmp || media.rtmpServer(path.join(tmp, 'nginx'));
  await rtmp.start();
  rtmpPort = rtmp.port;
}
function stopNginx() {
  if (rtmp) rtmp.stop();
}
function recordedFlvs() {
  return rtmp.flvs();
}

// ---- the feeder ----

/** Runs the feeder; resolves {events, summary, code, stderr}. `onEvent(ev, ms)` sees each line. */
function feed(args, onEvent = () => {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const p = spawn(FEEDER, ['--recorder', RECORDER, ...args], { cwd: h.ROOT });
    const events = [];
    let summary = null;
    let buf = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let ev;
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev.feeder === 'summary') summary = ev;
        else if (ev.ev) { ev.at = Date.now() - started; events.push(ev); onEvent(ev, ev.at); }
      }
    });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ events, summary, code, stderr }));
  });
}

const { probe, assertH264Aac720, colourShares, tones } = media;

const TONE = [500, 800, 1100]; // participants 1..3 (feeder: 500 + 300 i)

function outputStates(events, id) {
  return events.filter((e) => e.ev === 'output' && e.id === id).map((e) => e.state);
}

test('file, HLS and RTMP at once: tiles, tones, track_remove, RTMP outage and reconnect', async () => {
  await startNginx();
  const file = path.join(tmp, 'rec.mp4');
  const hls = path.join(tmp, 'live');
  let killedAt = null;
  const timers = [];
  const run = await feed([
    '--participants', '3', '--seconds', '22', '--layout', 'grid', '--remove-at', '10:2', '--stray', '25',
    '--at', '1:this is not json',
    '--at', '1.5:{"cmd":"track_add","ssrc":1,"kind":"video","codec":"vp8"}',
    '--outputs', `file=${file},hls=${hls},rtmp=rtmp://127.0.0.1:${rtmpPort}/live/test`,
  ], (ev) => {
    if (ev.ev === 'ready') {
      // the RTMP server goes away at 11 s and comes back at 13 s
      timers.push(setTimeout(() => { killedAt = Date.now(); stopNginx(); }, 11000));
      timers.push(setTimeout(() => { startNginx().catch(() => {}); }, 13000));
    }
  });
  timers.forEach(clearTimeout);
  assert.ok(killedAt, 'the RTMP server was stopped mid-run');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.summary.exit, 0);
  assert.ok(run.summary.stopped, 'the recorder said stopped');
  const evs = run.events;
  // a bad line and a bad command are refused, not fatal
  const errors = evs.filter((e) => e.ev === 'error');
  assert.ok(errors.some((e) => /bad JSON/.test(e.message) && e.fatal === false), JSON.stringify(errors));
  assert.ok(errors.some((e) => /missing field pt/.test(e.message) && e.fatal === false), JSON.stringify(errors));
  assert.ok(!errors.some((e) => e.fatal), JSON.stringify(errors));
  // stray packets are dropped and counted; keyframes asked for each video track
  const stats = evs.filter((e) => e.ev === 'stats');
  assert.ok(stats.length >= 3, 'a stats event every 5 s');
  assert.ok(stats.some((s) => s.unknown_ssrc >= 25), JSON.stringify(stats));
  assert.ok(run.summary.plis >= 3, `PLIs answered: ${run.summary.plis}`);
  assert.equal(Math.max(...stats.map((s) => s.tracks)), 6);
  assert.equal(stats[stats.length - 1].tracks, 4, 'participant 2\'s two tracks are gone');

  // the RTMP output: running, reconnecting when the server went, running again; the others never moved
  const rtmp = outputStates(evs, 'rtmp:test');
  const i = rtmp.indexOf('reconnecting');
  assert.ok(rtmp[0] === 'running' && i > 0 && rtmp.indexOf('running', i) > i, `${rtmp.join(',')}\n${run.stderr}`);
  const story = `${JSON.stringify(evs.filter((e) => e.ev !== 'stats'))}\n${run.stderr}`;
  assert.deepEqual(outputStates(evs, 'file'), ['running', 'stopped'], story);
  assert.deepEqual(outputStates(evs, 'hls'), ['running', 'stopped'], story);
  const last = evs[evs.length - 1];
  assert.equal(last.ev, 'stopped');
  const fileStopped = evs.find((e) => e.ev === 'output' && e.id === 'file' && e.state === 'stopped');
  assert.equal(fileStopped.bytes, fs.statSync(file).size);

  // the file: H.264 1280×720 + AAC, as long as the run
  const p = assertH264Aac720(file, 'file');
  assert.ok(p.duration > 19 && p.duration < 24, `file duration ${p.duration}`);
  // three tiles in the three colours, then two after participant 2 (green) left at 10 s
  const before2 = colourShares(file, 7);
  for (const c of ['red', 'green', 'blue']) assert.ok(before2[c] > 0.1, `before: ${c} ${JSON.stringify(before2)}`);
  const after2 = colourShares(file, 16);
  assert.ok(after2.red > 0.1 && after2.blue > 0.1, `after: ${JSON.stringify(after2)}`);
  assert.ok(after2.green < 0.001, `after: green still shown ${JSON.stringify(after2)}`);
  // participant 2's tone before and not after; the others' throughout
  const [a1, a2, a3] = tones(file, 3, 5, TONE);
  assert.ok(a1 > 0.03 && a2 > 0.03 && a3 > 0.03, `before: ${[a1, a2, a3]}`);
  const [b1, b2, b3] = tones(file, 12, 7, TONE);
  assert.ok(b1 > 0.03 && b3 > 0.03, `after: ${[b1, b2, b3]}`);
  assert.ok(b2 < 0.003, `after: participant 2's tone still there: ${b2}`);

  // HLS: the playlist plays and kept going through the RTMP outage until the end
  const playlist = fs.readFileSync(path.join(hls, 'index.m3u8'), 'utf8');
  assert.match(playlist, /#EXT-X-TARGETDURATION:2/);
  assert.match(playlist, /#EXT-X-ENDLIST/);
  const segs = playlist.match(/^seg\d{5}\.ts$/gm);
  assert.ok(segs && segs.length >= 3, playlist);
  assert.ok(Number(segs[segs.length - 1].slice(3, 8)) >= 9, `last segment ${segs[segs.length - 1]}`);
  for (const f of fs.readdirSync(hls)) assert.match(f, /^(index\.m3u8|seg\d{5}\.ts)$/);
  assertH264Aac720(path.join(hls, 'index.m3u8'), 'hls');

  // RTMP: nginx recorded the stream before the outage and again after the reconnect
  const flvs = recordedFlvs();
  assert.ok(flvs.length >= 2, `recorded: ${flvs}`);
  const first = assertH264Aac720(flvs[0], 'rtmp before');
  assert.ok(first.duration > 7, `rtmp before the outage: ${first.duration}`);
  const again = assertH264Aac720(flvs[flvs.length - 1], 'rtmp after');
  assert.ok(again.duration > 2, `rtmp after the reconnect: ${again.duration}`);
  stopNginx();
});

test('a paused recording leaves the paused time out of the file', async () => {
  const file = path.join(tmp, 'paused.mp4');
  const run = await feed(['--participants', '1', '--seconds', '12', '--outputs', `file=${file}`,
    '--at', '3:{"cmd":"pause","on":true}', '--at', '7:{"cmd":"pause","on":false}']);
  assert.equal(run.code, 0, run.stderr);
  const p = assertH264Aac720(file, `paused file; the recorder said:\n${run.stderr}`);
  // 12 s run, 4 s paused: at most about 8 s of file (less by the recorder's start-up, longer
  // on a busy machine), and the paused time is not in it: from the first frame with the
  // participant's tile to the end, every half second shows the tile, never the "paused" slate
  // (tiles hidden) that the recorder composed during the pause
  assert.ok(p.duration > 4 && p.duration < 10, `duration ${p.duration}`);
  const red = [];
  for (let t = 0.25; t < p.duration - 0.1; t += 0.5) red.push(Number(colourShares(file, t).red.toFixed(2)));
  const first = red.findIndex((r) => r > 0.3);
  assert.ok(first >= 0 && first * 0.5 < 3, `the tile within the first 3 s of the file: ${red}`);
  assert.ok(red.slice(first).every((r) => r > 0.3), `the tile in every half second after it, no paused slate: ${red}`);
});

test('a recorder killed with SIGKILL leaves a playable fragmented MP4', async () => {
  const file = path.join(tmp, 'killed.mp4');
  const run = await feed(['--participants', '2', '--seconds', '30', '--kill-at', '8', '--outputs', `file=${file}`]);
  assert.equal(run.summary.exit, 128 + 9, 'killed by the signal');
  assert.ok(!run.events.some((e) => e.ev === 'stopped'));
  const p = assertH264Aac720(file, `killed file; the recorder said:\n${run.stderr}`);
  assert.ok(p.duration >= 4, `playable duration ${p.duration}`);
});

test('format webm: VP8 + Opus 1280×720; a participant removed and added again (same SSRCs) is back', async () => {
  const file = path.join(tmp, 'rec.webm');
  const run = await feed(['--participants', '2', '--seconds', '7', '--outputs', `file=${file}`,
    '--remove-at', '2:2', '--readd-at', '2.3:2']);
  assert.equal(run.code, 0, run.stderr);
  const p = probe(file);
  assert.equal(p.video && p.video.codec_name, 'vp8');
  assert.equal(p.video.width, 1280);
  assert.equal(p.video.height, 720);
  assert.equal(p.audio && p.audio.codec_name, 'opus');
  const stopped = run.events.find((e) => e.ev === 'output' && e.state === 'stopped');
  assert.ok(stopped.duration_ms > 4500, `duration ${stopped.duration_ms} ms`);
  assert.ok(!run.events.some((e) => e.ev === 'error'), JSON.stringify(run.events));
  const shares = colourShares(file, 5);
  assert.ok(shares.red > 0.1 && shares.green > 0.1, JSON.stringify(shares));
  const [a1, a2] = tones(file, 3.5, 2.5, TONE.slice(0, 2));
  assert.ok(a1 > 0.03 && a2 > 0.03, `tones ${[a1, a2]}`);
});

test('speaker layout: the active speaker big, the others small below', async () => {
  const file = path.join(tmp, 'speaker.mp4');
  // 10 s: on a loaded machine the first frames take a few seconds (a run stopped before any frame
  // leaves no playable file)
  const run = await feed(['--participants', '3', '--seconds', '10', '--layout', 'speaker', '--outputs', `file=${file}`,
    '--at', '1:{"cmd":"speaker","participant":"p00000000003"}']);
  assert.equal(run.code, 0, run.stderr);
  const s = colourShares(file, 8);
  assert.ok(s.blue > 0.4, `participant 3 (blue) big: ${JSON.stringify(s)}`);
  for (const c of ['red', 'green']) assert.ok(s[c] > 0.02 && s[c] < 0.1, `${c} small: ${JSON.stringify(s)}`);
});
