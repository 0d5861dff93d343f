// SPDX-License-Identifier: EUPL-1.2
// Namespace `moderation` (server: src/room/moderation.c): the meeting's lobby switch, meeting
// moderators and the spotlight (ui/layout.js).
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'moderation',
  events: {
    lobby_changed: {
      when: 'meeting',
      run(view, m) {
        if (typeof m.enabled !== 'boolean') return;
        const changed = view.state.lobbyEnabled !== m.enabled;
        view.state.setLobbyEnabled(m.enabled);
        if (changed && view.isModerator()) toast(t(m.enabled ? 'toast.lobby_on' : 'toast.lobby_off'), { timeout: 4000, key: 'lobby-state' });
      },
    },
    spotlight: { when: 'meeting', run: (view, m) => view.onSpotlight(m.participant) },
  },
  actions: {
    spotlight: (view, participant) => view.sig.trySend({ ns: 'moderation', action: 'spotlight', participant }),
    setLobby: (view, enabled) => view.sig.trySend({ ns: 'moderation', action: 'set_lobby', enabled }),
    setRole: (view, id, role) => view.sig.trySend({ ns: 'moderation', action: 'set_role', id, role }),
    end: (view) => view.sig.trySend({ ns: 'moderation', action: 'end' }),
  },
  onError: (view) => view.rerenderModeration(),
};
