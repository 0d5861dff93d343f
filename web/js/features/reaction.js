// SPDX-License-Identifier: EUPL-1.2
// Namespace `reaction` (server: src/room/reaction.c): a fixed set of reactions, shown briefly on
// the sender's tile (ui/reactions.js).
export default {
  ns: 'reaction',
  events: {
    shown: { when: 'meeting', run: (view, m) => view.reactions.show(m.id, m.kind) },
  },
  actions: {
    send: (view, kind) => view.inMeeting && view.sig.trySend({ ns: 'reaction', action: 'send', kind }),
  },
};
