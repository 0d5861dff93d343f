// SPDX-License-Identifier: EUPL-1.2
// Meeting page (/r/<room>): pre-join → (lobby →) meeting → left/ended, with reconnect.
// The phases and the moves between them are the table in phases.js (transition()); the
// signaling namespaces are the feature modules in features/ (route()).
import { t, errorText } from './i18n.js';
import { Signaling, movedSignalingUrl } from './signaling.js';
import { RoomState } from './room.js';
import { MediaSession } from './media.js';
import { roomFromPath, checkDisplayName, store, icon } from './util.js';
import { toast, clearToasts } from './ui/toasts.js';
import { Grid } from './ui/grid.js';
import { Chat } from './ui/chat.js';
import { ParticipantList } from './ui/participants.js';
import { Controls } from './ui/controls.js';
import { PreJoin, acquireMedia, mediaMessage } from './ui/prejoin.js';
import { LobbyPanel } from './ui/lobby.js';
import { VotePanel } from './ui/vote.js';
import { PollPanel } from './ui/poll.js';
import { TimerPanel } from './ui/timer.js';
import { WhisperPanel } from './ui/whisper.js';
import { PodiumPanel, DeviceCheck } from './ui/podium.js';
import { BreakoutPanel } from './ui/breakout.js';
import { RecordingPanel } from './ui/recording.js';
import { DeviceSettings } from './ui/settings.js';
import { api, getAuthInfo, getMe, loginHref } from './api.js';
import { PHASE_UI, nextPhase } from './phases.js';
import { registerFeatures } from './features/index.js';
import { Shortcuts } from './ui/shortcuts.js';
import { ChairPanel } from './ui/chair.js';
import { SpeakersPanel } from './ui/speakers.js';
import { ChatExtras } from './ui/chat_extras.js';
import { Reactions } from './ui/reactions.js';
import { LeaveDialog } from './ui/leave_dialog.js';
import { StageLayout } from './ui/layout.js';
import { QualityMonitor } from './ui/quality.js';
import { ChairView } from './ui/chair_view.js';
import { StatusStrip } from './ui/status_strip.js';
import { AgendaPanel } from './ui/agenda.js';
import { sessionBadges, sessionMenuItems, announceOwnRoles } from './ui/session.js';

// join errors that end the attempt with an explanation screen instead of a toast
const DENIED = new Set(['unauthorized', 'forbidden', 'not_found', 'invalid_invite', 'lobby_rejected', 'meeting_ended']);
// codes with which a meeting turns a newcomer away (room/chair.c, the room's capacity). Unasked,
// after we were let in, they come from a cluster's edge node whose meeting's own server refused
// us after all (docs/cluster.md "Cascade", member_refused); that node closes our socket after it
const REFUSED = new Set(['meeting_locked', 'banned', 'room_full']);
// a media connection not up after this long is shown as a problem (ICE takes 1-3 s, TURN/TLS a few more)
const MEDIA_UNREACHABLE_MS = 20000;
const PASSWORD = new Set(['password_required', 'wrong_password']);
// `moved` (a cluster, docs/protocol.md "Moved") with a URL followed at most this often in a row
const MOVED_MAX = 3;
// `moved` without a URL (the meeting's server is changing: failover, drain) retried this long
// at least, and as long as the server keeps our place (resume_grace_s) when that is longer
const MOVED_RETRY_MS = 60000;

const $ = (id) => document.getElementById(id);

