// SPDX-License-Identifier: EUPL-1.2
// Client features, one file per signaling namespace, mirroring the server's modules
// (docs/protocol.md). The meeting view (../meeting.js) registers them and routes every server
// message {ns, event} through route(); unknown events are ignored with a console.debug.
//
// To add a feature (vote, speakers, agenda, breakout, …):
//   1. create features/<ns>.js exporting default { ns, events, actions } like chat.js:
//        events:  { <event name>: { when: <phase or list of phases or '*'>, run(view, msg) } }
//                 `when` names the meeting phases (../phases.js) in which the event counts;
//                 in any other phase it is dropped, as for a message that arrives too late.
//        actions: { <name>(view, ...args) } — what the client sends in that namespace; the view
//                 calls them as view.features.<ns>.<name>(...args).
//        onError(view, msg) — optional: an error event of this namespace, before the common toast.
//   2. add it to FEATURES below.
//   3. put its strings into ../i18n.js (German and English) and its widgets into ../ui/.
import control from './control.js';
import chat from './chat.js';
import hand from './hand.js';
import media from './media.js';
import lobby from './lobby.js';
import moderation from './moderation.js';
import chair from './chair.js';
import speakers from './speakers.js';
import reaction from './reaction.js';
import vote from './vote.js';
import poll from './poll.js';
import timer from './timer.js';
import agenda from './agenda.js';
import session from './session.js';
import whisper from './whisper.js';
import podium from './podium.js';
import breakout from './breakout.js';
import recording from './recording.js';

export const FEATURES = [control, chat, hand, media, lobby, moderation, chair, speakers, reaction, vote, poll, timer, agenda, session, whisper, podium, breakout, recording];

/** Does an event entry accept messages in this phase? */
function accepts(when, phase) {
  if (when === '*') return true;
  return Array.isArray(when) ? when.includes(phase) : when === phase;
}

/**
 * Binds the features to a view ({phase, sig, …}). Returns {route(msg), <ns>: {<action>(...)}}.
 * @param {object} view the meeting view
 * @param {Array<{ns: string, events?: object, actions?: object, onError?: Function}>} [features]
 */
export function registerFeatures(view, features = FEATURES) {
  const byNs = new Map();
  const api = {
    /** One server message (with signaling.js's `_reply` flag); never throws. */
    route(msg) {
      const f = byNs.get(msg.ns);
      if (msg.event === 'error') {
        // errors answered through request() are the requester's to show
        if (msg._reply || msg.code === 'stale_revision') return;
        if (f && f.onError) f.onError(view, msg);
        view.showError(msg);
        return;
      }
      const entry = f && f.events && Object.hasOwn(f.events, msg.event) ? f.events[msg.event] : null;
      if (!entry) {
        console.debug(`signaling: ignoring unknown event ${msg.ns}/${msg.event}`);
        return;
      }
      if (!accepts(entry.when, view.phase)) return;
      entry.run(view, msg);
    },
  };
  for (const f of features) {
    if (byNs.has(f.ns)) throw new Error(`feature ${f.ns} registered twice`);
    byNs.set(f.ns, f);
    const bound = {};
    for (const [name, fn] of Object.entries(f.actions || {})) bound[name] = (...args) => fn(view, ...args);
    api[f.ns] = bound;
  }
  return api;
}
