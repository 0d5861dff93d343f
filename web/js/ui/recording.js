// SPDX-License-Identifier: EUPL-1.2
// Recording and livestream in the meeting (protocol: docs/protocol.md "recording"; server:
// src/room/recording.c; the wire: ../features/recording.js).
//
// RecordingPanel keeps the last recording/state (two kinds, `recording` and `stream`, each off,
// starting, running or failed, `paused` beside it; `you` per kind; `counts` for moderators) and
// draws three things from it:
//   * the indicator in the room header, always visible while a kind runs (paused too): a red
//     "● REC" / "● LIVE" button with one's own status ("You are not in the recording"); it
//     reopens the consent choice; starts, stops and pauses are announced by a polite live region;
//   * the consent dialog (ConsentDialog), opened by itself whenever a kind runs and one's answer
//     is `pending` — also when joining into a running recording — once per run of that kind;
//   * the moderator's controls: a form per kind to start it (purpose, retention, layout), then
//     pause/resume, stop (confirmed), layout, the stream's public link and RTMP destinations, the
//     consent counts, a failed state with "Start again". They live in a dialog opened from "More"
//     and move into the chair's view while that is open (one copy in the page, as podium does).
//
// The one subtle point: closing the consent dialog without an answer (Escape) sends nothing, so
// the answer stays `pending`, which the server treats as "not in it" — the safe default. The
// dialog does not pop up again for the same run; the indicator brings it back.
import { el, formatTime } from '../util.js';
import { t, lang, errorText } from '../i18n.js';
import { toast, copyText } from './toasts.js';
import { switchButton } from './chair.js';
import { confirmAction } from './confirm.js';

export const KINDS = ['recording', 'stream'];
const ANSWERS = new Set(['pending', 'given', 'declined']);
const STATES = new Set(['off', 'starting', 'running', 'failed']);
const TARGET_STATES = new Set(['off', 'connecting', 'running', 'reconnecting', 'failed']);
const MAX_PURPOSE = 300;
const DEFAULT_RETENTION = 30;
const MAX_RETENTION = 3650; // the config's upper bound; the server's own maximum wins (its error)

/** A kind is running (and people are asked) while starting or running; paused counts. */
export function runs(k) {
  return !!k && (k.state === 'starting' || k.state === 'running');
}

/** The server's state object (recording/state or control/joined's `recording`), checked. */
export function normalise(m) {
  const src = m && typeof m === 'object' ? m : {};
  const out = { you: {}, counts: null };
  for (const kind of KINDS) {
    const k = src[kind] && typeof src[kind] === 'object' ? src[kind] : {};
    const state = STATES.has(k.state) ? k.state : 'off';
    const you = src.you && ANSWERS.has(src.you[kind]) ? src.you[kind] : 'pending';
    out[kind] = {
      state,
      paused: k.paused === true,
      started_by: typeof k.started_by === 'string' ? k.started_by : '',
      purpose: typeof k.purpose === 'string' ? k.purpose : '',
      retention_days: Number.isInteger(k.retention_days) ? k.retention_days : null,
      since: typeof k.since === 'number' ? k.since : null,
      layout: k.layout === 'grid' ? 'grid' : 'speaker',
      error: typeof k.error === 'string' ? k.error : '',
      public_url: typeof k.public_url === 'string' && k.public_url ? absolute(k.public_url) : '',
      targets: Array.isArray(k.targets)
        ? k.targets.filter((x) => x && typeof x.id === 'string').map((x) => ({ id: x.id, name: typeof x.name === 'string' && x.name ? x.name : x.id, state: TARGET_STATES.has(x.state) ? x.state : 'off' }))
        : [],
    };
    out.you[kind] = you;
  }
  if (src.counts && typeof src.counts === 'object') {
    out.counts = {};
    for (const kind of KINDS) {
      const c = src.counts[kind];
      if (c && typeof c === 'object') out.counts[kind] = { given: c.given | 0, declined: c.declined | 0, pending: c.pending | 0 };
    }
  }
  return out;
}

/** The server sends the page's path when it has no public_url of its own: put our origin in front. */
function absolute(u) {
  try {
    return new URL(u, location.origin).href;
  } catch {
    return u;
  }
}

/** A target that is switched on (whatever its connection is doing). */
const targetOn = (x) => x.state === 'connecting' || x.state === 'running' || x.state === 'reconnecting';

