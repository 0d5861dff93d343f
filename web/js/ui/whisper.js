// SPDX-License-Identifier: EUPL-1.2
// Whisper groups in the meeting (protocol: docs/protocol.md "whisper"; server: src/room/whisper.c).
//
// In the participants panel: my groups (members, open invitations, who whispers), "New whisper
// group" with a small form (name, whom to invite from the participant list), the owner's invite
// and remove, leave or dissolve, which group the W key whispers to, and for moderators the
// "Allow whispering" switch. On the stage: invitations with Accept/Decline, "Whispering to …"
// for the whisperer, "X whispers to you" for the others in the group, and a hold button (press
// and hold with a pointer or a finger, or Space/Enter held on it) for touch screens.
//
// The page never decides who hears a whisper: the server routes it. The whisperer's banner
// shows only after the server confirmed (`whisper/started`), and a microphone that was off is
// switched on only then, and off again before the release is sent, so that nothing meant for
// the group reaches everyone.
import { el } from '../util.js';
import { t } from '../i18n.js';

export class WhisperPanel {
  /**
   * @param {{stage: HTMLElement, after: HTMLElement, room: import('../room.js').RoomState,
   *   isModerator: () => boolean, actions: object,
   *   mic: {isOff: () => boolean, set: (on: boolean) => void}}} o
   *   `after`: the element of the participants panel the section goes after
   */
  constructor({ stage, after, room, isModerator, actions, mic }) {
    Object.assign(this, { room, isModerator, actions, mic });
    this.groups = new Map(); // id → {id, name, owner, members, invited, whispering}
    this.invitations = new Map(); // id → {group, by}
    this.allowed = true;
    this.target = null; // the group the W key whispers to
    this.pressed = false; // the key or the hold button is held
    this.micWasOff = false; // the microphone was off when the key went down
    this.formOpen = false;
    this.formEl = null;

    this.section = el('section', { class: 'whisper-section', dataset: { testid: 'whisper-section' }, 'aria-labelledby': 'whisper-heading' });
    after.after(this.section);
    this.area = el('div', { class: 'whisper-area', dataset: { testid: 'whisper-area' } });
    this.banner = el('p', { class: 'whisper-banner', role: 'status', 'aria-live': 'polite', dataset: { testid: 'whisper-banner' }, hidden: true });
    this.invites = el('div', { class: 'whisper-invitations', dataset: { testid: 'whisper-invitations' } });
    this.hold = el('button', { type: 'button', class: 'btn whisper-hold', dataset: { testid: 'whisper-hold' }, 'aria-pressed': 'false', hidden: true });
    this._wireHold(this.hold);
    this.area.append(this.invites, this.banner, this.hold);
    stage.append(this.area);
    room.addEventListener('change', (e) => {
      if (['participant-updated', 'participant-joined', 'participant-left', 'reset'].includes(e.detail.type)) this.render();
    });
    window.addEventListener('ratsaal:language', () => this.render());
    this.render();
  }

  /** After (re)joining: the room's switch from control/joined; groups start empty. */
  reset(w) {
    this.groups.clear();
    this.invitations.clear();
    this.allowed = !(w && w.allowed === false);
    this.target = null;
    this.pressed = false;
    this.formOpen = false;
    this.formEl = null;
    this.render();
  }

  // ---- names ----

  name(id) {
    const p = this.room.participants.get(id);
    return p ? p.display_name : t('whisper.someone');
  }

  title(g) {
    return g.name || t('whisper.unnamed', { name: this.name(g.owner) });
  }

  _names(ids) {
    return ids.map((id) => {
      const n = this.name(id);
      return id === this.room.selfId ? t('whisper.you', { name: n }) : n;
    });
  }

  // ---- server events ----

