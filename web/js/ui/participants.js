// SPDX-License-Identifier: EUPL-1.2
// Participant list panel: raised hands in order of raising, then everyone with role and state;
// guests in a section of their own (issue 12).
import { el, icon, initials, hueFor } from '../util.js';
import { t } from '../i18n.js';

export class ParticipantList {
  constructor({ list, queue, noHands, allHeading, room, canGrant = () => false, isModerator = () => false, onSetRole = () => {}, extras = () => [], handExtras = () => [] }) {
    // extras(p): further nodes at the end of p's row (the chair's badges and menu, ui/chair.js);
    // handExtras(p): the same for a raised hand in the queue (podium: call onto the stage)
    Object.assign(this, { list, queue, noHands, allHeading, room, canGrant, isModerator, onSetRole, extras, handExtras });
    // the guests' section follows the list of everyone else
    this.guestHeading = el('h3', { class: 'panel-sub', id: 'participants-guests', dataset: { testid: 'guest-heading' } });
    this.guestList = el('ul', { class: 'plist', dataset: { testid: 'guest-list' }, 'aria-labelledby': 'participants-guests' });
    list.after(this.guestHeading, this.guestList);
    room.addEventListener('change', (e) => {
      if (e.detail.type !== 'lobby') this.render();
    });
  }

  render() {
    const hands = this.room.hands();
    this.queue.replaceChildren(
      ...hands.map((p, i) =>
        el(
          'li',
          { dataset: { testid: 'hand-item', participantId: p.id } },
          el('span', { class: 'pos', 'aria-hidden': 'true', text: String(i + 1) }),
          el('span', { class: 'visually-hidden', text: t('participants.hand_position', { n: i + 1 }) + ': ' }),
          el('span', { text: p.self ? `${p.display_name} ${t('meeting.you_suffix')}` : p.display_name }),
          ...this.handExtras(p),
        ),
      ),
    );
    this.noHands.hidden = hands.length > 0;
    const all = this.room.list();
    const guests = all.filter((p) => p.role === 'guest');
    const members = all.filter((p) => p.role !== 'guest');
    this.allHeading.textContent = t('participants.all', { n: all.length });
    const focused = document.activeElement && (this.list.contains(document.activeElement) || this.guestList.contains(document.activeElement)) ? document.activeElement.closest('li') : null;
    const focusId = focused ? focused.dataset.participantId : null;
    const openMenu = this.list.querySelector('details[open]') || this.guestList.querySelector('details[open]');
    const openId = openMenu ? openMenu.closest('li').dataset.participantId : null;
    this.list.replaceChildren(...members.map((p) => this._item(p, hands)));
    this.guestHeading.textContent = t('participants.guests', { n: guests.length });
    this.guestHeading.hidden = this.guestList.hidden = guests.length === 0;
    this.guestList.replaceChildren(...guests.map((p) => this._item(p, hands)));
    const reopenSel = openId && `li[data-participant-id="${CSS.escape(openId)}"] details`;
    const reopen = reopenSel && (this.list.querySelector(reopenSel) || this.guestList.querySelector(reopenSel));
    if (reopen) reopen.open = true;
    if (focusId) {
      const sel = `li[data-participant-id="${CSS.escape(focusId)}"] [data-testid="role-action"]`;
      const again = this.list.querySelector(sel) || this.guestList.querySelector(sel);
      if (again) again.focus();
    }
  }

  /**
   * The role change offered for `p`, if any: a guest becomes a participant (any moderator), a
   * signed-in participant becomes a moderator and back (owner or admin). Never a guest straight
   * to moderator (the server refuses).
   */
  _roleAction(p) {
    if (p.self) return null;
    let to = null;
    if (p.role === 'guest' && this.isModerator()) to = 'participant';
    else if (p.role === 'participant' && p.account && this.canGrant()) to = 'moderator';
    else if (p.role === 'moderator' && p.account && this.canGrant()) to = 'participant';
    if (!to) return null;
    const action = to === 'moderator' ? 'make-moderator' : p.role === 'guest' ? 'make-participant' : 'remove-moderator';
    const key = action.replace('-', '_');
    const b = el('button', {
      type: 'button',
      class: 'btn btn-ghost btn-small role-action',
      dataset: { testid: 'role-action', action },
      text: t(`participants.${key}`),
      'aria-label': t(`participants.${key}_label`, { name: p.display_name }),
    });
    b.addEventListener('click', () => {
      b.disabled = true;
      this.onSetRole(p.id, to);
    });
    return b;
  }

  _item(p, hands) {
    const avatar = el('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(p.display_name) });
    avatar.style.setProperty('--hue', String(hueFor(p.id + p.display_name)));
    const roleKey = `role.${p.role}`;
    const role = t(roleKey) === roleKey ? p.role : t(roleKey);
    const state = el('span', { class: 'pstate' });
    if (p.hand_raised) {
      const pos = hands.findIndex((h) => h.id === p.id) + 1;
      state.append(el('span', { class: 'hand', role: 'img', dataset: { testid: 'list-hand' }, 'aria-label': `${t('participants.hand_raised')} (${pos})`, title: t('participants.hand_raised') }, icon('hand')));
    }
    if (p.connection === 'reconnecting') state.append(el('span', { class: 'preconnecting', dataset: { testid: 'list-reconnecting' }, text: t('participants.reconnecting') }));
    if (p.muted.microphone) state.append(el('span', { role: 'img', 'aria-label': t('participants.mic_muted'), title: t('participants.mic_muted') }, icon('micOff')));
    if (p.muted.camera) state.append(el('span', { role: 'img', 'aria-label': t('participants.cam_off'), title: t('participants.cam_off') }, icon('camOff')));
    return el(
      'li',
      { dataset: { testid: 'participant-item', participantId: p.id, role: p.role, handRaised: String(p.hand_raised), connection: p.connection || 'connected' } },
      avatar,
      el(
        'span',
        { class: 'who' },
        el('span', { class: 'pname', dataset: { testid: 'participant-name' }, text: p.self ? `${p.display_name} ${t('meeting.you_suffix')}` : p.display_name }),
        el('span', { class: 'prole', dataset: { testid: 'participant-role' }, text: role }),
      ),
      state,
      this._roleAction(p),
      ...this.extras(p),
    );
  }
}
