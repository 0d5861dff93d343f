// SPDX-License-Identifier: EUPL-1.2
// Namespace `vote` (server: src/room/vote.c): motions, ballots, turnout and results. The widgets
// are ../ui/vote.js (view.votes); the open votes at joining come with control/joined.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'vote',
  events: {
    created: { when: 'meeting', run() {} }, // the chair's reply; vote/opened follows for everyone
    opened: {
      when: 'meeting',
      run(view, m) {
        view.votes.opened(m);
        if (m.vote && m.eligible) toast(t('vote.toast_opened', { title: m.vote.title }), { timeout: 5000, key: 'vote' });
      },
    },
    turnout: { when: 'meeting', run: (view, m) => view.votes.turnout(m) },
    ballot_ack: { when: 'meeting', run: (view, m) => view.votes.ack(m) },
    closed: { when: 'meeting', run: (view, m) => view.votes.closed(m) },
    members: { when: 'meeting', run: (view, m) => view.votes.memberCount(m.count) },
  },
  actions: {
    // answered by vote/created (with our ref) or an error the form shows (SignalingError)
    create: (view, fields) => view.sig.request({ ns: 'vote', action: 'create', ...fields }, { events: ['vote/created'] }),
    cast: (view, vote, option) => view.sig.trySend({ ns: 'vote', action: 'cast', vote, option }),
    close: (view, vote) => view.sig.trySend({ ns: 'vote', action: 'close', vote }),
    cancel: (view, vote) => view.sig.trySend({ ns: 'vote', action: 'cancel', vote }),
  },
  onError: (view, m) => view.votes.refused(m),
};
