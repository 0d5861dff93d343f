// SPDX-License-Identifier: EUPL-1.2
// Podium mode in the meeting (protocol: docs/protocol.md "podium"; server: src/room/podium.c).
//
// PodiumPanel keeps what the server said (on, the stage, whether I am on it, the audience count,
// the open questions) and draws it:
//   * a section in the participants panel, moved into the chair's view while that is open (one
//     copy in the page, as the votes do): for the chair the "Podium mode" switch, the audience
//     count and the audience's raised hands with "Call onto the stage"; for everyone the question
//     queue (upvote others' questions, withdraw one's own; the chair marks answered or dismisses)
//     and the form to ask;
//   * a line on the stage: "You are in the audience" / "You are on the stage" with "Leave the
//     stage", and after podium mode ended the offer to turn camera and microphone on again;
//   * entries for the chair's participant menu and the hand queue (call up, send back).
// DeviceCheck is the dialog an audience member goes through when called onto the stage: camera
// and microphone with a preview, as on the pre-join screen; only then is a publish connection
// opened (../meeting.js). Nothing here decides who may publish: the server refuses the audience.
import { el } from '../util.js';
import { t } from '../i18n.js';
import { acquireMedia, mediaMessage } from './prejoin.js';
import { switchButton } from './chair.js';

const MAX_QUESTION = 500;

