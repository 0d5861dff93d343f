// SPDX-License-Identifier: EUPL-1.2
// Namespace `control` (server: src/signaling/session.c, src/room/room.c): session, join, leave,
// who is in the room, shutdown. control/hello belongs to ../signaling.js.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

/** The join message for this page's room (with invite and password when there are). */
function joinMessage(view, name) {
  const msg = { ns: 'control', action: 'join', room: view.roomId, display_name: name };
  if (view.invite) msg.invite = view.invite;
  if (view.password) msg.password = view.password;
  const creatorKey = view.creatorKey && view.creatorKey();
  if (creatorKey) msg.creator_key = creatorKey;
  // back after a dropped connection: continue the same participant (docs/protocol.md "Resume")
  if (view.inMeeting && view.resumeToken) msg.resume = view.resumeToken;
  return msg;
}

export default {
  ns: 'control',
  events: {
    hello: { when: '*', run() {} }, // read by Signaling (features, reconnect)
    pong: { when: '*', run() {} },
    left: { when: '*', run() {} }, // the reply to leave (awaited by Meeting.leave)
    // the reply to join is awaited by Meeting.join; while waiting in the lobby it means "admitted"
    joined: {
      when: 'lobby',
      run(view, m) {
        if (view.pendingJoin && view.pendingJoin.reacquire) view.features.chair.readmitted(m);
        else if (view.pendingJoin) view._enterMeeting(m, view.pendingJoin);
      },
    },
    participant_joined: {
      when: 'meeting',
      run(view, m) {
        if (!m.participant) return;
        const p = view.state.addParticipant(m.participant);
        if (!p.self) toast(t('toast.joined', { name: p.display_name }), { timeout: 3000, key: 'presence' });
      },
    },
    participant_left: {
      when: 'meeting',
      run(view, m) {
        const p = view.state.removeParticipant(m.id, m.reason);
        if (p && !p.self) toast(t('toast.left', { name: p.display_name }), { timeout: 3000, key: 'presence' });
      },
    },
    participant_updated: {
      when: 'meeting',
      run(view, m) {
        if (!m.participant) return;
        // The server sends an update after every publish or mute too: tell the user only
        // when their role actually changed.
        const before = view.state.participants.get(String(m.participant.id));
        const roleBefore = before ? before.role : undefined;
        const p = view.state.updateParticipant(m.participant);
        if (p && p.self) {
          view.controls.setHand(!!p.hand_raised);
          if (roleBefore !== undefined && roleBefore !== p.role) {
            const key = p.role === 'moderator' ? 'toast.now_moderator' : roleBefore === 'moderator' ? 'toast.no_longer_moderator' : p.role === 'guest' ? 'toast.now_guest' : 'toast.now_participant';
            toast(t(key), { timeout: 5000, key: 'role' });
          }
        }
      },
    },
    shutdown: { when: '*', run: (view, m) => view._onShutdown(m) },
    ended: { when: ['lobby', 'meeting', 'leaving'], run: (view, m) => view._onEnded(m) },
  },
  actions: {
    /** Resolves with control/joined or lobby/waiting; rejects with the join error. */
    join: (view, name) => view.sig.request(joinMessage(view, name), { events: ['control/joined', 'lobby/waiting'] }),
    /** Resolves when the server confirmed (or after 3 s offline: it notices the disconnect). */
    async leave(view) {
      try {
        await view.sig.request({ ns: 'control', action: 'leave' }, { events: ['control/left'], timeout: 3000 });
      } catch {
        /* offline: the server notices the disconnect */
      }
    },
  },
};
