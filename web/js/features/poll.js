// SPDX-License-Identifier: EUPL-1.2
// Namespace `poll` (server: src/room/poll.c): quick informal polls. The card is ../ui/poll.js
// (view.polls); the open poll at joining comes with control/joined.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'poll',
  events: {
    opened: {
      when: 'meeting',
      run(view, m) {
        view.polls.opened(m.poll);
        if (m.poll && m.poll.question) toast(t('poll.toast_opened', { question: m.poll.question }), { timeout: 5000, key: 'poll' });
      },
    },
    progress: { when: 'meeting', run: (view, m) => view.polls.progress(m) },
    answered: { when: 'meeting', run: (view, m) => view.polls.answered(m) },
    closed: { when: 'meeting', run: (view, m) => view.polls.closed(m) },
  },
  actions: {
    create: (view, fields) => view.sig.trySend({ ns: 'poll', action: 'create', ...fields }),
    answer: (view, poll, option) => view.sig.trySend({ ns: 'poll', action: 'answer', poll, option }),
    close: (view) => view.sig.trySend({ ns: 'poll', action: 'close' }),
    cancel: (view) => view.sig.trySend({ ns: 'poll', action: 'cancel' }),
  },
};
