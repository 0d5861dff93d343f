// SPDX-License-Identifier: EUPL-1.2
// Account area in the top bar (landing and meetings pages): who is signed in, "My meetings",
// "Change password" (local accounts), "Sign out"; or a "Sign in" link.
import { t } from './i18n.js';
import { el } from './util.js';
import { api, apiErrorText, getAuthInfo, getMe, loginHref, signOut } from './api.js';
import { toast } from './ui/toasts.js';

export function roleName(role) {
  const key = `account.role.${role}`;
  const s = t(key);
  return s === key ? String(role || '') : s;
}

/** Renders into host (an element in the top bar). Resolves with {auth, me}. */
export async function initAccount(host, { page } = {}) {
  const [auth, me] = await Promise.all([getAuthInfo(), getMe()]);
  if (!host) return { auth, me };
  host.replaceChildren();
  if (me) {
    const name = el(
      'span',
      { class: 'account-name', dataset: { testid: 'account-name', role: me.role || '' } },
      el('span', { class: 'account-display', text: me.display_name || me.email || '' }),
      el('span', { class: 'account-role', text: roleName(me.role) }),
    );
    const items = [name];
    if (page !== 'meetings') {
      items.push(el('a', { class: 'btn btn-ghost btn-small', href: '/meetings', dataset: { testid: 'my-meetings-link' }, text: t('account.my_meetings') }));
    }
    if (me.auth === 'local') {
      items.push(
        el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'change-password-button' }, text: t('account.change_password'), onclick: () => openPasswordDialog() }),
      );
    }
    const out = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'signout-button' }, text: t('account.sign_out') });
    out.addEventListener('click', async () => {
      out.disabled = true;
      out.textContent = t('account.signing_out');
      await signOut();
    });
    items.push(out);
    host.append(...items);
    host.setAttribute('aria-label', t('account.label'));
  } else if (auth.oidc || auth.local) {
    host.append(el('a', { class: 'btn btn-ghost btn-small', href: loginHref(), dataset: { testid: 'signin-link' }, text: t('account.sign_in') }));
  }
  return { auth, me };
}

let dialog = null;

/** Modal dialog: current / new / repeat → POST /api/v1/me/password. */
export function openPasswordDialog() {
  if (!dialog) dialog = buildPasswordDialog();
  dialog.reset();
  dialog.node.showModal();
  dialog.current.focus();
}

function buildPasswordDialog() {
  const field = (id, label, autocomplete, testid, hint) =>
    el(
      'div',
      { class: 'field' },
      el('label', { for: id, text: label }),
      el('input', { id, type: 'password', autocomplete, required: true, maxlength: '1024', 'aria-describedby': hint ? `${id}-hint pw-error` : 'pw-error', dataset: { testid } }),
      hint ? el('p', { id: `${id}-hint`, class: 'field-hint', text: hint }) : null,
    );
  const fCur = field('pw-current', t('password.current'), 'current-password', 'password-current');
  const fNew = field('pw-new', t('password.new'), 'new-password', 'password-new', t('password.hint'));
  const fRep = field('pw-repeat', t('password.repeat'), 'new-password', 'password-repeat');
  const error = el('p', { id: 'pw-error', class: 'field-error', role: 'alert', dataset: { testid: 'password-error' } });
  error.hidden = true;
  const save = el('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'password-save' }, text: t('password.save') });
  const cancel = el('button', { type: 'button', class: 'btn btn-secondary', text: t('common.cancel') });
  const form = el('form', { class: 'stack', method: 'dialog', novalidate: true }, el('h2', { id: 'pw-heading', text: t('password.heading') }), fCur, fNew, fRep, error, el('div', { class: 'row dialog-actions' }, cancel, save));
  const node = el('dialog', { class: 'dialog', 'aria-labelledby': 'pw-heading', dataset: { testid: 'password-dialog' } }, form);
  document.body.append(node);
  const current = fCur.querySelector('input');
  const next = fNew.querySelector('input');
  const repeat = fRep.querySelector('input');
  const show = (msg, input) => {
    error.textContent = msg;
    error.hidden = false;
    for (const i of [current, next, repeat]) i.removeAttribute('aria-invalid');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  };
  cancel.addEventListener('click', () => node.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!current.value) return show(t('password.current_empty'), current);
    if ([...next.value].length < 12) return show(t('api.weak_password'), next);
    if (next.value !== repeat.value) return show(t('password.mismatch'), repeat);
    save.disabled = true;
    try {
      await api('POST', '/api/v1/me/password', { current: current.value, new: next.value });
      node.close();
      toast(t('password.changed'), { timeout: 5000 });
    } catch (err) {
      show(err.code === 'invalid_credentials' ? t('password.wrong_current') : apiErrorText(err), err.code === 'invalid_credentials' ? current : err.code === 'weak_password' ? next : null);
    } finally {
      save.disabled = false;
    }
  });
  return {
    node,
    current,
    reset() {
      form.reset();
      error.hidden = true;
      for (const i of [current, next, repeat]) i.removeAttribute('aria-invalid');
    },
  };
}