class Meeting {
  constructor(roomId) {
    this.roomId = roomId;
    this.title = new URLSearchParams(location.hash.slice(1)).get('title') || '';
    const invite = new URLSearchParams(location.search).get('invite');
    this.invite = invite && invite.length <= 256 ? invite : null;
    // an audience invitation's link (meetings.js adds `audience=1`): the pre-join screen asks for
    // no camera or microphone; the server makes the holder audience whatever the link says
    this.audienceInvite = !!this.invite && new URLSearchParams(location.search).get('audience') === '1';
    this.password = null;
    this.auth = null; // GET /api/v1/auth
    this.me = null; // signed-in user or null
    this.meetingInfo = null; // the meeting from GET /api/v1/meetings when it is one of mine
    this.pendingJoin = null; // while waiting in the lobby: what to start on admission
    // control/joined's resume token (docs/protocol.md "Resume"): after a dropped connection the
    // join carries it and the server continues this participant instead of adding a new one
    this.resumeToken = null;
    this.sig = new Signaling();
    this.state = new RoomState();
    this.media = null;
    this.phase = 'prejoin'; // see phases.js; changed only by transition()
    this.features = registerFeatures(this);
    this.joinOpts = null;
    this.mediaOn = { microphone: false, camera: false, screen: false, hasMicrophone: false, hasCamera: false };
    this.countdown = null;

    this.views = { prejoin: $('prejoin'), meeting: $('meeting'), ended: $('ended'), lobby: $('lobby'), rejected: $('rejected'), denied: $('denied') };
    this.grid = new Grid({ grid: $('grid'), screenStage: $('screen-stage'), room: this.state, tileMenu: (p) => this._tileMenuItems(p), menuHost: $('meeting') });
    this.stageLayout = new StageLayout(this.state);
    this.stageLayout.addEventListener('change', (e) => this.grid.setFeatured(e.detail));
    this.quality = new QualityMonitor({ getMedia: () => this.media, room: this.state, grid: this.grid });
    this.controls = new Controls($('controls'));
    this.controls.moreItems = () => this._moreItems();
    this.chat = new Chat({
      panel: $('chat-panel'),
      log: $('chat-log'),
      empty: $('chat-empty'),
      form: $('chat-form'),
      input: $('chat-input'),
      count: $('chat-count'),
      room: this.state,
      onSend: (text) => this.features.chat.send(text, this.chatExtras.recipient()),
      onUnread: (n) => this.controls.setUnread(n),
      label: (m) => (this.breakout ? this.breakout.chatLabel(m) : ''),
    });
    this.plist = new ParticipantList({
      list: $('participant-list'),
      queue: $('hand-queue'),
      noHands: $('no-hands'),
      allHeading: $('participants-all'),
      room: this.state,
      canGrant: () => this.canGrant(),
      isModerator: () => this.isModerator(),
      onSetRole: (id, role) => this.features.moderation.setRole(id, role),
      extras: (p) => [...sessionBadges(p), ...this.podium.badges(p), ...(this.breakout ? this.breakout.rowExtras(p) : []), ...this.chairPanel.rowExtras(p)],
      handExtras: (p) => this.podium.handExtras(p),
    });
    this.chairPanel = new ChairPanel({
      before: $('lobby-section'),
      room: this.state,
      isModerator: () => this.isModerator(),
      canLobby: () => !!this.lobbyCapable,
      actions: this.features.chair,
      moreItems: (p) => [...sessionMenuItems(p, this.features.session.setRole), ...this.podium.menuItems(p)],
    });
    this.chatExtras = new ChatExtras({
      panel: $('chat-panel'),
      form: $('chat-form'),
      input: $('chat-input'),
      room: this.state,
      isModerator: () => this.isModerator(),
      actions: this.features.chat,
    });
    this.reactions = new Reactions({ stage: $('stage'), onSend: (kind) => this.features.reaction.send(kind) });
    this.speakers = new SpeakersPanel({
      before: $('hand-queue').previousElementSibling,
      stage: $('stage'),
      room: this.state,
      isModerator: () => this.canChair(), // its chair-side controls need the chair
      actions: this.features.speakers,
      onChange: () => this._ownStateChanged(),
    });
    this.leaveDialog = new LeaveDialog();
    this.lobbyPanel = new LobbyPanel({
      section: $('lobby-section'),
      heading: $('lobby-heading'),
      list: $('lobby-list'),
      empty: $('lobby-empty'),
      admitAll: $('lobby-admit-all'),
      toggle: $('lobby-toggle'),
      stateText: $('lobby-state-text'),
      room: this.state,
      onAdmit: (id) => this.features.lobby.admit(id),
      onReject: (id) => this.features.lobby.reject(id),
      onAdmitAll: () => this.features.lobby.admitAll(),
      onToggle: (enabled) => this.features.moderation.setLobby(enabled),
    });
    this.votes = new VotePanel({
      area: $('vote-area'),
      newButton: $('vote-new'),
      roomId,
      isModerator: () => this.canChair(), // creating and closing votes needs the chair
      voters: () => this._voters(),
      onChange: () => this._ownStateChanged(),
      onCreate: (fields) => this.features.vote.create(fields),
      onCast: (id, option) => this.features.vote.cast(id, option),
      onClose: (id) => this.features.vote.close(id),
      onCancel: (id) => this.features.vote.cancel(id),
    });
    this.chairView = new ChairView({
      host: $('participants-panel').parentElement,
      room: this.state,
      speakers: this.speakers,
      votes: this.votes,
      canLobby: () => this.isModerator() && !!this.lobbyCapable,
      lobbyActions: {
        admit: (id) => this.features.lobby.admit(id),
        reject: (id) => this.features.lobby.reject(id),
        admitAll: () => this.features.lobby.admitAll(),
        toggle: (enabled) => this.features.moderation.setLobby(enabled),
      },
      setChair: (on) => this.features.session.setRole(this.state.selfId, 'chair', on),
    });
    this.statusStrip = new StatusStrip({ before: $('controls'), room: this.state, speakers: this.speakers, votes: this.votes, active: () => this.inMeeting });
    this.breakout = new BreakoutPanel({
      stage: $('stage'),
      chatLog: $('chat-log'),
      room: this.state,
      canChair: () => this.canChair(),
      active: () => this.inMeeting,
      actions: this.features.breakout,
      getMedia: () => this.media,
      grid: this.grid,
      stageLayout: this.stageLayout,
      onChange: () => this.plist.render(),
    });
    this.chairView.breakoutSlot.append(...this.breakout.slot());
    this.polls = new PollPanel({ stage: $('stage'), after: $('vote-new'), isModerator: () => this.canChair(), actions: this.features.poll });
    this.timer = new TimerPanel({ stage: $('stage'), after: this.polls.newButton, isModerator: () => this.canChair(), actions: this.features.timer });
    this.whisper = new WhisperPanel({
      stage: $('stage'),
      after: $('participant-list'),
      room: this.state,
      isModerator: () => this.isModerator(),
      actions: this.features.whisper,
      // held like push-to-talk: a microphone that was off sends while the whisper runs
      mic: {
        isOff: () => !!this.media && this.mediaOn.hasMicrophone !== false && !this.mediaOn.microphone,
        set: (on) => this.media && this.media.setMicrophone(on).catch((err) => console.warn('whisper', err)),
      },
    });
    this.podium = new PodiumPanel({
      stage: $('stage'),
      after: this.whisper.section,
      room: this.state,
      canChair: () => this.canChair(),
      actions: this.features.podium,
      onOffer: () => this._goOnStage('offer'),
    });
    this.deviceCheck = new DeviceCheck();
    // recording and livestream: the header's indicator, the consent dialog, the controls
    this.recording = new RecordingPanel({ header: document.querySelector('.topbar-room'), room: this.state, isModerator: () => this.isModerator(), actions: this.features.recording });
    this.grid.shows = (p) => this.podium.shows(p);
    this.stageLayout.shows = (p) => this.podium.shows(p);
    this.agenda = new AgendaPanel({
      after: $('chat-panel'),
      stage: $('stage'),
      room: this.state,
      canChair: () => this.canChair(),
      canMinutes: () => this.canMinutes(),
      showEmpty: () => !!this.managed && this.canChair(),
      open: () => this.showPanel('agenda'),
      actions: this.features.agenda,
    });
    announceOwnRoles(this.state, toast);
    this.state.addEventListener('change', (e) => {
      if (e.detail.type === 'participant-updated' || e.detail.type === 'reset') {
        this.votes.render();
        this.polls.render();
        this.timer.render();
      }
      if (['reset', 'lobby', 'participant-updated'].includes(e.detail.type)) this._updateLobbyUi();
      // the chair's view is for moderators only
      if (this.openPanel === 'chair' && !this.isModerator()) this.closePanel('chair', false);
      if (e.detail.type === 'participant-updated' || e.detail.type === 'reset') this._updateCopyLink();
      if (e.detail.type === 'participant-updated' || e.detail.type === 'reset') this._applyGuestRights();
    });
    $('password-input').addEventListener('input', () => {
      $('password-input').removeAttribute('aria-invalid');
      $('password-error').hidden = true;
      this._keptPassword($('password-input').value); // survives a reload of this tab
    });
    $('lobby-leave').addEventListener('click', () => this.leaveLobby());
    this.prejoin = new PreJoin({ onJoin: (o) => this.join(o) });
    this.settings = new DeviceSettings({
      getMedia: () => this.media,
      // a rejoin (after leaving) uses the devices picked during the meeting
      onChange: (devices) => {
        if (this.joinOpts) this.joinOpts.devices = { ...this.joinOpts.devices, ...devices };
      },
    });

    for (const b of document.querySelectorAll('.panel-close')) {
      b.append(icon('close'));
      b.addEventListener('click', () => this.closePanel(b.dataset.close, true));
    }
    $('chat-form').querySelector('.chat-send').append(icon('send'));
    $('copy-link').prepend(icon('link'));
    $('copy-link').addEventListener('click', () => this.copyLink());
    $('rejoin-button').addEventListener('click', () => this.rejoin());
    document.addEventListener('keydown', (e) => {
      // a modal dialog (device settings) handles its own Escape
      if (e.key === 'Escape' && this.openPanel && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        this.closePanel(this.openPanel, true);
      }
    });

    this.controls.addEventListener('mic', () => this.toggle('microphone'));
    this.controls.addEventListener('camera', () => this.toggle('camera'));
    this.controls.addEventListener('screen', () => this.toggleScreen());
    this.controls.addEventListener('settings', () => this.settings.open(this.controls.settings));
    this.controls.addEventListener('hand', () => this.features.hand.toggle());
    this.controls.addEventListener('chat', () => this.togglePanel('chat'));
    this.controls.addEventListener('participants', () => this.togglePanel('participants'));
    this.controls.addEventListener('leave', () => this.requestLeave());
    this.shortcuts = new Shortcuts({
      active: () => this.phase === 'meeting',
      actions: {
        mic: () => this.toggle('microphone'),
        camera: () => this.toggle('camera'),
        hand: () => this.features.hand.toggle(),
        chat: () => this.togglePanel('chat'),
        participants: () => this.togglePanel('participants'),
        chair: () => (this.isModerator() ? this.togglePanel('chair') : toast(t('chairview.only_moderators'), { timeout: 4000, key: 'chair-view' })),
      },
      // held Space while muted: talk for as long as it is held; the user's choice stays "off"
      pushToTalk: {
        muted: () => !!this.media && this.mediaOn.hasMicrophone !== false && !this.mediaOn.microphone && !this.features.chair.micLocked(),
        start: () => this.media && this.media.setMicrophone(true).catch((err) => console.warn('push-to-talk', err)),
        stop: () => this.media && this.media.setMicrophone(false).catch((err) => console.warn('push-to-talk', err)),
      },
      whisper: { available: () => this.whisper.available(), start: () => this.whisper.press(), stop: () => this.whisper.release() },
    });
    this.controls.setMedia({ available: false });

    this.state.addEventListener('change', () => this._updateHeader());
    this._wireSignaling();
    this._updateHeader();
    $('prejoin-room').textContent = t('prejoin.room', { room: this.title || roomId });
    // the language switcher (footer, settings) switches in place: the call goes on
    window.addEventListener('ratsaal:language', () => this._relabel());
  }

