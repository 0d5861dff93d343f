// SPDX-License-Identifier: EUPL-1.2
// Namespace `recording` (server: src/room/recording.c; docs/protocol.md "recording"): recording
// to a file and the livestream (HLS at /live/<meeting> + RTMP destinations), each with its own
// consent per participant. The server decides who is in it (only those who agreed, routing
// decides); this client asks for the consent, shows that it runs (../ui/recording.js,
// view.recording) and gives moderators the controls. The state at joining comes with
// control/joined (`recording`).
export default {
  ns: 'recording',
  events: {
    // to everyone after every change, personalised (`you`; `counts` only to moderators)
    state: { when: 'meeting', run: (view, m) => view.recording.setState(m) },
    // to moderators: a recorder process died or reported a fatal error (the state says failed)
    recorder_failed: { when: 'meeting', run: (view, m) => view.recording.recorderFailed(m) },
  },
  actions: {
    // answered by recording/state, or an error the start form shows (SignalingError)
    start: (view, fields) => view.sig.request({ ns: 'recording', action: 'start', ...fields }, { events: ['recording/state'] }),
    stop: (view, kind) => view.sig.trySend({ ns: 'recording', action: 'stop', kind }),
    pause: (view, kind, on) => view.sig.trySend({ ns: 'recording', action: 'pause', kind, on: !!on }),
    layout: (view, kind, layout) => view.sig.trySend({ ns: 'recording', action: 'layout', kind, layout }),
    target: (view, id, on) => view.sig.trySend({ ns: 'recording', action: 'target', id, on: !!on }),
    consent: (view, kind, given) => view.sig.trySend({ ns: 'recording', action: 'consent', kind, given: !!given }),
  },
  // a refused action: buttons disabled while it was on its way come back (the toast follows)
  onError: (view) => view.recording.render(),
};
