// SPDX-License-Identifier: EUPL-1.2
// Namespace `chat` (server: src/room/chat.c): messages to everyone or privately to one, the
// chair's room-chat switch and the export.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'chat',
  events: {
    message: { when: 'meeting', run: (view, m) => view.state.addChat(m) },
    state: {
      when: 'meeting',
      run(view, m) {
        const on = m.enabled !== false;
        if (view.state.chatEnabled !== on && !view.isModerator()) toast(t(on ? 'chat.on_toast' : 'chat.off_toast'), { timeout: 5000, key: 'chat-state' });
        view.state.chatEnabled = on;
        view.chatExtras.setEnabled(on);
      },
    },
    export: { when: 'meeting', run: (view, m) => view.chatExtras.download(m) },
  },
  actions: {
    /** false when not in the meeting or offline (the chat keeps the draft). `to`: a private message. */
    send(view, text, to) {
      if (!view.inMeeting) return false;
      const msg = { ns: 'chat', action: 'send', text };
      if (to) msg.to = to;
      return view.sig.trySend(msg) !== false;
    },
    setEnabled: (view, enabled) => view.sig.trySend({ ns: 'chat', action: 'set_enabled', enabled }),
    exportChat: (view) => view.sig.trySend({ ns: 'chat', action: 'export' }),
  },
  onError: (view) => view.chatExtras.render(),
};