  /** After a language switch: re-render what was built with t() (static strings are done). */
  _relabel() {
    $('prejoin-room').textContent = t('prejoin.room', { room: this.title || this.roomId });
    if (this.prejoin.noDevices) this.prejoin.showAudienceNote();
    this._updateHeader();
    this._updateLobbyUi();
    this.plist.render();
    this.lobbyPanel.render();
    this.chairView.relabel();
    this.statusStrip.render();
    this.controls.relabel();
    this.grid.relabel();
    this.controls.setHand(!!(this.state.self && this.state.self.hand_raised));
    if (this.media) {
      const m = this.mediaOn;
      this.controls.setMedia({ available: true, mic: m.microphone, cam: m.camera, screen: m.screen, hasMic: m.hasMicrophone, hasCam: m.hasCamera });
    } else {
      this.controls.setMedia({ available: false });
    }
    this._renderPhase(this.phase);
  }

  start() {
    this.sig.connect();
    this.identity = this._loadIdentity();
    this.preview = this._loadPublic();
    const q = new URLSearchParams(location.search);
    const name = q.get('name');
    // A link may prefill, never join: joining starts sending camera and microphone, which
    // needs a deliberate click even when the browser remembers the permission. `join=1` (room
    // systems) only lets the link's name win over the remembered one and puts the focus on Join.
    const linkName = q.get('join') === '1' && name && checkDisplayName(name).ok;
    if (linkName) $('name-input').value = checkDisplayName(name).value;
    else if (name && !store.get('name')) $('name-input').value = name;
    this._renderPhase();
    // the server says whether this join will be receive-only (an audience invitation, or podium
    // mode running: GET /api/v1/rooms/{id}/public): then no camera or microphone is asked for,
    // so the devices wait for that answer
    this.prejoin.show({ devices: !this.audienceInvite, receiveOnly: this.preview });
    if (linkName) $('join-button').focus();
  }

  /**
   * Before joining: the meeting's title, and its password field when it has one
   * (GET /api/v1/rooms/{id}/public). A password typed earlier in this tab comes back.
   */
  async _loadPublic() {
    let info;
    try {
      const q = this.invite ? '?' + new URLSearchParams({ invite: this.invite }).toString() : '';
      info = await api('GET', `/api/v1/rooms/${encodeURIComponent(this.roomId)}/public${q}`);
    } catch {
      return; /* an older server, or too many look-ups: the join still tells */
    }
    if (!info || this.phase !== 'prejoin') return false;
    if (info.receive_only === true) this.receiveOnly = true;
    if (typeof info.title === 'string' && info.title && !this.title) {
      this.title = info.title;
      $('prejoin-room').textContent = t('prejoin.room', { room: this.title });
      this._updateHeader();
    }
    if (info.needs_password === true) {
      $('password-field').hidden = false;
      const kept = this._keptPassword();
      if (kept && !$('password-input').value) $('password-input').value = kept;
    }
    return this.receiveOnly === true;
  }

  /** The meeting password typed in this tab (sessionStorage: gone with the tab, per room). */
  _keptPassword(value) {
    const key = `ratsaal.password.${this.roomId}`;
    try {
      if (value === undefined) return sessionStorage.getItem(key) || '';
      if (value) sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
    } catch {
      /* storage blocked */
    }
    return '';
  }

  /**
   * The creator key of this ad-hoc room, when this tab opened it (docs/protocol.md, join): sent
   * with every join so that a reload keeps moderation. `value` stores one from `joined`.
   */
  creatorKey(value) {
    const key = `ratsaal.creator.${this.roomId}`;
    try {
      if (value === undefined) return sessionStorage.getItem(key) || '';
      sessionStorage.setItem(key, value);
    } catch {
      /* storage blocked: a reload then joins like anyone else */
    }
    return '';
  }

  /** Who am I (prefills the name), and the meeting when it is one of mine (title, owner, lobby). */
  async _loadIdentity() {
    const untouched = $('name-input').value;
    const [auth, me] = await Promise.all([getAuthInfo(), getMe()]);
    this.auth = auth;
    this.me = me;
    if (!me) return;
    document.body.dataset.auth = 'user';
    const input = $('name-input');
    if (me.display_name && input.value === untouched && !new URLSearchParams(location.search).get('name')) input.value = me.display_name;
    try {
      const d = await api('GET', '/api/v1/meetings');
      const m = (d && Array.isArray(d.meetings) ? d.meetings : []).find((x) => x.id === this.roomId);
      if (m) {
        this.meetingInfo = m;
        if (!this.title && m.title) {
          this.title = m.title;
          $('prejoin-room').textContent = t('prejoin.room', { room: this.title });
          this._updateHeader();
        }
        if (this.state.lobbyEnabled === null && typeof m.lobby === 'boolean' && this.inMeeting) this.state.setLobbyEnabled(m.lobby);
      }
    } catch {
      /* not essential */
    }
    this._updateLobbyUi();
    this.plist.render();
  }

  /** Owner of the meeting or admin (the server says so at join): may make others moderators. */
  canGrant() {
    if (this.inMeeting && this.serverCanGrant && this.isModerator()) return true;
    if (!this.me) return false;
    if (this.me.role === 'admin') return true;
    return !!(this.meetingInfo && this.meetingInfo.owner === this.me.id);
  }

  isModerator() {
    return this.inMeeting && !!this.state.self && this.state.self.role === 'moderator';
  }

  /**
   * May edit the agenda (RS_NEED_CHAIR, docs/protocol.md `session`): a moderator who holds the
   * chair, or any moderator while nobody present holds it. Only what is offered; the server decides.
   */
  canChair() {
    if (!this.isModerator()) return false;
    return this.state.self.session_chair || !this.state.list().some((p) => p.session_chair);
  }

  /** May write minutes (RS_NEED_MINUTES): the minute-taker or whoever may chair. */
  canMinutes() {
    return (this.inMeeting && !!this.state.self && this.state.self.minute_taker) || this.canChair();
  }

  /** A guest (protocol.md "Roles in a meeting"): no screen sharing, no meeting link. */
  isGuest() {
    return this.inMeeting && !!this.state.self && this.state.self.role === 'guest';
  }

  /** What a guest may not do is not offered (the server refuses it anyway). */
  _applyGuestRights() {
    const guest = this.isGuest();
    if (navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia) this.controls.screen.hidden = guest || this._receiveOnly();
    if (guest && this.mediaOn.screen && this.media) this.media.stopScreen().catch(() => {});
  }

  /**
   * Whether to offer "Copy link": only to those whose link lets others in. Someone who came by
   * an invitation holds a link that names their invitation, not one to pass on; in a meeting
   * created through the API (managed) only moderators invite; an ad-hoc room is open to
   * everyone with its link.
   */
  mayShare() {
    if (this.isGuest()) return false;
    if (this.inMeeting) return this.managed ? this.isModerator() : true;
    return !this.invite;
  }

  /** In the meeting proper (not before, not in the lobby, not leaving). */
  get inMeeting() {
    return this.phase === 'meeting';
  }