export class RecordingPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.header  the room header (the indicator goes before its end: the
   *   count, Copy link and the connection; on a narrow screen it takes a row of its own)
   * @param {import('../room.js').RoomState} o.room  (a change of one's role shows or hides the controls)
   * @param {() => boolean} o.isModerator  whether to offer the controls (the server decides)
   * @param {object} o.actions  features.recording (bound actions)
   */
  constructor({ header, room, isModerator, actions }) {
    Object.assign(this, { isModerator, actions });
    this.s = normalise(null);
    this.asked = new Set(); // runs (kind + since) whose consent dialog already opened by itself
    this.maxRetention = MAX_RETENTION;

    this.header = header;
    this.indicator = el('div', { class: 'rec-indicator', dataset: { testid: 'recording-indicator' }, hidden: true });
    const end = header.querySelector('.topbar-end');
    if (end) end.before(this.indicator);
    else header.append(this.indicator);
    // start, stop, pause and resume for screen readers (a region that is never hidden)
    this.announcer = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', dataset: { testid: 'recording-announce' } });
    header.append(this.announcer);

    this.consent = new ConsentDialog({ answer: (kind, given) => this._answer(kind, given) });

    // the moderator's controls: one section, in the dialog or the chair's view
    this.section = el('div', { class: 'rec-controls', dataset: { testid: 'recording-controls' } });
    this.forms = {};
    for (const kind of KINDS) this.forms[kind] = this._startForm(kind);
    this.dialogHeading = el('h2', { id: 'rec-dialog-heading' });
    this.dialogClose = el('button', { type: 'button', class: 'btn btn-secondary', dataset: { testid: 'recording-dialog-close' }, onclick: () => this.closeControls() });
    this.dialogBody = el('div', { class: 'rec-dialog-body' }, this.section);
    this.dialog = el('dialog', { class: 'dialog rec-dialog', 'aria-labelledby': this.dialogHeading.id, dataset: { testid: 'recording-dialog' } },
      el('div', { class: 'stack' }, this.dialogHeading, this.dialogBody, el('div', { class: 'row dialog-actions' }, this.dialogClose)));
    this.dialog.addEventListener('close', () => this._dialogClosed());
    document.body.append(this.dialog);
    this.chairHost = null; // the chair's view slot while it is open

    room.addEventListener('change', (e) => {
      if (e.detail.type !== 'participant-updated' && e.detail.type !== 'reset') return;
      // only when one's own role changed (a re-render would close an open select)
      const mod = this.isModerator();
      if (mod !== this.wasModerator) this._renderControls();
    });
    window.addEventListener('ratsaal:language', () => {
      for (const kind of KINDS) this._labelForm(kind);
      this.render();
      this.consent.render(this.s);
    });
    this.render();
  }

  // ---- state ----

  /** control/joined's `recording` (null: out of the meeting). Everyone is asked again on a join. */
  reset(r) {
    this.asked.clear();
    this.s = normalise(r);
    if (!r) {
      this.consent.close();
      if (this.dialog.open) this.dialog.close();
    }
    this.render();
    this._maybeAsk();
  }

  /** recording/state */
  setState(m) {
    const before = this.s;
    this.s = normalise(m);
    this._announce(KINDS.map((kind) => change(kind, before[kind], this.s[kind])).filter(Boolean));
    this.render();
    this.consent.update(this.s);
    this._maybeAsk();
  }

  /** recording/recorder_failed (moderators): a toast with the message; the state says failed. */
  recorderFailed(m) {
    const kind = KINDS.includes(m.kind) ? m.kind : 'recording';
    const what = t(`recording.kind_${kind}`);
    const text = typeof m.message === 'string' && m.message ? t('recording.failed_toast', { what, message: m.message }) : t('recording.failed_toast_plain', { what });
    toast(text, { kind: 'error', code: 'recorder_failed', timeout: 15000, key: `recorder-failed:${kind}` });
  }

  /** Whether any kind runs (the "More" entry notes it). */
  get running() {
    return KINDS.some((k) => runs(this.s[k]));
  }

  /** Reads `texts` out (both kinds may change at once). */
  _announce(texts) {
    if (!texts.length) return;
    // the same text twice in a row is not read again: clear first
    this.announcer.textContent = '';
    const text = texts.join(' ');
    setTimeout(() => {
      this.announcer.textContent = text;
    }, 50);
  }

  /** Open the consent dialog for every running kind not yet answered, once per run. */
  _maybeAsk() {
    const kinds = KINDS.filter((k) => runs(this.s[k]) && this.s.you[k] === 'pending' && !this.asked.has(runKey(k, this.s[k])));
    if (!kinds.length) return;
    for (const k of kinds) this.asked.add(runKey(k, this.s[k]));
    this.consent.open(kinds, this.s);
  }

  _answer(kind, given) {
    this.actions.consent(kind, given);
  }

  // ---- the indicator ----

  render() {
    this._renderIndicator();
    this._renderControls();
  }

  _renderIndicator() {
    const badges = KINDS.filter((k) => runs(this.s[k])).map((kind) => {
      const k = this.s[kind];
      const inIt = this.s.you[kind] === 'given';
      const you = t(`recording.${inIt ? 'you_in' : 'you_not_in'}_${kind}`);
      const what = t(`recording.kind_${kind}`);
      // the name is the visible text (REC, paused, one's status) and what a click does
      return el('button', {
        type: 'button',
        class: 'rec-badge',
        dataset: { testid: `recording-badge-${kind}`, paused: String(k.paused), you: this.s.you[kind] },
        title: t(k.paused ? 'recording.badge_label_paused' : 'recording.badge_label', { what, you }),
        onclick: () => this.consent.open(KINDS.filter((x) => runs(this.s[x])), this.s, true),
      },
      el('span', { class: 'rec-badge-mark' }, el('span', { 'aria-hidden': 'true', text: '● ' }), t(`recording.badge_${kind}`)),
      k.paused ? el('span', { class: 'rec-badge-paused', text: t('recording.badge_paused') }) : null,
      el('span', { class: 'rec-badge-you', dataset: { testid: `recording-you-${kind}` }, text: you }),
      // on a narrow header the same in two words
      el('span', { class: 'rec-badge-you-short', text: t(inIt ? 'recording.you_short_in' : 'recording.you_short_out') }),
      el('span', { class: 'visually-hidden', text: t('recording.badge_action') }));
    });
    this.indicator.replaceChildren(...badges);
    this.indicator.hidden = badges.length === 0;
    this.header.classList.toggle('has-rec', badges.length > 0);
  }

  // ---- the moderator's controls ----

  /** From "More": the controls in their dialog. */
  openControls() {
    this.returnFocus = document.activeElement;
    this.dialogHeading.textContent = t('recording.controls_heading');
    this.dialogClose.textContent = t('recording.close');
    this.dialogBody.append(this.section);
    this.kindHeading = 'h3';
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    const first = this.section.querySelector('input, select, button');
    (first || this.dialogClose).focus();
  }

  closeControls() {
    if (this.dialog.open) this.dialog.close();
  }

  _dialogClosed() {
    if (this.chairHost) this.attach(this.chairHost);
    const f = this.returnFocus;
    this.returnFocus = null;
    if (f && f.isConnected && !f.disabled) f.focus();
  }

  /** Into the chair's view while it is open. */
  attach(host) {
    this.chairHost = host;
    if (this.dialog.open) return; // back there when the dialog closes
    host.append(this.section);
    this.kindHeading = 'h4';
    this.render();
  }

  detach() {
    this.chairHost = null;
    if (!this.dialog.open) this.dialogBody.append(this.section);
  }

  _renderControls() {
    const s = this.section;
    this.wasModerator = this.isModerator();
    if (!this.isModerator()) {
      s.replaceChildren();
      if (this.dialog.open) this.dialog.close();
      return;
    }
    // keep the focus across a re-render (consent answers arrive while the chair works here);
    // a button that was pressed (and disabled, so it lost the focus) asked for it in `refocus`
    const active = s.contains(document.activeElement) ? document.activeElement : null;
    const focused = this.refocus || (active && active.dataset ? active.dataset.testid : null);
    s.replaceChildren(...KINDS.map((kind) => this._kindBlock(kind)));
    if (focused && (this.refocus || (active && !s.contains(active)))) {
      const again = s.querySelector(`[data-testid="${CSS.escape(focused)}"]`);
      // gone (the start form after starting, the running controls after stopping): the kind's state line
      const kind = KINDS.find((k) => focused.endsWith(`-${k}`));
      const fallback = kind ? s.querySelector(`[data-testid="rec-state-${kind}"]`) : null;
      if (again && !again.disabled) again.focus();
      else if (fallback) fallback.focus();
      if (!this.refocus || again || fallback) this.refocus = null;
    }
  }

  _kindBlock(kind) {
    const k = this.s[kind];
    const hid = `rec-${kind}-heading`;
    const stateKey = runs(k) && k.paused ? 'paused' : k.state;
    const children = [
      el(this.kindHeading || 'h3', { id: hid, class: 'panel-sub', text: t(`recording.kind_${kind}`) }),
      el('p', { class: 'rec-state', tabindex: '-1', dataset: { testid: `rec-state-${kind}`, state: k.state, paused: String(k.paused) }, text: t('recording.state_line', { state: t(`recording.state_${stateKey}`) }) }),
    ];
    if (k.state === 'failed' && k.error) children.push(el('p', { class: 'field-error', dataset: { testid: `rec-error-${kind}` }, text: t('recording.failed_reason', { error: k.error }) }));
    if (runs(k)) children.push(...this._runningControls(kind, k));
    else {
      const f = this.forms[kind];
      f.submit.textContent = t(k.state === 'failed' ? 'recording.start_again' : `recording.start_${kind}`);
      children.push(f.form);
    }
    return el('section', { class: 'rec-kind', dataset: { testid: `rec-controls-${kind}` }, 'aria-labelledby': hid }, ...children);
  }

  _runningControls(kind, k) {
    const out = [];
    if (k.started_by || k.since) {
      out.push(el('p', { class: 'small', dataset: { testid: `rec-started-${kind}` }, text: t('recording.started_line', { name: k.started_by || '–', time: k.since ? formatTime(k.since, lang) : '–' }) }));
    }
    if (k.purpose) out.push(el('p', { class: 'small rec-purpose', dataset: { testid: `rec-purpose-line-${kind}` }, text: t('recording.purpose_line', { purpose: k.purpose }) }));
    if (kind === 'recording' && k.retention_days) out.push(el('p', { class: 'small', text: t('recording.retention_line', { n: k.retention_days }) }));
    const c = this.s.counts && this.s.counts[kind];
    if (c) out.push(el('p', { class: 'small rec-counts', dataset: { testid: `rec-counts-${kind}`, given: String(c.given), declined: String(c.declined), pending: String(c.pending) }, text: t('recording.counts', c) }));

    const pause = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-pressed': String(k.paused), dataset: { testid: `rec-pause-${kind}` }, text: t(k.paused ? 'recording.resume' : 'recording.pause') });
    pause.addEventListener('click', () => {
      pause.disabled = true; // until recording/state (or an error) says how it is
      this.refocus = pause.dataset.testid;
      this.actions.pause(kind, !k.paused);
    });
    const stop = el('button', { type: 'button', class: 'btn btn-danger btn-small', dataset: { testid: `rec-stop-${kind}` }, text: t(`recording.stop_${kind}`) });
    stop.addEventListener('click', async () => {
      const ok = await confirmAction({ heading: t(`recording.stop_confirm_heading_${kind}`), text: t(`recording.stop_confirm_text_${kind}`), ok: t(`recording.stop_${kind}`) });
      if (ok && runs(this.s[kind])) {
        this.refocus = stop.dataset.testid; // the state line, once it says off
        this.actions.stop(kind);
      } else if (stop.isConnected) stop.focus();
    });
    out.push(el('div', { class: 'row' }, pause, stop));

    const lid = `rec-layout-${kind}`;
    const layout = layoutSelect(lid, `rec-layout-${kind}`, k.layout);
    layout.addEventListener('change', () => this.actions.layout(kind, layout.value));
    out.push(el('div', { class: 'field' }, el('label', { for: lid, text: t('recording.layout_label') }), layout));

    if (kind === 'stream') {
      if (k.public_url) {
        const uid = 'rec-public-url';
        const input = el('input', { id: uid, type: 'text', readonly: true, class: 'rec-public-url', value: k.public_url, dataset: { testid: 'rec-public-url' } });
        input.addEventListener('focus', () => input.select());
        const copy = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'rec-copy-url' }, text: t('recording.copy_link'), onclick: () => copyText(k.public_url) });
        out.push(el('div', { class: 'field' }, el('label', { for: uid, text: t('recording.public_link') }), el('div', { class: 'row rec-link-row' }, input, copy)));
      }
      out.push(el('h5', { class: 'rec-sub', id: 'rec-targets-heading', text: t('recording.targets') }));
      if (!k.targets.length) out.push(el('p', { class: 'muted small', dataset: { testid: 'rec-no-targets' }, text: t('recording.no_targets') }));
      else {
        out.push(el('ul', { class: 'rec-targets', 'aria-labelledby': 'rec-targets-heading', dataset: { testid: 'rec-targets' } },
          ...k.targets.map((x) => {
            const stateText = t(`recording.target_state_${x.state}`);
            const sw = switchButton(`rec-target-switch-${x.id}`, x.name);
            sw.setAttribute('aria-checked', String(targetOn(x)));
            sw.setAttribute('aria-describedby', `rec-target-${x.id}-state`);
            sw.addEventListener('click', () => {
              sw.disabled = true;
              this.refocus = sw.dataset.testid;
              this.actions.target(x.id, !targetOn(x));
            });
            return el('li', { class: 'rec-target', dataset: { testid: 'rec-target', targetId: x.id, state: x.state } },
              sw, el('span', { id: `rec-target-${x.id}-state`, class: `rec-target-state rec-target-${x.state}`, dataset: { testid: 'rec-target-state' }, text: stateText }));
          })));
      }
    }
    return out;
  }

  /** The start form of a kind: built once, so that what was typed survives re-renders. */
  _startForm(kind) {
    const id = (n) => `rec-${kind}-${n}`;
    const purpose = el('input', { id: id('purpose'), type: 'text', maxlength: String(MAX_PURPOSE), required: true, autocomplete: 'off', 'aria-describedby': `${id('purpose-hint')} ${id('error')}`, dataset: { testid: `rec-purpose-${kind}` } });
    const retention = kind === 'recording' ? el('input', { id: id('retention'), type: 'number', min: '1', max: String(MAX_RETENTION), step: '1', inputmode: 'numeric', value: String(DEFAULT_RETENTION), 'aria-describedby': `${id('retention-hint')} ${id('error')}`, dataset: { testid: 'rec-retention' } }) : null;
    const layout = layoutSelect(id('layout'), `rec-form-layout-${kind}`, 'speaker');
    const error = el('p', { id: id('error'), class: 'field-error', role: 'alert', dataset: { testid: `rec-form-error-${kind}` }, hidden: true });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: `rec-start-${kind}` } });
    const labels = {
      purpose: el('label', { for: purpose.id }),
      purposeHint: el('p', { id: id('purpose-hint'), class: 'field-hint' }),
      retention: retention ? el('label', { for: retention.id }) : null,
      retentionHint: retention ? el('p', { id: id('retention-hint'), class: 'field-hint' }) : null,
      layout: el('label', { for: layout.id }),
    };
    const form = el('form', { class: 'rec-form stack', novalidate: true, dataset: { testid: `rec-form-${kind}` } },
      el('div', { class: 'field' }, labels.purpose, purpose, labels.purposeHint),
      retention ? el('div', { class: 'field' }, labels.retention, retention, labels.retentionHint) : null,
      el('div', { class: 'field' }, labels.layout, layout),
      error,
      el('div', { class: 'row' }, submit));
    const inputs = [purpose, retention].filter(Boolean);
    const clear = () => {
      error.hidden = true;
      for (const i of inputs) i.removeAttribute('aria-invalid');
    };
    const fail = (text, input) => {
      clear();
      error.textContent = text;
      error.hidden = false;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    };
    for (const i of inputs) i.addEventListener('input', clear);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear();
      const p = purpose.value.trim();
      if (!p) return fail(t('recording.purpose_empty'), purpose);
      if ([...p].length > MAX_PURPOSE) return fail(t('recording.purpose_long'), purpose);
      const fields = { kind, purpose: p, layout: layout.value };
      if (retention) {
        const n = Number(retention.value);
        if (!Number.isInteger(n) || n < 1 || n > this.maxRetention) return fail(t('recording.retention_bad', { max: this.maxRetention }), retention);
        fields.retention_days = n;
      }
      submit.disabled = true;
      try {
        this.refocus = `rec-pause-${kind}`;
        await this.actions.start(fields);
        purpose.value = '';
      } catch (err) {
        this.refocus = null;
        if (err.code === 'invalid_value' && err.field === 'retention_days' && retention) {
          // the server's maximum (recording_retention_days) is in its message
          const nums = String(err.message || '').match(/\d+/g);
          const max = nums ? Math.max(...nums.map(Number)) : 0;
          if (max >= 1 && max <= MAX_RETENTION) {
            this.maxRetention = max;
            retention.max = String(max);
          }
          fail(t('recording.retention_bad', { max: this.maxRetention }), retention);
        } else {
          const text = err.code === 'timeout' ? t('toast.timeout') : errorText(err.code, err.message);
          fail(err.code === 'invalid_value' && err.field === 'purpose' ? t('recording.purpose_bad') : text, err.field === 'purpose' ? purpose : null);
        }
      } finally {
        submit.disabled = false;
      }
    });
    const f = { form, purpose, retention, layout, error, submit, labels };
    this.forms[kind] = f;
    this._labelForm(kind);
    return f;
  }

  _labelForm(kind) {
    const f = this.forms[kind];
    f.labels.purpose.textContent = t('recording.purpose_label');
    f.labels.purposeHint.textContent = t('recording.purpose_hint');
    if (f.labels.retention) {
      f.labels.retention.textContent = t('recording.retention_label');
      f.labels.retentionHint.textContent = t('recording.retention_hint');
    }
    f.labels.layout.textContent = t('recording.layout_label');
    for (const o of f.layout.options) o.textContent = t(`recording.layout_${o.value}`);
  }
}

