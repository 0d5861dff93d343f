// SPDX-License-Identifier: EUPL-1.2
// Namespace `podium` (server: src/room/podium.c; docs/protocol.md "podium"): podium mode, the
// stage and the audience, and the audience's written questions. The server decides who is on
// stage and routes media accordingly (the SFU forwards the stage only and refuses the audience's
// publish); this client shows it (../ui/podium.js, view.podium) and opens or closes its publish
// connection when the stage changes (view.podiumChanged, ../meeting.js).
export default {
  ns: 'podium',
  events: {
    state: {
      when: 'meeting',
      run(view, m) {
        const before = view.podium.snapshot();
        // one's view of the member list changed as a whole (podium mode, on or off the stage)
        if (Array.isArray(m.participants)) view.state.replaceParticipants(m.participants);
        view.podium.setState(m);
        view.podiumChanged(before);
      },
    },
    audience: { when: 'meeting', run: (view, m) => view.podium.setAudience(m.count) },
    questions: { when: 'meeting', run: (view, m) => view.podium.setQuestions(m.questions) },
    // the reply to one's own `ask` (the queue itself follows as podium/questions)
    asked: { when: 'meeting', run: () => {} },
  },
  actions: {
    set: (view, on) => view.sig.trySend({ ns: 'podium', action: 'set', on: !!on }),
    callUp: (view, participant) => view.sig.trySend({ ns: 'podium', action: 'call_up', participant }),
    sendBack: (view, participant) => view.sig.trySend({ ns: 'podium', action: 'send_back', participant }),
    ask: (view, text) => view.sig.trySend({ ns: 'podium', action: 'ask', text }),
    upvote: (view, question, on) => view.sig.trySend({ ns: 'podium', action: 'upvote', question, on: !!on }),
    answer: (view, question) => view.sig.trySend({ ns: 'podium', action: 'answer', question }),
    dismiss: (view, question) => view.sig.trySend({ ns: 'podium', action: 'dismiss', question }),
  },
  // a refused action: buttons disabled while it was on its way come back
  onError: (view) => view.podium.render(),
};
