// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Recording and livestream end to end (issue 15): the real server, the real ratsaal-recorder
// (GStreamer) it spawns, a loopback RTMP server (nginx-rtmp) as the livestream platform and three
// headless Chromium participants, each with its own fake camera colour and microphone tone:
// the chair red/500 Hz, Anna lime/800 Hz, Bernd blue/1100 Hz. Through the browser UI:
// - the chair starts a recording and a livestream with the RTMP destination switched on; the
//   chair and Anna agree in the consent dialog, Bernd declines both;
// - the recorded file, the public HLS playlist at /live/<meeting> (and a segment of it), a pull
//   from the RTMP server and the stream it recorded are H.264 1280×720 + AAC; the public live
//   page plays the stream in a fresh browser context (hls.js, no account);
// - in the file, before Anna withdraws: the chair's and Anna's tiles and tones are there, Bernd's
//   never (he declined); Anna withdraws from the indicator: from then on her tile is gone and her
//   tone is absent while the chair's stay;
// - the RTMP server is killed mid-stream: the recording goes on (the file keeps growing), the
//   destination shows "reconnecting" and, once the server is back, sends again (a new stream);
// - the recording's recorder is killed (SIGKILL): the chair gets a toast and the failed state,
//   the file written so far plays;
// - the audit log in the database holds the starts, every consent answer, the withdrawal, the
//   destination switched on, the failure and the stop.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./lib/harness.js');
const media = require('./lib/media.js');

const { tid } = h;
const stopWatchdog = h.watchdog(300000);
const WAIT = Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 20000;
const ROOM = 'e2e-recording-room';
const PEOPLE = {
  chair: { colour: 'red', freq: 500 },
  anna: { colour: 'lime', freq: 800 },
  bernd: { colour: 'blue', freq: 1100 },
};
const SHARE = { red: 'red', lime: 'green', blue: 'blue' }; // media.COLOURS names

let tmp;
let rtmp;
let server;
const browsers = [];
const pages = {};

before(async () => {
  const r = spawnSync('make', ['-s', 'bin/ratsaal-recorder'], { cwd: h.ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-e2e-recording-'));
  rtmp = media.rtmpServer(path.join(tmp, 'nginx'));
  await rtmp.start();
  server = await h.startServer({
    config: `rtmp_target = platform rtmp://127.0.0.1:${rtmp.port}/live/council Plattform\n`,
  });
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  if (server) await server.stop();
  if (rtmp) rtmp.stop();
  stopWatchdog();
  if (tmp && !process.env.RATSAAL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

async function join(who, name) {
  const browser = await h.launchBrowser(media.fakeDevices(path.join(tmp, 'devices'), who, PEOPLE[who]));
  browsers.push(browser);
  const page = await h.newPage(browser, { locale: 'en-US' });
  await h.trackErrorToasts(page);
  pages[who] = page;
  await h.joinByLink(page, `${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}&join=1`);
  return page;
}

async function openControls(page) {
  if (await page.locator(tid('recording-dialog')).isVisible()) return;
  await page.click(tid('more-button'));
  await page.click(tid('more-recording'));
  await page.locator(tid('recording-dialog')).waitFor({ state: 'visible' });
}

async function closeControls(page) {
  if (await page.locator(tid('recording-dialog')).isVisible()) await page.click(tid('recording-dialog-close'));
}

/** Answers the consent dialog for `kind` (it must come up). */
async function answer(page, kind, agree) {
  await page.locator(tid(`consent-${agree ? 'agree' : 'decline'}-${kind}`)).click({ timeout: WAIT });
  await h.waitUntil(async () => (await page.locator(tid(`recording-badge-${kind}`)).getAttribute('data-you')) === (agree ? 'given' : 'declined'),
    { timeout: WAIT, message: `answer ${kind}` });
}

/** The server's children: the recorder processes, with the file each has open. */
function recorders() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat;
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== server.proc.pid) continue;
    let files = [];
    try {
      files = fs.readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } });
    } catch { /* gone */ }
    out.push({ pid: Number(pid), files });
  }
  return out;
}

