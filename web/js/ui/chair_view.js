// SPDX-License-Identifier: EUPL-1.2
// The chair's view: one panel for meeting moderators with what a session needs at once — who is
// here and whether the body is quorate, the speakers' list with its controls, the live vote with
// its turnout and Close, the lobby, and a slot for the agenda (filled by the agenda module: any
// element with data-chair-slot="agenda"). It draws nothing itself that another panel draws: while
// it is open, the speakers' list (SpeakersPanel.mount), the votes (VotePanel.attach) and a second
// LobbyPanel render into it, and it lets them go again when it closes, so that no hidden copy of
// a control (or of its test id) stays in the page. On a phone it is a full-screen sheet like the other panels.
//
// Attendance: `member: true` marks the members of the body in the participant list; the size of
// the body comes with control/joined (member_count), vote/members when the list changes, and
// every vote (vote.members). Quorate as the server's default
// quorum counts it: more than half of the members present.
import { el } from '../util.js';
import { t } from '../i18n.js';
import { LobbyPanel, lobbySection } from './lobby.js';

/** Present, members present, the body's size (null: unknown) and whether it is quorate (null: unknown). */
export function attendance(people, members) {
  const memberList = people.some((p) => p.member);
  const membersPresent = people.filter((p) => p.member).length;
  const total = memberList && Number.isInteger(members) && members > 0 ? members : null;
  const needed = total ? Math.floor(total / 2) + 1 : null;
  return { present: people.length, memberList, membersPresent, total, needed, quorate: total ? membersPresent >= needed : null };
}

