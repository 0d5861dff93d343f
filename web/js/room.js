// SPDX-License-Identifier: EUPL-1.2
// Meeting state: participants, raised hands (in order of raising), chat, media state.
// Pure data + change events; the UI modules render from it.

/** What the chair decided about one participant (participant.chair in docs/protocol.md). */
function normalizeChair(c) {
  c = c && typeof c === 'object' ? c : {};
  return { mic_blocked: c.mic_blocked === true, mic_allowed: c.mic_allowed === true, camera_off: c.camera_off === true, screen_allowed: c.screen_allowed !== false };
}

/**
 * The session roles (docs/protocol.md `session`): the chair and the minute-taker. The server
 * says `session_chair` (`chair` already holds the chair's decisions about the participant);
 * `chair: true` is the first draft's spelling.
 */
function sessionRoles(p) {
  return { session_chair: p.session_chair === true || p.chair === true, minute_taker: p.minute_taker === true };
}

export class RoomState extends EventTarget {
  constructor() {
    super();
    this.reset();
  }

  reset() {
    this.room = null;
    this.selfId = null;
    this.settings = {};
    this.participants = new Map(); // id → participant
    this.chat = []; // {id, from, display_name, text, ts}
    this.handSeq = 0; // order of raising when timestamps tie or are unknown
    this.activeSpeaker = null;
    this.lobby = new Map(); // id → {id, display_name, waiting_since} (meeting moderators only)
    this.lobbyEnabled = null; // true | false | null (unknown)
    this.chair = { locked: false, mic_restricted: false, floor: null }; // chair/state
    this.speakers = null; // the speakers' list as control/joined brought it (ui/speakers.js)
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
    this.dispatchEvent(new CustomEvent('change', { detail: { type, ...detail } }));
  }

  _normalize(p) {
    return {
      id: String(p.id),
      display_name: String(p.display_name || ''),
      role: p.role || 'participant',
      hand_raised: !!p.hand_raised,
      // Order of raising: ts from hand/raised when known; for hands already up when we joined
      // the protocol gives no time, so they keep the order of the participants array.
      hand_ts: p.hand_raised ? (typeof p.hand_ts === 'number' ? p.hand_ts : 0) : null,
      hand_seq: p.hand_raised ? ++this.handSeq : null,
      joined_at: typeof p.joined_at === 'number' ? p.joined_at : Date.now(),
      muted: { microphone: false, camera: false, screen: false, ...(p.muted || {}) },
      account: p.account === true,
      member: p.member === true,
      // podium (docs/protocol.md "podium"): holds an audience invitation; on the stage
      audience: p.audience === true,
      stage: p.stage === true,
      chair: normalizeChair(p.chair),
      // its connection dropped; the server keeps its place while it comes back (resume)
      connection: p.connection === 'reconnecting' ? 'reconnecting' : 'connected',
      ...sessionRoles(p),
      self: false,
    };
  }

  /** control/joined */
  applyJoined(msg) {
    // a resume continues the same participant: the lines this page has (private ones too) stay,
    // the history adds only what came while the connection was gone
    const kept = msg.resumed === true && msg.room === this.room && msg.id === this.selfId ? this.chat : null;
    this.reset();
    this.room = msg.room;
    this.selfId = msg.id;
    this.settings = msg.room_settings || {};
    for (const p of msg.participants || []) {
      const n = this._normalize(p);
      n.self = n.id === this.selfId;
      this.participants.set(n.id, n);
    }
    this.chat = Array.isArray(msg.chat) ? msg.chat.slice() : [];
    if (kept) {
      const key = (c) => `${c && c.id}|${c && c.from}|${c && c.ts}`;
      const have = new Set(kept.map(key));
      this.chat = kept.concat(this.chat.filter((c) => !have.has(key(c))));
    }
    this.chatEnabled = msg.chat_enabled !== false;
    for (const w of Array.isArray(msg.lobby) ? msg.lobby : []) this._lobbyPut(w);
    if (typeof this.settings.lobby === 'boolean') this.lobbyEnabled = this.settings.lobby;
    if (msg.chair && typeof msg.chair === 'object') this.chair = { ...this.chair, ...msg.chair };
    this.speakers = msg.speakers && typeof msg.speakers === 'object' ? msg.speakers : null;
    this._emit('reset');
  }

