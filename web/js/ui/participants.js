// Participant list panel: raised hands in order of raising, then everyone with role and state.
import { el, icon, initials, hueFor } from '../util.js';
import { t } from '../i18n.js';

export class ParticipantList {
  constructor({ list, queue, noHands, allHeading, room }) {
    Object.assign(this, { list, queue, noHands, allHeading, room });
    room.addEventListener('change', () => this.render());
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
        ),
      ),
    );
    this.noHands.hidden = hands.length > 0;
    const all = this.room.list();
    this.allHeading.textContent = t('participants.all', { n: all.length });
    this.list.replaceChildren(...all.map((p) => this._item(p, hands)));
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
    if (p.muted.microphone) state.append(el('span', { role: 'img', 'aria-label': t('participants.mic_muted'), title: t('participants.mic_muted') }, icon('micOff')));
    if (p.muted.camera) state.append(el('span', { role: 'img', 'aria-label': t('participants.cam_off'), title: t('participants.cam_off') }, icon('camOff')));
    return el(
      'li',
      { dataset: { testid: 'participant-item', participantId: p.id, role: p.role, handRaised: String(p.hand_raised) } },
      avatar,
      el(
        'span',
        { class: 'who' },
        el('span', { class: 'pname', dataset: { testid: 'participant-name' }, text: p.self ? `${p.display_name} ${t('meeting.you_suffix')}` : p.display_name }),
        el('span', { class: 'prole', dataset: { testid: 'participant-role' }, text: role }),
      ),
      state,
    );
  }
}
