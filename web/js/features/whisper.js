// SPDX-License-Identifier: EUPL-1.2
// Namespace `whisper` (server: src/room/whisper.c): whisper groups and the whisper key. The
// server routes a whisper to the group's members only (the SFU forwards nobody else a packet of
// it); this client shows the groups, invitations and who whispers (../ui/whisper.js, view.whisper)
// and sends start/stop while the key or the hold button is held.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

const STOP_TOASTS = new Set(['forbidden', 'muted']);

export default {
  ns: 'whisper',
  events: {
    group: { when: 'meeting', run: (view, m) => view.whisper.group(m.group) },
    invited: { when: 'meeting', run: (view, m) => view.whisper.invited(m.group, m.by) },
    declined: {
      when: 'meeting',
      run(view, m) {
        const g = view.whisper.groups.get(m.group);
        toast(t('whisper.declined', { name: view.whisper.name(m.id), group: g ? view.whisper.title(g) : '' }), { timeout: 5000 });
      },
    },
    gone: {
      when: 'meeting',
      run(view, m) {
        const known = view.whisper.gone(m.group);
        // the caller's own leave or decline needs no toast; what others did does
        if (known && ['removed', 'dissolved', 'withdrawn'].includes(m.reason)) {
          toast(t(`whisper.gone.${m.reason}`, { group: view.whisper.title(known) }), { timeout: 6000, key: `whisper-gone-${m.group}` });
        }
      },
    },
    started: { when: 'meeting', run: (view, m) => view.whisper.started(m.group, m.id) },
    stopped: {
      when: 'meeting',
      run(view, m) {
        view.whisper.stopped(m.group, m.id);
        if (m.id === view.state.selfId && STOP_TOASTS.has(m.reason)) toast(t(`whisper.stopped.${m.reason}`), { timeout: 6000, key: 'whisper-stopped' });
      },
    },
    state: {
      when: 'meeting',
      run(view, m) {
        const before = view.whisper.allowed;
        view.whisper.setAllowed(m.allowed !== false);
        if (before !== view.whisper.allowed && !view.isModerator()) {
          toast(t(view.whisper.allowed ? 'whisper.state_on' : 'whisper.forbidden_note'), { timeout: 5000, key: 'whisper-state' });
        }
      },
    },
  },
  actions: {
    create: (view, name, ids) => view.sig.trySend({ ns: 'whisper', action: 'create', ...(name ? { name } : {}), ids }),
    invite: (view, group, ids) => view.sig.trySend({ ns: 'whisper', action: 'invite', group, ids }),
    accept: (view, group) => view.sig.trySend({ ns: 'whisper', action: 'accept', group }),
    decline: (view, group) => view.sig.trySend({ ns: 'whisper', action: 'decline', group }),
    leave: (view, group) => view.sig.trySend({ ns: 'whisper', action: 'leave', group }),
    remove: (view, group, id) => view.sig.trySend({ ns: 'whisper', action: 'remove', group, id }),
    start: (view, group) => view.sig.trySend({ ns: 'whisper', action: 'start', group }),
    stop: (view) => view.sig.trySend({ ns: 'whisper', action: 'stop' }),
    allow: (view, allowed) => view.sig.trySend({ ns: 'whisper', action: 'allow', allowed }),
  },
  // a refused start: the key is no longer "held" as far as this page is concerned
  onError: (view) => view.whisper.refused(),
};