/** What changed for screen readers: started, stopped, failed, paused, resumed (or null). */
function change(kind, a, b) {
  let key = null;
  if (!runs(a) && runs(b)) key = 'started';
  else if (runs(a) && !runs(b)) key = b.state === 'failed' ? 'failed' : 'stopped';
  else if (runs(a) && runs(b) && a.paused !== b.paused) key = b.paused ? 'paused' : 'resumed';
  return key ? t(`recording.announce_${key}_${kind}`) : null;
}

function runKey(kind, k) {
  return `${kind}:${k.since || ''}:${k.started_by}`;
}

function layoutSelect(id, testid, value) {
  const s = el('select', { id, dataset: { testid } }, ...['speaker', 'grid'].map((v) => el('option', { value: v, text: t(`recording.layout_${v}`) })));
  s.value = value;
  return s;
}

/**
 * The consent question: what is recorded or streamed, by whom, for what, for how long, what
 * declining means, that the answer may change at any time. One section per kind asked (both at
 * once when both run). A native modal dialog: the focus stays inside; Escape or "Close" leave
 * the answer as it is (pending = not in it).
 */
export class ConsentDialog {
  constructor({ answer }) {
    this.answer = answer;
    this.kinds = [];
    this.answered = new Set();
    this.heading = el('h2', { id: 'consent-heading', tabindex: '-1' });
    this.body = el('div', { class: 'stack consent-body' });
    this.closeButton = el('button', { type: 'button', class: 'btn btn-secondary', dataset: { testid: 'consent-close' }, onclick: () => this.close() });
    this.node = el('dialog', { class: 'dialog consent-dialog', 'aria-labelledby': 'consent-heading', dataset: { testid: 'consent-dialog' } },
      el('div', { class: 'stack' }, this.heading, this.body, el('div', { class: 'row dialog-actions' }, this.closeButton)));
    this.node.addEventListener('close', () => {
      this.kinds = [];
      const f = this.returnFocus;
      this.returnFocus = null;
      // where it was, else the indicator (the way back to this choice)
      const back = f && f.isConnected && !f.disabled ? f : document.querySelector('.rec-badge');
      if (back) back.focus();
    });
    document.body.append(this.node);
  }

