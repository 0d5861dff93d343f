// SPDX-License-Identifier: EUPL-1.2
// The chair's Leave (issue 12): a modal dialog that offers to hand the chair over to someone
// (who becomes moderator before we leave), to end the meeting for everyone (moderation/end), or
// just to leave. A native <dialog> with showModal(): focus stays inside, Escape cancels, every
// choice is a button reachable with Tab.
import { el } from '../util.js';
import { t } from '../i18n.js';

export class LeaveDialog {
  constructor() {
    this.node = null;
  }

  _build() {
    this.heading = el('h2', { id: 'leave-dialog-heading', text: t('leave.heading') });
    this.text = el('p', { id: 'leave-dialog-text', class: 'muted', text: t('leave.text') });
    this.select = el('select', { id: 'leave-handover-select', dataset: { testid: 'leave-handover-select' } });
    this.handover = el('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'leave-handover' }, text: t('leave.handover') });
    this.handoverBox = el(
      'div',
      { class: 'field leave-handover' },
      el('label', { for: this.select.id, text: t('leave.handover_label') }),
      el('div', { class: 'row' }, this.select, this.handover),
    );
    this.end = el('button', { type: 'button', class: 'btn btn-danger', dataset: { testid: 'leave-end' }, text: t('leave.end_all') });
    this.just = el('button', { type: 'button', class: 'btn btn-secondary', dataset: { testid: 'leave-just' }, text: t('leave.just_leave') });
    this.cancel = el('button', { type: 'button', class: 'btn btn-ghost', dataset: { testid: 'leave-cancel' }, text: t('common.cancel') });
    this.node = el(
      'dialog',
      { class: 'dialog', 'aria-labelledby': this.heading.id, 'aria-describedby': this.text.id, dataset: { testid: 'leave-dialog' } },
      el('div', { class: 'stack' }, this.heading, this.text, this.handoverBox, el('div', { class: 'row dialog-actions' }, this.cancel, this.just, this.end)),
    );
    document.body.append(this.node);
  }

  /**
   * Asks the chair what to do. `candidates` ([{id, display_name}]) are those who may be made
   * moderator; without any, hand-over is not offered. Resolves with {action: 'handover', id},
   * {action: 'end'}, {action: 'leave'}, or null when cancelled (Escape or Cancel).
   */
  ask(candidates) {
    if (!this.node) this._build();
    this.select.replaceChildren(...candidates.map((c) => el('option', { value: c.id, text: c.display_name })));
    this.handoverBox.hidden = candidates.length === 0;
    return new Promise((resolve) => {
      const done = (v) => {
        for (const b of [this.handover, this.end, this.just, this.cancel]) b.onclick = null;
        this.node.onclose = null;
        if (this.node.open) this.node.close();
        resolve(v);
      };
      this.handover.onclick = () => done({ action: 'handover', id: this.select.value });
      this.end.onclick = () => done({ action: 'end' });
      this.just.onclick = () => done({ action: 'leave' });
      this.cancel.onclick = () => done(null);
      this.node.onclose = () => done(null);
      this.node.showModal();
      (candidates.length ? this.select : this.just).focus();
    });
  }

  close() {
    if (this.node && this.node.open) this.node.close();
  }
}
