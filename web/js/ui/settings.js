// SPDX-License-Identifier: EUPL-1.2
// Device settings during the meeting: camera, microphone and speaker, with a small live preview.
// A change is applied at once through MediaSession.switchDevice (replaceTrack, no renegotiation)
// and remembered like the pre-join choice (store 'devices').
import { t } from '../i18n.js';
import { el, icon, store } from '../util.js';
import { getSiteInfo, legalNodes, languageSwitcher } from '../footer.js';

const canSink = () => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

export class DeviceSettings {
  /**
   * @param {object} o
   * @param {() => import('../media.js').MediaSession|null} o.getMedia
   * @param {(devices: {camera: string, microphone: string, speaker: string}) => void} [o.onChange]
   */
  constructor({ getMedia, onChange = () => {} }) {
    this.getMedia = getMedia;
    this.onChange = onChange;
    this.returnFocus = null;
    this.chain = Promise.resolve();

    const field = (id, label, testid) => {
      const select = el('select', { id, dataset: { testid }, 'aria-describedby': 'settings-status' });
      const labelNode = el('label', { for: id, text: t(label) });
      relabel.push(() => (labelNode.textContent = t(label)));
      const root = el('div', { class: 'field' }, labelNode, select);
      return { root, select };
    };
    // what to re-render after a language switch (the meeting goes on; see i18n.setLanguage)
    const relabel = [];
    this.cam = field('settings-camera', 'prejoin.camera', 'settings-camera');
    this.mic = field('settings-mic', 'prejoin.microphone', 'settings-mic');
    this.spk = field('settings-speaker', 'prejoin.speaker', 'settings-speaker');
    this.video = el('video', { autoplay: true, playsinline: true, dataset: { testid: 'settings-preview' } });
    this.video.muted = true;
    this.cameraOffNote = el('p', { class: 'settings-preview-note', dataset: { testid: 'settings-preview-note' } });
    this.preview = el('div', { class: 'settings-preview', role: 'img', 'aria-label': t('settings.preview') }, this.video, this.cameraOffNote);
    this.status = el('p', { id: 'settings-status', class: 'field-error', role: 'alert', dataset: { testid: 'settings-status' } });
    this.status.hidden = true;
    const close = el('button', { type: 'button', class: 'btn btn-icon settings-close', 'aria-label': t('settings.close'), title: t('settings.close') }, icon('close'));
    const done = el('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'settings-done' }, text: t('settings.done') });
    // the meeting's menu carries the imprint and privacy links the page footer has elsewhere
    this.legal = el('p', { class: 'settings-legal', dataset: { testid: 'settings-legal' } });
    const heading = el('h2', { id: 'settings-heading', text: t('settings.heading') });
    relabel.push(() => {
      heading.textContent = t('settings.heading');
      done.textContent = t('settings.done');
      close.setAttribute('aria-label', t('settings.close'));
      close.title = t('settings.close');
      this.preview.setAttribute('aria-label', t('settings.preview'));
    });
    window.addEventListener('ratsaal:language', () => relabel.forEach((f) => f()));
    getSiteInfo().then((site) => {
      this.legal.replaceChildren(...legalNodes(site));
      window.addEventListener('ratsaal:language', () => this.legal.replaceChildren(...legalNodes(site)));
    });
    this.node = el(
      'dialog',
      { class: 'dialog settings-dialog', id: 'settings-dialog', 'aria-labelledby': 'settings-heading', dataset: { testid: 'settings-dialog' } },
      el(
        'div',
        { class: 'stack' },
        el('div', { class: 'settings-head' }, heading, close),
        this.preview,
        this.cam.root,
        this.mic.root,
        this.spk.root,
        this.status,
        el('div', { class: 'field settings-language' }, languageSwitcher('settings')),
        this.legal,
        el('div', { class: 'row dialog-actions' }, done),
      ),
    );
    document.body.append(this.node);

    close.addEventListener('click', () => this.close());
    done.addEventListener('click', () => this.close());
    // Escape: the dialog's own cancel closes it; 'close' restores focus
    this.node.addEventListener('close', () => this._onClosed());
    this.cam.select.addEventListener('change', () => this._pick('camera', this.cam.select));
    this.mic.select.addEventListener('change', () => this._pick('microphone', this.mic.select));
    this.spk.select.addEventListener('change', () => this._pick('speaker', this.spk.select));
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      navigator.mediaDevices.addEventListener('devicechange', () => {
        if (this.isOpen) this.fill();
      });
    }
  }