  get isOpen() {
    return this.node.open;
  }

  /** Ask about `kinds` (more are added to an open dialog); `again`: opened by the user. */
  open(kinds, s, again = false) {
    if (!kinds.length) return;
    if (!this.node.open) {
      this.kinds = [];
      this.answered.clear();
      this.returnFocus = document.activeElement;
    }
    for (const k of kinds) if (!this.kinds.includes(k)) this.kinds.push(k);
    this.again = again || this.again;
    this.render(s);
    if (!this.node.open) {
      this.node.showModal();
      // the heading first: a screen reader reads what this is before any button
      this.heading.focus();
    }
  }

  /** A new state while open: kinds that stopped leave; none left closes it. */
  update(s) {
    if (!this.node.open) return;
    this.kinds = this.kinds.filter((k) => runs(s[k]));
    if (!this.kinds.length) {
      this.close();
      return;
    }
    this.render(s);
  }

  close() {
    if (this.node.open) this.node.close();
  }

  render(s) {
    this.s = s;
    if (!this.node.open && !this.kinds.length) return;
    const kinds = this.kinds;
    this.heading.textContent = t(kinds.length > 1 ? 'recording.consent_heading_both' : `recording.consent_heading_${kinds[0]}`);
    const badge = kinds.map((k) => `● ${t(`recording.badge_${k}`)}`).join(' / ');
    const active = this.node.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    this.body.replaceChildren(
      ...kinds.map((kind) => this._section(kind, s)),
      el('p', { dataset: { testid: 'consent-decline-means' }, text: t('recording.consent_decline_means') }),
      el('p', { class: 'muted small', text: t('recording.consent_change', { badge }) }),
      el('p', { class: 'muted small', text: t('recording.consent_escape') }),
    );
    this.closeButton.textContent = t('recording.consent_close');
    if (active) {
      const again = this.node.querySelector(`[data-testid="${CSS.escape(active)}"]`);
      if (again) again.focus();
    }
  }

