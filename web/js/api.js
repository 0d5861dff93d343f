// SPDX-License-Identifier: EUPL-1.2
// REST client for /api/v1/ and /auth/ (docs/api.md, "Identity, meetings and invitations").
// Every state-changing request sends Content-Type: application/json (the server's CSRF rule).
import { t, has } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, text, field) {
    super(text || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || (status === 0 ? 'network' : 'http_' + status);
    this.text = text || '';
    this.field = field || null;
  }
}

/**
 * api('POST', '/api/v1/meetings', {title}) → parsed JSON (null for 204).
 * Throws ApiError with the server's error code (or network / http_<status>).
 */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', String((e && e.message) || e));
  }
  let data = null;
  const text = res.status === 204 ? '' : await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && data.error && typeof data.error === 'object' ? data.error : {};
    throw new ApiError(res.status, typeof err.code === 'string' ? err.code : null, typeof err.text === 'string' ? err.text : '', err.field);
  }
  return data;
}

/** Localized text for an API error (by code; the server's text as fallback / detail). */
export function apiErrorText(err) {
  const code = err && err.code;
  let s;
  if (code && has('api.' + code)) s = t('api.' + code);
  else if (code && has('error.' + code)) s = t('error.' + code);
  else s = (err && err.text) || t('api.unknown', { code: code || '?' });
  if (code === 'invalid_request' && err.field) s += ' ' + t('api.field', { field: err.field });
  return s;
}

let authPromise = null;
/**
 * GET /api/v1/auth, cached per page. A server without the identity API (404) counts as the
 * open, anonymous server it was before: {oidc: false, local: false, anonymous_meetings: true}.
 */
export function getAuthInfo() {
  if (!authPromise) {
    authPromise = api('GET', '/api/v1/auth').then(
      (d) => ({
        oidc: !!(d && d.oidc),
        local: !!(d && d.local),
        anonymous_meetings: !!(d && d.anonymous_meetings),
        legacy: false,
        user: d && Object.prototype.hasOwnProperty.call(d, 'user') ? d.user : undefined,
      }),
      () => ({ oidc: false, local: false, anonymous_meetings: true, legacy: true, user: undefined }),
    );
  }
  return authPromise;
}

let mePromise = null;
/**
 * The signed-in user or null. Only asks /api/v1/me when the server has a login at all (a 401
 * is logged as a console error by browsers, so anonymous-only servers are not asked).
 */
export function getMe() {
  if (!mePromise) {
    mePromise = getAuthInfo().then(async (auth) => {
      if (auth.user !== undefined) return auth.user || null;
      if (!auth.oidc && !auth.local) return null;
      try {
        const d = await api('GET', '/api/v1/me');
        return (d && d.user) || null;
      } catch {
        return null;
      }
    });
  }
  return mePromise;
}

/**
 * A return path that is safe to navigate to after login: same site, starting with one "/"
 * (not "//" nor "/\"), no control characters. Anything else gives fallback.
 */
export function safeReturn(raw, fallback = '/') {
  if (typeof raw !== 'string' || !raw) return fallback;
  if (raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return fallback;
  try {
    const u = new URL(raw, location.origin);
    if (u.origin !== location.origin) return fallback;
    return u.pathname + u.search + u.hash;
  } catch {
    return fallback;
  }
}

/** /login?return=<current page> */
export function loginHref(ret = location.pathname + location.search + location.hash) {
  return '/login?' + new URLSearchParams({ return: safeReturn(ret) }).toString();
}

export async function signOut() {
  let url = null;
  try {
    const d = await api('POST', '/auth/logout', {});
    url = d && typeof d.logout_url === 'string' && /^https?:\/\//i.test(d.logout_url) ? d.logout_url : null;
  } catch {
    /* the session is gone either way from our side */
  }
  location.assign(url || '/');
}
