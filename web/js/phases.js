// SPDX-License-Identifier: EUPL-1.2
// The meeting page's phases and the only moves between them. Meeting.transition(event) looks the
// move up here and refuses (console.warn) any that is not listed; what the page shows in each
// phase is PHASE_UI, applied in one place (Meeting._renderPhase).
//
//   prejoin ─join→ joining ─joined→ meeting ─leave→ leaving ─left→ left ─join→ joining
//                    │  │                ▲  │                            └─restart→ prejoin
//                    │  └─waiting→ lobby ┘  └─waiting→ lobby (after a reconnect)
//                    ├─join_failed→ prejoin         lobby ─leave→ leaving, ─rejected→ rejected
//                    └─denied→ denied, ─rejected→ rejected    meeting ─removed/refused→ ended
//   prejoin, joining, lobby, meeting, leaving, left ─shutdown→ ended ─join/restart→ …
//   lobby, meeting, leaving ─ended→ ended (control/ended: the chair ended the meeting for all)

/** phase → {event → next phase} */
export const TRANSITIONS = {
  prejoin: { join: 'joining', shutdown: 'ended' },
  joining: {
    joined: 'meeting', // control/joined: in the meeting
    waiting: 'lobby', // lobby/waiting: the meeting has a lobby
    join_failed: 'prejoin', // a password is needed, or any other error: try again
    denied: 'denied', // no invitation, other tenant, no such meeting, bad invitation
    rejected: 'rejected', // lobby_rejected
    shutdown: 'ended',
  },
  lobby: { joined: 'meeting', rejected: 'rejected', denied: 'denied', leave: 'leaving', shutdown: 'ended', ended: 'ended' },
  meeting: {
    joined: 'meeting', // joined again after a reconnect
    waiting: 'lobby', // after a reconnect the server put us (back) into the lobby
    denied: 'denied', // a reconnect's join refused
    rejected: 'rejected', // a reconnect's join refused with lobby_rejected
    leave: 'leaving',
    removed: 'ended', // chair/removed
    refused: 'ended', // let in by a cluster's edge node, refused by the meeting's own server
    shutdown: 'ended',
    ended: 'ended', // control/ended: a moderator ended the meeting for everyone
  },
  leaving: { left: 'left', shutdown: 'ended', ended: 'ended' }, // control/leave sent, reply awaited
  left: { join: 'joining', restart: 'prejoin', shutdown: 'ended' },
  ended: { join: 'joining', restart: 'prejoin' },
  rejected: {},
  denied: {},
};

/**
 * What each phase shows. view: the <main> shown (null keeps the current one: a join keeps the
 * screen it was started from, a leave the meeting until the server answered); copyLink: the
 * "copy link" button; count: the participant count; controls: hand/chat/participants enabled.
 */
export const PHASE_UI = {
  prejoin: { view: 'prejoin', copyLink: true, count: false, controls: false },
  joining: { view: null, copyLink: true, count: false, controls: false },
  lobby: { view: 'lobby', copyLink: true, count: false, controls: false },
  meeting: { view: 'meeting', copyLink: true, count: true, controls: true },
  leaving: { view: null, copyLink: true, count: false, controls: false },
  left: { view: 'ended', copyLink: true, count: false, controls: false },
  ended: { view: 'ended', copyLink: true, count: false, controls: false },
  rejected: { view: 'rejected', copyLink: false, count: false, controls: false },
  denied: { view: 'denied', copyLink: false, count: false, controls: false },
};

/** The phase after `event` in `phase`, or null when the table has no such move. */
export function nextPhase(phase, event) {
  const moves = TRANSITIONS[phase];
  return moves && Object.hasOwn(moves, event) ? moves[event] : null;
}