  _section(kind, s) {
    const k = s[kind];
    const qid = `consent-q-${kind}`;
    const what = t(`recording.kind_${kind}`);
    const lines = [];
    if (kind === 'recording') lines.push(t('recording.consent_what_recording'));
    else {
      lines.push(t('recording.consent_what_stream', { url: k.public_url || '/live' }));
      const on = k.targets.filter(targetOn).map((x) => x.name);
      if (on.length) lines.push(t('recording.consent_targets', { names: on.join(', ') }));
    }
    if (k.started_by) lines.push(t('recording.consent_by', { name: k.started_by }));
    if (k.purpose) lines.push(t('recording.consent_purpose', { purpose: k.purpose }));
    lines.push(kind === 'recording' ? (k.retention_days ? t('recording.consent_retention', { n: k.retention_days }) : '') : t('recording.consent_live_only'));
    const you = s.you[kind];
    const agree = el('button', { type: 'button', class: `btn ${you === 'given' ? 'btn-primary' : 'btn-secondary'}`, 'aria-pressed': String(you === 'given'), 'aria-label': t('recording.agree_label', { what }), dataset: { testid: `consent-agree-${kind}` }, text: t('recording.agree') });
    const decline = el('button', { type: 'button', class: `btn ${you === 'declined' ? 'btn-primary' : 'btn-secondary'}`, 'aria-pressed': String(you === 'declined'), 'aria-label': t('recording.decline_label', { what }), dataset: { testid: `consent-decline-${kind}` }, text: t('recording.decline') });
    agree.addEventListener('click', () => this._choose(kind, true));
    decline.addEventListener('click', () => this._choose(kind, false));
    return el('section', { class: 'consent-kind', 'aria-labelledby': qid, dataset: { testid: `consent-${kind}` } },
      ...lines.filter(Boolean).map((line, i) => el('p', { dataset: { testid: `consent-${kind}-line-${i}` }, text: line })),
      el('p', { class: 'muted small', dataset: { testid: `consent-current-${kind}` }, text: t(`recording.consent_current_${you}`) }),
      el('h3', { id: qid, class: 'consent-question', text: t(`recording.consent_question_${kind}`) }),
      el('div', { class: 'row', role: 'group', 'aria-labelledby': qid }, agree, decline));
  }

  _choose(kind, given) {
    this.answer(kind, given);
    this.answered.add(kind);
    if (this.kinds.every((k) => this.answered.has(k))) {
      this.close();
      return;
    }
    // the next question
    const next = this.kinds.find((k) => !this.answered.has(k));
    const b = next && this.node.querySelector(`[data-testid="consent-agree-${next}"]`);
    if (b) b.closest('section').querySelector('h3').setAttribute('tabindex', '-1');
    if (b) b.closest('section').querySelector('h3').focus();
  }
}
