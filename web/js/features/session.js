// SPDX-License-Identifier: EUPL-1.2
// Namespace `session` (server: src/room/session.c; docs/protocol.md `session`): who holds the
// chair and who takes the minutes. The change comes back to everyone as
// control/participant_updated (`chair`, `minute_taker` on the participant, room.js); a refusal
// (not_moderator, guest_not_allowed, not_chair, forbidden) is shown as the common error toast.
export default {
  ns: 'session',
  actions: {
    setRole: (view, id, role, on) => view.sig.trySend({ ns: 'session', action: 'set_role', id, role, on: !!on }),
  },
};
