// SPDX-License-Identifier: EUPL-1.2
// The speakers' list (features/speakers.js) in the participant panel, and a bar over the stage
// that everyone sees: who has the floor, for how long still, who is next. Participants ask for
// the floor (or raise a point of order) and withdraw; the chair gives the floor, skips, moves,
// runs the list by itself and sets a speaking time. The countdown is drawn every second but
// announced to screen readers only when the floor changes. The chair's view draws the same list
// a second time while it is open (mount/unmount); every drawing follows the same state.
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
  constructor({ before, stage, room, isModerator, actions, onChange }) {
    Object.assign(this, { room, isModerator, actions, onChange });
    this.state = null;
    this.offset = 0; // server clock - our clock
    this.warned = null;
    // the list is drawn in the participant panel and, while it is open, the chair's view
    this.views = [];
    this.main = this.mount((section) => before.before(section), '');
    this.bar = el('div', { class: 'speakers-bar', dataset: { testid: 'speakers-bar' }, hidden: true });
    stage.prepend(this.bar);
    room.addEventListener('change', (e) => {
      if (e.detail.type === 'reset') this.setState(room.speakers || null);
      else if (['participant-updated', 'participant-left'].includes(e.detail.type)) this.render();
    });
    this.timer = setInterval(() => this._tick(), 1000);
  }

  /**
   * One more drawing of the list with all its controls: `place(section)` puts it into the page,
   * `suffix` keeps its ids unique. Returns the view for unmount().
   */
  mount(place, suffix) {
    const headingId = `speakers-heading${suffix}`;
    const v = {
      heading: el('h3', { class: 'panel-sub', id: headingId, text: t('speakers.heading') }),
      current: el('p', { class: 'speakers-current', dataset: { testid: 'speakers-current' } }),
      live: el('p', { class: 'visually-hidden', 'aria-live': 'polite' }),
      own: el('div', { class: 'speakers-own' }),
      chairRow: el('div', { class: 'speakers-chair' }),
      list: el('ol', { class: 'speakers-queue', dataset: { testid: 'speakers-queue' } }),
      empty: el('p', { class: 'muted small', text: t('speakers.empty') }),
      statsBox: el('div', { class: 'speakers-stats', dataset: { testid: 'speakers-stats' }, hidden: true }),
    };
    v.section = el('section', { class: 'speakers-section', dataset: { testid: 'speakers-section' }, 'aria-labelledby': headingId }, v.heading, v.current, v.live, v.own, v.chairRow, v.list, v.empty, v.statsBox);
    place(v.section);
    this.views.push(v);
    if (this.views.length > 1) {
      v.live.textContent = this.views[0].live.textContent;
      this.render();
    }
    return v;
  }

  unmount(v) {
    this.views = this.views.filter((x) => x !== v);
    v.section.remove();
  }

  /** The first view's parts, as before there were several. */
  get section() {
    return this.main.section;
  }

  setState(m) {
    this.state = m && typeof m === 'object' ? m : null;
    if (this.state && typeof this.state.now === 'number') this.offset = this.state.now - Date.now();
    const sp = this.state && this.state.speaker;
    const key = sp ? `${sp.id}:${sp.started_at}` : '';
    if (key !== this.floorKey) {
      this.floorKey = key;
      for (const v of this.views) v.live.textContent = sp ? t('speakers.has_floor', { name: sp.display_name }) : '';
    }
    this.render();
  }

  /** Seconds of the floor holder's speaking time left, or null without a limit (or no floor). */
  remaining() {
    const sp = this.state && this.state.speaker;
    if (!sp || typeof sp.ends_at !== 'number') return null;
    return Math.max(0, Math.ceil((sp.ends_at - (Date.now() + this.offset)) / 1000));
  }

  _tick() {
    const left = this.remaining();
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
    const left = this.remaining();
    const warn = left !== null && left <= WARN_S;
    const timeText = left === null ? '' : ` – ${t('speakers.left', { time: clock(left) })}`;
    for (const v of this.views) {
      v.current.textContent = sp ? t('speakers.has_floor', { name: sp.display_name }) + timeText : t('speakers.nobody');
      v.current.classList.toggle('warn', warn);
    }
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
    this._renderCurrent();
    for (const v of this.views) this._renderView(v);
    if (this.onChange) this.onChange();
  }

  _renderView(v) {
    const s = this.state || { queue: [], speaker: null, auto: false, time_limit_s: 0 };
    const me = this.room.selfId;
    const mod = this.isModerator();
    // a redraw must not take the keyboard focus away from the control in use
    const f = document.activeElement && v.section.contains(document.activeElement) ? document.activeElement : null;
    const item = f && f.closest('[data-participant-id]');
    const again = f && f.dataset.testid ? `${item ? `[data-participant-id="${CSS.escape(item.dataset.participantId)}"] ` : ''}[data-testid="${CSS.escape(f.dataset.testid)}"]` : null;
    const mine = s.queue.find((r) => r.id === me);
    const speaking = s.speaker && s.speaker.id === me;
    const own = [];
    if (speaking) own.push(this._button('speakers-end', t('speakers.finish'), () => this.actions.end(), 'btn btn-primary btn-small'));
    else if (mine) own.push(this._button('speakers-withdraw', t('speakers.withdraw'), () => this.actions.withdraw()));
    else own.push(this._button('speakers-request', t('speakers.request'), () => this.actions.request(false), 'btn btn-primary btn-small'));
    if (!speaking && !(mine && mine.point_of_order)) own.push(this._button('speakers-point-of-order', t('speakers.point_of_order'), () => this.actions.request(true)));
    own.push(this._button('speakers-stats-button', t('speakers.stats'), () => this.actions.stats()));
    v.own.replaceChildren(...own);

    v.chairRow.hidden = !mod;
    if (mod) {
      const auto = el('label', { class: 'speakers-auto' }, el('input', { type: 'checkbox', dataset: { testid: 'speakers-auto' } }), ' ', t('speakers.auto'));
      const box = auto.querySelector('input');
      box.checked = !!s.auto;
      box.addEventListener('change', () => this.actions.settings({ auto: box.checked }));
      const select = el('select', { dataset: { testid: 'speakers-time' }, 'aria-label': t('speakers.time_limit') });
      for (const sec of TIME_CHOICES) select.append(el('option', { value: String(sec), text: sec ? t('speakers.minutes', { n: sec / 60 }) : t('speakers.no_limit') }));
      select.value = TIME_CHOICES.includes(s.time_limit_s) ? String(s.time_limit_s) : '0';
      select.addEventListener('change', () => this.actions.settings({ time_limit_s: Number(select.value) }));
      const parts = [this._button('speakers-next', t('speakers.next'), () => this.actions.next(), 'btn btn-primary btn-small')];
      if (s.speaker) parts.push(this._button('speakers-end-turn', t('speakers.end_turn'), () => this.actions.end()));
      parts.push(auto, el('label', { class: 'speakers-time' }, t('speakers.time_limit'), ' ', select));
      v.chairRow.replaceChildren(...parts);
    }

    v.empty.hidden = s.queue.length > 0;
    v.list.replaceChildren(
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
    if (f && !v.section.contains(document.activeElement)) {
      const target = (again && v.section.querySelector(again)) || (mod && v.chairRow.querySelector('button')) || v.own.querySelector('button');
      if (target) target.focus();
    }
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
    for (const v of this.views) {
      v.statsBox.replaceChildren(rows.length ? table.cloneNode(true) : el('p', { class: 'muted small', text: t('speakers.stats_none') }));
      v.statsBox.hidden = false;
    }
  }
}
