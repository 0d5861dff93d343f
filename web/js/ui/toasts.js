// SPDX-License-Identifier: EUPL-1.2
// Toast notifications. Errors are announced assertively, info politely.
import { el, icon } from '../util.js';
import { t } from '../i18n.js';

let polite = null;
let assertive = null;

function regions() {
  const host = document.getElementById('toasts');
  if (!polite) {
    polite = el('div', { role: 'status', 'aria-live': 'polite', class: 'toast-region' });
    assertive = el('div', { role: 'alert', 'aria-live': 'assertive', class: 'toast-region' });
    host.append(assertive, polite);
  }
  return { polite, assertive };
}

/**
 * toast(text, {kind: 'info'|'warn'|'error', timeout: ms (0 = sticky), code})
 */
const keyed = new Map(); // key → {node, timer}

export function toast(text, { kind = 'info', timeout, code, key } = {}) {
  const host = document.getElementById('toasts');
  if (!host) return null;
  const ms = timeout !== undefined ? timeout : kind === 'error' ? 8000 : 4000;
  // a toast with the same key is updated in place (e.g. a burst of "X joined")
  if (key && keyed.has(key) && keyed.get(key).node.isConnected) {
    const k = keyed.get(key);
    k.node.querySelector('.toast-text').textContent = text;
    clearTimeout(k.timer);
    if (ms > 0) k.timer = setTimeout(() => k.node.remove(), ms);
    return k.node;
  }
  const r = regions();
  const closeBtn = el('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('toast.close'), title: t('toast.close') }, icon('close'));
  const node = el(
    'div',
    { class: `toast ${kind}`, dataset: { testid: kind === 'error' ? 'toast-error' : 'toast', code: code || undefined } },
    el('span', { class: 'toast-text', text }),
    closeBtn,
  );
  const remove = () => node.remove();
  closeBtn.addEventListener('click', remove);
  (kind === 'error' ? r.assertive : r.polite).append(node);
  const timer = ms > 0 ? setTimeout(remove, ms) : null;
  if (key) keyed.set(key, { node, timer });
  // keep at most 4 visible
  const all = host.querySelectorAll('.toast');
  if (all.length > 4) all[0].remove();
  return node;
}

export function clearToasts() {
  const host = document.getElementById('toasts');
  if (host) for (const n of host.querySelectorAll('.toast')) n.remove();
}

/** Copies `text` to the clipboard and says so; where that is refused, shows it to copy by hand. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t('common.copied'), { timeout: 3000 });
  } catch {
    toast(t('meeting.link_copy_failed', { link: text }), { timeout: 12000 });
  }
}