  /**
   * Move to the phase the table (phases.js) gives for `event`, and show it. Returns false, and
   * changes nothing, when the table has no such move from the current phase.
   */
  transition(event) {
    const next = nextPhase(this.phase, event);
    if (!next) {
      console.warn(`meeting: no transition "${event}" from phase "${this.phase}"`);
      return false;
    }
    const prev = this.phase;
    this.phase = next;
    this._renderPhase(prev);
    return true;
  }

  _updateCopyLink() {
    $('copy-link').hidden = !PHASE_UI[this.phase].copyLink || !this.mayShare();
  }

  /** Everything whose visibility depends on the phase (PHASE_UI), in one place. */
  _renderPhase(prev = null) {
    const ui = PHASE_UI[this.phase];
    document.body.dataset.phase = this.phase;
    if (ui.view && this.phase !== prev) this.show(ui.view);
    this._updateCopyLink();
    this.controls.setEnabled(ui.controls);
    this._updateHeader();
  }

  _updateLobbyUi() {
    const mod = this.isModerator() && !!this.lobbyCapable;
    if (mod && this.state.lobbyEnabled === null && this.meetingInfo && typeof this.meetingInfo.lobby === 'boolean') {
      this.state.lobbyEnabled = this.meetingInfo.lobby;
    }
    this.lobbyPanel.setVisible(!!mod);
    this.controls.setLobbyCount(mod ? this.state.lobby.size : 0);
    this.chairView.refresh();
  }

  /** Those present who may vote (protocol.md "vote"): the members when the meeting has a list. */
  _voters() {
    const people = this.state.list().filter((p) => p.role !== 'guest');
    return people.some((p) => p.member) ? people.filter((p) => p.member) : people;
  }

  /** A vote or the speakers' list changed: the status strip and the chair's attendance follow. */
  _ownStateChanged() {
    if (this.statusStrip) this.statusStrip.render();
    if (this.chairView) this.chairView.renderAttendance();
  }

  show(view) {
    for (const [k, v] of Object.entries(this.views)) v.hidden = k !== view;
    if (view === 'meeting') this.grid.layout();
  }

  // ───────── signaling wiring ─────────

  _wireSignaling() {
    this.sig.addEventListener('state', (e) => this._connState(e.detail));
    this.sig.addEventListener('reopen', () => this._onReopen());
    // the server hosting our meeting lost it (it is closing this socket): reconnect through this
    // page's own address, which sends us to the new one; with a URL (called up from the audience
    // on another server of a cluster, docs/cluster.md "Cascade") straight there, where our
    // resume token continues us
    this.sig.addEventListener('control/error', (e) => {
      if (e.detail.code === 'moved' && e.detail.ref === undefined) this.sig.url = movedSignalingUrl(e.detail.url) || this.sig.originUrl;
    });
    // the server we were sent to is unreachable (it died): back through this page's address. Not
    // a redirect loop, so the hops start again; the time bound of _mayFollowMoved still holds.
    this.sig.addEventListener('fallback', () => {
      this.movedHops = 0;
      if (!this.movedSince) this.movedSince = Date.now();
    });
    // every server event, through the feature of its namespace (features/)
    this.sig.addEventListener('message', (e) => this.features.route(e.detail));
  }

  /** An error event nobody awaited (features/index.js): show it. */
  showError(m) {
    if (m.code === 'moved') {
      // the server is handing our meeting over (docs/protocol.md "Moved"): the reconnect follows
      toast(t('conn.moving'), { timeout: 5000, key: 'conn:moving' });
      return;
    }
    if (REFUSED.has(m.code) && this.phase === 'meeting') {
      this._refusedAfterJoin(m);
      return;
    }
    toast(errorText(m.code, m.text), { kind: 'error', code: m.code, key: `err:${m.ns}:${m.code}` });
  }

  /** Lobby and moderator widgets again (e.g. to re-enable buttons after a refused action). */
  rerenderModeration() {
    this.lobbyPanel.render();
    this.chairView.lobby.render();
    this.plist.render();
  }

  _connState(d) {
    const conn = $('conn');
    const text = $('conn-text');
    clearInterval(this.countdown);
    conn.dataset.state = d.state;
    if (d.state === 'open') text.textContent = t('conn.connected');
    else if (d.state === 'idle') text.textContent = t('conn.idle');
    else if (d.state === 'connecting') text.textContent = t('conn.connecting');
    else if (d.state === 'closed') text.textContent = t('conn.offline');
    else if (d.state === 'reconnecting') {
      const tick = () => {
        const s = Math.ceil((this.sig.reconnectAt - Date.now()) / 1000);
        text.textContent = s > 0 && d.delay ? t('conn.reconnecting', { s }) : t('conn.reconnecting_now');
      };
      tick();
      if (d.delay) this.countdown = setInterval(tick, 1000);
    }
  }

  /**
   * The WebSocket is back after a drop: join again. (While joining, join() itself waits for the
   * new connection's hello; a request in flight failed with the old connection.)
   */
  async _onReopen() {
    if (this.phase === 'lobby') {
      // back into the lobby (a new waiting id); admission arrives as control/joined
      try {
        await this.features.control.join(this.joinOpts.name);
      } catch (err) {
        if (DENIED.has(err.code)) this._showDenied(err.code);
      }
      return;
    }
    if (!this.inMeeting) return;
    try {
      const reply = await this.features.control.join(this.joinOpts.name);
      if (reply.ns === 'lobby') {
        // the server put us back into the lobby (e.g. after a restart)
        this._teardownMedia();
        this._enterLobby(reply, { opts: { ...this.joinOpts, stream: new MediaStream(), micOn: false, camOn: false }, mediaAvailable: false, hello: this.sig.hello });
        return;
      }
      const podiumBefore = this.podium.snapshot();
      if (!this._applyJoined(reply)) return;
      this.movedHops = 0;
      this.movedSince = 0;
      toast(t(reply.resumed === true ? 'conn.resumed' : 'conn.restored'), { timeout: 3000, key: 'conn:moving' });
      if (this.media) {
        this.media.iceServers = Array.isArray(reply.ice_servers) ? reply.ice_servers : this.media.iceServers;
        this.media.resync().catch((e) => console.warn('media resync failed', e));
        // the stage may have changed while the connection was gone (called up from the audience
        // on another server: we are on the stage now, through the device check)
        this.podiumChanged(podiumBefore);
      }
    } catch (err) {
      if (err.code === 'moved' && this._mayFollowMoved(err)) {
        await this._followMoved(err); // the new socket's hello calls _onReopen again
        return;
      }
      if (err.code === 'still_connected') {
        // the server has not yet seen our old connection go quiet (a network change is faster
        // than that): our place is kept, so ask again when it says (docs/protocol.md "Resume")
        const s = Math.min(10, Math.max(1, Number(err.msg && err.msg.retry_after_s) || 2));
        $('conn').dataset.state = 'reconnecting';
        $('conn-text').textContent = t('conn.reconnecting_now');
        clearTimeout(this.resumeRetry);
        this.resumeRetry = setTimeout(() => {
          if (this.inMeeting && this.sig.state === 'open') this._onReopen();
        }, s * 1000);
        return;
      }
      if (DENIED.has(err.code)) {
        this._teardownMedia();
        this._showDenied(err.code);
        return;
      }
      toast(t('toast.join_failed', { text: errorText(err.code, err.message) }), { kind: 'error', code: err.code });
    }
  }

  /**
   * Let in, then refused after all: a cluster's edge node served us as audience and the
   * meeting's own server turned us away (locked, banned, full). The meeting ends for this page
   * without reconnecting (the socket would only be refused again), saying why; "Join again"
   * tries once more.
   */
  _refusedAfterJoin(m) {
    if (!this.transition('refused')) return;
    this.sig.close(1000); // no reconnect: it would only be refused again
    this._showOut('refused', t('refused.heading'), errorText(m.code, m.text));
  }

