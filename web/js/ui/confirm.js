// SPDX-License-Identifier: EUPL-1.2
// A confirmation before something that cannot be undone (delete a meeting or a recording, stop a
// recording): a native modal <dialog> (focus stays inside, Escape cancels) whose safe choice,
// Cancel, has the focus. One dialog per page, built on first use.
import { el } from '../util.js';
import { t } from '../i18n.js';

let confirmDlg = null;

/** Resolves true when `ok` was pressed, false on Cancel or Escape. */
export function confirmAction({ heading, text, ok }) {
  if (!confirmDlg) {
    const h = el('h2', { id: 'confirm-heading' });
    const p = el('p', { id: 'confirm-text' });
    const cancel = el('button', { type: 'button', class: 'btn btn-secondary', dataset: { testid: 'confirm-cancel' } });
    const okBtn = el('button', { type: 'button', class: 'btn btn-danger', dataset: { testid: 'confirm-ok' } });
    const node = el('dialog', { class: 'dialog', 'aria-labelledby': 'confirm-heading', 'aria-describedby': 'confirm-text', dataset: { testid: 'confirm-dialog' } },
      el('div', { class: 'stack' }, h, p, el('div', { class: 'row dialog-actions' }, cancel, okBtn)));
    document.body.append(node);
    confirmDlg = { node, h, p, cancel, okBtn };
  }
  const d = confirmDlg;
  d.h.textContent = heading;
  d.p.textContent = text;
  d.okBtn.textContent = ok;
  d.cancel.textContent = t('common.cancel');
  return new Promise((resolve) => {
    const done = (v) => {
      d.okBtn.onclick = null;
      d.cancel.onclick = null;
      d.node.onclose = null;
      if (d.node.open) d.node.close();
      resolve(v);
    };
    d.okBtn.onclick = () => done(true);
    d.cancel.onclick = () => done(false);
    d.node.onclose = () => done(false);
    d.node.showModal();
    d.cancel.focus();
  });
}
