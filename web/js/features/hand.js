// SPDX-License-Identifier: EUPL-1.2
// Namespace `hand` (server: src/room/hand.c): raised hands, in the order they went up.
export default {
  ns: 'hand',
  events: {
    raised: {
      when: 'meeting',
      run(view, m) {
        view.state.setHand(m.id, true, m.ts);
        if (m.id === view.state.selfId) view.controls.setHand(true);
      },
    },
    lowered: {
      when: 'meeting',
      run(view, m) {
        view.state.setHand(m.id, false);
        if (m.id === view.state.selfId) view.controls.setHand(false);
      },
    },
  },
  actions: {
    /** Raise my hand, or lower it when it is up. */
    toggle(view) {
      if (!view.inMeeting || !view.state.self) return;
      view.sig.trySend({ ns: 'hand', action: view.state.self.hand_raised ? 'lower' : 'raise' });
    },
  },
};
