// SPDX-License-Identifier: EUPL-1.2
// Namespace `breakout` (server: src/room/breakout.c, routing in src/sfu/visibility.c): the chair
// opens named sub-rooms, assigns people (by hand, at random, or they choose), visits a room,
// broadcasts a message and calls everyone back. The server decides who is where and the SFU
// forwards nobody a packet from another place; this client only shows it (../ui/breakout.js,
// view.breakout): the banner with the countdown, the tiles of one's own place, the plenary
// speaker's audio played quietly in a room that hears the plenary, and the chair's dialog.
export default {
  ns: 'breakout',
  events: {
    state: { when: 'meeting', run: (view, m) => view.breakout.setState(m) },
    message: { when: 'meeting', run: (view, m) => view.breakout.message(m) },
    plenary_speaker: { when: 'meeting', run: (view, m) => view.breakout.setPlenarySpeaker(m.participant) },
  },
  actions: {
    /** rooms: [{name, hear_plenary}], mode: manual|random|choose, duration_s: 0 or 60–14400 */
    open: (view, { rooms, mode, duration_s: durationS }) => view.sig.trySend({ ns: 'breakout', action: 'open', rooms, mode, duration_s: durationS }),
    assign: (view, participant, room) => view.sig.trySend({ ns: 'breakout', action: 'assign', participant, room }),
    choose: (view, room) => view.sig.trySend({ ns: 'breakout', action: 'choose', room }),
    setHearPlenary: (view, room, on) => view.sig.trySend({ ns: 'breakout', action: 'set_hear_plenary', room, on }),
    visit: (view, room) => view.sig.trySend({ ns: 'breakout', action: 'visit', room }),
    broadcast: (view, text) => view.sig.trySend({ ns: 'breakout', action: 'broadcast', text }),
    close: (view) => view.sig.trySend({ ns: 'breakout', action: 'close' }),
  },
  // a refusal shows in the chair's dialog too (the common toast follows)
  onError: (view, m) => view.breakout.refused(m),
};