  _onShutdown(m) {
    if (!this.transition('shutdown')) return;
    this._stopPending();
    this.sig.close(1000);
    this._teardownMedia();
    this.closePanel(this.openPanel, false);
    $('ended-heading').textContent = t('shutdown.heading');
    $('ended-text').textContent = t('shutdown.text');
    $('ended-text').hidden = false;
    $('ended').dataset.reason = 'shutdown';
    clearToasts();
    $('ended-heading').focus();
    if (m && m.text) console.info('server shutdown:', m.text);
  }

  // ───────── join / leave ─────────

  async join(opts) {
    if (!$('password-field').hidden) {
      const pw = $('password-input').value;
      if (!pw) {
        this._askPassword('password_required', true);
        this.prejoin.setBusy(false);
        return;
      }
      this.password = pw;
      this._keptPassword(pw);
    }
    if (!this.transition('join')) return;
    this.joinOpts = opts;
    this.movedHops = 0;
    this.movedSince = 0;
    this.sig.connect();
    let hello = await this.sig.waitHello();
    const mediaAvailable = !!(hello && Array.isArray(hello.features) && hello.features.includes('media'));
    if (!mediaAvailable) for (const tr of opts.stream.getTracks()) tr.stop();
    let reply;
    for (;;) {
      try {
        reply = await this.features.control.join(opts.name);
        break;
      } catch (err) {
        if (err.code !== 'moved' || !this._mayFollowMoved(err)) {
          this._joinFailed(opts, err);
          return;
        }
        hello = await this._followMoved(err);
      }
    }
    this.movedHops = 0;
    this.movedSince = 0;
    const pending = { opts, mediaAvailable, hello };
    if (reply.ns === 'lobby') {
      this._enterLobby(reply, pending);
      return;
    }
    this._enterMeeting(reply, pending);
  }

  /**
   * Whether to follow this `moved` (and count it). With a URL it is a redirect: at most
   * MOVED_MAX in a row, the loop guard. Without one the meeting's server is changing (its owner
   * died, or is draining): that is no loop, so it is retried for as long as the server keeps our
   * place (resume_grace_s, at least MOVED_RETRY_MS) since the first such answer.
   */
  _mayFollowMoved(err) {
    const m = err.msg || {};
    const now = Date.now();
    if (!this.movedSince) this.movedSince = now;
    const graceMs = Math.max(MOVED_RETRY_MS, (Number(this.resumeGraceS) || 0) * 1000);
    if (now - this.movedSince > graceMs) return false;
    if (!m.url) return true;
    this.movedHops = (this.movedHops || 0) + 1;
    return this.movedHops <= MOVED_MAX;
  }

  /**
   * `moved`: another server hosts the meeting. Connect there (or, without its address, through
   * this page's own after the server's retry hint) and resolve with the new socket's hello; the
   * caller joins again with the same name, password and invitation.
   */
  async _followMoved(err) {
    const m = err.msg || {};
    toast(t('conn.moving'), { timeout: 5000, key: 'conn:moving' });
    if (!m.url) {
      const s = Math.min(10, Math.max(1, Number(m.retry_after_s) || 2));
      await new Promise((resolve) => setTimeout(resolve, s * 1000));
    }
    return this.sig.moveTo(m.url);
  }

  /** The first join was refused: explain, and offer the form again where that helps. */
  _joinFailed(opts, err) {
    if (opts.stream !== this.prejoin.stream) for (const tr of opts.stream.getTracks()) tr.stop();
    if (DENIED.has(err.code)) {
      this._showDenied(err.code);
      return;
    }
    if (!this.transition('join_failed')) return;
    if (PASSWORD.has(err.code)) {
      this.password = null;
      if (err.code === 'wrong_password') {
        this._keptPassword('');
        $('password-input').value = '';
      }
      this.prejoin.root.hidden = false;
      this.prejoin.setBusy(false);
      $('join-button').disabled = false;
      this._askPassword(err.code);
      if (!this.prejoin.stream.getTracks().length) this.prejoin.start();
      return;
    }
    const text = err.code === 'timeout' ? t('toast.timeout') : errorText(err.code, err.message);
    toast(t('toast.join_failed', { text }), { kind: 'error', code: err.code });
    this.prejoin.setBusy(false);
    $('join-button').disabled = false;
    if (this.prejoin.root.hidden === false && !this.prejoin.stream.getTracks().length) this.prejoin.start();
  }

  /** Show the password field in the pre-join form with why it is asked. */
  _askPassword(code, focus = true) {
    $('password-field').hidden = false;
    const err = $('password-error');
    err.textContent = t(code === 'wrong_password' ? 'prejoin.wrong_password' : 'prejoin.password_required');
    err.hidden = false;
    const input = $('password-input');
    input.setAttribute('aria-invalid', 'true');
    if (code === 'wrong_password') input.select();
    if (focus) input.focus();
  }

  _setLobbyTitle(title) {
    if (title && !this.title) this.title = title;
    $('lobby-wait-title').textContent = this.title || '';
    $('lobby-wait-title').hidden = !this.title;
    this._updateHeader();
  }

  _enterLobby(reply, pending) {
    if (!this.transition('waiting')) {
      for (const tr of pending.opts.stream.getTracks()) tr.stop();
      return;
    }
    this.pendingJoin = pending;
    this.prejoin.hide();
    clearToasts();
    this._setLobbyTitle(reply.title);
    document.title = `${t('lobby.wait_heading')} – ${this.title || t('meeting.title_default')} – Ratsaal`;
    $('lobby-wait-heading').focus();
  }

  _onRejected() {
    if (!this.transition('rejected')) return;
    this._stopPending();
    this.sig.close(1000);
    clearToasts();
    document.title = `${t('lobby.rejected_heading')} – Ratsaal`;
    $('rejected-heading').focus();
  }

  _stopPending() {
    if (this.pendingJoin) for (const tr of this.pendingJoin.opts.stream.getTracks()) tr.stop();
    this.pendingJoin = null;
  }

  async leaveLobby() {
    if (!this.transition('leave')) return;
    await this.features.control.leave();
    if (!this.transition('left')) return;
    this._stopPending();
    $('ended-heading').textContent = t('lobby.left_heading');
    $('ended-text').hidden = true;
    $('ended').dataset.reason = 'lobby-left';
    $('ended-heading').focus();
  }

  /** unauthorized, forbidden, not_found, invalid_invite, lobby_rejected: explain, offer a way on. */
  _showDenied(code) {
    if (!this.transition(code === 'lobby_rejected' ? 'rejected' : 'denied')) return;
    this._stopPending();
    this.prejoin.stopMedia();
    this.prejoin.hide();
    this.sig.close(1000);
    clearToasts();
    if (code === 'lobby_rejected') {
      $('rejected-heading').focus();
      return;
    }
    $('denied').dataset.code = code;
    $('denied-heading').textContent = t(`denied.${code}.heading`);
    $('denied-text').textContent = t(`denied.${code}.text`);
    const signin = $('denied-signin');
    signin.hidden = !(code === 'unauthorized' || (code === 'forbidden' && !this.me));
    signin.href = loginHref(location.pathname + location.search + location.hash);
    document.title = `${t(`denied.${code}.heading`)} – Ratsaal`;
    $('denied-heading').focus();
  }

