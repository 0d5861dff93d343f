// SPDX-License-Identifier: EUPL-1.2
// The session roles in the participant list and on the tiles (docs/protocol.md `session`): the
// badges "Vorsitz"/"Chair" and "Schriftführung"/"Minutes", and the moderators' menu entries to
// give and take them. What is offered follows the rules (the chair only to a moderator, the
// minutes not to a guest); the server enforces them and its refusal is shown as a toast.
import { el } from '../util.js';
import { t } from '../i18n.js';

/** The badges of `p` (participant list row). */
export function sessionBadges(p) {
  const badge = (testid, key) => el('span', { class: 'session-badge', dataset: { testid }, text: t(key) });
  return [p.session_chair ? badge('session-chair-badge', 'session.chair') : null, p.minute_taker ? badge('session-minutes-badge', 'session.minute_taker') : null].filter(Boolean);
}

/** The text of a tile's session label ('' for none). */
export function sessionLabel(p) {
  return [p.session_chair ? t('session.chair') : '', p.minute_taker ? t('session.minute_taker') : ''].filter(Boolean).join(' · ');
}

/**
 * Menu entries for the chair's per-person menu (ui/chair.js): {testid, label, run}.
 * @param {object} p the participant
 * @param {(id: string, role: string, on: boolean) => void} setRole features.session.setRole
 */
export function sessionMenuItems(p, setRole) {
  const items = [];
  if (p.role === 'moderator' || p.session_chair) {
    const on = !p.session_chair;
    items.push({ testid: on ? 'session-make-chair' : 'session-remove-chair', label: t(on ? 'session.make_chair' : 'session.remove_chair'), run: () => setRole(p.id, 'chair', on) });
  }
  if (p.role !== 'guest' || p.minute_taker) {
    const on = !p.minute_taker;
    items.push({ testid: on ? 'session-make-minutes' : 'session-remove-minutes', label: t(on ? 'session.make_minute_taker' : 'session.remove_minute_taker'), run: () => setRole(p.id, 'minute_taker', on) });
  }
  return items;
}

/** Tells the user when they got or lost the chair or the minutes. */
export function announceOwnRoles(room, toast) {
  const before = { session_chair: false, minute_taker: false };
  room.addEventListener('change', (e) => {
    const self = room.self;
    if (!self) return;
    if (e.detail.type === 'participant-updated' && e.detail.participant === self) {
      for (const [k, on, off] of [
        ['session_chair', 'session.now_chair', 'session.no_longer_chair'],
        ['minute_taker', 'session.now_minute_taker', 'session.no_longer_minute_taker'],
      ]) {
        if (self[k] !== before[k]) toast(t(self[k] ? on : off), { timeout: 5000, key: `session-${k}` });
      }
    }
    before.session_chair = self.session_chair;
    before.minute_taker = self.minute_taker;
  });
}
