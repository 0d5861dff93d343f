// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Checking recorded and streamed media for the recording tests (recorder-pipeline.test.js,
// recording.test.js): a loopback RTMP server (Debian's nginx-light with libnginx-mod-rtmp, its own
// instance), ffprobe of a file or URL, the share of a frame covered by each participant's colour,
// the amplitude of given tones in the mix (Goertzel), and the fake camera/microphone files that
// give each browser participant its own colour and tone.

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const h = require('./harness.js');

const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/**
 * An RTMP server on a free loopback port that records every stream it receives into DIR/rec
 * (one FLV per publication: a reconnect makes a new file). start() again after stop() reuses
 * the port.
 */
function rtmpServer(dir) {
  const srv = { port: 0, proc: null };
  fs.mkdirSync(path.join(dir, 'rec'), { recursive: true });
  srv.start = async () => {
    srv.port = srv.port || await h.freeTcpPort();
    fs.writeFileSync(path.join(dir, 'nginx.conf'), `load_module ${RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${srv.port};
    application live {
      live on;
      allow publish 127.0.0.1;
      deny publish all;
      record all;
      record_path ${dir}/rec;
      record_unique on;
    }
  }
}
`);
    srv.proc = spawn('/usr/sbin/nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    await h.waitUntil(() => new Promise((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }), { timeout: 5000, message: 'nginx-rtmp listening' });
  };
  srv.stop = () => {
    if (srv.proc && srv.proc.exitCode === null) srv.proc.kill('SIGKILL');
    srv.proc = null;
  };
  /** The recorded streams of more than 20 kB, oldest name first. */
  srv.flvs = () => {
    const rec = path.join(dir, 'rec');
    return fs.readdirSync(rec).map((f) => path.join(rec, f)).filter((f) => fs.statSync(f).size > 20000).sort();
  };
  return srv;
}


// ffprobe/ffmpeg run synchronously (the test waits for them anyway); a limit turns one that
// hangs on a stalled HTTP read into a clear error instead of the file's watchdog
const TOOL_MS = 60000;
const toolError = (r, what) => (r.error ? `${what}: ${r.error.message} (limit ${TOOL_MS} ms)` : `${what}: ${r.stderr}`);

function probe(file, label = '') {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type,width,height,sample_rate:format=duration', '-of', 'json', file], { encoding: 'utf8', timeout: TOOL_MS });
  assert.equal(r.status, 0, `${toolError(r, `ffprobe ${file}`)}\n${label}`);
  const j = JSON.parse(r.stdout);
  const v = j.streams.find((s) => s.codec_type === 'video');
  const a = j.streams.find((s) => s.codec_type === 'audio');
  return { video: v, audio: a, duration: Number(j.format && j.format.duration) };
}

function assertH264Aac720(file, label) {
  const p = probe(file, label);
  assert.ok(p.video, `${label}: no video stream`);
  assert.equal(p.video.codec_name, 'h264', label);
  assert.equal(p.video.width, 1280, label);
  assert.equal(p.video.height, 720, label);
  assert.ok(p.audio, `${label}: no audio stream`);
  assert.equal(p.audio.codec_name, 'aac', label);
  assert.equal(Number(p.audio.sample_rate), 48000, label);
  return p;
}

const COLOURS = {
  red: ([r, g, b]) => r > 180 && g < 90 && b < 90,
  green: ([r, g, b]) => g > 160 && r < 90 && b < 90,
  blue: ([r, g, b]) => b > 180 && r < 90 && g < 90,
};

/** Share of the frame at `t` seconds covered by each participant's colour. */
function colourShares(file, t) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(t), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 16 << 20, timeout: TOOL_MS });
  assert.equal(r.status, 0, toolError(r, `ffmpeg ${file}`));
  const px = r.stdout;
  assert.equal(px.length, 1280 * 720 * 3);
  const counts = Object.fromEntries(Object.keys(COLOURS).map((k) => [k, 0]));
  let n = 0;
  for (let y = 4; y < 720; y += 8) {
    for (let x = 4; x < 1280; x += 8) {
      const o = (y * 1280 + x) * 3;
      const rgb = [px[o], px[o + 1], px[o + 2]];
      for (const [k, is] of Object.entries(COLOURS)) if (is(rgb)) counts[k]++;
      n++;
    }
  }
  return Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c / n]));
}

/** Amplitude of each frequency in the mono mix from `from` for `len` seconds (Goertzel). */
function tones(file, from, len, freqs) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(from), '-t', String(len), '-i', file, '-map', '0:a', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { maxBuffer: 64 << 20, timeout: TOOL_MS });
  assert.equal(r.status, 0, toolError(r, `ffmpeg ${file}`));
  const s = new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length / 4);
  assert.ok(s.length > 48000 * (len - 1), `only ${s.length} samples`);
  return freqs.map((f) => {
    const w = 2 * Math.PI * f / 48000;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < s.length; i++) {
      const s0 = s[i] + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - c * s1 * s2;
    return 2 * Math.sqrt(Math.max(power, 0)) / s.length;
  });
}


/**
 * Fake capture files for one browser: a solid colour (y4m, looped by Chromium) and a sine tone
 * (wav), written into `dir`. Returns {fakeVideoFile, fakeAudioFile}.
 */
function fakeDevices(dir, name, { colour, freq }) {
  fs.mkdirSync(dir, { recursive: true });
  const video = path.join(dir, `${name}.y4m`);
  const audio = path.join(dir, `${name}.wav`);
  let r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=320x180:r=15`, '-t', '2', '-pix_fmt', 'yuv420p', video]);
  assert.equal(r.status, 0, String(r.stderr));
  r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=48000`, '-t', '10', '-ac', '1', audio]);
  assert.equal(r.status, 0, String(r.stderr));
  return { fakeVideoFile: video, fakeAudioFile: audio };
}

module.exports = { rtmpServer, probe, assertH264Aac720, COLOURS, colourShares, tones, fakeDevices };
