// SPDX-License-Identifier: EUPL-1.2
// /login: "Sign in with your organisation" (OIDC) and/or a local username + password form.
// ?return=<same-site path> is where the browser goes afterwards; ?error=<code> comes back from a
// failed OIDC callback.
import { t, has } from './i18n.js';
import { api, apiErrorText, getAuthInfo, getMe, safeReturn } from './api.js';

const $ = (id) => document.getElementById(id);

export async function initLogin() {
  const q = new URLSearchParams(location.search);
  const ret = safeReturn(q.get('return'), '/');
  const error = $('login-error');
  const showError = (msg) => {
    error.textContent = msg;
    error.hidden = false;
  };
  const code = q.get('error');
  if (code) showError(has('login.error.' + code) ? t('login.error.' + code) : t('login.error.unknown', { code: code.slice(0, 64) }));

  const [auth, me] = await Promise.all([getAuthInfo(), getMe()]);
  $('login-loading').hidden = true;

  if (me && !code) {
    $('login-signed-in').hidden = false;
    $('login-signed-in-text').textContent = t('login.signed_in_as', { name: me.display_name || me.email || '' });
    $('login-continue').href = ret;
    $('login-intro').hidden = true;
    $('login-continue').focus();
    return;
  }

  if (auth.oidc) {
    const a = $('login-oidc-button');
    a.href = '/auth/oidc/login?' + new URLSearchParams({ return: ret }).toString();
    $('login-oidc').hidden = false;
  }
  $('login-or').hidden = !(auth.oidc && auth.local);
  $('login-none').hidden = auth.oidc || auth.local;

  if (auth.local) {
    const form = $('login-form');
    const user = $('login-username');
    const pass = $('login-password');
    const submit = $('login-submit');
    form.hidden = false;
    for (const i of [user, pass]) i.addEventListener('input', () => i.removeAttribute('aria-invalid'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!user.value.trim()) {
        user.setAttribute('aria-invalid', 'true');
        showError(t('login.username_empty'));
        user.focus();
        return;
      }
      if (!pass.value) {
        pass.setAttribute('aria-invalid', 'true');
        showError(t('login.password_empty'));
        pass.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t('login.submitting');
      try {
        await api('POST', '/auth/local/login', { username: user.value.trim(), password: pass.value });
        location.assign(ret);
        return;
      } catch (err) {
        showError(has('login.error.' + err.code) ? t('login.error.' + err.code) : apiErrorText(err));
        pass.value = '';
        pass.setAttribute('aria-invalid', 'true');
        pass.focus();
      }
      submit.disabled = false;
      submit.textContent = t('login.submit');
    });
    if (!auth.oidc) user.focus();
  }
  if (auth.oidc && !auth.local) $('login-oidc-button').focus();
}
