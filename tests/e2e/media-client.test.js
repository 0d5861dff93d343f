// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Client-side check of web/js/media.js without a media server: inside one page a fake "SFU"
// made of two RTCPeerConnections answers the client's publish offer and re-offers the
// received tracks on the subscribe connection, over a fake signaling object that records
// every message. Proves the client follows docs/protocol.md's media messages and that frames
// are decoded on the subscribe side. (Real server media tests come with the SFU.)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');

h.watchdog(120000);

let server;
let browser;
let page;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  page = await h.newPage(browser);
  await h.gotoReady(page, `${server.url}/`);
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
});

test('publish offer: simulcast l/m/h with 4/2/1 when the server supports it, tracks by mid', (t) =>
  h.withArtifacts(t, [page], async () => {
    const r = await page.evaluate(async () => {
      const { MediaSession } = await import('/js/media.js');
      const sent = [];
      const sig = Object.assign(new EventTarget(), {
        trySend: (m) => { sent.push(m); return 1; },
        send: (m) => { sent.push(m); return 1; },
        request: (m) => { sent.push(m); return new Promise(() => {}); }, // never answered
      });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      const media = new MediaSession({ signaling: sig, simulcast: true, iceServers: [], localStream: stream, micOn: true, camOn: true });
      media.start();
      const end = Date.now() + 5000;
      while (!sent.some((m) => m.action === 'publish') && Date.now() < end) await new Promise((x) => setTimeout(x, 50));
      const pub = sent.find((m) => m.action === 'publish');
      const enc = media.transceivers.camera.sender.getParameters().encodings.map((e) => ({ rid: e.rid, scale: e.scaleResolutionDownBy }));
      media.close();
      return { pub, enc };
    });
    assert.ok(r.pub, 'media/publish sent');
    assert.equal(r.pub.ns, 'media');
    assert.match(r.pub.sdp, /a=simulcast:send l;m;h/);
    assert.deepEqual(r.pub.tracks.map((x) => x.source), ['microphone', 'camera']);
    assert.deepEqual(r.enc, [{ rid: 'l', scale: 4 }, { rid: 'm', scale: 2 }, { rid: 'h', scale: 1 }]);
  }));

test('loopback: publish → answer, subscribe_offer → answer with revision, frames decoded, track_state, video_size', (t) =>
  h.withArtifacts(t, [page], async () => {
    const r = await page.evaluate(async () => {
      const { MediaSession } = await import('/js/media.js');
      const sleep = (ms) => new Promise((x) => setTimeout(x, ms));
      const gathered = (pc) => new Promise((res) => {
        if (pc.iceGatheringState === 'complete') return res();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && res());
        setTimeout(res, 3000);
      });
      const sent = [];
      const srvPub = new RTCPeerConnection();
      const srvSub = new RTCPeerConnection();
      const got = [];
      srvPub.ontrack = (e) => got.push(e.track);
      let media;
      const sig = Object.assign(new EventTarget(), {
        trySend(m) {
          sent.push(m);
          if (m.action === 'subscribe_answer') srvSub.setRemoteDescription({ type: 'answer', sdp: m.sdp });
          return 1;
        },
        send(m) { return this.trySend(m); },
        async request(m) {
          sent.push(m);
          if (m.action !== 'publish') throw new Error('unexpected request ' + m.action);
          await srvPub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
          await srvPub.setLocalDescription(await srvPub.createAnswer());
          await gathered(srvPub);
          return { ns: 'media', event: 'publish_answer', sdp: srvPub.localDescription.sdp };
        },
      });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      media = new MediaSession({ signaling: sig, simulcast: false, iceServers: [], localStream: stream, micOn: true, camOn: true });
      const remote = [];
      media.addEventListener('remote-track', (e) => remote.push({ ...e.detail, track: !!e.detail.track }));
      await media.start();
      let end = Date.now() + 8000;
      while (got.length < 2 && Date.now() < end) await sleep(50);
      // "SFU" forwards what it received to the subscribe connection
      const mids = [];
      for (const tr of got) {
        const x = srvSub.addTransceiver(tr, { direction: 'sendonly' });
        mids.push({ x, kind: tr.kind });
      }
      await srvSub.setLocalDescription(await srvSub.createOffer());
      await gathered(srvSub);
      const tracks = mids.map(({ x, kind }) => ({ mid: x.mid, participant: 'premote1', source: kind === 'audio' ? 'microphone' : 'camera', kind }));
      media.handleMessage({ ns: 'media', event: 'subscribe_offer', revision: 7, sdp: srvSub.localDescription.sdp, tracks });
      end = Date.now() + 8000;
      while (remote.length < 2 && Date.now() < end) await sleep(50);
      // show the remote camera in a <video> so video_size is reported
      const v = document.createElement('video');
      v.muted = true;
      v.autoplay = true;
      v.style.width = '320px';
      v.style.height = '180px';
      document.body.append(v);
      v.srcObject = new MediaStream([media.remoteTrack('premote1', 'camera')]);
      media.observeVideo(v, 'premote1', 'camera');
      const stats = async () => {
        const s = await window.__ratsaal.subscribePc.getStats();
        let frames = 0;
        let audio = 0;
        s.forEach((x) => {
          if (x.type === 'inbound-rtp' && x.kind === 'video') frames += x.framesDecoded || 0;
          if (x.type === 'inbound-rtp' && x.kind === 'audio') audio += x.packetsReceived || 0;
        });
        return { frames, audio };
      };
      end = Date.now() + 10000;
      let s1 = await stats();
      while (s1.frames === 0 && Date.now() < end) { await sleep(250); s1 = await stats(); }
      await sleep(1000);
      const s2 = await stats();
      await media.setMicrophone(false);
      await sleep(400);
      const midMap = [...window.__ratsaal.mids.entries()];
      const pubState = window.__ratsaal.publishPc.connectionState;
      media.close();
      srvPub.close();
      srvSub.close();
      return { sent: sent.map((m) => ({ ...m, sdp: m.sdp ? m.sdp.length : undefined })), remote, s1, s2, midMap, pubState };
    });
    const answer = r.sent.find((m) => m.action === 'subscribe_answer');
    assert.ok(answer, 'subscribe_answer sent');
    assert.equal(answer.revision, 7);
    assert.ok(answer.sdp > 0);
    assert.deepEqual(r.remote.slice(0, 2).map((x) => `${x.participant}:${x.source}:${x.kind}:${x.track}`).sort(), ['premote1:camera:video:true', 'premote1:microphone:audio:true']);
    assert.equal(r.midMap.length, 2);
    assert.ok(r.s1.frames > 0, `frames decoded ${JSON.stringify(r.s1)}`);
    assert.ok(r.s2.frames > r.s1.frames, `frames rising ${JSON.stringify([r.s1, r.s2])}`);
    assert.ok(r.s2.audio > 0, 'audio packets received');
    const ts = r.sent.filter((m) => m.action === 'track_state');
    assert.deepEqual(ts.slice(0, 2).map((m) => [m.source, m.muted]), [['microphone', false], ['camera', false]]);
    assert.deepEqual([ts.at(-1).source, ts.at(-1).muted], ['microphone', true]);
    const vs = r.sent.find((m) => m.action === 'video_size');
    assert.ok(vs, 'video_size sent');
    assert.equal(vs.participant, 'premote1');
    assert.equal(vs.source, 'camera');
    assert.ok(vs.width >= 320 && vs.height >= 180, JSON.stringify(vs));
  }));

