// SPDX-License-Identifier: EUPL-1.2
// The meeting timer (protocol: docs/protocol.md "timer"; server: src/room/timer.c): a countdown
// chip over the stage that everyone sees, and for moderators a small block in the participants
// panel to start it (5, 10 or 15 minutes with a label such as "Pause") and to stop it. The chip
// counts against the server's clock (`now` in every state); screen readers hear the start and
// the end, not every second.
import { el } from '../util.js';
import { t } from '../i18n.js';
import { toast } from './toasts.js';

const PRESETS_MIN = [5, 10, 15];
const DONE_SHOWN_MS = 15000;

function clock(s) {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

export class TimerPanel {
  /**
   * @param {{stage: HTMLElement, after: HTMLElement, isModerator: () => boolean,
   *   actions: {start: Function, stop: Function}}} o
   *   `after`: the element in the participants panel the chair's block goes after
   */
  constructor({ stage, after, isModerator, actions }) {
    Object.assign(this, { isModerator, actions });
    this.timer = null;
    this.offset = 0; // server clock - our clock
    this.doneUntil = 0;
    this.chip = el('div', { class: 'timer-chip', role: 'timer', dataset: { testid: 'timer-chip' }, hidden: true });
    this.live = el('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    stage.append(this.chip, this.live);
    this.label = el('input', { id: 'timer-label', type: 'text', maxlength: 100, dataset: { testid: 'timer-label' }, value: t('timer.label_default') });
    this.stopButton = el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'timer-stop' }, text: t('timer.stop'), hidden: true, onclick: () => this.actions.stop() });
    this.chair = el('section', { class: 'timer-chair', dataset: { testid: 'timer-chair' }, 'aria-labelledby': 'timer-heading', hidden: true },
      el('h3', { class: 'panel-sub', id: 'timer-heading', text: t('timer.heading') }),
      el('label', { for: 'timer-label', class: 'small', text: t('timer.label_label') }), this.label,
      el('div', { class: 'timer-presets' },
        ...PRESETS_MIN.map((n) => el('button', {
          type: 'button', class: 'btn btn-small', dataset: { testid: 'timer-preset', minutes: n },
          text: t('timer.minutes', { n }),
          onclick: () => this.actions.start(n * 60, this.label.value.trim()),
        })),
        this.stopButton));
    // the preset buttons say only "5 minutes": give them the whole action for screen readers
    this.label.addEventListener('input', () => this._labelButtons());
    this._labelButtons();
    after.after(this.chair);
    this.tick = setInterval(() => this._drawChip(), 1000);
  }

  _labelButtons() {
    const label = this.label.value.trim() || t('timer.heading');
    for (const b of this.chair.querySelectorAll('[data-testid="timer-preset"]')) {
      b.setAttribute('aria-label', t('timer.start_label', { label, n: Number(b.dataset.minutes) }));
    }
  }

  /** control/joined's `timer` (null when none runs), with the server's time of that reply. */
  reset(timer) {
    this.setState({ timer, now: Date.now() + this.offset, done: false, quiet: true });
  }

  /** timer/state */
  setState(m) {
    if (typeof m.now === 'number' && !m.quiet) this.offset = m.now - Date.now();
    const tm = m.timer && typeof m.timer === 'object' && typeof m.timer.ends_at === 'number' ? m.timer : null;
    const label = tm && tm.label;
    if (m.done) {
      this.timer = null;
      this.doneText = label ? t('timer.done', { label }) : t('timer.done_plain');
      this.doneUntil = Date.now() + DONE_SHOWN_MS;
      this.live.textContent = this.doneText;
      toast(this.doneText, { timeout: 8000, key: 'timer' });
    } else {
      const fresh = tm && (!this.timer || this.timer.ends_at !== tm.ends_at);
      this.timer = tm;
      this.doneUntil = 0;
      if (fresh && !m.quiet) {
        this.live.textContent = t('timer.started', { label: label || t('timer.heading'), n: Math.round((tm.seconds || 0) / 60) });
      }
    }
    this.render();
  }

  render() {
    const mod = this.isModerator();
    this.chair.hidden = !mod;
    this.stopButton.hidden = !this.timer;
    this._drawChip();
  }

  _drawChip() {
    if (this.timer) {
      const left = Math.max(0, Math.ceil((this.timer.ends_at - (Date.now() + this.offset)) / 1000));
      const time = clock(left);
      this.chip.textContent = this.timer.label ? t('timer.chip', { label: this.timer.label, time }) : t('timer.chip_plain', { time });
      this.chip.classList.toggle('warn', left <= 60);
      this.chip.classList.remove('done');
      this.chip.hidden = false;
    } else if (Date.now() < this.doneUntil) {
      this.chip.textContent = this.doneText;
      this.chip.classList.add('done');
      this.chip.hidden = false;
    } else {
      this.chip.hidden = true;
    }
  }
}
