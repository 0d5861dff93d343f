// SPDX-License-Identifier: EUPL-1.2
// Connection quality from RTCPeerConnection.getStats(), every SAMPLE_MS:
//   per remote participant — packet loss over the last window on all of its inbound streams
//     (audio and video) and, for its camera, whether the received simulcast layer is well below
//     what its tile asked for (media/video_size): the server picked a lower layer because the
//     path to us is short of bandwidth;
//   for oneself — the round-trip time of both connections' selected candidate pairs, the loss
//     on everything received and the loss the server reports for what we send
//     (remote-inbound-rtp). (The browser's own "limited by bandwidth" flag is not used: it is
//     set during every call's first seconds while the estimate ramps up.)
// Each is good / medium / poor (or unknown while nothing flows, e.g. camera and microphone off).
// The tiles show it (grid.setQuality, with a text alternative); when one's own connection is poor
// for two windows in a row a hint says what helps, at most once a minute.
// The one subtle point: counters are cumulative, so every judgement is on the difference to the
// previous sample; a stream seen for the first time only sets the baseline.
import { t } from '../i18n.js';
import { toast } from './toasts.js';

export const SAMPLE_MS = 2000;
const HINT_EVERY_MS = 60000;

/** good | medium | poor from loss (0..1), round-trip time (s, or null) and a reduced layer. */
export function classify({ loss = 0, rtt = null, layerLow = false }) {
  if (loss >= 0.1 || (rtt !== null && rtt >= 0.6)) return 'poor';
  if (loss >= 0.02 || (rtt !== null && rtt >= 0.3) || layerLow) return 'medium';
  return 'good';
}

export class QualityMonitor {
  /**
   * @param {{getMedia: () => object|null, room: object, grid: object}} o
   *   getMedia: the MediaSession (pub, sub, mids, videoObs) or null
   */
  constructor({ getMedia, room, grid }) {
    this.getMedia = getMedia;
    this.room = room;
    this.grid = grid;
    this.prev = new Map(); // stats id → {lost, received}
    this.levels = new Map(); // participant id → level
    this.poorRuns = 0;
    this.lastHint = 0;
    this.timer = null;
    // tests replace this to feed stats (still through the whole computation below)
    this.statsSource = (pc) => pc.getStats();
  }

  start() {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample().catch((e) => console.debug('quality sample', e)), SAMPLE_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.prev.clear();
    this.levels.clear();
    this.poorRuns = 0;
  }

  /** Test hook: `fn(pc, which)` returns a stats report (Map of stats objects) for `which`. */
  setStatsSource(fn) {
    this.statsSource = fn;
  }

  /** Loss since the previous sample of stats object `s` (cumulative counters); null: baseline. */
  _delta(s, lostField, receivedField) {
    const cur = { lost: Math.max(0, s[lostField] || 0), received: s[receivedField] || 0 };
    const before = this.prev.get(s.id);
    this.prev.set(s.id, cur);
    if (!before) return null;
    return { lost: Math.max(0, cur.lost - before.lost), received: Math.max(0, cur.received - before.received) };
  }

  async sample() {
    const media = this.getMedia();
    if (!media || !this.room.selfId) return;
    const per = new Map(); // participant → {lost, received, layerLow}
    const own = { lost: 0, received: 0, rtt: null, sentLoss: 0 };
    const rtt = (s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && typeof s.currentRoundTripTime === 'number') {
        own.rtt = Math.max(own.rtt || 0, s.currentRoundTripTime);
      }
    };
    if (media.sub) {
      const report = await this.statsSource(media.sub, 'subscribe');
      report.forEach((s) => {
        rtt(s);
        if (s.type !== 'inbound-rtp') return;
        const info = media.mids.get(String(s.mid));
        const d = this._delta(s, 'packetsLost', 'packetsReceived');
        if (!info || !d) return;
        const q = per.get(info.participant) || { lost: 0, received: 0, layerLow: false };
        q.lost += d.lost;
        q.received += d.received;
        own.lost += d.lost;
        own.received += d.received;
        if (info.kind === 'video' && info.source === 'camera' && s.frameHeight) q.layerLow = this._layerLow(media, info.participant, s.frameHeight);
        per.set(info.participant, q);
      });
    }
    if (media.pub) {
      const report = await this.statsSource(media.pub, 'publish');
      report.forEach((s) => {
        rtt(s);
        if (s.type === 'remote-inbound-rtp' && typeof s.fractionLost === 'number') own.sentLoss = Math.max(own.sentLoss, s.fractionLost);
      });
    }
    for (const p of this.room.participants.values()) {
      if (p.self) continue;
      const q = per.get(p.id);
      const level = q && q.lost + q.received > 0 ? classify({ loss: q.lost / (q.lost + q.received), layerLow: q.layerLow }) : null;
      this._show(p.id, level, false);
    }
    const flowing = own.received + own.lost > 0 || own.rtt !== null;
    const ownLoss = Math.max(own.received + own.lost > 0 ? own.lost / (own.lost + own.received) : 0, own.sentLoss);
    const mine = flowing ? classify({ loss: ownLoss, rtt: own.rtt }) : null;
    this._show(this.room.selfId, mine, true);
    this.poorRuns = mine === 'poor' ? this.poorRuns + 1 : 0;
    if (this.poorRuns >= 2 && Date.now() - this.lastHint > HINT_EVERY_MS) {
      this.lastHint = Date.now();
      toast(t('quality.hint'), { kind: 'warn', timeout: 12000, key: 'quality-hint', code: 'poor_connection' });
    }
  }

  /** The camera arrives at less than half the height its tile asked for (device pixels). */
  _layerLow(media, participant, frameHeight) {
    for (const o of media.videoObs.values()) {
      if (o.participant === participant && o.source === 'camera' && o.last && o.last.h) return frameHeight * 2 < Math.min(o.last.h, 720);
    }
    return false;
  }

  _show(id, level, self) {
    this.levels.set(id, level);
    const text = level ? t(self ? `quality.self_${level}` : `quality.${level}`) : '';
    this.grid.setQuality(id, level, text);
  }
}