  _enterMeeting(reply, { opts, mediaAvailable, hello }) {
    this.pendingJoin = null;
    if (!this._applyJoined(reply)) {
      for (const tr of opts.stream.getTracks()) tr.stop();
      return;
    }
    this.prejoin.hide();
    this.controls.setHand(!!(this.state.self && this.state.self.hand_raised));
    $('stage-note').hidden = mediaAvailable;
    $('stage-note').textContent = mediaAvailable ? '' : t('meeting.media_unavailable');
    if (mediaAvailable) this._startMedia(opts, reply, hello, this._mayPublish());
    else this.controls.setMedia({ available: false });
    // focus the first control so keyboard users land in the meeting
    // (the audience has no microphone button)
    this.controls.mic.disabled || this.controls.mic.hidden ? this.controls.hand.focus() : this.controls.mic.focus();
  }

  /** Holds `token` (or none) for the next join after a dropped connection. */
  _setResumeToken(token) {
    this.resumeToken = typeof token === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(token) ? token : null;
    this.sig.resumable = !!this.resumeToken;
  }

  /**
   * In the meeting (first join, admitted, or again after a reconnect); false if refused. After a
   * resume (`reply.resumed`) the same participant goes on: what only this page knew (its whisper
   * groups, private chat lines) stays, the rest is the server's state again.
   */
  _applyJoined(reply) {
    // known before the phase changes: whether "Copy link" is offered depends on it
    this.managed = !!(reply.room_settings && reply.room_settings.managed === true);
    this.serverCanGrant = !!(reply.room_settings && reply.room_settings.can_grant === true);
    if (!this.transition('joined')) return false;
    this._setResumeToken(reply.resume_token);
    if (Number.isInteger(reply.resume_grace_s)) this.resumeGraceS = reply.resume_grace_s;
    this.state.applyJoined(reply);
    this.votes.reset(reply.votes, reply.member_count);
    if (typeof reply.creator_key === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(reply.creator_key)) this.creatorKey(reply.creator_key);
    this.stageLayout.setSpotlight(reply.spotlight);
    this.polls.reset(reply.poll);
    this.timer.reset(reply.timer);
    if (reply.resumed === true) this.whisper.setAllowed(!(reply.whisper && reply.whisper.allowed === false));
    else this.whisper.reset(reply.whisper);
    this.podium.reset(reply.podium);
    this.breakout.reset(reply.breakout);
    this.recording.reset(reply.recording || {});
    this.grid.refreshShown();
    this.stageLayout.refresh();
    // a lobby exists only in meetings created through the API ("managed"), not in ad-hoc rooms
    const rs = reply.room_settings || {};
    this.lobbyCapable = rs.managed !== false && (Array.isArray(reply.lobby) || typeof rs.lobby === 'boolean');
    this._updateLobbyUi();
    if (reply.room_settings && reply.room_settings.title) this.title = reply.room_settings.title;
    this.controls.setHand(!!(this.state.self && this.state.self.hand_raised));
    this._updateHeader();
    this._updateCopyLink(); // our role is known now
    return true;
  }

  /**
   * Whether this page may send camera and microphone (docs/protocol.md "podium"): in podium mode
   * only from the stage; an audience-invitation holder not at all while it is off.
   */
  _mayPublish() {
    const self = this.state.self;
    return this.podium.mayPublish(!!(self && self.audience));
  }

  /** `publish` false: receive only — no publish connection, no camera or microphone. */
  _startMedia(opts, reply, hello, publish = true) {
    const media = new MediaSession({
      publish,
      signaling: this.sig,
      simulcast: hello.features.includes('simulcast'),
      iceServers: reply.ice_servers,
      localStream: opts.stream,
      micOn: opts.micOn,
      camOn: opts.camOn,
      devices: opts.devices,
    });
    this.media = media;
    this.grid.setMedia(media);
    this.quality.start();
    media.addEventListener('local-state', (e) => {
      this.mediaOn = e.detail;
      this._applyAudienceControls();
      this.controls.setMedia({
        available: true,
        mic: e.detail.microphone,
        cam: e.detail.camera,
        screen: e.detail.screen,
        hasMic: e.detail.hasMicrophone,
        hasCam: e.detail.hasCamera,
      });
      if (this.settings.isOpen) this.settings.refreshPreview();
      if (this.state.selfId) {
        this.state.setTrackState(this.state.selfId, 'microphone', !e.detail.microphone);
        this.state.setTrackState(this.state.selfId, 'camera', !e.detail.camera);
      }
    });
    media.addEventListener('local-track', (e) => {
      if (e.detail.source === 'camera') {
        this.grid.setLocalCamera(e.detail.track);
        if (this.settings.isOpen) this.settings.refreshPreview();
      }
      if (e.detail.source === 'screen') this.grid.setScreen(this.state.selfId, e.detail.track);
    });
    media.addEventListener('remote-track', (e) => {
      const d = e.detail;
      if (d.kind !== 'video') return;
      if (d.source === 'screen') this.grid.setScreen(d.participant, d.track);
      else this.grid.setVideo(d.participant, d.track);
    });
    media.addEventListener('error', (e) =>
      toast(errorText(e.detail.code, e.detail.text), { kind: 'error', code: e.detail.code, key: `err:media:${e.detail.code}` }),
    );
    // ICE finds no way to the SFU (UDP blocked and no TURN server usable, e.g. a refused
    // credential): say so until a connection comes up; media.js keeps restarting ICE. Chromium
    // may stay in 'checking' for good when a TURN server's port swallows SYNs, so the sign is
    // "not connected within MEDIA_UNREACHABLE_MS", not only 'failed'.
    const iceWait = {};
    const iceBad = new Set();
    const showIce = () => {
      if (iceBad.size) toast(t('media.unreachable'), { kind: 'error', code: 'media_unreachable', key: 'media-unreachable', timeout: 0 });
      else document.querySelectorAll('[data-code="media_unreachable"]').forEach((n) => n.remove());
    };
    media.addEventListener('ice-state', (e) => {
      const { pc, state } = e.detail;
      if (state === 'connected' || state === 'completed' || state === 'closed') {
        clearTimeout(iceWait[pc]);
        iceWait[pc] = null;
        iceBad.delete(pc);
      } else if (state === 'failed') {
        iceBad.add(pc);
      } else if (!iceWait[pc] && !iceBad.has(pc)) {
        iceWait[pc] = setTimeout(() => {
          iceWait[pc] = null;
          // (a connection closed meanwhile fires no event: look at the one there is now)
          const now = pc === 'publish' ? media.pub : media.sub;
          if (this.media !== media || media.closed || !now || ['connected', 'completed', 'new'].includes(now.iceConnectionState)) return;
          iceBad.add(pc);
          showIce();
        }, MEDIA_UNREACHABLE_MS);
      }
      showIce();
    });
    media.start().catch((err) => {
      console.warn('media start failed', err);
      toast(errorText(err.code || 'invalid_sdp', err.message), { kind: 'error' });
    });
  }

  _teardownMedia() {
    this.settings.close();
    this.quality.stop();
    if (this.media) {
      this.media.close();
      this.media = null;
    }
    this.grid.setMedia(null);
    this.grid.setLocalCamera(null);
    for (const id of [...this.grid.screens.keys()]) this.grid.setScreen(id, null);
    for (const id of [...this.grid.videoTracks.keys()]) this.grid.setVideo(id, null);
  }

  /**
   * Leave, as the user asked. A moderator is asked first (issue 12): hand the chair over to
   * someone (made moderator, then we leave), end the meeting for everyone, or just leave.
   */
  async requestLeave() {
    if (!this.isModerator()) return this.leave();
    const self = this.state.self;
    const mayGrant = this.canGrant() || !this.managed;
    const candidates = mayGrant ? this.state.list().filter((p) => p.id !== self.id && p.role === 'participant' && (!this.managed || p.account)) : [];
    const choice = await this.leaveDialog.ask(candidates);
    if (!choice || !this.inMeeting) return;
    if (choice.action === 'end') {
      this.features.moderation.end(); // control/ended follows for everyone, us included
      return;
    }
    if (choice.action === 'handover') {
      try {
        await this._handOver(choice.id);
      } catch {
        toast(t('leave.handover_failed'), { kind: 'error' });
        return;
      }
    }
    await this.leave();
  }