  /** control/participant_updated: role or other fields changed; keeps local hand/media state. */
  updateParticipant(p) {
    if (!p || p.id === undefined) return null;
    const cur = this.participants.get(String(p.id));
    if (!cur) return null;
    const before = cur.role;
    if (typeof p.display_name === 'string') cur.display_name = p.display_name;
    if (typeof p.role === 'string') cur.role = p.role;
    if (typeof p.account === 'boolean') cur.account = p.account;
    if (typeof p.member === 'boolean') cur.member = p.member;
    cur.audience = p.audience === true;
    cur.stage = p.stage === true;
    if (p.chair && typeof p.chair === 'object') cur.chair = normalizeChair(p.chair);
    if (typeof p.connection === 'string') cur.connection = p.connection === 'reconnecting' ? 'reconnecting' : 'connected';
    Object.assign(cur, sessionRoles(p)); // a full description: an absent flag is false
    this._emit('participant-updated', { participant: cur, roleChanged: before !== cur.role });
    return cur;
  }

  _lobbyPut(w) {
    if (!w || w.id === undefined) return null;
    const n = { id: String(w.id), display_name: String(w.display_name || ''), waiting_since: typeof w.waiting_since === 'number' ? w.waiting_since : Date.now() };
    this.lobby.set(n.id, n);
    return n;
  }

  lobbyEnter(w) {
    const n = this._lobbyPut(w);
    if (n) this._emit('lobby', { entered: n });
    return n;
  }

  lobbyLeave(id, reason) {
    const w = this.lobby.get(String(id));
    if (!w) return null;
    this.lobby.delete(String(id));
    this._emit('lobby', { left: w, reason });
    return w;
  }

  /** chair/state: the meeting is locked, microphones restricted, who holds the floor. */
  setChair(m) {
    const before = this.chair;
    this.chair = { locked: !!m.locked, mic_restricted: !!m.mic_restricted, floor: m.floor || null };
    this._emit('chair', { before, now: this.chair });
  }

  setLobbyEnabled(on) {
    this.lobbyEnabled = on;
    this._emit('lobby', { enabled: on });
  }

  /** Waiting people, longest waiting first. */
  lobbyList() {
    return [...this.lobby.values()].sort((a, b) => a.waiting_since - b.waiting_since || a.id.localeCompare(b.id));
  }

  get self() {
    return this.participants.get(this.selfId) || null;
  }

  addParticipant(p) {
    const n = this._normalize(p);
    n.self = n.id === this.selfId;
    this.participants.set(n.id, n);
    this._emit('participant-joined', { participant: n });
    return n;
  }

  /**
   * The member list as the server says one sees it now (podium/state `participants`, when
   * podium mode or one's place on the stage changed): whoever is no longer in it leaves, the
   * new ones join, the rest are updated, each with its usual change event.
   */
  replaceParticipants(list) {
    if (!Array.isArray(list)) return;
    const next = new Set(list.filter((p) => p && p.id !== undefined).map((p) => String(p.id)));
    for (const id of [...this.participants.keys()]) if (!next.has(id) && id !== this.selfId) this.removeParticipant(id, 'relisted');
    for (const p of list) {
      if (!p || p.id === undefined) continue;
      if (this.participants.has(String(p.id))) this.updateParticipant(p);
      else this.addParticipant(p);
    }
  }

  removeParticipant(id, reason) {
    const p = this.participants.get(id);
    if (!p) return null;
    this.participants.delete(id);
    if (this.activeSpeaker === id) this.activeSpeaker = null;
    this._emit('participant-left', { participant: p, reason });
    return p;
  }

  setHand(id, raised, ts) {
    const p = this.participants.get(id);
    if (!p) return null;
    if (p.hand_raised === raised) return p;
    p.hand_raised = raised;
    p.hand_ts = raised ? (typeof ts === 'number' ? ts : Date.now()) : null;
    p.hand_seq = raised ? ++this.handSeq : null;
    this._emit('hand', { participant: p, raised });
    return p;
  }

  setTrackState(id, source, muted) {
    const p = this.participants.get(id);
    if (!p) return null;
    p.muted[source] = !!muted;
    this._emit('track-state', { participant: p, source, muted: !!muted });
    return p;
  }

  setActiveSpeaker(id) {
    if (this.activeSpeaker === id) return;
    this.activeSpeaker = id;
    this._emit('active-speaker', { id });
  }

  addChat(m) {
    this.chat.push(m);
    if (this.chat.length > 500) this.chat.splice(0, this.chat.length - 500);
    this._emit('chat', { message: m });
  }

  /** Participants in display order: self first, then by join time. */
  list() {
    return [...this.participants.values()].sort((a, b) => {
      if (a.self !== b.self) return a.self ? -1 : 1;
      return a.joined_at - b.joined_at || a.id.localeCompare(b.id);
    });
  }

  /** Raised hands, first raised first. */
  hands() {
    return [...this.participants.values()]
      .filter((p) => p.hand_raised)
      .sort((a, b) => a.hand_ts - b.hand_ts || a.hand_seq - b.hand_seq);
  }

  name(id) {
    const p = this.participants.get(id);
    return p ? p.display_name : '';
  }
}