  group(g) {
    if (!g || typeof g.id !== 'string') return;
    const norm = {
      id: g.id,
      name: typeof g.name === 'string' ? g.name : '',
      owner: String(g.owner || ''),
      members: Array.isArray(g.members) ? g.members.map(String) : [],
      invited: Array.isArray(g.invited) ? g.invited.map(String) : [],
      whispering: Array.isArray(g.whispering) ? g.whispering.map(String) : [],
    };
    this.invitations.delete(g.id);
    this.groups.set(g.id, norm);
    if (!this.target || !this.groups.has(this.target)) this.target = g.id;
    this.render();
  }

  invited(g, by) {
    if (!g || typeof g.id !== 'string') return;
    this.invitations.set(g.id, { group: { ...g, name: typeof g.name === 'string' ? g.name : '', owner: String(g.owner || by || '') }, by: String(by || '') });
    this.render();
  }

  /** whisper/gone: returns what was known of the group (for the toast), or null. */
  gone(id) {
    const known = this.groups.get(id) || (this.invitations.get(id) || {}).group || null;
    this.groups.delete(id);
    this.invitations.delete(id);
    if (this.target === id) this.target = this.groups.size ? this.groups.keys().next().value : null;
    if (this.pressed && !this._whisperingNow()) this._endPress(false);
    this.render();
    return known;
  }

  started(groupId, id) {
    const g = this.groups.get(groupId);
    if (g && !g.whispering.includes(id)) g.whispering.push(id);
    // confirmed by the server: the audio goes to the group only, so a microphone that was off
    // may come on now
    if (id === this.room.selfId && this.pressed && this.micWasOff) this.mic.set(true);
    this.render();
  }

  stopped(groupId, id) {
    const g = this.groups.get(groupId);
    if (g) g.whispering = g.whispering.filter((x) => x !== id);
    if (id === this.room.selfId && this.pressed) this._endPress(false); // forbidden, muted, …
    this.render();
  }

  setAllowed(allowed) {
    this.allowed = allowed;
    this.render();
  }

  /** An error in the namespace: a start the server refused leaves nothing held. */
  refused() {
    if (this.pressed && !this._whisperingNow()) this._endPress(false);
  }

  // ---- the key ----

  /** Whether the W key has anything to do. */
  available() {
    return !!this.target && this.groups.has(this.target);
  }

  /** The key or the hold button went down. */
  press() {
    if (this.pressed || !this.available()) return;
    this.pressed = true;
    this.micWasOff = this.mic.isOff();
    this.actions.start(this.target);
    this._renderHold();
  }

  /** … and up again. */
  release() {
    if (!this.pressed) return;
    this._endPress(true);
  }

  _endPress(send) {
    this.pressed = false;
    // the microphone goes off before the release is sent: nothing whispered reaches everyone
    if (this.micWasOff) this.mic.set(false);
    this.micWasOff = false;
    if (send) this.actions.stop();
    this._renderHold();
  }

  _whisperingNow() {
    for (const g of this.groups.values()) if (g.whispering.includes(this.room.selfId)) return true;
    return false;
  }