  /** Makes `id` a moderator and resolves once the server says so (rejects after 5 s). */
  _handOver(id) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const p = this.state.participants.get(id);
        if (p && p.role === 'moderator') finish(true);
        else if (!p) finish(false);
      };
      const timer = setTimeout(() => finish(false), 5000);
      const finish = (ok) => {
        clearTimeout(timer);
        this.state.removeEventListener('change', check);
        ok ? resolve() : reject(new Error('handover'));
      };
      this.state.addEventListener('change', check);
      this.features.moderation.setRole(id, 'moderator');
    });
  }

  /** control/ended: a moderator ended the meeting for everyone. */
  _onEnded(m) {
    const byMe = !!(m && this.state.selfId && m.by === this.state.selfId);
    if (!this.transition('ended')) return;
    this.leaveDialog.close();
    this._stopPending();
    this._showOut('ended', t(byMe ? 'ended.heading_self' : 'ended.heading'), t('ended.text'));
  }

  /** Out of the meeting (left, or ended for all): clear it and show why (`text` may be null). */
  _showOut(reason, heading, text) {
    this._teardownMedia();
    this.closePanel(this.openPanel, false);
    this.breakout.reset(null);
    this.breakout.closeDialogs();
    this.recording.reset(null);
    this.state.reset();
    this.grid.render();
    this.chat.renderAll();
    this.controls.setUnread(0);
    $('ended-heading').textContent = heading;
    $('ended-text').textContent = text || '';
    $('ended-text').hidden = !text;
    $('ended').dataset.reason = reason;
    clearToasts();
    this._updateHeader();
    $('ended-heading').focus();
  }

  async leave() {
    if (!this.transition('leave')) return;
    this._setResumeToken(null);
    // the media session first: a tile's size report (debounced) or an answer sent after the
    // server took the leave would be refused with not_joined and shown as an error
    this._teardownMedia();
    await this.features.control.leave();
    if (!this.transition('left')) return; // the server shut down meanwhile
    this._showOut('left', t('left.heading'), null);
  }

  async rejoin() {
    if (!this.joinOpts) {
      if (this.transition('restart')) this.prejoin.show();
      return;
    }
    $('rejoin-button').disabled = true;
    try {
      this.sig.connect();
      const hello = await this.sig.waitHello();
      let stream = new MediaStream();
      let status = { audio: 'off', video: 'off' };
      if (hello.features && hello.features.includes('media') && !this.audienceInvite) {
        ({ stream, status } = await acquireMedia({ audio: true, video: this.joinOpts.camOn, devices: this.joinOpts.devices }));
      }
      // joinOpts holds the user's last choice (toggle() keeps it), not the first join's
      await this.join({
        ...this.joinOpts,
        stream,
        micOn: this.joinOpts.micOn && status.audio === 'ok',
        camOn: this.joinOpts.camOn && status.video === 'ok',
      });
    } finally {
      $('rejoin-button').disabled = false;
    }
  }

  // ───────── actions ─────────

  async toggle(source) {
    if (!this.media || !this.media.publishing) return; // the audience sends nothing
    // the chair restricted microphones: the server would refuse the unmute (mic_restricted)
    if (source === 'microphone' && !this.mediaOn.microphone && this.features.chair.micLocked()) {
      toast(t('chair.you_restricted'), { timeout: 5000, key: 'chair-self' });
      return;
    }
    try {
      if (source === 'microphone') await this.media.setMicrophone(!this.mediaOn.microphone);
      else await this.media.setCamera(!this.mediaOn.camera);
      // the user's choice holds for a rejoin and the next pre-join screen
      if (this.joinOpts) {
        this.joinOpts.micOn = this.mediaOn.microphone;
        this.joinOpts.camOn = this.mediaOn.camera;
      }
      store.set(source === 'microphone' ? 'micOff' : 'camOff', source === 'microphone' ? !this.mediaOn.microphone : !this.mediaOn.camera);
    } catch (err) {
      console.warn('device toggle failed', err);
      const status = { audio: 'off', video: 'off' };
      const n = err && err.name;
      status[source === 'camera' ? 'video' : 'audio'] = n === 'NotAllowedError' ? 'denied' : n === 'NotFoundError' ? 'notfound' : 'error:' + n;
      toast(mediaMessage(status) || t('error.device_failed'), { kind: 'error' });
    }
  }

  async toggleScreen() {
    if (!this.media || !this.media.publishing) return;
    if (this.isGuest() && !this.mediaOn.screen) {
      toast(t('guest.no_screen'), { kind: 'warn' });
      return;
    }
    try {
      if (this.mediaOn.screen) await this.media.stopScreen();
      else await this.media.startScreen();
    } catch (err) {
      console.warn('screen share failed', err);
      toast(t('error.screen_denied'), { kind: 'warn' });
    }
  }

  togglePanel(which) {
    if (this.openPanel === which) this.closePanel(which, true);
    else this.showPanel(which);
  }

  _panel(which) {
    if (which === 'chair') return this.chairView.panel;
    return $(`${which}-panel`); // chat, participants, agenda
  }

  showPanel(which) {
    if (this.openPanel && this.openPanel !== which) this.closePanel(this.openPanel, false);
    if (this.openPanel !== which) this.panelOpener = document.activeElement;
    const panel = this._panel(which);
    panel.hidden = false;
    this.openPanel = which;
    if (which === 'chair') {
      this.chairView.open();
      this.podium.attach(this.chairView.podiumBox);
      this.recording.attach(this.chairView.recordingSlot);
    } else if (which !== 'agenda') this.controls.setPanel(which, true);
    if (which === 'chat') {
      this.chat.markRead();
      $('chat-input').focus();
    } else {
      panel.querySelector('.panel-close').focus();
    }
    this.grid.layout();
  }

  closePanel(which, restoreFocus) {
    if (!which) return;
    const panel = this._panel(which);
    panel.hidden = true;
    if (this.openPanel === which) this.openPanel = null;
    if (which === 'chair') {
      this.chairView.close();
      this.podium.detach();
      this.recording.detach();
    } else if (which !== 'agenda') this.controls.setPanel(which, false);
    if (restoreFocus) {
      // the chair's view opens from "More" (or its key); the agenda from "More", the stage's
      // chip or the chair's view: back to where it was opened
      const opener = this.panelOpener;
      const b = which === 'chat' ? this.controls.chat : which === 'participants' ? this.controls.people
        : which === 'agenda' && opener && opener.isConnected ? opener : this.controls.more;
      // on a phone the participants button lives in "More"
      (b.getClientRects().length ? b : this.controls.more).focus();
    }
    this.grid.layout();
  }

  /** "More" menu (controls.js): on a phone also what left the bar; layout; copy link. */
  _moreItems() {
    const c = this.controls;
    const items = [];
    if (c.isPhone()) {
      if (!c.screen.hidden && !c.screen.disabled) {
        items.push({ label: this.mediaOn.screen ? t('controls.screen_stop') : t('controls.screen_start'), icon: 'screen', testid: 'more-screen', run: () => this.toggleScreen() });
      }
      if (!c.settings.disabled) items.push({ label: t('controls.settings_label'), icon: 'settings', testid: 'more-settings', run: () => this.settings.open(c.more) });
      const waiting = this.isModerator() && this.lobbyCapable ? this.state.lobby.size : 0;
      items.push({
        label: t('controls.participants'),
        icon: 'people',
        note: waiting ? t('controls.lobby_waiting', { n: waiting }) : '',
        testid: 'more-participants',
        run: () => this.togglePanel('participants'),
      });
      items.push('separator');
    }
    if (this.isModerator()) items.push({ label: t('chairview.open'), icon: 'star', testid: 'more-chair-view', run: () => this.togglePanel('chair') });
    if (this.canChair()) items.push({ label: t('podium.switch'), toggled: this.podium.on, testid: 'more-podium', run: () => this.features.podium.set(!this.podium.on) });
    if (this.isModerator()) items.push({ label: t('recording.menu'), note: this.recording.running ? t('recording.menu_note_running') : '', testid: 'more-recording', run: () => this.recording.openControls() });
    if (this.canChair()) {
      const open = this.breakout.state.open;
      items.push({ label: t('breakout.menu'), note: open ? t('breakout.status_open', { n: this.breakout.state.rooms.length }) : '', testid: 'more-breakout', run: () => this.breakout.openDialog() });
    }
    if (this.agenda.offered) {
      const cur = this.agenda.currentItem();
      items.push({ label: t('agenda.menu'), note: cur ? t('agenda.item_n', { n: this.agenda.items.indexOf(cur) + 1 }) : '', testid: 'more-agenda', run: () => this.togglePanel('agenda') });
    }
    if (this.isModerator() || this.agenda.offered) items.push('separator');
    const mode = this.stageLayout.mode;
    items.push({ label: t('layout.grid'), checked: mode === 'grid', testid: 'layout-grid', run: () => this.stageLayout.setMode('grid') });
    items.push({ label: t('layout.speaker'), checked: mode === 'speaker', testid: 'layout-speaker', run: () => this.stageLayout.setMode('speaker') });
    if (this.mayShare()) items.push('separator', { label: t('meeting.copy_link'), icon: 'link', testid: 'more-copy-link', run: () => this.copyLink() });
    return items;
  }

  /** A tile's options: pin for oneself; moderators also spotlight for everyone. */
  _tileMenuItems(p) {
    if (!p || !this.inMeeting) return [];
    const pinned = this.stageLayout.pinned === p.id;
    const items = [
      {
        label: pinned ? t('layout.unpin') : t('layout.pin'),
        testid: pinned ? 'tile-unpin' : 'tile-pin',
        run: () => {
          this.stageLayout.pin(pinned ? null : p.id);
          toast(pinned ? t('layout.unpinned_toast') : t('layout.pinned_toast', { name: p.display_name }), { timeout: 3000, key: 'pin' });
        },
      },
    ];
    if (this.isModerator()) {
      const on = this.stageLayout.spotlight === p.id;
      items.push({
        label: on ? t('layout.spotlight_end') : t('layout.spotlight'),
        testid: on ? 'tile-spotlight-end' : 'tile-spotlight',
        run: () => this.features.moderation.spotlight(on ? null : p.id),
      });
    }
    return items;
  }

  /** moderation/spotlight from the server: everyone's stage follows it. */
  onSpotlight(id) {
    const next = typeof id === 'string' && id ? id : null;
    if (next === this.stageLayout.spotlight) return;
    this.stageLayout.setSpotlight(next);
    const text = !next ? t('layout.spotlight_off') : next === this.state.selfId ? t('layout.spotlight_on_you') : t('layout.spotlight_on', { name: this.state.name(next) });
    toast(text, { timeout: 4000, key: 'spotlight' });
  }

  /** The page sends nothing (the audience, docs/protocol.md "podium"). */
  _receiveOnly() {
    return !!this.media && !this.media.publishing;
  }

  /** The audience has no microphone, camera, screen or device buttons. */
  _applyAudienceControls() {
    const off = this._receiveOnly();
    for (const b of [this.controls.mic, this.controls.cam, this.controls.settings]) b.hidden = off;
    this._applyGuestRights();
    if (off) this.settings.close();
  }

  /**
   * podium/state changed the mode or the stage (`before`: PodiumPanel.snapshot()): the layout
   * follows the stage; whoever may no longer send closes the publish connection and releases
   * the devices; whoever was called up goes through the device check first.
   */
  podiumChanged(before) {
    const p = this.podium;
    this.grid.refreshShown();
    this.stageLayout.refresh();
    this.plist.render(); // call up / send back next to hands and in the chair's menu
    if (!before.on && p.on) toast(t('podium.on_toast'), { timeout: 4000, key: 'podium' });
    if (before.on && !p.on) toast(t('podium.off_toast'), { timeout: 4000, key: 'podium' });
    if (!this.media) return;
    const may = this._mayPublish();
    if (!may) {
      this.deviceCheck.abort();
      p.setOffer(false);
      if (this.media.publishing) {
        this.media.stopPublish();
        toast(t(before.on && before.youOnStage ? 'podium.sent_back_toast' : 'podium.now_audience_toast'), { timeout: 6000, key: 'podium-self' });
      } else if (before.on && before.youOnStage) {
        toast(t('podium.sent_back_toast'), { timeout: 6000, key: 'podium-self' });
      }
      return;
    }
    if (this.media.publishing) return;
    if (p.on) {
      // called onto the stage: a device check, then the publish connection
      if (!before.youOnStage) this._goOnStage('call_up');
    } else {
      // podium mode ended: offer camera and microphone (nothing is switched on unasked)
      p.setOffer(true);
    }
  }

  /** The device check, then the publish connection (kind: 'call_up' or 'offer'). */
  async _goOnStage(kind) {
    if (!this.media || this.media.publishing || this.deviceCheck.isOpen) return;
    const answer = await this.deviceCheck.ask(kind, this.joinOpts ? this.joinOpts.devices : {});
    if (!answer) {
      // "Stay in the audience": leave the stage the chair called us onto
      if (kind === 'call_up' && this.podium.on && this.podium.youOnStage && this.inMeeting) this.features.podium.sendBack(this.state.selfId);
      return;
    }
    if (!this.media || this.media.publishing || !this._mayPublish()) {
      for (const tr of answer.stream.getTracks()) tr.stop();
      return;
    }
    this.podium.setOffer(false);
    if (this.joinOpts) this.joinOpts.devices = { ...this.joinOpts.devices, ...answer.devices };
    if (kind === 'call_up') toast(t('podium.on_stage_toast'), { timeout: 4000, key: 'podium-self' });
    await this.media.startPublish(answer.stream, answer).catch((err) => console.warn('publish failed', err));
  }

  link() {
    const hash = this.title ? '#' + new URLSearchParams({ title: this.title }).toString() : '';
    return `${location.origin}/r/${encodeURIComponent(this.roomId)}${hash}`;
  }

  async copyLink() {
    const link = this.link();
    try {
      await navigator.clipboard.writeText(link);
      toast(t('meeting.link_copied'), { timeout: 3000 });
    } catch {
      toast(t('meeting.link_copy_failed', { link }), { timeout: 12000 });
    }
  }

  _updateHeader() {
    const title = this.title || '';
    $('meeting-title').textContent = title;
    $('meeting-heading').textContent = title || t('meeting.title_default');
    document.title = title ? `${title} – Ratsaal` : `${t('meeting.title_default')} – Ratsaal`;
    const n = this.state.participants.size;
    const count = $('participant-count');
    count.hidden = !PHASE_UI[this.phase].count || n === 0;
    count.textContent = t('meeting.participant_count', { n });
  }
}

export function initMeeting() {
  const room = roomFromPath();
  if (!room) {
    location.replace('/');
    return;
  }
  const m = new Meeting(room);
  window.__ratsaalMeeting = m;
  m.start();
}
