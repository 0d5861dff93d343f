// SPDX-License-Identifier: EUPL-1.2
// Breakout rooms in the meeting (protocol: docs/protocol.md "breakout"; server: src/room/breakout.c).
//
// For everyone: a strip at the top of the stage while breakout is open — "You are in breakout room
// X · 12:34 left" (the countdown from `ends_at`), the plenary speaker heard quietly in a room that
// hears the plenary ("Plenary (quiet): Name"), the chair's last broadcast; in mode `choose` a
// dialog to pick a room. The stage shows only the tiles of one's own place (Grid.setFilter), the
// chat says whose chat it is, and the participant list names each one's room.
//
// For the chair (the "More" menu and the chair's view): one modal dialog — while closed the form
// that opens breakout (number and names of the rooms, "hears the plenary quietly" per room, mode,
// duration), while open the rooms with their members, a select per participant to assign them,
// visit a room or go back, sub-room audio per room, a broadcast and "Call everyone back".
//
// The page never decides who hears or sees whom: the server routes, and a participant in another
// place receives no packet of it. The only thing the page does with audio is to play the plenary
// speaker's (which the server forwards to a hear_plenary room) at a lower volume, marked as such.
import { el } from '../util.js';
import { t, errorText } from '../i18n.js';
import { toast } from './toasts.js';
import { clock } from './vote.js';

export const MAX_ROOMS = 20;
export const QUIET_VOLUME = 0.3;
const MODES = ['manual', 'random', 'choose'];

/** The protocol's state event, normalised; closed: {open: false}. */
export function normalizeState(m) {
  if (!m || m.open !== true) return { open: false, rooms: [], mode: 'manual', ends_at: null, plenary_speaker: null };
  const rooms = (Array.isArray(m.rooms) ? m.rooms : [])
    .filter((r) => r && Number.isInteger(r.id) && r.id > 0)
    .map((r) => ({
      id: r.id,
      name: typeof r.name === 'string' ? r.name : String(r.id),
      hear_plenary: r.hear_plenary === true,
      members: Array.isArray(r.members) ? r.members.map(String) : [],
      visitors: Array.isArray(r.visitors) ? r.visitors.map(String) : [],
    }));
  return {
    open: true,
    mode: MODES.includes(m.mode) ? m.mode : 'manual',
    ends_at: typeof m.ends_at === 'number' ? m.ends_at : null,
    rooms,
    plenary_speaker: typeof m.plenary_speaker === 'string' && m.plenary_speaker ? m.plenary_speaker : null,
  };
}

/** Where participant `id` is: 0 (the plenary) or a room id; `visiting` when only a visitor there. */
export function placeOf(state, id) {
  if (!state.open) return { room: 0, visiting: false };
  for (const r of state.rooms) {
    if (r.members.includes(id)) return { room: r.id, visiting: false };
    if (r.visitors.includes(id)) return { room: r.id, visiting: true };
  }
  return { room: 0, visiting: false };
}

/**
 * Whose audio this page plays quietly: the plenary speaker, when `self` sits in a room that hears
 * the plenary and the speaker is in the plenary. Null otherwise.
 */
export function quietSpeaker(state, self) {
  if (!state.open || !state.plenary_speaker || !self) return null;
  const mine = placeOf(state, self).room;
  if (mine === 0) return null;
  const room = state.rooms.find((r) => r.id === mine);
  if (!room || !room.hear_plenary) return null;
  return placeOf(state, state.plenary_speaker).room === 0 ? state.plenary_speaker : null;
}

/**
 * The chair's form, checked as the server checks it: [{name, hear_plenary}], mode, minutes.
 * Returns {ok: true, rooms, mode, duration_s} or {ok: false, error: key, params}.
 */
