// SPDX-License-Identifier: EUPL-1.2
// Namespace `timer` (server: src/room/timer.c): the meeting countdown everyone sees. The chip
// and the chair's controls are ../ui/timer.js (view.timer); control/joined brings the state.
export default {
  ns: 'timer',
  events: {
    state: { when: 'meeting', run: (view, m) => view.timer.setState(m) },
  },
  actions: {
    start: (view, seconds, label) => view.sig.trySend({ ns: 'timer', action: 'start', seconds, ...(label ? { label } : {}) }),
    stop: (view) => view.sig.trySend({ ns: 'timer', action: 'stop' }),
  },
};
