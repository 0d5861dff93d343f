// SPDX-License-Identifier: EUPL-1.2
// Namespace `chair` (server: src/room/chair.c): what the chair decides about the others, and
// how this client follows a decision about itself. The server enforces every decision in its
// media plane; following it here (turning the microphone off, stopping a share) keeps what the
// user sees true.
import { t } from '../i18n.js';
import { toast, clearToasts } from '../ui/toasts.js';
import { acquireMedia } from '../ui/prejoin.js';

const $ = (id) => document.getElementById(id);

/** The chair muted, turned off or stopped one of my sources. */
async function followMute(view, source) {
  const on = view.mediaOn || {};
  if (source === 'microphone') {
    if (on.microphone) await view.toggle('microphone');
    toast(t('chair.you_muted'), { timeout: 6000, key: 'chair-self' });
  } else if (source === 'camera') {
    if (on.camera) await view.toggle('camera');
    toast(t('chair.you_camera_off'), { timeout: 6000, key: 'chair-self' });
  } else if (source === 'screen') {
    if (on.screen) await view.toggleScreen();
    toast(t('chair.you_screen_off'), { timeout: 6000, key: 'chair-self' });
  }
}

/** Removed by the chair: the meeting ends for this page, without reconnecting. */
function removed(view, m) {
  if (!view.transition('removed')) return;
  view.sig.close(1000);
  view._teardownMedia();
  view.closePanel(view.openPanel, false);
  view.state.reset();
  $('ended-heading').textContent = t('chair.removed_heading');
  const text = m.reason === 'debrief' ? 'chair.debrief_text' : m.ban ? 'chair.banned_text' : 'chair.removed_text';
  $('ended-text').textContent = t(text);
  $('ended-text').hidden = false;
  $('ended').dataset.reason = m.ban ? 'banned' : 'removed';
  clearToasts();
  $('ended-heading').focus();
}

/** Sent back to the lobby: media stops; admitted again, the page joins with fresh devices. */
function sentBack(view, m) {
  const opts = view.joinOpts;
  if (!view.transition('waiting')) return;
  view._teardownMedia();
  view.closePanel(view.openPanel, false);
  view.pendingJoin = { opts: { ...opts, stream: new MediaStream() }, mediaAvailable: view.sig.hasFeature('media'), hello: view.sig.hello, reacquire: true };
  view._setLobbyTitle(m.title);
  clearToasts();
  toast(t('chair.sent_back'), { timeout: 8000, key: 'chair-self' });
  $('lobby-wait-heading').focus();
}

/** Admitted again after being sent back: devices as the user last had them, then the meeting. */
async function readmitted(view, m) {
  const pending = view.pendingJoin;
  let stream = new MediaStream();
  let status = { audio: 'off', video: 'off' };
  if (pending.mediaAvailable) ({ stream, status } = await acquireMedia({ audio: true, video: !!pending.opts.camOn, devices: pending.opts.devices || {} }));
  const opts = { ...pending.opts, stream, micOn: !!pending.opts.micOn && status.audio === 'ok', camOn: !!pending.opts.camOn && status.video === 'ok' };
  if (view.pendingJoin !== pending) {
    for (const tr of stream.getTracks()) tr.stop();
    return;
  }
  view._enterMeeting(m, { ...pending, opts });
}

function micLocked(view) {
  const self = view.state.self;
  return !!(self && view.state.chair.mic_restricted && self.role !== 'moderator' && self.chair.mic_blocked);
}

export default {
  ns: 'chair',
  events: {
    muted: { when: 'meeting', run: (view, m) => followMute(view, m.source) },
    removed: { when: '*', run: removed },
    state: {
      when: 'meeting',
      run(view, m) {
        const before = view.state.chair;
        view.state.setChair(m);
        const now = view.state.chair;
        if (before.mic_restricted !== now.mic_restricted && !view.isModerator()) {
          toast(t(now.mic_restricted ? 'chair.restricted_on' : 'chair.restricted_off'), { timeout: 6000, key: 'chair-state' });
          if (now.mic_restricted && micLocked(view) && view.mediaOn.microphone) view.toggle('microphone');
        }
        if (before.locked !== now.locked) toast(t(now.locked ? 'chair.locked_on' : 'chair.locked_off'), { timeout: 4000, key: 'chair-lock' });
      },
    },
    debriefed: { when: 'meeting', run: (view, m) => toast(t('chair.debriefed', { n: Number(m.removed) || 0 }), { timeout: 5000 }) },
  },
  actions: {
    mute: (view, ids) => view.sig.trySend({ ns: 'chair', action: 'mute', ids }),
    muteAll: (view) => view.sig.trySend({ ns: 'chair', action: 'mute', all: true }),
    restrictMic: (view, enabled) => view.sig.trySend({ ns: 'chair', action: 'restrict_mic', enabled }),
    allowMic: (view, id, allowed) => view.sig.trySend({ ns: 'chair', action: 'allow_mic', id, allowed }),
    cameraOff: (view, id) => view.sig.trySend({ ns: 'chair', action: 'camera_off', id }),
    screen: (view, id, allowed) => view.sig.trySend({ ns: 'chair', action: 'screen', id, allowed }),
    remove: (view, id, ban) => view.sig.trySend({ ns: 'chair', action: 'remove', id, ban: !!ban }),
    toLobby: (view, id) => view.sig.trySend({ ns: 'chair', action: 'to_lobby', id }),
    lock: (view, locked) => view.sig.trySend({ ns: 'chair', action: 'lock', locked }),
    rename: (view, id, name) => view.sig.trySend({ ns: 'chair', action: 'rename', id, display_name: name }),
    debrief: (view, which) => view.sig.trySend({ ns: 'chair', action: 'debrief', remove: which }),
    /** Whether my microphone is held silent by a restriction (an unmute would be refused). */
    micLocked,
    /** lobby/waiting while in the meeting: the chair sent me back. */
    sentBack,
    /** control/joined in the lobby after having been sent back. */
    readmitted,
  },
  onError: (view) => view.rerenderModeration(),
};