export function checkOpenForm({ names, hear, mode, minutes }) {
  if (names.length < 1 || names.length > MAX_ROOMS) return { ok: false, error: 'breakout.err_count', params: { max: MAX_ROOMS } };
  const seen = new Set();
  const rooms = [];
  for (let i = 0; i < names.length; i++) {
    const name = String(names[i] || '').trim();
    const len = [...name].length;
    if (len < 1) return { ok: false, error: 'breakout.err_name_empty', params: { n: i + 1 } };
    if (len > 60) return { ok: false, error: 'breakout.err_name_long', params: { n: i + 1 } };
    if (seen.has(name)) return { ok: false, error: 'breakout.err_name_twice', params: { name } };
    seen.add(name);
    rooms.push({ name, hear_plenary: !!hear[i] });
  }
  if (!MODES.includes(mode)) return { ok: false, error: 'breakout.err_mode' };
  const m = Number(minutes);
  if (!Number.isInteger(m) || m < 0 || m > 240) return { ok: false, error: 'breakout.err_duration' };
  return { ok: true, rooms, mode, duration_s: m * 60 };
}

export class BreakoutPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.stage  the strip goes on top of it (above the tiles, clear of the toasts)
   * @param {HTMLElement} o.chatLog  the chat's log: the note on whose chat it is goes before it
   * @param {import('../room.js').RoomState} o.room
   * @param {() => boolean} o.canChair  may run breakout (RS_NEED_CHAIR; the server decides)
   * @param {() => boolean} o.active  in the meeting proper
   * @param {object} o.actions  features/breakout.js
   * @param {() => (import('../media.js').MediaSession|null)} o.getMedia
   * @param {import('./grid.js').Grid} o.grid
   * @param {import('./layout.js').StageLayout} o.stageLayout
   * @param {() => void} o.onChange  the participant list and the chair's view follow
   */
  constructor({ stage, chatLog, room, canChair, active, actions, getMedia, grid, stageLayout, onChange }) {
    Object.assign(this, { room, canChair, active, actions, getMedia, grid, stageLayout, onChange });
    this.filterKey = ''; // the place whose tiles the stage shows ('' while closed)
    this.state = normalizeState(null);
    this.quiet = null; // whose microphone plays quietly
    this.lastMessage = null; // the chair's last broadcast: {from, text}
    this.setup = { count: 2, names: [], hear: [], mode: 'manual', minutes: 0 };

    this.banner = el('span', { class: 'breakout-banner', dataset: { testid: 'breakout-banner' } });
    this.quietLine = el('span', { class: 'breakout-quiet', dataset: { testid: 'breakout-plenary-quiet' }, hidden: true });
    this.messageText = el('span', { class: 'breakout-message-text', dataset: { testid: 'breakout-message' } });
    this.messageClose = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'breakout-message-dismiss' }, onclick: () => this._dismissMessage() });
    this.messageBox = el('span', { class: 'breakout-message', hidden: true }, this.messageText, this.messageClose);
    this.chooseButton = el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'breakout-choose-open' }, hidden: true, onclick: () => this.openChoose() });
    this.manageButton = el('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'breakout-manage' }, hidden: true, onclick: () => this.openDialog() });
    this.live = el('p', { class: 'visually-hidden', 'aria-live': 'polite', dataset: { testid: 'breakout-live' } });
    this.strip = el('div', { class: 'breakout-strip', role: 'region', 'aria-label': t('breakout.heading'), dataset: { testid: 'breakout-strip' }, hidden: true },
      el('p', { class: 'breakout-line', 'aria-hidden': 'true' }, this.banner, this.quietLine),
      this.messageBox, this.chooseButton, this.manageButton, this.live);
    stage.prepend(this.strip);

    this.chatNote = el('p', { class: 'breakout-chat-note small', dataset: { testid: 'breakout-chat-note' }, hidden: true });
    chatLog.before(this.chatNote);

    // the chair's view: a section filled here (ChairView keeps the slot)
    this.slotStatus = el('p', { dataset: { testid: 'chair-breakout-status' } });
    this.slotButton = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'chair-breakout-open' }, onclick: () => this.openDialog() });

    this.dialog = null; // the chair's, built on first use
    this.chooseDialog = null;
    room.addEventListener('change', (e) => {
      if (['participant-joined', 'participant-left', 'participant-updated', 'reset'].includes(e.detail.type)) this.render();
    });
    window.addEventListener('ratsaal:language', () => {
      this.render();
      if (this.dialog && this.dialog.open) this._renderDialog(true); // the form keeps what was typed (this.setup)
    });
    this.timer = setInterval(() => this._tick(), 1000);
    this.render();
  }

  // ---- server events ----

  /** After (re)joining: control/joined's `breakout` (absent: closed). */
  reset(b) {
    this.lastMessage = null;
    this.state = normalizeState(b);
    this.render();
  }

  setState(m) {
    const before = this.state;
    const was = placeOf(before, this.room.selfId);
    this.state = normalizeState(m);
    const now = placeOf(this.state, this.room.selfId);
    if (before.open && !this.state.open) {
      this.lastMessage = null;
      toast(t(m && m.reason === 'timeout' ? 'breakout.closed_timeout' : 'breakout.closed_closed'), { timeout: 8000, key: 'breakout-place' });
      if (this.chooseDialog && this.chooseDialog.open) this.chooseDialog.close();
    } else if (this.state.open && !before.open) {
      toast(now.room === 0 ? t('breakout.banner_plenary') : this._whereText(now), { timeout: 6000, key: 'breakout-place' });
    } else if (this.state.open && (was.room !== now.room || was.visiting !== now.visiting)) {
      toast(this._whereText(now), { timeout: 6000, key: 'breakout-place' });
    }
    if (this.state.open && this.state.mode === 'choose' && (!before.open || before.mode !== 'choose') && now.room === 0 && !this.canChair()) this.openChoose();
    this.render();
  }

  setPlenarySpeaker(id) {
    if (!this.state.open) return;
    this.state.plenary_speaker = typeof id === 'string' && id ? id : null;
    this.render();
  }

  message(m) {
    const from = typeof m.from_name === 'string' && m.from_name ? m.from_name : this.room.name(m.from);
    this.lastMessage = { from, text: String(m.text || '') };
    toast(t('breakout.message', { name: from, text: this.lastMessage.text }), { timeout: 15000, key: 'breakout-message' });
    this.render();
  }

  /** An error in the namespace: shown in the chair's dialog when it is open. */
  refused(m) {
    if (this.dialog && this.dialog.open && this.errorEl) {
      this.errorEl.textContent = errorText(m.code, m.text);
      this.errorEl.hidden = false;
    }
  }

  // ---- what the page shows ----

  placeOf(id) {
    return placeOf(this.state, id);
  }

  roomName(id) {
    const r = this.state.rooms.find((x) => x.id === id);
    return r ? r.name : t('breakout.plenary');
  }

  _whereText(p) {
    if (p.room === 0) return t('breakout.you_plenary');
    return t(p.visiting ? 'breakout.you_visit' : 'breakout.you_room', { room: this.roomName(p.room) });
  }

  /** Seconds left, or null without an end. */
  remaining() {
    if (!this.state.open || this.state.ends_at === null) return null;
    return Math.max(0, Math.ceil((this.state.ends_at - Date.now()) / 1000));
  }

  /** A badge for a participant's row (participant list) while breakout is open. */
  rowExtras(p) {
    if (!this.state.open) return [];
    const where = this.placeOf(p.id);
    const text = where.room === 0 ? t('breakout.plenary') : where.visiting ? t('breakout.badge_visit', { room: this.roomName(where.room) }) : this.roomName(where.room);
    return [el('span', { class: 'breakout-badge', dataset: { testid: 'breakout-badge', room: String(where.room) }, text })];
  }

  /** The label of a chat message sent in a sub-room ('' for the plenary or when closed). */
  chatLabel(m) {
    const n = Number(m && m.breakout_room);
    return Number.isInteger(n) && n > 0 ? t('breakout.chat_label', { room: this.roomName(n) }) : '';
  }

  /** The chair's view slot: its section (ChairView puts it in). */
  slot() {
    return [this.slotStatus, this.slotButton];
  }

  _tick() {
    if (!this.state.open) return;
    this._renderStrip();
    this._applyAudio(); // a media session started since (rejoin) plays the plenary quietly too
    if (this.dialog && this.dialog.open && this.countdownEl) this.countdownEl.textContent = this._countdownText();
  }

  _countdownText() {
    const left = this.remaining();
    return left === null ? t('breakout.no_end') : t('breakout.left', { time: clock(left) });
  }

  render() {
    this._applyView();
    this._renderStrip();
    this.slotStatus.textContent = this.state.open ? t('breakout.status_open', { n: this.state.rooms.length }) : t('breakout.status_closed');
    this.slotButton.textContent = t('breakout.menu');
    this.slotButton.hidden = !this.canChair();
    if (this.dialog && this.dialog.open) this._renderDialog();
    if (this.chooseDialog && this.chooseDialog.open) this._renderChoose();
    this.onChange();
  }

  _renderStrip() {
    const open = this.state.open && this.active();
    this.strip.hidden = !open;
    if (!open) {
      this.live.textContent = '';
      return;
    }
    const where = this.placeOf(this.room.selfId);
    const left = this.remaining();
    const place = where.room === 0 ? t('breakout.banner_plenary') : this._whereText(where);
    this.banner.textContent = left === null ? place : `${place} · ${t('breakout.left', { time: clock(left) })}`;
    this.strip.dataset.room = String(where.room);
    const quiet = this.quiet;
    this.quietLine.hidden = !quiet;
    this.quietLine.textContent = quiet ? t('breakout.quiet', { name: this.room.name(quiet) }) : '';
    this.messageBox.hidden = !this.lastMessage;
    this.messageText.textContent = this.lastMessage ? t('breakout.message', { name: this.lastMessage.from, text: this.lastMessage.text }) : '';
    this.messageClose.textContent = t('breakout.dismiss');
    this.messageClose.setAttribute('aria-label', t('breakout.dismiss_label'));
    this.chooseButton.hidden = this.state.mode !== 'choose';
    this.chooseButton.textContent = t('breakout.choose_button');
    this.manageButton.hidden = !this.canChair();
    this.strip.setAttribute('aria-label', t('breakout.heading'));
    this.manageButton.textContent = t('breakout.manage');
    // spoken when the place or the quiet speaker changes, not every second
    const spoken = [place, quiet ? t('breakout.quiet', { name: this.room.name(quiet) }) : ''].filter(Boolean).join('. ');
    if (this.live.textContent !== spoken) this.live.textContent = spoken;
  }

  /** Tiles of one's own place only; the plenary speaker quietly in a room that hears the plenary. */
  _applyView() {
    const self = this.room.selfId;
    const mine = this.placeOf(self).room;
    const filter = this.state.open ? (p) => p.id === self || this.placeOf(p.id).room === mine : null;
    this.grid.setFilter(filter);
    // the stage's large tile (speaker view, pin, spotlight) only from one's own place
    const key = this.state.open ? JSON.stringify(this.state.rooms.map((r) => [r.members, r.visitors])) : '';
    if (key !== this.filterKey) {
      this.filterKey = key;
      this.stageLayout.setFilter(filter);
    }
    this._applyAudio();
    this.chatNote.hidden = !this.state.open;
    this.chatNote.textContent = !this.state.open ? '' : mine === 0 ? t('breakout.chat_plenary') : t('breakout.chat_room', { room: this.roomName(mine) });
  }

  _applyAudio() {
    const quiet = this.active() ? quietSpeaker(this.state, this.room.selfId) : null;
    const media = this.getMedia();
    if (media && this.quiet && this.quiet !== quiet) media.setAudioVolume(this.quiet, 'microphone', 1);
    if (media && quiet) media.setAudioVolume(quiet, 'microphone', QUIET_VOLUME);
    this.quiet = quiet;
  }

  _dismissMessage() {
    this.lastMessage = null;
    this._renderStrip();
  }

  // ---- choosing a room (mode choose) ----

  openChoose() {
    if (!this.state.open) return;
    if (!this.chooseDialog) {
      this.chooseHeading = el('h2', { id: 'breakout-choose-heading' });
      this.chooseList = el('div', { class: 'stack breakout-choose-list' });
      this.chooseCancel = el('button', { type: 'button', class: 'btn btn-ghost', dataset: { testid: 'breakout-choose-cancel' }, onclick: () => this.chooseDialog.close() });
      this.chooseDialog = el('dialog', { class: 'dialog breakout-dialog', 'aria-labelledby': 'breakout-choose-heading', dataset: { testid: 'breakout-choose-dialog' } },
        el('div', { class: 'stack' }, this.chooseHeading, this.chooseList, el('div', { class: 'row dialog-actions' }, this.chooseCancel)));
      document.body.append(this.chooseDialog);
    }
    this._renderChoose();
    if (!this.chooseDialog.open) this.chooseDialog.showModal();
    const first = this.chooseList.querySelector('button');
    if (first) first.focus();
  }

  _renderChoose() {
    const mine = this.placeOf(this.room.selfId).room;
    this.chooseHeading.textContent = t('breakout.choose_heading');
    this.chooseCancel.textContent = t('breakout.close_dialog');
    const choice = (id, label) => el('button', {
      type: 'button', class: `btn ${id === mine ? 'btn-primary' : 'btn-secondary'}`, 'aria-pressed': String(id === mine),
      dataset: { testid: 'breakout-choose', roomId: String(id) }, text: label,
      onclick: () => {
        this.actions.choose(id);
        this.chooseDialog.close();
      },
    });
    const focused = this.chooseList.contains(document.activeElement) ? document.activeElement.dataset.roomId : null;
    this.chooseList.replaceChildren(
      ...this.state.rooms.map((r) => choice(r.id, t('breakout.choose_room', { room: r.name, n: r.members.length }))),
      choice(0, t('breakout.choose_plenary')),
    );
    if (focused) {
      const again = this.chooseList.querySelector(`[data-room-id="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  // ---- the chair's dialog ----

  openDialog() {
    if (!this.dialog) this._buildDialog();
    this.errorEl.hidden = true;
    this._renderDialog(true);
    if (!this.dialog.open) this.dialog.showModal();
    const first = this.body.querySelector('input, select, button');
    if (first) first.focus();
  }

  closeDialog() {
    if (this.dialog && this.dialog.open) this.dialog.close();
  }

  /** Out of the meeting: no dialog of ours stays open. */
  closeDialogs() {
    this.closeDialog();
    if (this.chooseDialog && this.chooseDialog.open) this.chooseDialog.close();
  }

  _buildDialog() {
    this.heading = el('h2', { id: 'breakout-dialog-heading' });
    this.body = el('div', { class: 'stack breakout-body' });
    this.errorEl = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'breakout-form-error' }, hidden: true });
    this.closeButton = el('button', { type: 'button', class: 'btn btn-ghost', dataset: { testid: 'breakout-dialog-close' }, onclick: () => this.closeDialog() });
    this.bcInput = el('input', { type: 'text', id: 'breakout-broadcast-text', maxlength: '500', dataset: { testid: 'breakout-broadcast-text' } });
    this.dialog = el('dialog', { class: 'dialog breakout-dialog', 'aria-labelledby': this.heading.id, dataset: { testid: 'breakout-dialog' } },
      el('div', { class: 'stack' }, this.heading, this.body, this.errorEl, el('div', { class: 'row dialog-actions' }, this.closeButton)));
    document.body.append(this.dialog);
  }

  _renderDialog(fresh = false) {
    this.heading.textContent = t('breakout.heading');
    this.closeButton.textContent = t('breakout.close_dialog');
    const mode = this.state.open ? 'manage' : 'setup';
    // a re-render for someone else's change keeps the form as typed and the focus where it was
    if (!fresh && mode === 'setup' && this.body.dataset.mode === 'setup') return;
    const active = this.body.contains(document.activeElement) ? document.activeElement : null;
    const key = active ? [active.dataset.testid, active.dataset.roomId, active.dataset.participantId] : null;
    if (this.body.dataset.mode !== mode) this.errorEl.hidden = true; // opened or closed: an old refusal no longer applies
    this.body.dataset.mode = mode;
    this.body.replaceChildren(...(mode === 'setup' ? this._setupForm() : this._manage()));
    if (key && key[0]) {
      let sel = `[data-testid="${CSS.escape(key[0])}"]`;
      if (key[1] !== undefined) sel += `[data-room-id="${CSS.escape(key[1])}"]`;
      if (key[2] !== undefined) sel += `[data-participant-id="${CSS.escape(key[2])}"]`;
      const again = this.body.querySelector(sel);
      if (again) again.focus();
    }
  }

  _setupForm() {
    const s = this.setup;
    const count = el('input', { type: 'number', id: 'breakout-count', min: '1', max: String(MAX_ROOMS), value: String(s.count), dataset: { testid: 'breakout-count' } });
    const rows = el('div', { class: 'stack breakout-rooms-form' });
    const renderRows = () => {
      rows.replaceChildren(...Array.from({ length: s.count }, (_, i) => {
        if (s.names[i] === undefined) s.names[i] = t('breakout.default_name', { n: i + 1 });
        const name = el('input', { type: 'text', id: `breakout-name-${i}`, maxlength: '60', value: s.names[i], dataset: { testid: 'breakout-room-name', index: String(i) } });
        name.addEventListener('input', () => (s.names[i] = name.value));
        const hear = el('input', { type: 'checkbox', id: `breakout-hear-${i}`, dataset: { testid: 'breakout-room-hear', index: String(i) } });
        hear.checked = !!s.hear[i];
        hear.addEventListener('change', () => (s.hear[i] = hear.checked));
        return el('fieldset', { class: 'breakout-room-row' },
          el('legend', { text: t('breakout.room_n', { n: i + 1 }) }),
          el('div', { class: 'field' }, el('label', { for: name.id, text: t('breakout.name_label') }), name),
          el('label', { class: 'breakout-check', for: hear.id }, hear, ` ${t('breakout.hear_plenary')}`));
      }));
    };
    count.addEventListener('input', () => {
      const n = Number(count.value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_ROOMS) return;
      s.count = n;
      renderRows();
    });
    renderRows();
    const modes = el('fieldset', { class: 'breakout-modes' }, el('legend', { text: t('breakout.mode_label') }),
      ...MODES.map((m) => {
        const r = el('input', { type: 'radio', name: 'breakout-mode', id: `breakout-mode-${m}`, value: m, dataset: { testid: `breakout-mode-${m}` } });
        r.checked = s.mode === m;
        r.addEventListener('change', () => (s.mode = m));
        return el('label', { class: 'breakout-check', for: r.id }, r, ` ${t(`breakout.mode_${m}`)}`);
      }));
    const minutes = el('input', { type: 'number', id: 'breakout-duration', min: '0', max: '240', value: String(s.minutes), dataset: { testid: 'breakout-duration' }, 'aria-describedby': 'breakout-duration-hint' });
    minutes.addEventListener('input', () => (s.minutes = minutes.value));
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'breakout-open' }, text: t('breakout.open') });
    const form = el('form', { class: 'stack breakout-form', dataset: { testid: 'breakout-form' } },
      el('div', { class: 'field' }, el('label', { for: count.id, text: t('breakout.count_label') }), count),
      rows, modes,
      el('div', { class: 'field' }, el('label', { for: minutes.id, text: t('breakout.duration_label') }), minutes,
        el('p', { class: 'field-hint', id: 'breakout-duration-hint', text: t('breakout.duration_hint') })),
      el('div', { class: 'row' }, submit));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const checked = checkOpenForm({ names: s.names.slice(0, s.count), hear: s.hear.slice(0, s.count), mode: s.mode, minutes: s.minutes });
      if (!checked.ok) {
        this.errorEl.textContent = t(checked.error, checked.params);
        this.errorEl.hidden = false;
        return;
      }
      this.errorEl.hidden = true;
      this.actions.open(checked);
    });
    return [el('p', { class: 'muted', text: t('breakout.intro') }), form];
  }

  _manage() {
    const self = this.room.selfId;
    const me = this.placeOf(self);
    this.countdownEl = el('p', { class: 'breakout-countdown', dataset: { testid: 'breakout-dialog-countdown' }, text: this._countdownText() });
    const people = this.room.list();
    const names = (ids) => ids.map((id) => this.room.name(id)).filter(Boolean);
    const roomBox = (r) => {
      const members = names(r.members);
      const hear = el('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': String(r.hear_plenary), dataset: { testid: 'breakout-hear-toggle', roomId: String(r.id) } },
        el('span', { class: 'switch-track', 'aria-hidden': 'true' }, el('span', { class: 'switch-thumb' })),
        el('span', { class: 'switch-label', text: t('breakout.hear_plenary') }));
      hear.addEventListener('click', () => this.actions.setHearPlenary(r.id, !r.hear_plenary));
      const here = me.room === r.id;
      const visit = el('button', {
        type: 'button', class: 'btn btn-small', dataset: { testid: here ? 'breakout-back' : 'breakout-visit', roomId: String(r.id) },
        text: here ? t('breakout.back') : t('breakout.visit'), 'aria-label': here ? t('breakout.back') : t('breakout.visit_label', { room: r.name }),
        onclick: () => this.actions.visit(here ? 0 : r.id),
      });
      return el('li', { class: 'breakout-room', dataset: { testid: 'breakout-room', roomId: String(r.id) } },
        el('strong', { text: r.name }),
        el('p', { class: 'small', dataset: { testid: 'breakout-room-members' }, text: members.length ? t('breakout.members', { names: members.join(', ') }) : t('breakout.empty') }),
        r.visitors.length ? el('p', { class: 'small muted', text: t('breakout.visitors', { names: names(r.visitors).join(', ') }) }) : null,
        el('div', { class: 'row' }, visit, hear));
    };
    const plenary = people.filter((p) => this.placeOf(p.id).room === 0).map((p) => p.display_name);
    const rooms = el('ul', { class: 'breakout-rooms', dataset: { testid: 'breakout-rooms' } },
      ...this.state.rooms.map(roomBox),
      el('li', { class: 'breakout-room', dataset: { testid: 'breakout-room', roomId: '0' } },
        el('strong', { text: t('breakout.plenary') }),
        el('p', { class: 'small', dataset: { testid: 'breakout-room-members' }, text: plenary.length ? t('breakout.in_plenary', { names: plenary.join(', ') }) : t('breakout.empty') })));
    const options = [{ id: 0, name: t('breakout.plenary') }, ...this.state.rooms];
    const assign = el('ul', { class: 'breakout-assign', 'aria-labelledby': 'breakout-assign-heading' },
      ...people.filter((p) => p.id !== self).map((p) => {
        const sel = el('select', { id: `breakout-assign-${p.id}`, dataset: { testid: 'breakout-assign-select', participantId: p.id } },
          ...options.map((o) => el('option', { value: String(o.id), text: o.name, selected: this.placeOf(p.id).room === o.id })));
        sel.addEventListener('change', () => this.actions.assign(p.id, Number(sel.value)));
        return el('li', { class: 'breakout-assign-row' }, el('label', { for: sel.id, text: p.display_name }), sel);
      }));
    this.bcInput.placeholder = t('breakout.broadcast_placeholder');
    this.bcInput.setAttribute('aria-labelledby', 'breakout-broadcast-heading');
    const bcForm = el('form', { class: 'row breakout-broadcast', dataset: { testid: 'breakout-broadcast' } },
      this.bcInput,
      el('button', { type: 'submit', class: 'btn btn-small', dataset: { testid: 'breakout-broadcast-send' }, text: t('breakout.broadcast_send') }));
    bcForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.bcInput.value.trim();
      if (!text) {
        this.errorEl.textContent = t('breakout.err_broadcast_empty');
        this.errorEl.hidden = false;
        return;
      }
      this.errorEl.hidden = true;
      if (this.actions.broadcast(text) !== false) this.bcInput.value = '';
    });
    const close = el('button', { type: 'button', class: 'btn btn-danger', dataset: { testid: 'breakout-close' }, text: t('breakout.call_back'), onclick: () => this.actions.close() });
    return [
      el('p', { dataset: { testid: 'breakout-mode' }, text: t('breakout.mode_now', { mode: t(`breakout.mode_${this.state.mode}`) }) }),
      this.countdownEl,
      rooms,
      el('h3', { class: 'panel-sub', id: 'breakout-assign-heading', text: t('breakout.assign_heading') }),
      assign,
      el('h3', { class: 'panel-sub', id: 'breakout-broadcast-heading', text: t('breakout.broadcast_label') }),
      bcForm,
      el('div', { class: 'row' }, close),
    ];
  }
}