  _wireHold(b) {
    b.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      b.setPointerCapture(e.pointerId);
      this.press();
    });
    for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture']) b.addEventListener(ev, () => this.release());
    b.addEventListener('contextmenu', (e) => e.preventDefault()); // a long press on touch screens
    b.addEventListener('keydown', (e) => {
      if (e.key !== ' ' && e.key !== 'Enter') return;
      e.preventDefault();
      e.stopPropagation(); // not push-to-talk
      if (!e.repeat) this.press();
    });
    b.addEventListener('keyup', (e) => {
      if (e.key === ' ' || e.key === 'Enter') {
        e.stopPropagation();
        this.release();
      }
    });
    b.addEventListener('blur', () => this.release());
  }

  // ---- rendering ----

  render() {
    this._renderStage();
    this._renderSection();
  }

  _renderHold() {
    const g = this.target ? this.groups.get(this.target) : null;
    this.hold.hidden = !g || !this.allowed;
    this.hold.textContent = g ? `${t('whisper.hold')}: ${this.title(g)}` : t('whisper.hold');
    this.hold.title = t('whisper.hold_hint');
    this.hold.setAttribute('aria-pressed', String(this.pressed));
    this.hold.classList.toggle('active', this.pressed);
  }

  _renderStage() {
    this.invites.replaceChildren(
      ...[...this.invitations.values()].map(({ group, by }) =>
        el('div', { class: 'whisper-invitation', role: 'group', 'aria-label': t('whisper.heading'), dataset: { testid: 'whisper-invitation', groupId: group.id } },
          el('p', { text: t('whisper.invitation', { name: this.name(by || group.owner), group: this.title(group) }) }),
          el('div', { class: 'row' },
            el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'whisper-accept' }, text: t('whisper.accept'), onclick: () => this.actions.accept(group.id) }),
            el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'whisper-decline' }, text: t('whisper.decline'), onclick: () => this.actions.decline(group.id) }))),
      ),
    );
    // who whispers: me (confirmed by the server), or others in my groups
    const lines = [];
    let mine = false;
    for (const g of this.groups.values()) {
      for (const id of g.whispering) {
        if (id === this.room.selfId) {
          mine = true;
          lines.unshift(t('whisper.whispering_to', { group: this.title(g) }));
        } else {
          lines.push(t('whisper.whispers_to_you', { name: this.name(id), group: this.title(g) }));
        }
      }
    }
    this.banner.hidden = lines.length === 0;
    this.banner.textContent = lines.join(' · ');
    this.banner.classList.toggle('mine', mine);
    this.banner.dataset.whispering = mine ? 'self' : lines.length ? 'other' : '';
    this._renderHold();
  }

  _renderSection() {
    const s = this.section;
    const children = [el('h3', { class: 'panel-sub', id: 'whisper-heading', text: t('whisper.heading') })];
    if (this.isModerator()) {
      const sw = el('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': String(this.allowed), dataset: { testid: 'whisper-allow' } },
        el('span', { class: 'switch-track', 'aria-hidden': 'true' }, el('span', { class: 'switch-thumb' })),
        el('span', { class: 'switch-label', text: t('whisper.allow') }));
      sw.addEventListener('click', () => this.actions.allow(!this.allowed));
      children.push(sw);
    }
    if (!this.allowed) children.push(el('p', { class: 'muted small', dataset: { testid: 'whisper-forbidden' }, text: t('whisper.forbidden_note') }));
    if (this.groups.size === 0) children.push(el('p', { class: 'muted small', text: t('whisper.none') }));
    if (this.groups.size > 1) {
      const select = el('select', { id: 'whisper-target', dataset: { testid: 'whisper-target' } },
        ...[...this.groups.values()].map((g) => el('option', { value: g.id, text: this.title(g), selected: g.id === this.target })));
      select.addEventListener('change', () => {
        this.target = select.value;
        this._renderHold();
      });
      children.push(el('div', { class: 'field whisper-target' }, el('label', { for: 'whisper-target', text: t('whisper.target_label') }), select));
    }
    children.push(el('ul', { class: 'whisper-groups', dataset: { testid: 'whisper-groups' } }, ...[...this.groups.values()].map((g) => this._groupItem(g))));
    // an open form is kept as it is (typed name, ticks) while others come and go
    if (this.formOpen) children.push(this.formEl || (this.formEl = this._form()));
    else children.push(el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'whisper-new' }, text: t('whisper.new'), onclick: () => this._openForm() }));
    // keep the focus where it was across a re-render (someone else's change must not steal it)
    const active = s.contains(document.activeElement) ? document.activeElement : null;
    const focused = active ? active.dataset.testid : null;
    const focusedGroup = active ? active.closest('[data-group-id]') : null;
    s.replaceChildren(...children);
    if (active && active.isConnected) active.focus(); // inside the kept form
    else if (focused) {
      const scope = focusedGroup ? s.querySelector(`[data-group-id="${CSS.escape(focusedGroup.dataset.groupId)}"]`) : s;
      const again = scope && scope.querySelector(`[data-testid="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  _groupItem(g) {
    const self = this.room.selfId;
    const owner = g.owner === self;
    const memberNames = g.members.map((id) => {
      const n = id === self ? t('whisper.you', { name: this.name(id) }) : this.name(id);
      return id === g.owner ? t('whisper.owner_mark', { name: n }) : n;
    });
    const li = el('li', { class: 'whisper-group', dataset: { testid: 'whisper-group', groupId: g.id } },
      el('strong', { class: 'whisper-group-name', text: this.title(g) }),
      el('p', { class: 'small', dataset: { testid: 'whisper-members' }, text: t('whisper.members', { names: memberNames.join(', ') }) }));
    if (g.invited.length) li.append(el('p', { class: 'small muted', dataset: { testid: 'whisper-invited' }, text: t('whisper.invited_list', { names: this._names(g.invited).join(', ') }) }));
    const actions = el('div', { class: 'row whisper-group-actions' });
    if (owner) {
      for (const id of [...g.members, ...g.invited]) {
        if (id === self) continue;
        actions.append(el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'whisper-remove', participantId: id }, text: t('whisper.remove', { name: this.name(id) }), onclick: () => this.actions.remove(g.id, id) }));
      }
      const others = this.room.list().filter((p) => p.id !== self && !g.members.includes(p.id) && !g.invited.includes(p.id));
      if (others.length) {
        const sel = el('select', { 'aria-label': t('whisper.invite_label'), dataset: { testid: 'whisper-invite-select' } }, ...others.map((p) => el('option', { value: p.id, text: p.display_name })));
        actions.append(sel, el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'whisper-invite' }, text: t('whisper.invite'), onclick: () => this.actions.invite(g.id, [sel.value]) }));
      }
    }
    actions.append(el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'whisper-leave' }, text: t(owner ? 'whisper.dissolve' : 'whisper.leave'), onclick: () => this.actions.leave(g.id) }));
    li.append(actions);
    return li;
  }

  _openForm() {
    this.formOpen = true;
    this._renderSection();
    const input = this.section.querySelector('[data-testid="whisper-name"]');
    if (input) input.focus();
  }

  _form() {
    const self = this.room.selfId;
    const others = this.room.list().filter((p) => p.id !== self);
    const name = el('input', { type: 'text', id: 'whisper-name', maxlength: '40', placeholder: t('whisper.name_placeholder'), dataset: { testid: 'whisper-name' } });
    const error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'whisper-form-error' }, hidden: true });
    const picks = others.map((p) =>
      el('label', { class: 'whisper-pick' },
        el('input', { type: 'checkbox', value: p.id, dataset: { testid: 'whisper-pick', participantId: p.id } }),
        ` ${p.display_name}`));
    const form = el('form', { class: 'whisper-form stack', dataset: { testid: 'whisper-form' }, 'aria-labelledby': 'whisper-form-heading' },
      el('h4', { id: 'whisper-form-heading', text: t('whisper.form_heading') }),
      el('div', { class: 'field' }, el('label', { for: 'whisper-name', text: t('whisper.name_label') }), name),
      el('fieldset', { class: 'whisper-picks' }, el('legend', { text: t('whisper.pick_label') }),
        ...(picks.length ? picks : [el('p', { class: 'muted small', text: t('whisper.pick_empty') })])),
      error,
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: 'whisper-create' }, text: t('whisper.create') }),
        el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'whisper-cancel' }, text: t('whisper.cancel'), onclick: () => this._closeForm() })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const ids = [...form.querySelectorAll('input[type="checkbox"]:checked')].map((c) => c.value);
      if (!ids.length) {
        error.textContent = t('whisper.pick_none');
        error.hidden = false;
        return;
      }
      this.actions.create(name.value.trim(), ids);
      this._closeForm();
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this._closeForm();
      }
    });
    return form;
  }

  _closeForm() {
    this.formOpen = false;
    this.formEl = null;
    this._renderSection();
    const b = this.section.querySelector('[data-testid="whisper-new"]');
    if (b) b.focus();
  }
}
