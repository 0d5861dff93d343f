// SPDX-License-Identifier: EUPL-1.2
// Pre-join screen: display name, camera/microphone preview, device choice, join toggles.
import { t } from '../i18n.js';
import { checkDisplayName, store, el } from '../util.js';

/**
 * getUserMedia for the kinds wanted; tries both at once, then each alone to tell apart
 * "denied" and "not found". Returns {stream, status: {audio, video}} where status is one of
 * 'ok' | 'off' | 'denied' | 'notfound' | 'error:<name>' | 'unsupported'.
 */
export async function acquireMedia({ audio = true, video = true, devices = {} } = {}) {
  const status = { audio: audio ? 'pending' : 'off', video: video ? 'pending' : 'off' };
  const stream = new MediaStream();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    if (audio) status.audio = 'unsupported';
    if (video) status.video = 'unsupported';
    return { stream, status };
  }
  const c = {
    audio: audio ? (devices.microphone ? { deviceId: { exact: devices.microphone } } : true) : false,
    video: video ? (devices.camera ? { deviceId: { exact: devices.camera } } : { width: { ideal: 1280 }, height: { ideal: 720 } }) : false,
  };
  const classify = (e) => {
    const n = (e && e.name) || 'Error';
    if (n === 'NotAllowedError' || n === 'SecurityError' || n === 'PermissionDeniedError') return 'denied';
    if (n === 'NotFoundError' || n === 'DevicesNotFoundError' || n === 'OverconstrainedError') return 'notfound';
    return 'error:' + n;
  };
  if (!audio && !video) return { stream, status };
  try {
    const s = await navigator.mediaDevices.getUserMedia(c);
    for (const tr of s.getTracks()) stream.addTrack(tr);
    if (audio) status.audio = 'ok';
    if (video) status.video = 'ok';
    return { stream, status };
  } catch (e) {
    if (!(audio && video)) {
      status[audio ? 'audio' : 'video'] = classify(e);
      return { stream, status };
    }
  }
  for (const kind of ['audio', 'video']) {
    try {
      const s = await navigator.mediaDevices.getUserMedia({ [kind]: c[kind] });
      for (const tr of s.getTracks()) stream.addTrack(tr);
      status[kind] = 'ok';
    } catch (e) {
      // a stored device id that vanished: retry with the default device
      if (devices[kind === 'audio' ? 'microphone' : 'camera'] && classify(e) === 'notfound') {
        try {
          const s = await navigator.mediaDevices.getUserMedia({ [kind]: true });
          for (const tr of s.getTracks()) stream.addTrack(tr);
          status[kind] = 'ok';
          continue;
        } catch (e2) {
          status[kind] = classify(e2);
          continue;
        }
      }
      status[kind] = classify(e);
    }
  }
  return { stream, status };
}

/** A readable message for acquireMedia's status, or '' when all is well. */
export function mediaMessage(status) {
  const { audio, video } = status;
  if (audio === 'unsupported' || video === 'unsupported') return t('prejoin.media_unsupported');
  if (audio === 'denied' && video === 'denied') return t('prejoin.media_denied');
  if (audio === 'notfound' && video === 'notfound') return t('prejoin.no_devices');
  const parts = [];
  if (video === 'denied') parts.push(t('prejoin.camera_denied'));
  if (audio === 'denied') parts.push(t('prejoin.mic_denied'));
  if (video === 'notfound') parts.push(t('prejoin.no_camera'));
  if (audio === 'notfound') parts.push(t('prejoin.no_microphone'));
  for (const s of [audio, video]) if (String(s).startsWith('error:')) parts.push(t('prejoin.media_error', { detail: String(s).slice(6) }));
  return parts.join(' ');
}