function sqlite(query) {
  const r = spawnSync('sqlite3', ['-json', path.join(server.dataDir, 'ratsaal.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

const colourShare = (file, t, who) => media.colourShares(file, t)[SHARE[PEOPLE[who].colour]];
const toneOf = (file, from, len, who) => media.tones(file, from, len, [PEOPLE[who].freq])[0];

test('recording and livestream of a meeting of three: consent, withdrawal, RTMP outage, recorder killed, audit', (t) =>
  h.withArtifacts(t, () => Object.values(pages), async () => {
    const chair = await join('chair', 'Chair Rot');
    const anna = await join('anna', 'Anna Grün');
    const bernd = await join('bernd', 'Bernd Blau');
    // everyone publishes: the chair receives the others' microphones
    const [idAnna, idBernd] = await Promise.all([anna, bernd].map((p) => h.selfId(p)));
    for (const id of [idAnna, idBernd]) await h.rising(chair, `${id}:microphone`, 'packets');

    // the recording: started from the chair's controls, with a purpose, in the grid layout
    await openControls(chair);
    await chair.fill(tid('rec-purpose-recording'), 'Niederschrift der Sitzung');
    await chair.locator(tid('rec-form-recording')).locator(tid('rec-form-layout-recording')).selectOption('grid');
    await chair.click(tid('rec-start-recording'));
    await chair.locator(`${tid('rec-state-recording')}[data-state="running"]`).waitFor({ timeout: WAIT });
    const recStarted = Date.now();
    await answer(chair, 'recording', true);
    await answer(anna, 'recording', true);
    await answer(bernd, 'recording', false);

    // the livestream, pushed to the RTMP destination too
    await openControls(chair);
    await chair.fill(tid('rec-purpose-stream'), 'Öffentliche Übertragung');
    await chair.click(tid('rec-start-stream'));
    await chair.locator(`${tid('rec-state-stream')}[data-state="running"]`).waitFor({ timeout: WAIT });
    await answer(chair, 'stream', true);
    await answer(anna, 'stream', true);
    await answer(bernd, 'stream', false);
    await openControls(chair);
    const target = chair.locator(`${tid('rec-target')}[data-target-id="platform"]`);
    await target.locator(tid('rec-target-switch-platform')).click();
    await chair.locator(`${tid('rec-target')}[data-target-id="platform"][data-state="running"]`).waitFor({ timeout: WAIT });
    const consented = Date.now();

    // the public HLS playlist of the stream
    await h.waitUntil(async () => {
      const r = await fetch(`${server.url}/live/${ROOM}/index.m3u8`);
      return r.status === 200 && (await r.text()).includes('seg');
    }, { timeout: WAIT, message: 'the HLS playlist at /live' });

    await h.sleep(Math.max(0, 9000 - (Date.now() - consented)));
    // Anna withdraws both consents from her indicator
    const withdrawn = Date.now();
    await anna.click(tid('recording-indicator'));
    await answer(anna, 'recording', false);
    if (!(await anna.locator(tid('consent-decline-stream')).isVisible())) await anna.click(tid('recording-indicator'));
    await answer(anna, 'stream', false);
    await h.sleep(7000);

    // the RTMP server goes away: the destination reconnects, the recording goes on
    const files = () => recorders().flatMap((r) => r.files).filter((f) => /\/recordings\/.*\.mp4$/.test(f));
    const mp4 = files()[0];
    assert.ok(mp4, `the recording's file is open in a recorder: ${JSON.stringify(recorders())}`);
    const sizeAtOutage = fs.statSync(mp4).size;
    rtmp.stop();
    await chair.locator(`${tid('rec-target')}[data-target-id="platform"][data-state="reconnecting"]`).waitFor({ timeout: WAIT });
    await h.sleep(2000);
    await rtmp.start();
    await chair.locator(`${tid('rec-target')}[data-target-id="platform"][data-state="running"]`).waitFor({ timeout: 45000 });
    await h.sleep(3000);
    assert.ok(fs.statSync(mp4).size > sizeAtOutage, 'the file kept growing while the RTMP server was away');

    // a viewer's pull from the platform: H.264 1280×720 + AAC, as long as pulled
    const pulled = path.join(tmp, 'pull.flv');
    const pull = spawnSync('ffmpeg', ['-v', 'error', '-y', '-rw_timeout', '10000000', '-i', `rtmp://127.0.0.1:${rtmp.port}/live/council`,
      '-t', '4', '-c', 'copy', pulled], { encoding: 'utf8', timeout: 30000 });
    assert.equal(pull.status, 0, `RTMP pull: ${pull.stderr}`);
    const pp = media.assertH264Aac720(pulled, 'the RTMP pull');
    assert.ok(pp.duration > 3 && pp.duration < 5.5, `4 s pulled, got ${pp.duration}`);
    // the public HLS playlist read as a player would: H.264 1280×720 + AAC, its window's length
    media.assertH264Aac720(`${server.url}/live/${ROOM}/index.m3u8`, 'the HLS playlist');
    // a live playlist has no total duration: its window is the sum of its segments' durations
    const windowText = await (await fetch(`${server.url}/live/${ROOM}/index.m3u8`)).text();
    const windowS = [...windowText.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(windowS >= 4 && !windowText.includes('#EXT-X-ENDLIST'), `a live window of segments: ${windowS} s\n${windowText}`);
    // a citizen opens the public live page: no account, the player plays the stream
    const viewer = await h.newPage(browsers[0], { locale: 'de-DE' });
    pages.viewer = viewer;
    await viewer.goto(`${server.url}/live/${ROOM}`);
    await h.waitUntil(() => viewer.evaluate(() => {
      const v = document.getElementById('live-video');
      return !!v && !v.hidden && v.videoWidth === 1280 && v.currentTime > 1;
    }), { timeout: 30000, message: 'the live page plays the stream (1280 px wide, time running)' });
    assert.deepEqual(viewer.cspViolations, []);
    await viewer.close();
    delete pages.viewer;
    // a segment of the public HLS stream is H.264 1280×720 + AAC
    const playlist = await (await fetch(`${server.url}/live/${ROOM}/index.m3u8`)).text();
    const seg = playlist.split('\n').filter((l) => /^seg\d{5}\.ts$/.test(l)).pop();
    assert.ok(seg, playlist);
    const segFile = path.join(tmp, 'segment.ts');
    fs.writeFileSync(segFile, Buffer.from(await (await fetch(`${server.url}/live/${ROOM}/${seg}`)).arrayBuffer()));
    media.assertH264Aac720(segFile, 'HLS segment');

    // the recording's recorder is killed: the chair is told, the file so far plays
    const rec = recorders().find((r) => r.files.includes(mp4));
    process.kill(rec.pid, 'SIGKILL');
    const killed = Date.now();
    await chair.locator(`${tid('rec-state-recording')}[data-state="failed"]`).waitFor({ timeout: WAIT });
    await h.waitUntil(async () => (await h.errorToasts(chair)).some((x) => x.startsWith('recorder_failed')),
      { timeout: WAIT, message: 'the recorder_failed toast' });
    assert.equal((await h.errorToasts(anna)).filter((x) => x.startsWith('recorder_failed')).length, 0, 'only moderators get the toast');

    // the stream is stopped from the controls (confirmed)
    await openControls(chair);
    await chair.click(tid('rec-stop-stream'));
    await chair.click(tid('confirm-ok'));
    await chair.locator(`${tid('rec-state-stream')}[data-state="off"]`).waitFor({ timeout: WAIT }).catch(async () => {
      assert.equal(await chair.locator(tid('recording-badge-stream')).count(), 0, 'the stream stopped');
    });
    await closeControls(chair);

    // ---- what came out ----
    const p = media.assertH264Aac720(mp4, 'the recording (killed recorder)');
    const span = (killed - recStarted) / 1000;
    assert.ok(p.duration > span - 8, `the file so far plays: ${p.duration} s of about ${span} s`);
    // file time ≈ wall time since the start (± the recorder's start-up)
    const tc = (consented - recStarted) / 1000;
    const tw = (withdrawn - recStarted) / 1000;
    const before = tw - 3;
    const afterW = tw + 4;
    assert.ok(before > tc + 1, `the consents (${tc} s) came well before the withdrawal (${tw} s)`);
    const b = { chair: colourShare(mp4, before, 'chair'), anna: colourShare(mp4, before, 'anna'), bernd: colourShare(mp4, before, 'bernd') };
    const a = { chair: colourShare(mp4, afterW, 'chair'), anna: colourShare(mp4, afterW, 'anna'), bernd: colourShare(mp4, afterW, 'bernd') };
    t.diagnostic(`file ${p.duration} s; consent at ${tc} s, withdrawal at ${tw} s; colour shares before ${JSON.stringify(b)} after ${JSON.stringify(a)}`);
    assert.ok(b.chair > 0.02 && b.anna > 0.02, `two tiles before the withdrawal: ${JSON.stringify(b)}`);
    assert.ok(b.bernd < 0.002, `no tile of Bernd (declined): ${JSON.stringify(b)}`);
    assert.ok(a.chair > 0.02, `the chair's tile after: ${JSON.stringify(a)}`);
    assert.ok(a.anna < 0.002 && a.bernd < 0.002, `Anna's tile gone after she withdrew: ${JSON.stringify(a)}`);
    const tb = { chair: toneOf(mp4, before - 2, 2, 'chair'), anna: toneOf(mp4, before - 2, 2, 'anna'), bernd: toneOf(mp4, before - 2, 2, 'bernd') };
    const ta = { chair: toneOf(mp4, afterW, 2, 'chair'), anna: toneOf(mp4, afterW, 2, 'anna'), bernd: toneOf(mp4, afterW, 2, 'bernd') };
    t.diagnostic(`tones before ${JSON.stringify(tb)} after ${JSON.stringify(ta)}`);
    assert.ok(tb.chair > 0.01 && tb.anna > 0.01, `both tones before: ${JSON.stringify(tb)}`);
    assert.ok(tb.bernd < 0.003, `Bernd's tone never: ${JSON.stringify(tb)}`);
    assert.ok(ta.chair > 0.01, `the chair's tone after: ${JSON.stringify(ta)}`);
    assert.ok(ta.anna < 0.003 && ta.bernd < 0.003, `Anna's tone gone after she withdrew: ${JSON.stringify(ta)}`);

    // RTMP: the platform received the stream before the outage and again after it
    const flvs = rtmp.flvs();
    assert.ok(flvs.length >= 2, `two publications (before and after the outage): ${flvs}`);
    media.assertH264Aac720(flvs[0], 'the RTMP stream');

    // the audit log
    const rows = sqlite(`SELECT event, kind, actor FROM recording_audit WHERE room_id = '${ROOM}' ORDER BY id`);
    const has = (event, kind, actor) => rows.some((r) => r.event === event && (!kind || r.kind === kind) && (!actor || r.actor === actor));
    for (const [event, kind, actor] of [
      ['start', 'recording', 'Chair Rot'], ['start', 'stream', 'Chair Rot'],
      ['consent_given', 'recording', 'Anna Grün'], ['consent_declined', 'recording', 'Bernd Blau'],
      ['consent_given', 'stream', 'Anna Grün'], ['consent_declined', 'stream', 'Bernd Blau'],
      ['consent_withdrawn', 'recording', 'Anna Grün'], ['consent_withdrawn', 'stream', 'Anna Grün'],
      ['target_on', 'stream', 'Chair Rot'], ['recorder_failed', 'recording', null], ['stop', 'stream', 'Chair Rot'],
    ]) assert.ok(has(event, kind, actor), `audit: ${event} ${kind} ${actor || ''}\n${JSON.stringify(rows, null, 1)}`);
    // the recording's row says failed, and the metrics counted it
    const recRows = sqlite(`SELECT state FROM recordings WHERE room_id = '${ROOM}'`);
    assert.deepEqual(recRows.map((r) => r.state), ['failed']);
    const metrics = await (await fetch(`${server.url}/metrics`).catch((e) => { throw new Error(`GET /metrics: ${e.message}: ${e.cause && (e.cause.code || e.cause.message)}\n${server.output().slice(-3000)}`); })).text();
    assert.match(metrics, /ratsaal_recording_failures_total\{kind="recording"\} 1/);
    assert.match(metrics, /ratsaal_record_feed_packets_total [1-9]/);
  }));
