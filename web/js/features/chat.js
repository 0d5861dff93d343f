// SPDX-License-Identifier: EUPL-1.2
// Namespace `chat` (server: src/room/chat.c): messages to everyone in the meeting.
export default {
  ns: 'chat',
  events: {
    message: { when: 'meeting', run: (view, m) => view.state.addChat(m) },
  },
  actions: {
    /** false when not in the meeting or offline (the chat keeps the draft). */
    send(view, text) {
      if (!view.inMeeting) return false;
      return view.sig.trySend({ ns: 'chat', action: 'send', text }) !== false;
    },
  },
};
