// SPDX-License-Identifier: EUPL-1.2
// Landing page: start a meeting or join by link / room id. With the identity API: signed-in
// users create the meeting through POST /api/v1/meetings; when anonymous meetings are off,
// "Start a meeting" leads to /login; when they are on, a note says that the server is open.
import { t } from './i18n.js';
import { newRoomId, parseRoomInput } from './util.js';
import { api, apiErrorText, getAuthInfo, getMe, loginHref } from './api.js';
import { initAccount } from './account.js';

export function initLanding() {
  const startForm = document.getElementById('start-form');
  const titleInput = document.getElementById('meeting-title');
  const startError = document.getElementById('start-error');
  const startHint = document.getElementById('start-hint');
  const startButton = startForm.querySelector('[data-testid="start-button"]');
  const joinForm = document.getElementById('join-form');
  const joinInput = document.getElementById('join-input');
  const joinError = document.getElementById('join-error');

  const account = initAccount(document.getElementById('account'), { page: 'landing' });
  account.then(({ auth, me }) => {
    const note = document.getElementById('server-note');
    if (auth.anonymous_meetings && !auth.legacy) note.textContent = t('landing.open_server_note');
    document.body.dataset.auth = me ? 'user' : 'anonymous';
    if (!me && !auth.anonymous_meetings) {
      startHint.textContent = t('landing.start.login_needed');
      startHint.hidden = false;
      startButton.textContent = t('landing.start.login_button');
    }
  });

  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    startError.hidden = true;
    const title = titleInput.value.trim();
    const [auth, me] = await Promise.all([getAuthInfo(), getMe()]);
    if (me) {
      // a signed-in user owns the meeting: create it on the server
      startButton.disabled = true;
      try {
        const m = await api('POST', '/api/v1/meetings', { title: title || t('meeting.title_default') });
        location.assign(m.url || `/r/${encodeURIComponent(m.id)}`);
        return;
      } catch (err) {
        if (err.status === 401) {
          location.assign(loginHref('/'));
          return;
        }
        startError.textContent = t('landing.start.failed', { text: apiErrorText(err) });
        startError.hidden = false;
        startButton.disabled = false;
        return;
      }
    }
    if (!auth.anonymous_meetings) {
      location.assign(loginHref('/'));
      return;
    }
    // The title travels in the fragment: it never reaches the server or its logs.
    const hash = title ? '#' + new URLSearchParams({ title }).toString() : '';
    location.assign(`/r/${newRoomId()}${hash}`);
  });

  const clearError = () => {
    joinError.hidden = true;
    joinError.textContent = '';
    joinInput.removeAttribute('aria-invalid');
  };
  joinInput.addEventListener('input', clearError);

  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = joinInput.value.trim();
    if (!raw) {
      joinError.textContent = t('landing.join.empty');
    } else {
      const room = parseRoomInput(raw);
      if (room) {
        let hash = '';
        let search = '';
        try {
          const u = new URL(raw, location.origin);
          if (u.hash && new URLSearchParams(u.hash.slice(1)).get('title')) hash = u.hash;
          // keep an invitation token from a pasted invitation link
          const invite = u.searchParams.get('invite');
          if (invite && /^[A-Za-z0-9_-]{1,128}$/.test(invite)) search = '?' + new URLSearchParams({ invite }).toString();
        } catch {
          /* a bare id */
        }
        location.assign(`/r/${encodeURIComponent(room)}${search}${hash}`);
        return;
      }
      joinError.textContent = t('landing.join.invalid');
    }
    joinError.hidden = false;
    joinInput.setAttribute('aria-invalid', 'true');
    joinInput.focus();
  });
}
