// SPDX-License-Identifier: EUPL-1.2
// Keyboard shortcuts of the meeting view, and the help dialog that lists them ("?").
//
// Single keys without modifiers, so they never collide with the browser's own (Ctrl/Alt/Meta
// combinations are left alone). None fires while the user types (an input, a textarea, a select
// or an editable element has focus) or while a dialog other than this help is open; Space acts
// as push-to-talk only while the microphone is off and no button or link has focus (there Space
// presses the button, as everywhere on the web). W held whispers to the chosen whisper group
// (ui/whisper.js) for as long as it is held.
import { el, icon } from '../util.js';
import { t } from '../i18n.js';

/** The table: key (KeyboardEvent.key, lower case) → i18n label key and the action's name. */
export const SHORTCUTS = [
  { key: 'm', label: 'shortcuts.mic', action: 'mic' },
  { key: 'v', label: 'shortcuts.camera', action: 'camera' },
  { key: 'h', label: 'shortcuts.hand', action: 'hand' },
  { key: 'c', label: 'shortcuts.chat', action: 'chat' },
  { key: 'p', label: 'shortcuts.participants', action: 'participants' },
  { key: 'l', label: 'shortcuts.chair', action: 'chair' },
  { key: ' ', label: 'shortcuts.push_to_talk', action: null, display: 'shortcuts.space' },
  { key: 'w', label: 'shortcuts.whisper', action: null },
  { key: '?', label: 'shortcuts.help', action: 'help' },
];

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  return !!target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}

export class Shortcuts {
  /**
   * actions: {mic, camera, hand, chat, participants} → functions;
   * pushToTalk: {muted(): bool, start(), stop()}; whisper: {available(): bool, start(), stop()};
   * active(): whether the meeting view is live.
   */
  constructor({ actions, pushToTalk, whisper, active }) {
    this.actions = actions;
    this.ptt = pushToTalk;
    this.whisper = whisper;
    this.active = active;
    this.talking = false;
    this.whispering = false;
    this.dialog = this._buildDialog();
    document.addEventListener('keydown', (e) => this._down(e));
    document.addEventListener('keyup', (e) => this._up(e));
    window.addEventListener('blur', () => {
      this._stopTalking();
      this._stopWhispering();
    });
    // a hidden tab gets no keyup: never whisper on after it
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) this._stopWhispering();
    });
  }

  _buildDialog() {
    const close = el('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('shortcuts.close'), title: t('shortcuts.close'), dataset: { testid: 'shortcuts-close' } }, icon('close'));
    const rows = SHORTCUTS.map((s) =>
      el('tr', {}, el('td', {}, el('kbd', { text: s.display ? t(s.display) : s.key.toUpperCase() })), el('td', { text: t(s.label) })),
    );
    const table = el('table', { class: 'shortcuts-table', dataset: { testid: 'shortcuts-table' } },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('shortcuts.key') }), el('th', { scope: 'col', text: t('shortcuts.does') }))),
      el('tbody', {}, ...rows));
    const d = el(
      'dialog',
      { class: 'dialog shortcuts-dialog', 'aria-labelledby': 'shortcuts-heading', dataset: { testid: 'shortcuts-dialog' } },
      el('div', { class: 'stack' },
        el('div', { class: 'settings-head' }, el('h2', { id: 'shortcuts-heading', text: t('shortcuts.heading') }), close),
        el('p', { text: t('shortcuts.note') }),
        table),
    );
    close.addEventListener('click', () => d.close());
    document.body.append(d);
    return d;
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
  }

  _blocked(e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return true;
    if (!this.active() || typing(e.target)) return true;
    const open = document.querySelector('dialog[open]');
    return !!open && open !== this.dialog;
  }

  _down(e) {
    if (this._blocked(e)) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === ' ') {
      if (e.target instanceof Element && e.target.closest('button, a, [role="button"], summary')) return;
      e.preventDefault();
      if (!e.repeat && !this.talking && this.ptt.muted()) {
        this.talking = true;
        this.ptt.start();
      }
      return;
    }
    if (key === 'w' && this.whisper && !this.dialog.open) {
      e.preventDefault();
      if (!e.repeat && !this.whispering && this.whisper.available()) {
        this.whispering = true;
        this.whisper.start();
      }
      return;
    }
    if (this.dialog.open) return; // only Escape (the dialog's own) while the help is shown
    const s = SHORTCUTS.find((x) => x.key === key);
    if (!s || e.repeat) return;
    e.preventDefault();
    if (s.action === 'help') this.open();
    else this.actions[s.action]();
  }

  _up(e) {
    if (e.key === ' ') this._stopTalking();
    // even when focus moved into a field meanwhile: the key is up, the whisper ends
    if (e.key === 'w' || e.key === 'W') this._stopWhispering();
  }

  _stopWhispering() {
    if (!this.whispering) return;
    this.whispering = false;
    this.whisper.stop();
  }

  _stopTalking() {
    if (!this.talking) return;
    this.talking = false;
    this.ptt.stop();
  }
}
