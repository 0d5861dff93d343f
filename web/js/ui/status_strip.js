// SPDX-License-Identifier: EUPL-1.2
// Own state at a glance: a strip above the control bar that tells every participant where they
// stand — on the speakers' list (and where), holding the floor (and for how long still), a vote
// waiting for their ballot or already cast, muted by the chair. Hidden when there is nothing to
// say. Sighted users see the countdown every second; screen readers hear a sentence only when the
// state itself changes (a polite live region without the seconds).
import { el } from '../util.js';
import { t } from '../i18n.js';
import { clock } from './vote.js';

/**
 * What to say: [{key, text, spoken}] from the speakers' state, the votes and the chair's decisions.
 * `left`: seconds of speaking time left for the floor holder (null: no limit).
 */
export function ownState({ selfId, self, speakers, left, votes }) {
  const out = [];
  const s = speakers || { queue: [], speaker: null };
  if (s.speaker && s.speaker.id === selfId) {
    const spoken = t('status.floor');
    out.push({ key: 'floor', text: left === null || left === undefined ? spoken : t('status.floor_left', { time: clock(left) }), spoken });
  } else {
    const i = (s.queue || []).findIndex((r) => r.id === selfId);
    if (i >= 0) {
      const text = t('status.queued', { n: i + 1 });
      out.push({ key: 'queued', text, spoken: text });
    }
  }
  let voted = false;
  let please = false;
  for (const e of votes) {
    if (e.result) continue;
    if (e.myOption !== undefined) voted = true;
    else if (e.eligible) please = true;
  }
  // a ballot still owed matters more than one already cast
  if (please) out.push({ key: 'vote-please', text: t('status.vote_please'), spoken: t('status.vote_please') });
  else if (voted) out.push({ key: 'vote-voted', text: t('status.vote_voted'), spoken: t('status.vote_voted') });
  if (self && self.chair && self.chair.mic_blocked) out.push({ key: 'muted', text: t('status.muted'), spoken: t('status.muted') });
  return out;
}

export class StatusStrip {
  /**
   * @param {{before: HTMLElement, room: import('../room.js').RoomState,
   *   speakers: import('./speakers.js').SpeakersPanel, votes: import('./vote.js').VotePanel,
   *   active: () => boolean}} o  the strip goes in front of `before` (the control bar)
   */
  constructor({ before, room, speakers, votes, active }) {
    Object.assign(this, { room, speakers, votes, active });
    this.shown = el('p', { class: 'status-items', 'aria-hidden': 'true' });
    this.live = el('p', { class: 'visually-hidden', 'aria-live': 'polite', dataset: { testid: 'status-live' } });
    this.root = el('div', { class: 'status-strip', dataset: { testid: 'status-strip' }, hidden: true }, this.shown, this.live);
    before.before(this.root);
    room.addEventListener('change', () => this.render());
    this.timer = setInterval(() => this.render(), 1000);
  }

  render() {
    const items = this.active()
      ? ownState({ selfId: this.room.selfId, self: this.room.self, speakers: this.speakers.state, left: this.speakers.remaining(), votes: this.votes.votes.values() })
      : [];
    const text = items.map((i) => i.text).join('\n');
    if (text !== this.text) {
      this.text = text;
      this.shown.replaceChildren(...items.map((i) => el('span', { class: `status-item status-${i.key}`, dataset: { testid: 'status-item', status: i.key }, text: i.text })));
    }
    const spoken = items.map((i) => i.spoken).join('. ');
    if (spoken !== this.live.textContent) this.live.textContent = spoken;
    this.root.hidden = items.length === 0;
  }
}