  get isOpen() {
    return this.node.open;
  }

  /** Open as a modal; focus goes back to `returnFocus` on close. */
  async open(returnFocus) {
    const media = this.getMedia();
    if (!media || this.isOpen) return;
    this.returnFocus = returnFocus || document.activeElement;
    this.status.hidden = true;
    this.node.showModal();
    this.cam.select.focus();
    this.refreshPreview();
    await this.fill();
  }

  close() {
    if (this.isOpen) this.node.close();
  }

  _onClosed() {
    this.video.srcObject = null;
    const f = this.returnFocus;
    this.returnFocus = null;
    if (f && f.isConnected && !f.disabled) f.focus();
  }

  /** The device a MediaSession uses now: the live track's device, else the remembered choice. */
  _current(kind) {
    const media = this.getMedia();
    if (!media) return '';
    if (kind === 'speaker') return media.devices.speaker || '';
    const tr = media.tracks[kind];
    const live = tr && tr.readyState === 'live' && tr.getSettings ? tr.getSettings().deviceId : '';
    return live || media.devices[kind] || '';
  }

  /** (Re)fill the selects from enumerateDevices, current device preselected. */
  async fill() {
    let list = [];
    try {
      if (navigator.mediaDevices && navigator.mediaDevices.enumerateDevices) list = await navigator.mediaDevices.enumerateDevices();
    } catch {
      /* no list: the selects stay disabled */
    }
    const fillOne = (sel, kind, cur) => {
      const devs = list.filter((d) => d.kind === kind && d.deviceId);
      const opts = devs.map((d, i) => el('option', { value: d.deviceId, text: d.label || t('prejoin.device_n', { n: i + 1 }) }));
      if (!opts.length) opts.push(el('option', { value: '', text: t('settings.no_device') }));
      sel.replaceChildren(...opts);
      sel.disabled = devs.length === 0;
      if (cur && devs.some((d) => d.deviceId === cur)) sel.value = cur;
      return devs.length;
    };
    fillOne(this.cam.select, 'videoinput', this._current('camera'));
    fillOne(this.mic.select, 'audioinput', this._current('microphone'));
    const outs = canSink() ? fillOne(this.spk.select, 'audiooutput', this._current('speaker')) : 0;
    this.spk.root.hidden = outs === 0;
  }

  /** Show the camera that is sent now; a note when the camera is off. */
  refreshPreview() {
    const media = this.getMedia();
    const tr = media && media.tracks.camera;
    const on = !!(media && media.on.camera && tr && tr.readyState === 'live');
    if (on) {
      if (!this.video.srcObject || this.video.srcObject.getVideoTracks()[0] !== tr) {
        this.video.srcObject = new MediaStream([tr]);
        this.video.play().catch(() => {});
      }
    } else {
      this.video.srcObject = null;
    }
    this.video.hidden = !on;
    this.cameraOffNote.textContent = on ? '' : t('settings.camera_off');
  }

  _pick(kind, sel) {
    const deviceId = sel.value;
    this.status.hidden = true;
    this.chain = this.chain.then(async () => {
      const media = this.getMedia();
      if (!media) return;
      try {
        await media.switchDevice(kind, deviceId);
        const devices = { camera: '', microphone: '', speaker: '', ...(store.get('devices', {}) || {}) };
        devices[kind] = deviceId;
        store.set('devices', devices);
        this.onChange(devices);
      } catch (err) {
        console.warn('device switch failed', err);
        this.status.textContent = t('settings.switch_failed', { detail: (err && err.name) || 'Error' });
        this.status.hidden = false;
        // the old device is still in use: show it again
        const cur = this._current(kind);
        if (cur && [...sel.options].some((o) => o.value === cur)) sel.value = cur;
      } finally {
        if (kind === 'camera') this.refreshPreview();
      }
    });
    return this.chain;
  }
}