test('receive only (podium audience): no publish connection, no device; startPublish opens one, stopPublish closes it and stops the tracks', (t) =>
  h.withArtifacts(t, [page], async () => {
    const r = await page.evaluate(async () => {
      const { MediaSession } = await import('/js/media.js');
      const sent = [];
      const sig = Object.assign(new EventTarget(), {
        trySend: (m) => { sent.push(m); return 1; },
        send: (m) => { sent.push(m); return 1; },
        request: (m) => { sent.push(m); return new Promise(() => {}); }, // never answered
      });
      const states = [];
      const media = new MediaSession({ signaling: sig, simulcast: true, iceServers: [], localStream: null, micOn: true, camOn: true, publish: false });
      media.addEventListener('local-state', (e) => states.push(e.detail));
      await media.start();
      await media.setMicrophone(true); // the audience sends nothing, whatever is asked
      await media.setCamera(true);
      const before = { pc: window.__ratsaal.publishPc, sent: sent.map((m) => m.action), state: states.at(-1) };
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      media.startPublish(stream, { micOn: true, camOn: true });
      const end = Date.now() + 5000;
      while (!sent.some((m) => m.action === 'publish') && Date.now() < end) await new Promise((x) => setTimeout(x, 50));
      const during = { pc: !!window.__ratsaal.publishPc, publishing: media.publishing, sources: (sent.find((m) => m.action === 'publish') || { tracks: [] }).tracks.map((x) => x.source) };
      const pc = window.__ratsaal.publishPc;
      media.stopPublish();
      const after = { pc: window.__ratsaal.publishPc, closed: pc.signalingState, live: stream.getTracks().filter((x) => x.readyState === 'live').length, state: states.at(-1) };
      media.close();
      return { before, during, after };
    });
    assert.equal(r.before.pc, null, 'no publish connection while receiving only');
    assert.deepEqual(r.before.sent, [], 'nothing sent');
    assert.deepEqual(r.before.state, { microphone: false, camera: false, screen: false, hasMicrophone: false, hasCamera: false, publishing: false });
    assert.deepEqual(r.during, { pc: true, publishing: true, sources: ['microphone', 'camera'] });
    assert.equal(r.after.pc, null);
    assert.equal(r.after.closed, 'closed');
    assert.equal(r.after.live, 0, 'camera and microphone stopped');
    assert.equal(r.after.state.publishing, false);
  }));