export class ChairView {
  /**
   * @param {object} o
   * @param {HTMLElement} o.host  where the panel goes (.meeting-body)
   * @param {import('../room.js').RoomState} o.room
   * @param {import('./speakers.js').SpeakersPanel} o.speakers
   * @param {import('./vote.js').VotePanel} o.votes
   * @param {() => boolean} o.canLobby  a moderator in a meeting with a lobby
   * @param {object} o.lobbyActions  {admit(id), reject(id), admitAll(), toggle(enabled)}
   * @param {(on: boolean) => void} o.setChair  take (true) or give up (false) the chair oneself
   */
  constructor({ host, room, speakers, votes, canLobby, lobbyActions, setChair }) {
    Object.assign(this, { room, speakers, votes, canLobby });
    this.labels = []; // [node, key] for a language switch
    const text = (tag, key, attrs = {}) => {
      const n = el(tag, { ...attrs, text: t(key) });
      this.labels.push([n, key]);
      return n;
    };
    const section = (key, testid, ...children) => {
      const id = `chair-view-${testid}-heading`;
      return el('section', { class: 'chair-view-section', dataset: { testid: `chair-view-${testid}` }, 'aria-labelledby': id }, text('h3', key, { class: 'panel-sub', id }), ...children);
    };
    this.present = el('p', { dataset: { testid: 'chair-present' } });
    this.members = el('p', { dataset: { testid: 'chair-members' } });
    this.quorate = el('p', { class: 'chair-quorate', dataset: { testid: 'chair-quorate' } });
    // who holds the chair (session/set_role): a moderator takes it or gives it up here
    this.chairHolders = el('p', { dataset: { testid: 'chair-holders' } });
    this.chairToggle = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'chair-take' } });
    this.chairToggle.addEventListener('click', () => setChair(!(this.room.self && this.room.self.session_chair)));
    this.speakersBox = el('div', { class: 'chair-view-speakers' });
    // podium mode (ui/podium.js moves its section in here while the view is open)
    this.podiumBox = el('div', { class: 'chair-view-section chair-view-podium', dataset: { testid: 'chair-view-podium' } });
    this.newVote = text('button', 'vote.new_button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'chair-vote-new' } });
    this.newVote.addEventListener('click', () => this.votes.openForm('extra'));
    this.voteArea = el('div', { class: 'chair-view-votes', dataset: { testid: 'chair-vote-area' } });
    const lobby = lobbySection('-chair');
    this.lobbyBox = el('div', { class: 'chair-view-section chair-view-lobby' });
    this.lobbySection = lobby.section; // in the page only while the view is open
    this.lobby = new LobbyPanel({
      ...lobby,
      room,
      onAdmit: lobbyActions.admit,
      onReject: lobbyActions.reject,
      onAdmitAll: lobbyActions.admitAll,
      onToggle: lobbyActions.toggle,
    });
    // breakout rooms (ui/breakout.js fills it: its state and the button to its dialog)
    this.breakoutSlot = section('breakout.heading', 'breakout');
    // recording and livestream (ui/recording.js moves its controls in here while the view is open)
    this.recordingSlot = section('recording.controls_heading', 'recording');
    this.agenda = el('section', { class: 'chair-view-section chair-view-agenda', dataset: { chairSlot: 'agenda', testid: 'chair-agenda-slot' }, 'aria-label': t('chairview.agenda') });
    this.closeButton = el('button', { type: 'button', class: 'btn btn-icon panel-close', dataset: { close: 'chair', testid: 'chair-view-close' }, 'aria-label': t('chairview.close'), title: t('chairview.close') });
    this.panel = el(
      'aside',
      { class: 'panel chair-view', id: 'chair-view', dataset: { testid: 'chair-view' }, 'aria-labelledby': 'chair-view-heading', hidden: true },
      el('div', { class: 'panel-head' }, text('h2', 'chairview.heading', { id: 'chair-view-heading' }), this.closeButton),
      el(
        'div',
        { class: 'panel-body chair-view-body' },
        section('chairview.attendance', 'attendance', this.present, this.members, this.quorate, this.chairHolders, this.chairToggle),
        this.podiumBox,
        el('div', { class: 'chair-view-section' }, this.speakersBox),
        section('vote.heading', 'votes', this.newVote, this.voteArea),
        this.lobbyBox,
        this.breakoutSlot,
        this.recordingSlot,
        this.agenda,
      ),
    );
    host.append(this.panel);
    room.addEventListener('change', (e) => {
      if (this.isOpen && ['reset', 'participant-joined', 'participant-left', 'participant-updated'].includes(e.detail.type)) this.renderAttendance();
    });
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  open() {
    this.panel.hidden = false;
    if (!this.speakersView) this.speakersView = this.speakers.mount((s) => this.speakersBox.append(s), '-chair');
    this.votes.attach(this.voteArea);
    this.lobbyBox.append(this.lobbySection);
    this.lobby.setVisible(this.canLobby());
    this.renderAttendance();
  }

  close() {
    this.panel.hidden = true;
    if (this.speakersView) this.speakers.unmount(this.speakersView);
    this.speakersView = null;
    this.votes.detach();
    this.lobby.setVisible(false);
    this.lobbySection.remove();
  }

  /** Whether the meeting has a lobby changed (or our role): show or hide its section. */
  refresh() {
    if (!this.isOpen) return;
    this.lobby.setVisible(this.canLobby());
    this.renderAttendance();
  }

  renderAttendance() {
    if (!this.isOpen) return;
    const a = attendance(this.room.list(), this.votes.members);
    this.present.textContent = t('chairview.present', { n: a.present });
    this.members.textContent = !a.memberList ? t('chairview.no_members') : a.total ? t('chairview.members_of', { n: a.membersPresent, total: a.total }) : t('chairview.members', { n: a.membersPresent });
    this.quorate.hidden = a.quorate === null;
    this.quorate.dataset.quorate = String(a.quorate);
    this.quorate.textContent = a.quorate === null ? '' : t(a.quorate ? 'chairview.quorate' : 'chairview.inquorate', { n: a.needed });
    const holders = this.room.list().filter((p) => p.session_chair).map((p) => p.display_name);
    this.chairHolders.textContent = holders.length ? t('chairview.chair_held', { names: holders.join(', ') }) : t('chairview.chair_open');
    const mine = !!(this.room.self && this.room.self.session_chair);
    this.chairToggle.textContent = t(mine ? 'chairview.leave_chair' : 'chairview.take_chair');
    this.chairToggle.setAttribute('aria-pressed', String(mine));
  }

  /** After a language switch. */
  relabel() {
    for (const [n, key] of this.labels) n.textContent = t(key);
    this.agenda.setAttribute('aria-label', t('chairview.agenda'));
    this.closeButton.setAttribute('aria-label', t('chairview.close'));
    this.closeButton.title = t('chairview.close');
    if (!this.isOpen) return;
    this.renderAttendance();
    this.lobby.render();
    this.speakers.render();
    this.votes.render();
  }
}
