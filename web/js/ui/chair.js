// SPDX-License-Identifier: EUPL-1.2
// The chair's tools in the participant panel: for the meeting (mute everyone, speak only when
// allowed, lock, debrief) and per participant (a menu on each row), plus what everyone sees of
// the chair's decisions on each row (muted by the chair, may speak, camera off, no screen).
// Moderators only see the tools; the server refuses them to anyone else (chair/* → forbidden).
import { el, icon } from '../util.js';
import { t } from '../i18n.js';
import { toast } from './toasts.js';

/** A switch button (role=switch) with a label, as the lobby switch (also ui/podium.js). */
export function switchButton(testid, label) {
  return el(
    'button',
    { type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false', dataset: { testid } },
    el('span', { class: 'switch-track', 'aria-hidden': 'true' }, el('span', { class: 'switch-thumb' })),
    el('span', { class: 'switch-label', text: label }),
  );
}

export class ChairPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.before  the panel element the chair's section goes in front of
   * @param {import('../room.js').RoomState} o.room
   * @param {() => boolean} o.isModerator
   * @param {() => boolean} o.canLobby  whether the meeting has a lobby to send people back to
   * @param {object} o.actions  features.chair (bound actions)
   * @param {(p: object) => Array<{testid: string, label: string, run: Function}>} [o.moreItems]
   *   further entries of a participant's menu (the session roles, ui/session.js)
   */
  constructor({ before, room, isModerator, canLobby, actions, moreItems = () => [] }) {
    Object.assign(this, { room, isModerator, canLobby, actions, moreItems });
    this.muteAll = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'chair-mute-all' }, text: t('chair.mute_all') });
    this.restrict = switchButton('chair-restrict', t('chair.restrict'));
    this.lock = switchButton('chair-lock', t('chair.lock'));
    this.dismissGuests = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'chair-debrief-guests' }, text: t('chair.debrief_guests') });
    this.dismissAll = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'chair-debrief-all' }, text: t('chair.debrief_all') });
    this.section = el(
      'section',
      { class: 'chair-section', dataset: { testid: 'chair-section' }, 'aria-labelledby': 'chair-heading', hidden: true },
      el('h3', { class: 'panel-sub', id: 'chair-heading', text: t('chair.heading') }),
      el('div', { class: 'chair-switches' }, this.restrict, this.lock),
      el('p', { class: 'muted small', dataset: { testid: 'chair-state-text' } }),
      el('div', { class: 'chair-buttons' }, this.muteAll, this.dismissGuests, this.dismissAll),
    );
    this.stateText = this.section.querySelector('[data-testid="chair-state-text"]');
    before.before(this.section);

    this.muteAll.addEventListener('click', () => this.actions.muteAll());
    this.restrict.addEventListener('click', () => {
      this.restrict.disabled = true; // until chair/state confirms
      this.actions.restrictMic(!this.room.chair.mic_restricted);
    });
    this.lock.addEventListener('click', () => {
      this.lock.disabled = true;
      this.actions.lock(!this.room.chair.locked);
    });
    this.dismissGuests.addEventListener('click', () => {
      if (window.confirm(t('chair.debrief_guests_confirm'))) this.actions.debrief('guests');
    });
    this.dismissAll.addEventListener('click', () => {
      if (window.confirm(t('chair.debrief_all_confirm'))) this.actions.debrief('all_but_moderators');
    });
    room.addEventListener('change', (e) => {
      if (['reset', 'chair', 'participant-updated'].includes(e.detail.type)) this.render();
      if (e.detail.type === 'reset') this.selfBlocked = false;
    });
    // the chair gave me the word under a restriction: say so
    this.selfBlocked = false;
    room.addEventListener('participant-updated', (e) => {
      const p = e.detail.participant;
      if (!p.self) return;
      const blocked = !!(p.chair && p.chair.mic_blocked);
      if (this.selfBlocked && !blocked && this.room.chair.mic_restricted) toast(t('chair.you_may_speak'), { timeout: 6000, key: 'chair-self' });
      this.selfBlocked = blocked;
    });
  }

  render() {
    const mod = this.isModerator();
    this.section.hidden = !mod;
    const c = this.room.chair;
    for (const [b, on] of [
      [this.restrict, c.mic_restricted],
      [this.lock, c.locked],
    ]) {
      b.disabled = false;
      b.setAttribute('aria-checked', String(!!on));
    }
    const notes = [];
    if (c.mic_restricted) notes.push(t('chair.restrict_hint'));
    if (c.locked) notes.push(t('chair.lock_hint'));
    this.stateText.textContent = notes.join(' ');
  }

  /** What a participant row shows of the chair's decisions, and the chair's menu for it. */
  rowExtras(p) {
    const out = [];
    const c = p.chair || {};
    const badge = (testid, name, label) => el('span', { class: 'chair-badge', role: 'img', dataset: { testid }, 'aria-label': label, title: label }, icon(name));
    if (c.mic_blocked) out.push(badge('chair-mic-blocked', 'micOff', t('chair.mic_blocked')));
    else if (this.room.chair.mic_restricted && c.mic_allowed) out.push(badge('chair-mic-allowed', 'mic', t('chair.mic_allowed')));
    if (c.camera_off) out.push(badge('chair-camera-off', 'camOff', t('chair.camera_blocked')));
    if (c.screen_allowed === false) out.push(badge('chair-no-screen', 'screen', t('chair.screen_forbidden')));
    if (this.isModerator() && !p.self) out.push(this._menu(p));
    return out;
  }

  _menu(p) {
    const items = [];
    const item = (testid, label, run) => {
      const b = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid }, text: label });
      b.addEventListener('click', () => {
        details.open = false;
        run();
      });
      items.push(b);
    };
    const c = p.chair || {};
    const ordinary = p.role !== 'moderator';
    if (!c.mic_blocked) item('chair-mute', t('chair.mute'), () => this.actions.mute([p.id]));
    if (this.room.chair.mic_restricted && ordinary) {
      if (c.mic_allowed) item('chair-disallow-mic', t('chair.disallow_mic'), () => this.actions.allowMic(p.id, false));
      else item('chair-allow-mic', t('chair.allow_mic'), () => this.actions.allowMic(p.id, true));
    }
    if (ordinary) {
      if (!c.camera_off) item('chair-camera', t('chair.camera_off'), () => this.actions.cameraOff(p.id));
      if (c.screen_allowed === false) item('chair-screen', t('chair.screen_allow'), () => this.actions.screen(p.id, true));
      else item('chair-screen', t('chair.screen_forbid'), () => this.actions.screen(p.id, false));
    }
    if (!p.account)
      item('chair-rename', t('chair.rename'), () => {
        const name = window.prompt(t('chair.rename_prompt', { name: p.display_name }), p.display_name);
        if (name && name.trim() && name !== p.display_name) this.actions.rename(p.id, name.trim());
      });
    if (ordinary && this.canLobby()) item('chair-to-lobby', t('chair.to_lobby'), () => this.actions.toLobby(p.id));
    if (ordinary) {
      item('chair-remove', t('chair.remove'), () => {
        if (window.confirm(t('chair.remove_confirm', { name: p.display_name }))) this.actions.remove(p.id, false);
      });
      if (p.account)
        item('chair-ban', t('chair.ban'), () => {
          if (window.confirm(t('chair.ban_confirm', { name: p.display_name }))) this.actions.remove(p.id, true);
        });
    }
    for (const extra of this.moreItems(p)) item(extra.testid, extra.label, extra.run);
    const summary = el('summary', { class: 'btn btn-ghost btn-small chair-menu-button', dataset: { testid: 'chair-menu' }, 'aria-label': t('chair.actions_for', { name: p.display_name }), title: t('chair.actions_for', { name: p.display_name }), text: '⋯' });
    const details = el('details', { class: 'chair-menu' }, summary, el('div', { class: 'chair-menu-items', role: 'group', 'aria-label': t('chair.actions_for', { name: p.display_name }) }, ...items));
    details.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && details.open) {
        e.stopPropagation();
        details.open = false;
        summary.focus();
      }
    });
    return details;
  }
}
