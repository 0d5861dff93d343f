// SPDX-License-Identifier: EUPL-1.2
// The speakers' list (features/speakers.js) in the participant panel, and a bar over the stage
// that everyone sees: who has the floor, for how long still, who is next. Participants ask for
// the floor (or raise a point of order) and withdraw; the chair gives the floor, skips, moves,
// runs the list by itself and sets a speaking time. The countdown is drawn every second but
// announced to screen readers only when the floor changes.
import { el } from '../util.js';
import { t } from '../i18n.js';
import { toast } from './toasts.js';

const WARN_S = 30;
const TIME_CHOICES = [0, 60, 120, 180, 300, 600];

function clock(s) {
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export class SpeakersPanel {
  constructor({ before, stage, room, isModerator, actions }) {
    Object.assign(this, { room, isModerator, actions });
    this.state = null;
    this.offset = 0; // server clock - our clock
    this.warned = null;
    this.heading = el('h3', { class: 'panel-sub', id: 'speakers-heading', text: t('speakers.heading') });
    this.current = el('p', { class: 'speakers-current', dataset: { testid: 'speakers-current' } });
    this.live = el('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    this.own = el('div', { class: 'speakers-own' });
    this.chairRow = el('div', { class: 'speakers-chair' });
    this.list = el('ol', { class: 'speakers-queue', dataset: { testid: 'speakers-queue' } });
    this.empty = el('p', { class: 'muted small', text: t('speakers.empty') });
    this.statsBox = el('div', { class: 'speakers-stats', dataset: { testid: 'speakers-stats' }, hidden: true });
    this.section = el('section', { class: 'speakers-section', dataset: { testid: 'speakers-section' }, 'aria-labelledby': 'speakers-heading' }, this.heading, this.current, this.live, this.own, this.chairRow, this.list, this.empty, this.statsBox);
    before.before(this.section);
    this.bar = el('div', { class: 'speakers-bar', dataset: { testid: 'speakers-bar' }, hidden: true });
    stage.prepend(this.bar);
    room.addEventListener('change', (e) => {
      if (e.detail.type === 'reset') this.setState(room.speakers || null);
      else if (['participant-updated', 'participant-left'].includes(e.detail.type)) this.render();
    });
    this.timer = setInterval(() => this._tick(), 1000);
  }

  setState(m) {
    this.state = m && typeof m === 'object' ? m : null;
    if (this.state && typeof this.state.now === 'number') this.offset = this.state.now - Date.now();
    const sp = this.state && this.state.speaker;
    const key = sp ? `${sp.id}:${sp.started_at}` : '';
    if (key !== this.floorKey) {
      this.floorKey = key;
      this.live.textContent = sp ? t('speakers.has_floor', { name: sp.display_name }) : '';
    }
    this.render();
  }

  _remaining() {
    const sp = this.state && this.state.speaker;
    if (!sp || typeof sp.ends_at !== 'number') return null;
    return Math.max(0, Math.ceil((sp.ends_at - (Date.now() + this.offset)) / 1000));
  }

  _tick() {
    const left = this._remaining();
    if (left === null) return;
    this._renderCurrent();
    const sp = this.state.speaker;
    if (left <= WARN_S && sp.id === this.room.selfId && this.warned !== this.floorKey) {
      this.warned = this.floorKey;
      toast(t('speakers.time_warning', { n: left }), { kind: 'warn', timeout: 6000, key: 'speakers-time' });
    }
  }

  _renderCurrent() {
    const sp = this.state && this.state.speaker;
    const left = this._remaining();
    const warn = left !== null && left <= WARN_S;
    const timeText = left === null ? '' : ` – ${t('speakers.left', { time: clock(left) })}`;
    this.current.textContent = sp ? t('speakers.has_floor', { name: sp.display_name }) + timeText : t('speakers.nobody');
    this.current.classList.toggle('warn', warn);
    const q = (this.state && this.state.queue) || [];
    this.bar.hidden = !sp && q.length === 0;
    const parts = [];
    if (sp) parts.push(t('speakers.bar_now', { name: sp.display_name }) + (left === null ? '' : ` (${clock(left)})`));
    if (q.length) parts.push(t('speakers.bar_next', { name: q[0].display_name }));
    this.bar.textContent = parts.join(' · ');
    this.bar.classList.toggle('warn', warn);
  }

  _button(testid, label, run, cls = 'btn btn-ghost btn-small', aria) {
    const b = el('button', { type: 'button', class: cls, dataset: { testid }, text: label });
    if (aria) b.setAttribute('aria-label', aria);
    b.addEventListener('click', run);
    return b;
  }

  render() {
    const s = this.state || { queue: [], speaker: null, auto: false, time_limit_s: 0 };
    const me = this.room.selfId;
    const mod = this.isModerator();
    this._renderCurrent();
    const mine = s.queue.find((r) => r.id === me);
    const speaking = s.speaker && s.speaker.id === me;
    const own = [];
    if (speaking) own.push(this._button('speakers-end', t('speakers.finish'), () => this.actions.end(), 'btn btn-primary btn-small'));
    else if (mine) own.push(this._button('speakers-withdraw', t('speakers.withdraw'), () => this.actions.withdraw()));
    else own.push(this._button('speakers-request', t('speakers.request'), () => this.actions.request(false), 'btn btn-primary btn-small'));
    if (!speaking && !(mine && mine.point_of_order)) own.push(this._button('speakers-point-of-order', t('speakers.point_of_order'), () => this.actions.request(true)));
    own.push(this._button('speakers-stats-button', t('speakers.stats'), () => this.actions.stats()));
    this.own.replaceChildren(...own);

    this.chairRow.hidden = !mod;
    if (mod) {
      const auto = el('label', { class: 'speakers-auto' }, el('input', { type: 'checkbox', dataset: { testid: 'speakers-auto' } }), ' ', t('speakers.auto'));
      const box = auto.querySelector('input');
      box.checked = !!s.auto;
      box.addEventListener('change', () => this.actions.settings({ auto: box.checked }));
      const select = el('select', { dataset: { testid: 'speakers-time' }, 'aria-label': t('speakers.time_limit') });
      for (const v of TIME_CHOICES) select.append(el('option', { value: String(v), text: v ? t('speakers.minutes', { n: v / 60 }) : t('speakers.no_limit') }));
      select.value = TIME_CHOICES.includes(s.time_limit_s) ? String(s.time_limit_s) : '0';
      select.addEventListener('change', () => this.actions.settings({ time_limit_s: Number(select.value) }));
      const parts = [this._button('speakers-next', t('speakers.next'), () => this.actions.next(), 'btn btn-primary btn-small')];
      if (s.speaker) parts.push(this._button('speakers-end-turn', t('speakers.end_turn'), () => this.actions.end()));
      parts.push(auto, el('label', { class: 'speakers-time' }, t('speakers.time_limit'), ' ', select));
      this.chairRow.replaceChildren(...parts);
    }

    this.empty.hidden = s.queue.length > 0;
    this.list.replaceChildren(
      ...s.queue.map((r, i) => {
        const name = r.id === me ? `${r.display_name} ${t('meeting.you_suffix')}` : r.display_name;
        const li = el('li', { dataset: { testid: 'speakers-item', participantId: r.id, pointOfOrder: String(!!r.point_of_order) } }, el('span', { class: 'pname', text: name }));
        if (r.point_of_order) li.append(el('span', { class: 'speakers-poo', text: t('speakers.poo_badge') }));
        if (mod) {
          li.append(
            this._button('speakers-give', t('speakers.give'), () => this.actions.give(r.id), 'btn btn-ghost btn-small', t('speakers.give_label', { name: r.display_name })),
            this._button('speakers-up', '↑', () => this.actions.move(r.id, Math.max(1, i)), 'btn btn-ghost btn-small', t('speakers.up_label', { name: r.display_name })),
            this._button('speakers-down', '↓', () => this.actions.move(r.id, i + 2), 'btn btn-ghost btn-small', t('speakers.down_label', { name: r.display_name })),
            this._button('speakers-skip', t('speakers.skip'), () => this.actions.skip(r.id), 'btn btn-ghost btn-small', t('speakers.skip_label', { name: r.display_name })),
          );
        }
        return li;
      }),
    );
  }

  /** speakers/stats: speaking time per person, as a table under the list. */
  showStats(people) {
    const rows = (Array.isArray(people) ? people : []).map((p) => el('tr', {}, el('td', { text: p.display_name }), el('td', { text: String(p.turns) }), el('td', { text: clock(Number(p.spoken_s) || 0) })));
    const table = el(
      'table',
      { class: 'speakers-stats-table' },
      el('caption', { text: t('speakers.stats') }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('speakers.stats_name') }), el('th', { scope: 'col', text: t('speakers.stats_turns') }), el('th', { scope: 'col', text: t('speakers.stats_time') }))),
      el('tbody', {}, ...rows),
    );
    this.statsBox.replaceChildren(rows.length ? table : el('p', { class: 'muted small', text: t('speakers.stats_none') }));
    this.statsBox.hidden = false;
  }
}
