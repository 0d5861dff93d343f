// SPDX-License-Identifier: EUPL-1.2
// Namespace `media` (server: src/sfu/media_signaling.c): who has which track muted and who
// speaks. The WebRTC side of the namespace — publish/publish_answer, subscribe_offer/
// subscribe_answer, restart_ice, track_state and video_size actions, media errors — belongs to
// the MediaSession of ../media.js, which reads and writes the signaling itself.
const MEDIA_SESSION = { when: '*', run() {} };

export default {
  ns: 'media',
  events: {
    publish_answer: MEDIA_SESSION,
    subscribe_offer: MEDIA_SESSION,
    track_state: {
      when: 'meeting',
      run(view, m) {
        if (m.participant) view.state.setTrackState(m.participant, m.source, m.muted);
      },
    },
    active_speaker: { when: 'meeting', run: (view, m) => view.state.setActiveSpeaker(m.participant || null) },
  },
  actions: {},
};
