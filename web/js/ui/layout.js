// SPDX-License-Identifier: EUPL-1.2
// Which participant the stage shows large, and why. Three sources, strongest first:
//   spotlight — set by a moderator for everyone (moderation/spotlight, joiners get it in
//               control/joined); every client follows it while it is set;
//   pin       — this user's own choice from a tile's menu (never sent to the server);
//   speaker   — the "speaker" layout follows media/active_speaker: the latest remote speaker
//               (one's own voice does not take the stage from the person one listens to).
// The "grid" layout shows nobody large unless a spotlight or a pin says so. The layout choice is
// remembered (localStorage); pin and spotlight are per meeting.
import { store } from '../util.js';

export const LAYOUTS = ['grid', 'speaker'];

export class StageLayout extends EventTarget {
  constructor(room) {
    super();
    this.room = room;
    const saved = store.get('layout');
    this.mode = LAYOUTS.includes(saved) ? saved : 'grid';
    this.pinned = null;
    this.spotlight = null;
    this.lastSpeaker = null;
    // who may be shown at all (podium mode: the stage only, ui/podium.js); set by the meeting
    this.shows = () => true;
    this.filter = null; // (participant) → on this page's stage (breakout: one's own place only)
    room.addEventListener('change', (e) => {
      const d = e.detail;
      if (d.type === 'reset') {
        // a new meeting state (join, rejoin, leave): control/joined brings the spotlight again
        this.pinned = null;
        this.spotlight = null;
        this.lastSpeaker = null;
        this._changed();
      } else if (d.type === 'active-speaker') {
        if (d.id && d.id !== room.selfId) this.lastSpeaker = d.id;
        if (this.mode === 'speaker') this._changed();
      } else if (d.type === 'participant-left') {
        const id = d.participant.id;
        if (this.pinned === id) this.pinned = null;
        if (this.lastSpeaker === id) this.lastSpeaker = null;
        if (this.spotlight === id) this.spotlight = null;
        this._changed();
      } else if (d.type === 'participant-joined') {
        this._changed();
      }
    });
  }

  _changed() {
    this.dispatchEvent(new CustomEvent('change', { detail: this.current() }));
  }

  /** Who may be shown changed (the stage): pick again. */
  refresh() {
    this._changed();
  }

  setMode(mode) {
    if (!LAYOUTS.includes(mode)) return;
    this.mode = mode;
    store.set('layout', mode);
    this._changed();
  }

  /** Pin `id` for oneself, or unpin with null. */
  pin(id) {
    this.pinned = id && this.room.participants.has(id) ? id : null;
    this._changed();
  }

  /** From the server (moderation/spotlight, control/joined): id or null. */
  setSpotlight(id) {
    this.spotlight = typeof id === 'string' && id ? id : null;
    this._changed();
  }

  /** Only participants for whom fn(p) is true may be shown large (null: everyone). */
  setFilter(fn) {
    this.filter = fn || null;
    this._changed();
  }

  /** {id, reason: 'spotlight'|'pin'|'speaker'} of the participant shown large, or {id: null}. */
  current() {
    const shown = (p) => !!p && this.shows(p) && (!this.filter || this.filter(p));
    const has = (id) => !!id && shown(this.room.participants.get(id));
    if (has(this.spotlight)) return { id: this.spotlight, reason: 'spotlight', mode: this.mode };
    if (has(this.pinned)) return { id: this.pinned, reason: 'pin', mode: this.mode };
    if (this.mode === 'speaker') {
      if (has(this.lastSpeaker)) return { id: this.lastSpeaker, reason: 'speaker', mode: this.mode };
      const others = this.room.list().filter((p) => !p.self && shown(p));
      const first = others[0] || (this.room.self && this.shows(this.room.self) ? this.room.self : null);
      if (first) return { id: first.id, reason: 'speaker', mode: this.mode };
    }
    return { id: null, reason: null, mode: this.mode };
  }
}
