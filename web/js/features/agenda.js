// SPDX-License-Identifier: EUPL-1.2
// Namespace `agenda` (server: src/room/agenda.c; docs/protocol.md `agenda`): the meeting's agenda
// items, which one is current, and each item's minutes. The view is ../ui/agenda.js
// (view.agenda). The chair's actions and the minutes are requests: their refusal belongs to the
// form that sent them (shown there), not to a toast.

/** A chair action; resolves with the agenda/state that follows, rejects with the server's error. */
function chairAction(view, action, fields) {
  return view.sig.request({ ns: 'agenda', action, ...fields }, { events: ['agenda/state'] });
}

export default {
  ns: 'agenda',
  events: {
    state: { when: 'meeting', run: (view, m) => view.agenda.setState(m) },
    minutes: { when: 'meeting', run: (view, m) => view.agenda.onMinutes(m) },
  },
  actions: {
    add: (view, { title, description, public: pub, position }) => chairAction(view, 'add', { title, description, public: pub, position }),
    update: (view, item, { title, description, public: pub }) => chairAction(view, 'update', { item, title, description, public: pub }),
    remove: (view, item) => chairAction(view, 'remove', { item }),
    move: (view, item, position) => chairAction(view, 'move', { item, position }),
    /** `item` null: no item is current. */
    current: (view, item) => chairAction(view, 'current', { item }),
    /** Resolves with the writer's copy of agenda/minutes (it carries our ref). */
    minutes: (view, item, text) => view.sig.request({ ns: 'agenda', action: 'minutes', item, text }),
  },
};
