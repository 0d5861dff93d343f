// SPDX-License-Identifier: EUPL-1.2
// Namespace `lobby` (server: src/room/lobby.c): waiting to be let in (guests) and letting in
// (moderators).
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'lobby',
  events: {
    // I wait: the reply to join is awaited by Meeting.join; after a reconnect it may bring the title
    waiting: {
      when: ['lobby', 'meeting'],
      run(view, m) {
        // in the meeting: the chair sent me back (chair/to_lobby)
        if (view.phase === 'meeting') {
          if (m.reason === 'sent_back') view.features.chair.sentBack(m);
          return;
        }
        if (m.title) view._setLobbyTitle(m.title);
      },
    },
    rejected: { when: 'lobby', run: (view) => view._onRejected() },
    // moderators: the lobby live
    entered: {
      when: 'meeting',
      run(view, m) {
        if (!m.participant) return;
        const w = view.state.lobbyEnter(m.participant);
        if (w && view.isModerator()) {
          const n = view.state.lobby.size;
          toast(n > 1 ? t('toast.lobby_entered_n', { name: w.display_name, n }) : t('toast.lobby_entered', { name: w.display_name }), { timeout: 8000, key: 'lobby' });
        }
      },
    },
    left: { when: 'meeting', run: (view, m) => view.state.lobbyLeave(m.id, m.reason) },
  },
  actions: {
    admit: (view, id) => view.sig.trySend({ ns: 'lobby', action: 'admit', id }),
    reject: (view, id) => view.sig.trySend({ ns: 'lobby', action: 'reject', id }),
    admitAll: (view) => view.sig.trySend({ ns: 'lobby', action: 'admit_all' }),
  },
  // re-enable the buttons that were disabled while the action was in flight
  onError: (view) => view.rerenderModeration(),
};
