// SPDX-License-Identifier: EUPL-1.2
// Client side of the `media` namespace of docs/protocol.md.
//
// Two RTCPeerConnections: `publish` (we offer: microphone, camera with simulcast l/m/h,
// optional screen) and `subscribe` (the server offers one m-line per remote track; we answer).
// Publishing is optional and lazy: the audience of a podium meeting (docs/protocol.md "podium")
// never opens a publish connection or a device; startPublish() opens one when the chair calls
// them onto the stage and stopPublish() closes it (tracks stopped: the camera light goes off).
// This module knows nothing about the DOM except hidden <audio> elements for remote audio and
// the ResizeObserver on remote <video> elements (to send media/video_size). Video tracks are
// handed to the UI through events:
//   'remote-track' {participant, source, kind, track|null}   (null = ended)
//   'local-track'  {source, track|null}
//   'local-state'  {microphone: bool, camera: bool, screen: bool}  (true = sending/on)
//   'error'        {code, text}
// Tests reach the peer connections through window.__ratsaal.

const SIMULCAST = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
const SINGLE = [{ maxBitrate: 1_200_000 }];
const ICE_DISCONNECTED_GRACE_MS = 3000;
const VIDEO_SIZE_DEBOUNCE_MS = 300;

export class MediaSession extends EventTarget {
  /**
   * @param {object} o
   * @param {import('./signaling.js').Signaling} o.signaling
   * @param {boolean} o.simulcast   server's hello lists "simulcast"
   * @param {RTCIceServer[]} o.iceServers  from control/joined
   * @param {MediaStream|null} o.localStream  microphone/camera from the pre-join screen
   * @param {boolean} o.micOn  @param {boolean} o.camOn
   * @param {object} o.devices {camera, microphone, speaker} device ids
   * @param {boolean} [o.publish]  false: receive only (no publish connection until startPublish)
   */
  constructor({ signaling, simulcast, iceServers, localStream, micOn, camOn, devices, publish = true }) {
    super();
    this.sig = signaling;
    this.simulcast = !!simulcast;
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.devices = { camera: '', microphone: '', speaker: '', ...(devices || {}) };
    this.tracks = { microphone: null, camera: null, screen: null };
    this.on = { microphone: false, camera: false, screen: false };
    this.publishing = !!publish;
    if (this.publishing) this._takeStream(localStream, micOn, camOn);
    else if (localStream) for (const tr of localStream.getTracks()) tr.stop();

    this.stream = new MediaStream();
    this.pub = null;
    this.sub = null;
    this.transceivers = { microphone: null, camera: null, screen: null };
    this.pubChain = Promise.resolve();
    this.subChain = Promise.resolve();
    this.revision = -1;
    this.mids = new Map(); // mid → {participant, source, kind}
    this.remote = new Map(); // "participant:source" → {mid, track, kind, participant, source}
    this.audioEls = new Map(); // key → <audio>
    this.volumes = new Map(); // key → playback volume below 1 (breakout: the plenary heard quietly)
    this.audioBox = document.createElement('div');
    this.audioBox.hidden = true;
    this.audioBox.dataset.testid = 'remote-audio';
    document.body.append(this.audioBox);
    this.videoObs = new Map(); // <video> → {participant, source, timer, last}
    this.resizeObserver = typeof ResizeObserver !== 'undefined' ? new ResizeObserver((entries) => this._onResize(entries)) : null;
    this.iceTimers = { publish: null, subscribe: null };
    this.restarting = { publish: false, subscribe: false };
    this.closed = false;

    this._onSig = (ev) => this.handleMessage(ev.detail);
    this.sig.addEventListener('message', this._onSig);

    window.__ratsaal = {
      media: this,
      get publishPc() {
        return this.media.pub;
      },
      get subscribePc() {
        return this.media.sub;
      },
      mids: this.mids,
    };
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _pcConfig() {
    return { iceServers: this.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
  }

  /** The devices to send from (a stream from the pre-join screen or the device check). */
  _takeStream(stream, micOn, camOn) {
    this.tracks.microphone = (stream && stream.getAudioTracks()[0]) || null;
    this.tracks.camera = (stream && stream.getVideoTracks()[0]) || null;
    this.on = { microphone: !!micOn && !!this.tracks.microphone, camera: !!camOn && !!this.tracks.camera, screen: false };
    // a camera that is off at join is not opened at all (camera light stays off)
    if (this.tracks.camera && !this.on.camera) {
      this.tracks.camera.stop();
      this.tracks.camera = null;
    }
    if (this.tracks.microphone) this.tracks.microphone.enabled = this.on.microphone;
  }

  // ───────────────────────────── publish ─────────────────────────────

  /** Starts publishing, if this session publishes; the subscribe side follows the server's offers. */
  async start() {
    if (!this.publishing) {
      this._emitState();
      return;
    }
    await this._openPublish();
  }

  /**
   * Receive-only until now (audience): open the publish connection with `stream` (from a device
   * check). Resolves once the server answered the first offer.
   */
  async startPublish(stream, { micOn = true, camOn = true, devices } = {}) {
    if (this.closed) {
      if (stream) for (const tr of stream.getTracks()) tr.stop();
      return;
    }
    if (this.publishing) this.stopPublish();
    if (devices) this.devices = { ...this.devices, ...devices };
    this.publishing = true;
    this._takeStream(stream, micOn, camOn);
    await this._openPublish();
  }

  /**
   * Back to receiving only (sent back to the audience, podium mode switched on): the publish
   * connection is closed and every local track stopped (the camera light goes off).
   */
  stopPublish() {
    this.publishing = false;
    clearTimeout(this.iceTimers.publish);
    for (const tr of Object.values(this.tracks)) if (tr) tr.stop();
    this.tracks = { microphone: null, camera: null, screen: null };
    this.on = { microphone: false, camera: false, screen: false };
    if (this.pub) this.pub.close();
    this.pub = null;
    this.transceivers = { microphone: null, camera: null, screen: null };
    this.pubChain = Promise.resolve();
    this._emit('local-track', { source: 'camera', track: null });
    this._emit('local-track', { source: 'screen', track: null });
    this._emitState();
  }

  async _openPublish() {
    this.pub = new RTCPeerConnection(this._pcConfig());
    this.pub.addEventListener('iceconnectionstatechange', () => this._onIceState('publish', this.pub));
    // Always both m-lines, so a device switched on later needs no renegotiation
    // (a transceiver without track sends nothing).
    this.transceivers.microphone = this.pub.addTransceiver(this.tracks.microphone || 'audio', {
      direction: 'sendonly',
      streams: [this.stream],
    });
    this.transceivers.camera = this.pub.addTransceiver(this.tracks.camera || 'video', {
      direction: 'sendonly',
      streams: [this.stream],
      sendEncodings: this.simulcast ? SIMULCAST.map((e) => ({ ...e })) : SINGLE.map((e) => ({ ...e })),
    });
    this._emit('local-track', { source: 'camera', track: this.tracks.camera });
    this._emitState();
    await this.negotiatePublish();
    this._sendTrackState('microphone');
    this._sendTrackState('camera');
  }

  /** True once the server accepted a publish offer (track_state is pointless before). */
  get published() {
    return !!(this.pub && this.pub.remoteDescription);
  }

  /** Queue a new publish offer (after adding/removing a track, or with an ICE restart). */
  negotiatePublish({ iceRestart = false } = {}) {
    const run = async () => {
      if (this.closed || !this.pub) return;
      const offer = await this.pub.createOffer(iceRestart ? { iceRestart: true } : {});
      await this.pub.setLocalDescription(offer);
      const tracks = [];
      for (const [source, tr] of Object.entries(this.transceivers)) {
        if (tr && tr.mid !== null && !tr.stopped && tr.currentDirection !== 'stopped') tracks.push({ mid: tr.mid, source });
      }
      const reply = await this.sig.request(
        { ns: 'media', action: 'publish', sdp: this.pub.localDescription.sdp, tracks },
        { events: ['media/publish_answer'], timeout: 15000 },
      );
      if (this.closed || !this.pub) return;
      await this.pub.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    };
    this.pubChain = this.pubChain.then(run).catch((err) => this._fail('publish', err));
    return this.pubChain;
  }

  _sendTrackState(source) {
    if (!this.published) return;
    const muted = !(this.on[source] && this.tracks[source]);
    this.sig.trySend({ ns: 'media', action: 'track_state', source, muted });
  }

  _emitState() {
    this._emit('local-state', { ...this.on, hasMicrophone: !!this.tracks.microphone, hasCamera: !!this.tracks.camera, publishing: this.publishing });
  }

  async _acquire(kind) {
    const id = kind === 'camera' ? this.devices.camera : this.devices.microphone;
    const constraints =
      kind === 'camera'
        ? { video: id ? { deviceId: { exact: id } } : { width: { ideal: 1280 }, height: { ideal: 720 } } }
        : { audio: id ? { deviceId: { exact: id } } : true };
    const s = await navigator.mediaDevices.getUserMedia(constraints);
    return kind === 'camera' ? s.getVideoTracks()[0] : s.getAudioTracks()[0];
  }

  async setMicrophone(on) {
    if (!this.publishing) return; // the audience sends nothing
    if (on && !this.tracks.microphone) {
      const track = await this._acquire('microphone');
      this.tracks.microphone = track;
      await this.transceivers.microphone.sender.replaceTrack(track);
    }
    if (this.tracks.microphone) this.tracks.microphone.enabled = on;
    this.on.microphone = on && !!this.tracks.microphone;
    this._sendTrackState('microphone');
    this._emitState();
  }

  async setCamera(on) {
    if (!this.publishing) return;
    if (on && !this.tracks.camera) {
      const track = await this._acquire('camera');
      this.tracks.camera = track;
      await this.transceivers.camera.sender.replaceTrack(track);
      this._emit('local-track', { source: 'camera', track });
    }
    if (this.tracks.camera) this.tracks.camera.enabled = on;
    this.on.camera = on && !!this.tracks.camera;
    this._sendTrackState('camera');
    this._emitState();
  }

  /** Switch microphone/camera to another device without renegotiation (replaceTrack). */
  async switchDevice(kind, deviceId) {
    if (kind === 'speaker') {
      this.devices.speaker = deviceId;
      for (const a of this.audioEls.values()) if (a.setSinkId) a.setSinkId(deviceId).catch(() => {});
      return;
    }
    const source = kind === 'camera' ? 'camera' : 'microphone';
    this.devices[source] = deviceId;
    if (!this.tracks[source]) return; // picked up when switched on
    const old = this.tracks[source];
    const track = await this._acquire(source);
    track.enabled = this.on[source];
    await this.transceivers[source].sender.replaceTrack(track);
    this.tracks[source] = track;
    old.stop();
    if (source === 'camera') this._emit('local-track', { source: 'camera', track });
  }

  async startScreen() {
    if (this.tracks.screen || !this.publishing) return;
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = s.getVideoTracks()[0];
    track.contentHint = 'detail';
    track.addEventListener('ended', () => this.stopScreen());
    this.tracks.screen = track;
    this.transceivers.screen = this.pub.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
    this.on.screen = true;
    this._emit('local-track', { source: 'screen', track });
    this._emitState();
    await this.negotiatePublish();
  }

  async stopScreen() {
    const tr = this.transceivers.screen;
    if (!tr) return;
    this.transceivers.screen = null;
    if (this.tracks.screen) this.tracks.screen.stop();
    this.tracks.screen = null;
    this.on.screen = false;
    try {
      tr.stop();
    } catch {
      /* already stopped */
    }
    this._emit('local-track', { source: 'screen', track: null });
    this._emitState();
    await this.negotiatePublish();
  }

  // ───────────────────────────── subscribe ─────────────────────────────

  handleMessage(msg) {
    if (this.closed || msg.ns !== 'media') return;
    switch (msg.event) {
      case 'subscribe_offer':
        this.subChain = this.subChain.then(() => this._onSubscribeOffer(msg)).catch((err) => this._fail('subscribe', err));
        break;
      case 'error':
        if (msg.code === 'stale_revision') return; // a newer offer is on its way
        // the page shows the error text; here we only recover
        if (msg.code === 'dtls_failed' || msg.code === 'ice_timeout') this.recoverTransports();
        break;
      default:
        break;
    }
  }

  _ensureSub() {
    if (this.sub) return this.sub;
    const pc = new RTCPeerConnection(this._pcConfig());
    pc.addEventListener('iceconnectionstatechange', () => this._onIceState('subscribe', pc));
    this.sub = pc;
    return pc;
  }

  async _onSubscribeOffer(msg) {
    if (this.closed) return;
    const pc = this._ensureSub();
    await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.revision = msg.revision;
    this.sig.trySend({ ns: 'media', action: 'subscribe_answer', revision: msg.revision, sdp: pc.localDescription.sdp });
    this._mapTracks(Array.isArray(msg.tracks) ? msg.tracks : []);
  }

  /** Map every receiving transceiver's mid to participant/source and tell the UI what changed. */
  _mapTracks(tracks) {
    this.mids.clear();
    for (const t of tracks) {
      if (t && t.mid !== undefined) this.mids.set(String(t.mid), { participant: t.participant, source: t.source, kind: t.kind });
    }
    const next = new Map();
    for (const tr of this.sub.getTransceivers()) {
      if (tr.mid === null) continue;
      const info = this.mids.get(tr.mid);
      if (!info) continue;
      const key = `${info.participant}:${info.source}`;
      next.set(key, { ...info, mid: tr.mid, track: tr.receiver.track, kind: info.kind || tr.receiver.track.kind });
    }
    // the new map first: a track that ended is no longer ours to size (a video_size for it,
    // sent while its tile lets go of it, would be refused as not offered)
    const prev = this.remote;
    this.remote = next;
    for (const [key, old] of prev) {
      const now = next.get(key);
      if (!now || now.track !== old.track) this._detach(key, old);
    }
    for (const [key, now] of next) {
      const old = prev.get(key);
      if (!old || old.track !== now.track) this._attach(key, now);
    }
  }

  _attach(key, r) {
    if (r.kind === 'audio') {
      const a = document.createElement('audio');
      a.autoplay = true;
      a.dataset.participantId = r.participant;
      a.dataset.source = r.source;
      a.srcObject = new MediaStream([r.track]);
      a.volume = this.volumes.has(key) ? this.volumes.get(key) : 1;
      if (this.devices.speaker && a.setSinkId) a.setSinkId(this.devices.speaker).catch(() => {});
      this.audioBox.append(a);
      this.audioEls.set(key, a);
      a.play().catch(() => {});
    }
    this._emit('remote-track', { participant: r.participant, source: r.source, kind: r.kind, track: r.track });
  }

  _detach(key, r) {
    const a = this.audioEls.get(key);
    if (a) {
      a.srcObject = null;
      a.remove();
      this.audioEls.delete(key);
    }
    this._emit('remote-track', { participant: r.participant, source: r.source, kind: r.kind, track: null });
  }

  /**
   * Play participant/source's audio at `volume` (0..1; 1 = as received), now and whenever it
   * arrives again. Only the playback: what the page receives is the server's decision.
   */
  setAudioVolume(participant, source, volume) {
    const key = `${participant}:${source}`;
    const v = Math.min(1, Math.max(0, Number(volume)));
    if (v === 1) this.volumes.delete(key);
    else this.volumes.set(key, v);
    const a = this.audioEls.get(key);
    if (a) a.volume = v;
  }

  /** Currently received track for participant/source, or null. */
  remoteTrack(participant, source) {
    const r = this.remote.get(`${participant}:${source}`);
    return r ? r.track : null;
  }

  // ───────────────────────────── video size ─────────────────────────────

  /** The UI shows participant/source in this <video>; report its size to the server. */
  observeVideo(video, participant, source) {
    if (this.videoObs.has(video)) {
      const o = this.videoObs.get(video);
      if (o.participant === participant && o.source === source) return;
      this.unobserveVideo(video);
    }
    this.videoObs.set(video, { participant, source, timer: null, last: null });
    if (this.resizeObserver) this.resizeObserver.observe(video);
    this._scheduleSize(video);
  }

  unobserveVideo(video, { hidden = true } = {}) {
    const o = this.videoObs.get(video);
    if (!o) return;
    clearTimeout(o.timer);
    if (this.resizeObserver) this.resizeObserver.unobserve(video);
    this.videoObs.delete(video);
    if (hidden && o.last && (o.last.w || o.last.h) && this.remote.has(`${o.participant}:${o.source}`)) {
      this.sig.trySend({ ns: 'media', action: 'video_size', participant: o.participant, source: o.source, width: 0, height: 0 });
    }
  }

  _onResize(entries) {
    for (const e of entries) this._scheduleSize(e.target);
  }

  _scheduleSize(video) {
    const o = this.videoObs.get(video);
    if (!o) return;
    clearTimeout(o.timer);
    o.timer = setTimeout(() => this._sendSize(video), VIDEO_SIZE_DEBOUNCE_MS);
  }

  _sendSize(video, force = false) {
    const o = this.videoObs.get(video);
    if (!o) return;
    const visible = video.isConnected && video.getClientRects().length > 0 && !video.closest('[hidden]');
    const dpr = window.devicePixelRatio || 1;
    const w = visible ? Math.round(video.clientWidth * dpr) : 0;
    const h = visible ? Math.round(video.clientHeight * dpr) : 0;
    if (!force && o.last && o.last.w === w && o.last.h === h) return;
    o.last = { w, h };
    this.sig.trySend({ ns: 'media', action: 'video_size', participant: o.participant, source: o.source, width: w, height: h });
  }

  // ───────────────────────────── ICE restart & recovery ─────────────────────────────

  _onIceState(which, pc) {
    if (pc !== (which === 'publish' ? this.pub : this.sub)) return;
    const st = pc.iceConnectionState;
    clearTimeout(this.iceTimers[which]);
    if (st === 'connected' || st === 'completed') {
      this.restarting[which] = false;
    } else if (st === 'failed') {
      this.restartIce(which);
    } else if (st === 'disconnected') {
      this.iceTimers[which] = setTimeout(() => {
        if (pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed') this.restartIce(which);
      }, ICE_DISCONNECTED_GRACE_MS);
    }
    this._emit('ice-state', { pc: which, state: st });
  }

  restartIce(which) {
    if (this.closed || this.restarting[which]) return;
    this.restarting[which] = true;
    // allow another attempt if this one does not bring the transport back
    setTimeout(() => {
      this.restarting[which] = false;
    }, 10000);
    if (which === 'publish') this.negotiatePublish({ iceRestart: true });
    else this.sig.trySend({ ns: 'media', action: 'restart_ice', pc: 'subscribe' });
  }

  /** The server closed a transport (dtls_failed / ice_timeout): build fresh ones. */
  recoverTransports() {
    if (this.closed) return;
    const tracks = { ...this.tracks };
    for (const key of [...this.remote.keys()]) this._detach(key, this.remote.get(key));
    this.remote.clear();
    this.mids.clear();
    if (this.sub) this.sub.close();
    this.sub = null;
    if (this.pub) this.pub.close();
    this.pub = null;
    this.transceivers = { microphone: null, camera: null, screen: null };
    if (tracks.screen) tracks.screen.stop();
    this.tracks.screen = null;
    this.on.screen = false;
    if (this.publishing) this._openPublish().catch((err) => this._fail('publish', err));
    this.sig.trySend({ ns: 'media', action: 'restart_ice', pc: 'subscribe' });
  }

  /** After a signaling reconnect + rejoin the server has no media state: start over. */
  resync() {
    for (const key of [...this.remote.keys()]) this._detach(key, this.remote.get(key));
    this.remote.clear();
    this.mids.clear();
    if (this.sub) this.sub.close();
    this.sub = null;
    if (this.pub) this.pub.close();
    this.pub = null;
    if (this.tracks.screen) this.tracks.screen.stop();
    this.tracks.screen = null;
    this.on.screen = false;
    this.transceivers = { microphone: null, camera: null, screen: null };
    this.pubChain = Promise.resolve();
    this.subChain = Promise.resolve();
    this.revision = -1;
    for (const o of this.videoObs.values()) o.last = null;
    return this.start();
  }

  _fail(which, err) {
    console.warn(`media: ${which} negotiation failed`, err);
    const code = (err && err.code) || 'invalid_sdp';
    if (code === 'stale_revision' || code === 'closed') return;
    this._emit('error', { code, text: err && err.message });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.sig.removeEventListener('message', this._onSig);
    for (const t of Object.values(this.iceTimers)) clearTimeout(t);
    for (const v of [...this.videoObs.keys()]) this.unobserveVideo(v, { hidden: false });
    if (this.resizeObserver) this.resizeObserver.disconnect();
    for (const key of [...this.remote.keys()]) this._detach(key, this.remote.get(key));
    this.remote.clear();
    for (const t of Object.values(this.tracks)) if (t) t.stop();
    this.tracks = { microphone: null, camera: null, screen: null };
    if (this.pub) this.pub.close();
    if (this.sub) this.sub.close();
    this.pub = null;
    this.sub = null;
    this.audioBox.remove();
    if (window.__ratsaal && window.__ratsaal.media === this) window.__ratsaal = { media: null, publishPc: null, subscribePc: null, mids: new Map() };
  }
}