export class PodiumPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.stage  the meeting's stage (the status line goes there)
   * @param {HTMLElement} o.after  the element of the participants panel the section goes after
   * @param {import('../room.js').RoomState} o.room
   * @param {() => boolean} o.canChair  the chair's actions (set, call_up, answer need the chair)
   * @param {object} o.actions  features.podium (bound actions)
   * @param {() => void} o.onOffer  "Turn on camera and microphone" after podium mode ended
   */
  constructor({ stage, after, room, canChair, actions, onOffer }) {
    Object.assign(this, { room, canChair, actions, onOffer });
    this.on = false;
    this.stage = new Set();
    this.youOnStage = false;
    this.audienceCount = 0;
    this.questions = [];
    this.offer = false; // podium mode ended: offer camera and microphone
    this.draft = '';
    this.home = after;

    this.section = el('section', { class: 'podium-section', dataset: { testid: 'podium-section' }, 'aria-labelledby': 'podium-heading' });
    after.after(this.section);
    this.status = el('div', { class: 'podium-status', dataset: { testid: 'podium-status' }, hidden: true });
    stage.prepend(this.status); // above the tiles, taking its own room
    room.addEventListener('change', (e) => {
      if (['participant-updated', 'participant-joined', 'participant-left', 'hand', 'reset'].includes(e.detail.type)) this.render();
    });
    window.addEventListener('ratsaal:language', () => this.render());
    this.render();
  }

  // ---- state ----

  /** control/joined's `podium` (absent: podium mode off). */
  reset(p) {
    this.offer = false;
    this._apply(p || {});
    this.audienceCount = p && Number.isInteger(p.audience_count) ? p.audience_count : 0;
    this.questions = p && Array.isArray(p.questions) ? p.questions.filter(validQuestion) : [];
    this.render();
  }

  _apply(m) {
    this.on = m.on === true;
    this.stage = new Set(Array.isArray(m.stage) ? m.stage.map(String) : []);
    this.youOnStage = m.you_on_stage === true;
    if (!this.on) this.questions = [];
  }

  /** What counts for the publish decision, before a change (../meeting.js podiumChanged). */
  snapshot() {
    return { on: this.on, youOnStage: this.youOnStage };
  }

  /** podium/state */
  setState(m) {
    this._apply(m || {});
    if (this.on) this.offer = false;
    this.render();
  }

  /** podium/audience (throttled by the server) */
  setAudience(n) {
    if (Number.isInteger(n) && n >= 0) this.audienceCount = n;
    this.render();
  }

  /** podium/questions: the open queue, already sorted by the server. */
  setQuestions(list) {
    this.questions = Array.isArray(list) ? list.filter(validQuestion) : [];
    this.render();
  }

  /** Is `id` on the stage (while podium mode is on)? */
  onStage(id) {
    return this.stage.has(id);
  }

  /**
   * May this page send camera and microphone? In podium mode only from the stage; otherwise
   * everyone but an audience-invitation holder (`selfAudience`).
   */
  mayPublish(selfAudience) {
    return this.on ? this.youOnStage : !selfAudience;
  }

  /** The layout follows the stage: in podium mode only the stage has tiles. */
  shows(p) {
    return !this.on || this.stage.has(p.id);
  }

  setOffer(on) {
    this.offer = on;
    this.render();
  }

  // ---- the chair's view ----

  /** Into the chair's view while it is open (one copy of the controls in the page). */
  attach(host) {
    host.append(this.section);
    this.render();
  }

  detach() {
    this.home.after(this.section);
    this.render();
  }

  // ---- entries elsewhere ----

  /** The chair's participant menu (ui/chair.js): call up / send back. */
  menuItems(p) {
    if (!this.on || !this.canChair() || p.self || p.role === 'moderator') return [];
    if (this.stage.has(p.id)) return [{ testid: 'podium-send-back', label: t('podium.send_back'), run: () => this.actions.sendBack(p.id) }];
    return [{ testid: 'podium-call-up', label: t('podium.call_up'), run: () => this.actions.callUp(p.id) }];
  }

  /** In podium mode a participant row says "On stage" or "Audience" (ui/participants.js). */
  badges(p) {
    if (!this.on) return [];
    const stage = this.stage.has(p.id);
    return [el('span', { class: 'session-badge', dataset: { testid: 'podium-badge', where: stage ? 'stage' : 'audience' }, text: t(stage ? 'podium.on_stage' : 'podium.audience') })];
  }

  /** Next to a raised hand in the hand queue (ui/participants.js). */
  handExtras(p) {
    if (!this.on || !this.canChair() || p.self || this.stage.has(p.id)) return [];
    return [this._callUpButton(p, 'hand-call-up')];
  }

  _callUpButton(p, testid) {
    return el('button', {
      type: 'button',
      class: 'btn btn-ghost btn-small',
      dataset: { testid, participantId: p.id },
      text: t('podium.call_up'),
      'aria-label': t('podium.call_up_label', { name: p.display_name }),
      onclick: (e) => {
        e.currentTarget.disabled = true;
        this.actions.callUp(p.id);
      },
    });
  }

  // ---- rendering ----

  render() {
    this._renderStatus();
    this._renderSection();
  }

  _renderStatus() {
    const self = this.room.self;
    const s = this.status;
    if (this.on && self) {
      const line = el('p', { dataset: { testid: 'podium-you' }, text: t(this.youOnStage ? 'podium.you_stage' : 'podium.you_audience') });
      const parts = [line];
      // a moderator is on stage by right; others may step down
      if (this.youOnStage && self.role !== 'moderator') {
        parts.push(el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'podium-leave-stage' }, text: t('podium.leave_stage'), onclick: () => this.actions.sendBack(self.id) }));
      }
      s.replaceChildren(...parts);
      s.dataset.where = this.youOnStage ? 'stage' : 'audience';
      s.hidden = false;
    } else if (this.offer && self) {
      s.replaceChildren(el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'podium-offer' }, text: t('podium.offer'), onclick: () => this.onOffer() }));
      s.dataset.where = '';
      s.hidden = false;
    } else {
      s.replaceChildren();
      s.hidden = true;
    }
  }

  _renderSection() {
    const s = this.section;
    const mod = this.canChair();
    const children = [];
    if (mod || this.on) children.push(el('h3', { class: 'panel-sub', id: 'podium-heading', text: t('podium.heading') }));
    if (mod) {
      const sw = switchButton('podium-switch', t('podium.switch'));
      sw.setAttribute('aria-checked', String(this.on));
      sw.setAttribute('aria-describedby', 'podium-switch-hint');
      sw.addEventListener('click', () => {
        sw.disabled = true; // until podium/state (or an error) says how it is
        this.actions.set(!this.on);
      });
      children.push(sw, el('p', { class: 'muted small', id: 'podium-switch-hint', text: t('podium.switch_hint') }));
    }
    if (this.on) {
      children.push(el('p', { class: 'small', dataset: { testid: 'podium-audience-count' }, text: t('podium.audience_count', { n: this.audienceCount }) }));
      if (mod) children.push(...this._hands());
      children.push(el('h4', { class: 'podium-sub', id: 'podium-questions-heading', text: t('podium.questions') }));
      children.push(this._questionList());
      children.push(this._askForm());
    }
    s.hidden = children.length === 0;
    s.setAttribute('aria-labelledby', 'podium-heading');
    // keep the focus across a re-render (someone else's vote must not steal it)
    const active = s.contains(document.activeElement) ? document.activeElement : null;
    const focused = active ? active.dataset.testid : null;
    const focusedQ = active ? active.closest('[data-question-id]') : null;
    const keepInput = this.input && active === this.input;
    s.replaceChildren(...children);
    if (keepInput) this.input.focus();
    else if (focused) {
      const scope = focusedQ ? s.querySelector(`[data-question-id="${CSS.escape(focusedQ.dataset.questionId)}"]`) : s;
      const again = scope && scope.querySelector(`[data-testid="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  _hands() {
    const hands = this.room.hands().filter((p) => !this.stage.has(p.id) && !p.self);
    const list = el('ul', { class: 'plist podium-hands', dataset: { testid: 'podium-hands' }, 'aria-labelledby': 'podium-hands-heading' },
      ...hands.map((p) => el('li', { dataset: { testid: 'podium-hand', participantId: p.id } },
        el('span', { class: 'pname', text: p.display_name }), this._callUpButton(p, 'podium-call-up'))));
    const out = [el('h4', { class: 'podium-sub', id: 'podium-hands-heading', text: t('podium.hands') }), list];
    if (!hands.length) out.push(el('p', { class: 'muted small', dataset: { testid: 'podium-no-hands' }, text: t('podium.no_hands') }));
    return out;
  }

  _name(q) {
    const p = this.room.participants.get(q.by);
    return (p && p.display_name) || q.by_name || t('podium.someone');
  }

  _questionList() {
    const self = this.room.selfId;
    const mod = this.canChair();
    const items = this.questions.map((q) => {
      const mine = q.by === self;
      const name = this._name(q);
      const actions = el('div', { class: 'row podium-question-actions' });
      if (!mine) {
        const up = el('button', {
          type: 'button',
          class: `btn btn-small ${q.you_voted ? 'btn-primary' : 'btn-ghost'}`,
          dataset: { testid: 'podium-upvote' },
          'aria-pressed': String(!!q.you_voted),
          'aria-label': t('podium.upvote_label', { name }),
          text: t('podium.upvote'),
        });
        up.addEventListener('click', () => {
          up.disabled = true;
          this.actions.upvote(q.id, !q.you_voted);
        });
        actions.append(up);
      }
      if (mod) {
        actions.append(el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'podium-answer' }, 'aria-label': t('podium.answer_label', { name }), text: t('podium.answer'), onclick: () => this.actions.answer(q.id) }));
      }
      if (mod || mine) {
        const label = mine ? t('podium.withdraw') : t('podium.dismiss');
        actions.append(el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'podium-dismiss' }, 'aria-label': mine ? label : t('podium.dismiss_label', { name }), text: label, onclick: () => this.actions.dismiss(q.id) }));
      }
      return el('li', { class: 'podium-question', dataset: { testid: 'podium-question', questionId: String(q.id), mine: String(mine) } },
        el('p', { class: 'podium-question-text', dataset: { testid: 'podium-question-text' }, text: q.text }),
        el('p', { class: 'muted small' },
          el('span', { dataset: { testid: 'podium-question-by' }, text: mine ? t('podium.by_you') : t('podium.by', { name }) }),
          ' · ',
          el('span', { dataset: { testid: 'podium-votes' }, text: t('podium.votes', { n: q.votes }) })),
        actions);
    });
    const list = el('ol', { class: 'podium-questions', dataset: { testid: 'podium-questions' }, 'aria-labelledby': 'podium-questions-heading', 'aria-live': 'polite' }, ...items);
    if (!items.length) return el('div', {}, list, el('p', { class: 'muted small', dataset: { testid: 'podium-no-questions' }, text: t('podium.no_questions') }));
    return list;
  }

  _askForm() {
    // the textarea survives re-renders (typing goes on while others vote)
    if (!this.input) {
      this.input = el('textarea', { id: 'podium-ask-input', rows: '2', maxlength: String(MAX_QUESTION), dataset: { testid: 'podium-ask-input' } });
      this.input.addEventListener('input', () => {
        this.askError.hidden = true;
        this.input.removeAttribute('aria-invalid');
      });
      this.askError = el('p', { class: 'field-error', id: 'podium-ask-error', role: 'alert', dataset: { testid: 'podium-ask-error' }, hidden: true });
      this.input.setAttribute('aria-describedby', 'podium-ask-error');
    }
    this.askLabel = el('label', { for: 'podium-ask-input', text: t('podium.ask_label') });
    const form = el('form', { class: 'podium-ask stack', dataset: { testid: 'podium-ask' }, novalidate: true },
      el('div', { class: 'field' }, this.askLabel, this.input, this.askError),
      el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: 'podium-ask-submit' }, text: t('podium.ask') })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) {
        this.askError.textContent = t('podium.ask_empty');
        this.askError.hidden = false;
        this.input.setAttribute('aria-invalid', 'true');
        this.input.focus();
        return;
      }
      this.actions.ask(text.slice(0, MAX_QUESTION));
      this.input.value = '';
    });
    return form;
  }
}

function validQuestion(q) {
  return q && Number.isInteger(q.id) && typeof q.text === 'string' && Number.isInteger(q.votes);
}

/**
 * The device check before going on stage (or on again after podium mode): camera and microphone
 * with a preview, like the pre-join screen. ask() resolves with {stream, micOn, camOn, devices}
 * (the stream is the caller's to use or stop), or null when the user stays in the audience.
 */
export class DeviceCheck {
  constructor() {
    this.heading = el('h2', { id: 'podium-check-heading' });
    this.text = el('p', { class: 'muted' });
    this.video = el('video', { autoplay: true, playsinline: true, dataset: { testid: 'podium-check-preview' } });
    this.video.muted = true;
    this.note = el('p', { class: 'settings-preview-note' });
    this.preview = el('div', { class: 'settings-preview', role: 'img' }, this.video, this.note);
    this.cam = el('select', { id: 'podium-check-camera', dataset: { testid: 'podium-check-camera' } });
    this.mic = el('select', { id: 'podium-check-mic', dataset: { testid: 'podium-check-mic' } });
    this.camLabel = el('label', { for: 'podium-check-camera' });
    this.micLabel = el('label', { for: 'podium-check-mic' });
    this.msg = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'podium-check-message' }, hidden: true });
    this.go = el('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'podium-check-go' } });
    this.cancel = el('button', { type: 'button', class: 'btn', dataset: { testid: 'podium-check-cancel' } });
    this.node = el('dialog', { class: 'dialog settings-dialog podium-check', 'aria-labelledby': 'podium-check-heading', dataset: { testid: 'podium-check' } },
      el('div', { class: 'stack' }, this.heading, this.text, this.preview,
        el('div', { class: 'field' }, this.camLabel, this.cam),
        el('div', { class: 'field' }, this.micLabel, this.mic),
        this.msg,
        el('div', { class: 'row dialog-actions' }, this.cancel, this.go)));
    document.body.append(this.node);
    this.stream = new MediaStream();
    this.status = { audio: 'off', video: 'off' };
    this.resolve = null;
    this.go.addEventListener('click', () => this._finish(true));
    this.cancel.addEventListener('click', () => this._finish(false));
    // Escape (the dialog's cancel) stays in the audience
    this.node.addEventListener('cancel', (e) => {
      e.preventDefault();
      this._finish(false);
    });
    this.cam.addEventListener('change', () => this._acquire('video'));
    this.mic.addEventListener('change', () => this._acquire('audio'));
  }

  get isOpen() {
    return this.node.open;
  }

  /** kind: 'call_up' (called onto the stage) or 'offer' (podium mode ended). */
  ask(kind, devices = {}) {
    if (this.resolve) this._finish(false);
    const k = kind === 'offer' ? 'offer' : 'check';
    this.heading.textContent = t(`podium.${k}_heading`);
    this.text.textContent = t(`podium.${k}_text`);
    this.go.textContent = t(`podium.${k}_go`);
    this.cancel.textContent = t(`podium.${k}_cancel`);
    this.camLabel.textContent = t('prejoin.camera');
    this.micLabel.textContent = t('prejoin.microphone');
    this.preview.setAttribute('aria-label', t('podium.check_preview'));
    this.msg.hidden = true;
    this.devices = { camera: devices.camera || '', microphone: devices.microphone || '' };
    this.returnFocus = document.activeElement;
    this.node.showModal();
    this.go.focus();
    const answer = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.starting = this._start();
    return answer;
  }

  /** Closes without an answer (e.g. sent back meanwhile): as "stay in the audience". */
  abort() {
    if (this.resolve) this._finish(false);
  }

  async _start() {
    const { stream, status } = await acquireMedia({ audio: true, video: true, devices: this.devices });
    if (!this.resolve) {
      for (const tr of stream.getTracks()) tr.stop();
      return;
    }
    this.stream = stream;
    this.status = status;
    this._show();
    await this._fill();
  }

  async _acquire(kind) {
    const source = kind === 'video' ? 'camera' : 'microphone';
    this.devices[source] = (kind === 'video' ? this.cam : this.mic).value;
    for (const tr of kind === 'video' ? this.stream.getVideoTracks() : this.stream.getAudioTracks()) {
      tr.stop();
      this.stream.removeTrack(tr);
    }
    const { stream, status } = await acquireMedia({ audio: kind === 'audio', video: kind === 'video', devices: this.devices });
    if (!this.resolve) {
      for (const tr of stream.getTracks()) tr.stop();
      return;
    }
    for (const tr of stream.getTracks()) this.stream.addTrack(tr);
    this.status[kind] = status[kind];
    this._show();
  }

  _show() {
    const m = mediaMessage(this.status);
    this.msg.textContent = m;
    this.msg.hidden = !m;
    const v = this.stream.getVideoTracks()[0];
    this.video.srcObject = v ? new MediaStream([v]) : null;
    this.video.hidden = !v;
    this.note.textContent = v ? '' : t('podium.check_camera_off');
    if (v) this.video.play().catch(() => {});
  }

  async _fill() {
    let list = [];
    try {
      if (navigator.mediaDevices && navigator.mediaDevices.enumerateDevices) list = await navigator.mediaDevices.enumerateDevices();
    } catch {
      /* the selects stay empty */
    }
    const fill = (sel, kind, track) => {
      const devs = list.filter((d) => d.kind === kind && d.deviceId);
      sel.replaceChildren(...devs.map((d, i) => el('option', { value: d.deviceId, text: d.label || t('prejoin.device_n', { n: i + 1 }) })));
      if (!devs.length) sel.append(el('option', { value: '', text: t('settings.no_device') }));
      sel.disabled = devs.length === 0;
      const cur = track && track.getSettings ? track.getSettings().deviceId : '';
      if (cur && devs.some((d) => d.deviceId === cur)) sel.value = cur;
    };
    fill(this.cam, 'videoinput', this.stream.getVideoTracks()[0]);
    fill(this.mic, 'audioinput', this.stream.getAudioTracks()[0]);
  }

  async _finish(go) {
    if (!this.resolve || this.finishing) return;
    this.finishing = true;
    // "Go on stage" before the devices answered waits for them (as the pre-join's Join does)
    if (go) await (this.starting || Promise.resolve()).catch(() => {});
    const resolve = this.resolve;
    this.resolve = null;
    this.finishing = false;
    if (!resolve) return;
    if (this.node.open) this.node.close();
    this.video.srcObject = null;
    const stream = this.stream;
    this.stream = new MediaStream();
    const f = this.returnFocus;
    this.returnFocus = null;
    if (f && f.isConnected && !f.disabled) f.focus();
    if (!go) {
      for (const tr of stream.getTracks()) tr.stop();
      resolve(null);
      return;
    }
    resolve({
      stream,
      micOn: this.status.audio === 'ok',
      camOn: this.status.video === 'ok',
      devices: { camera: this.cam.value || this.devices.camera, microphone: this.mic.value || this.devices.microphone },
    });
  }
}
