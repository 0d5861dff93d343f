// SPDX-License-Identifier: EUPL-1.2
// Lobby section of the participant panel (meeting moderators only): who is waiting, Admit /
// Reject per person, Admit all, and the lobby on/off switch (moderation/set_lobby). The chair's
// view (ui/chair_view.js) has a second LobbyPanel on a section made by lobbySection().
import { el, initials, hueFor, formatTime } from '../util.js';
import { t, lang } from '../i18n.js';

/**
 * The parts of a lobby section as room.html has them in the participant panel, built for another
 * place; ids end in `suffix`. Returns the LobbyPanel's constructor fields.
 */
export function lobbySection(suffix) {
  const headingId = `lobby-heading${suffix}`;
  const heading = el('h3', { class: 'panel-sub', id: headingId });
  const toggle = el('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'true', dataset: { testid: 'lobby-toggle' } },
    el('span', { class: 'switch-track', 'aria-hidden': 'true' }, el('span', { class: 'switch-thumb' })),
    el('span', { class: 'switch-label', text: t('lobby.toggle') }));
  const stateText = el('p', { class: 'muted small', dataset: { testid: 'lobby-state-text' } });
  const list = el('ul', { class: 'plist lobby-list', dataset: { testid: 'lobby-list' }, 'aria-live': 'polite' });
  const empty = el('p', { class: 'muted small', dataset: { testid: 'lobby-empty' }, text: t('lobby.empty') });
  const admitAll = el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'lobby-admit-all' }, text: t('lobby.admit_all'), hidden: true });
  const section = el('section', { class: 'lobby-section', dataset: { testid: 'lobby-section' }, 'aria-labelledby': headingId, hidden: true },
    el('div', { class: 'lobby-head' }, heading, toggle), stateText, list, empty, admitAll);
  return { section, heading, list, empty, admitAll, toggle, stateText };
}

export class LobbyPanel {
  constructor({ section, heading, list, empty, admitAll, toggle, stateText, room, onAdmit, onReject, onAdmitAll, onToggle }) {
    Object.assign(this, { section, heading, list, empty, admitAll, toggle, stateText, room, onAdmit, onReject, onAdmitAll, onToggle });
    this.visible = false;
    admitAll.addEventListener('click', () => this.onAdmitAll());
    toggle.addEventListener('click', () => {
      if (this.room.lobbyEnabled === null) return;
      this.toggle.disabled = true; // until moderation/lobby_changed confirms
      this.onToggle(!this.room.lobbyEnabled);
    });
    room.addEventListener('change', (e) => {
      const d = e.detail;
      if (d.type === 'reset' || d.type === 'lobby' || d.type === 'participant-updated') this.render();
    });
  }

  setVisible(on) {
    this.visible = on;
    this.section.hidden = !on;
    if (on) this.render();
    else this.list.replaceChildren(); // no hidden Admit buttons left behind
  }

  render() {
    if (!this.visible) return;
    const waiting = this.room.lobbyList();
    this.heading.textContent = t('lobby.heading', { n: waiting.length });
    const on = this.room.lobbyEnabled;
    this.toggle.hidden = on === null;
    this.toggle.disabled = false;
    this.toggle.setAttribute('aria-checked', String(!!on));
    this.toggle.dataset.enabled = String(!!on);
    this.stateText.textContent = on === null ? '' : on ? t('lobby.state_on') : t('lobby.state_off');
    this.empty.hidden = waiting.length > 0;
    this.admitAll.hidden = waiting.length < 2;
    const focused = document.activeElement && this.list.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? `${focused.closest('li')?.dataset.participantId}:${focused.dataset.testid}` : null;
    this.list.replaceChildren(...waiting.map((w) => this._item(w)));
    if (focusKey) {
      const [id, testid] = focusKey.split(':');
      const again = this.list.querySelector(`li[data-participant-id="${CSS.escape(id)}"] [data-testid="${testid}"]`);
      if (again) again.focus();
      else (this.list.querySelector('button') || this.toggle).focus();
    }
  }

  _item(w) {
    const avatar = el('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(w.display_name) });
    avatar.style.setProperty('--hue', String(hueFor(w.id + w.display_name)));
    const admit = el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'lobby-admit' }, text: t('lobby.admit'), 'aria-label': t('lobby.admit_label', { name: w.display_name }) });
    const reject = el('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', dataset: { testid: 'lobby-reject' }, text: t('lobby.reject'), 'aria-label': t('lobby.reject_label', { name: w.display_name }) });
    admit.addEventListener('click', () => {
      admit.disabled = true;
      reject.disabled = true;
      this.onAdmit(w.id);
    });
    reject.addEventListener('click', () => {
      admit.disabled = true;
      reject.disabled = true;
      this.onReject(w.id);
    });
    return el(
      'li',
      { dataset: { testid: 'lobby-item', participantId: w.id } },
      avatar,
      el(
        'span',
        { class: 'who' },
        el('span', { class: 'pname', dataset: { testid: 'lobby-name' }, text: w.display_name }),
        el('span', { class: 'prole', text: t('lobby.waiting_since', { time: formatTime(w.waiting_since, lang) }) }),
      ),
      el('span', { class: 'lobby-actions' }, admit, reject),
    );
  }
}
