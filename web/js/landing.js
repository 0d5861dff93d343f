// Landing page: start a meeting (new unguessable room id) or join by link / room id.
import { t } from './i18n.js';
import { newRoomId, parseRoomInput } from './util.js';

export function initLanding() {
  const startForm = document.getElementById('start-form');
  const titleInput = document.getElementById('meeting-title');
  const joinForm = document.getElementById('join-form');
  const joinInput = document.getElementById('join-input');
  const joinError = document.getElementById('join-error');

  startForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const title = titleInput.value.trim();
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
        try {
          const u = new URL(raw, location.origin);
          if (u.hash && new URLSearchParams(u.hash.slice(1)).get('title')) hash = u.hash;
        } catch {
          /* a bare id */
        }
        location.assign(`/r/${encodeURIComponent(room)}${hash}`);
        return;
      }
      joinError.textContent = t('landing.join.invalid');
    }
    joinError.hidden = false;
    joinInput.setAttribute('aria-invalid', 'true');
    joinInput.focus();
  });
}