export class PreJoin {
  constructor({ onJoin }) {
    this.onJoin = onJoin;
    this.root = document.getElementById('prejoin');
    this.form = document.getElementById('prejoin-form');
    this.name = document.getElementById('name-input');
    this.nameError = document.getElementById('name-error');
    this.video = document.getElementById('preview-video');
    this.placeholder = document.getElementById('preview-placeholder');
    this.msg = document.getElementById('media-msg');
    this.camSel = document.getElementById('camera-select');
    this.micSel = document.getElementById('mic-select');
    this.spkSel = document.getElementById('speaker-select');
    this.spkField = document.getElementById('speaker-field');
    this.camOff = document.getElementById('cam-off');
    this.micOff = document.getElementById('mic-off');
    this.joinBtn = document.getElementById('join-button');
    this.level = document.querySelector('#mic-level span');
    this.stream = new MediaStream();
    this.status = { audio: 'off', video: 'off' };
    this.devices = store.get('devices', { camera: '', microphone: '', speaker: '' }) || {};
    this.audioCtx = null;
    this.raf = 0;

    this.name.value = store.get('name', '') || '';
    this.camOff.checked = !!store.get('camOff', false);
    this.micOff.checked = !!store.get('micOff', false);

    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.name.addEventListener('input', () => {
      this.name.removeAttribute('aria-invalid');
      this.nameError.hidden = true;
    });
    this.camOff.addEventListener('change', () => {
      store.set('camOff', this.camOff.checked);
      this.restart('video');
    });
    this.micOff.addEventListener('change', () => store.set('micOff', this.micOff.checked));
    this.camSel.addEventListener('change', () => {
      this.devices.camera = this.camSel.value;
      store.set('devices', this.devices);
      this.restart('video');
    });
    this.micSel.addEventListener('change', () => {
      this.devices.microphone = this.micSel.value;
      store.set('devices', this.devices);
      this.restart('audio');
    });
    this.spkSel.addEventListener('change', () => {
      this.devices.speaker = this.spkSel.value;
      store.set('devices', this.devices);
    });
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      this._onDeviceChange = () => this.fillDevices();
      navigator.mediaDevices.addEventListener('devicechange', this._onDeviceChange);
    }
  }

  /**
   * devices: false for an audience invitation (podium mode, docs/protocol.md "podium"): the
   * audience only receives, so the screen asks for no camera or microphone at all.
   */
  show({ devices = true, receiveOnly = null } = {}) {
    this.noDevices = !devices;
    this.root.hidden = false;
    if (this.noDevices) this.showAudienceNote();
    this.name.focus();
    if (!receiveOnly || this.noDevices) {
      this.start();
      return;
    }
    // receiveOnly: a promise of whether the join will be receive-only (podium mode); until it
    // answers nothing asks for devices, and Join waits for it like for the devices
    this.placeholder.textContent = t('prejoin.preview_loading');
    this.starting = Promise.resolve(receiveOnly)
      .catch(() => false)
      .then((ro) => {
        if (ro) {
          this.noDevices = true;
          this.showAudienceNote();
        }
        return this.start();
      });
  }

  showAudienceNote() {
    for (const n of [this.camSel, this.micSel, this.camOff, this.micOff]) n.closest('.field, .check').hidden = true;
    this.spkField.hidden = true;
    this.video.hidden = true;
    this.level.parentElement.hidden = true;
    this.placeholder.textContent = t('podium.prejoin_audience');
    this.placeholder.dataset.testid = 'prejoin-audience';
  }

  start() {
    // Join waits for this (submit): a click before the devices answered must not join without
    // microphone and camera
    this.starting = this.noDevices ? Promise.resolve() : this._start();
    return this.starting;
  }

  async _start() {
    this.placeholder.textContent = this.camOff.checked ? t('prejoin.preview_off') : t('prejoin.preview_loading');
    const { stream, status } = await acquireMedia({ audio: true, video: !this.camOff.checked, devices: this.devices });
    this.stream = stream;
    this.status = status;
    this._showStatus();
    this._preview();
    await this.fillDevices();
  }

  async restart(kind) {
    if (this.noDevices) return;
    for (const tr of kind === 'audio' ? this.stream.getAudioTracks() : this.stream.getVideoTracks()) {
      tr.stop();
      this.stream.removeTrack(tr);
    }
    if (kind === 'video' && this.camOff.checked) {
      this.status.video = 'off';
    } else {
      this.placeholder.textContent = kind === 'video' ? t('prejoin.preview_loading') : this.placeholder.textContent;
      const { stream, status } = await acquireMedia({ audio: kind === 'audio', video: kind === 'video', devices: this.devices });
      for (const tr of stream.getTracks()) this.stream.addTrack(tr);
      this.status[kind] = status[kind];
    }
    this._showStatus();
    this._preview();
    if (kind === 'audio') this._meter();
  }

  _showStatus() {
    const m = mediaMessage(this.status);
    this.msg.textContent = m;
    this.msg.hidden = !m;
  }

  _preview() {
    const v = this.stream.getVideoTracks()[0];
    if (v) {
      this.video.srcObject = new MediaStream([v]);
      this.video.hidden = false;
      this.placeholder.textContent = '';
      this.video.play().catch(() => {});
    } else {
      this.video.srcObject = null;
      this.video.hidden = true;
      this.placeholder.textContent = t('prejoin.preview_off');
    }
    this._meter();
  }

  _meter() {
    cancelAnimationFrame(this.raf);
    const a = this.stream.getAudioTracks()[0];
    if (!a || typeof AudioContext === 'undefined') {
      this.level.style.width = '0';
      return;
    }
    try {
      if (!this.audioCtx) this.audioCtx = new AudioContext();
      const src = this.audioCtx.createMediaStreamSource(new MediaStream([a]));
      const an = this.audioCtx.createAnalyser();
      an.fftSize = 512;
      src.connect(an);
      const buf = new Uint8Array(an.fftSize);
      const tick = () => {
        an.getByteTimeDomainData(buf);
        let peak = 0;
        for (const x of buf) peak = Math.max(peak, Math.abs(x - 128));
        this.level.style.width = `${Math.min(100, (peak / 64) * 100)}%`;
        this.raf = requestAnimationFrame(tick);
      };
      tick();
    } catch {
      /* no meter */
    }
  }

  async fillDevices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
      for (const s of [this.camSel, this.micSel]) s.disabled = true;
      return;
    }
    let list = [];
    try {
      list = await navigator.mediaDevices.enumerateDevices();
    } catch {
      /* ignore */
    }
    const cur = {
      videoinput: (this.stream.getVideoTracks()[0] || {}).getSettings?.().deviceId || this.devices.camera,
      audioinput: (this.stream.getAudioTracks()[0] || {}).getSettings?.().deviceId || this.devices.microphone,
      audiooutput: this.devices.speaker,
    };
    const fill = (sel, kind) => {
      const devs = list.filter((d) => d.kind === kind && d.deviceId);
      const opts = devs.map((d, i) => el('option', { value: d.deviceId, text: d.label || t('prejoin.device_n', { n: i + 1 }) }));
      if (!opts.length) opts.push(el('option', { value: '', text: t('prejoin.default_device') }));
      sel.replaceChildren(...opts);
      sel.disabled = devs.length === 0;
      if (cur[kind] && devs.some((d) => d.deviceId === cur[kind])) sel.value = cur[kind];
    };
    fill(this.camSel, 'videoinput');
    fill(this.micSel, 'audioinput');
    const canSink = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
    const outs = list.filter((d) => d.kind === 'audiooutput' && d.deviceId);
    this.spkField.hidden = !canSink || outs.length === 0;
    if (canSink) fill(this.spkSel, 'audiooutput');
  }

  submit() {
    const r = checkDisplayName(this.name.value);
    if (!r.ok) {
      this.nameError.textContent = t(r.error);
      this.nameError.hidden = false;
      this.name.setAttribute('aria-invalid', 'true');
      this.name.focus();
      return;
    }
    store.set('name', r.value);
    this.setBusy(true);
    const starting = this.starting || Promise.resolve();
    starting.catch(() => {}).then(() => this._join(r.value));
  }

  _join(name) {
    this.onJoin({
      name,
      stream: this.stream,
      micOn: !this.micOff.checked && this.status.audio === 'ok',
      camOn: !this.camOff.checked && this.status.video === 'ok',
      devices: {
        camera: this.camSel.value || this.devices.camera || '',
        microphone: this.micSel.value || this.devices.microphone || '',
        speaker: this.spkField.hidden ? '' : this.spkSel.value,
      },
    });
  }

  setBusy(busy) {
    this.joinBtn.disabled = busy;
    this.joinBtn.textContent = busy ? t('prejoin.joining') : t('prejoin.join');
  }

  /** Hide; hand the stream over (not stopped). */
  hide() {
    cancelAnimationFrame(this.raf);
    if (this.audioCtx) this.audioCtx.close().catch(() => {});
    this.audioCtx = null;
    this.video.srcObject = null;
    this.root.hidden = true;
    this.setBusy(false);
  }

  stopMedia() {
    for (const tr of this.stream.getTracks()) tr.stop();
    this.stream = new MediaStream();
  }
}
