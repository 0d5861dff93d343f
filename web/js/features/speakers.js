// SPDX-License-Identifier: EUPL-1.2
// Namespace `speakers` (server: src/room/speakers.c): the speakers' list of a formal session.
// The whole state comes with every change; the view (ui/speakers.js) renders it. When this
// participant gets the floor its microphone opens (the chair's restriction lets the floor
// holder speak), and it is told so.
import { t } from '../i18n.js';
import { toast } from '../ui/toasts.js';

export default {
  ns: 'speakers',
  events: {
    state: {
      when: 'meeting',
      run(view, m) {
        const before = view.speakers.state;
        view.speakers.setState(m);
        const me = view.state.selfId;
        const had = before && before.speaker && before.speaker.id === me;
        const has = m.speaker && m.speaker.id === me;
        if (has && !had) {
          toast(t('speakers.you_have_floor'), { timeout: 6000, key: 'speakers-self' });
          if (view.media && !view.mediaOn.microphone) view.toggle('microphone');
        } else if (had && !has) {
          toast(t('speakers.floor_ended'), { timeout: 5000, key: 'speakers-self' });
        }
      },
    },
    stats: { when: 'meeting', run: (view, m) => view.speakers.showStats(m.people) },
  },
  actions: {
    request: (view, pointOfOrder = false) => view.sig.trySend({ ns: 'speakers', action: 'request', point_of_order: !!pointOfOrder }),
    withdraw: (view) => view.sig.trySend({ ns: 'speakers', action: 'withdraw' }),
    end: (view) => view.sig.trySend({ ns: 'speakers', action: 'end' }),
    next: (view) => view.sig.trySend({ ns: 'speakers', action: 'next' }),
    give: (view, id) => view.sig.trySend({ ns: 'speakers', action: 'give', id }),
    skip: (view, id) => view.sig.trySend({ ns: 'speakers', action: 'skip', id }),
    move: (view, id, position) => view.sig.trySend({ ns: 'speakers', action: 'move', id, position }),
    settings: (view, s) => view.sig.trySend({ ns: 'speakers', action: 'settings', ...s }),
    stats: (view) => view.sig.trySend({ ns: 'speakers', action: 'stats' }),
  },
};
