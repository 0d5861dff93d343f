// SPDX-License-Identifier: EUPL-1.2
// Votes in the meeting (protocol: docs/protocol.md "vote"; server: src/room/vote.c): one card per
// open vote above the stage with its options, the turnout and, for the chair, Close and Cancel;
// the result card once it is closed; and, for moderators, the form that opens a vote. The server
// decides who may vote: a card offers the options only when it said `eligible`. The form checks
// what the server checks (buildVote) before sending, and shows the server's reason when it still
// refuses. The chair's view (ui/chair_view.js) shows the same form and cards while it is open
// (attach/detach). `members` is the body's size from the last vote event (attendance, quorum hint).
import { el } from '../util.js';
import { t } from '../i18n.js';

// This tab's own ballots, for a reload while the vote is open: sessionStorage, not localStorage,
// so that a shared computer in the council chamber does not show the next person a secret choice.
const mine = {
  get(id) {
    try {
      return JSON.parse(sessionStorage.getItem(`ratsaal.vote.${id}`) || 'null');
    } catch {
      return null;
    }
  },
  set(id, value) {
    try {
      sessionStorage.setItem(`ratsaal.vote.${id}`, JSON.stringify(value));
    } catch {
      /* storage off: the receipt is shown until the page goes */
    }
  },
};

/** The label of option i of vote v, translated for the preset ones. */
export function optionLabel(v, i) {
  const s = v.options[i];
  if (v.kind === 'motion' || i === v.abstain) {
    if (['yes', 'no', 'abstain'].includes(s)) return t(`vote.option.${s}`);
  }
  return s;
}

// Limits of vote/create, as the server checks them (src/room/vote.c, docs/protocol.md "vote").
export const VOTE_LIMITS = { title: 200, text: 2000, options: 10, option: 100, quorum: 500, durationMin: 10, durationMax: 86400 };
export const ELECTORATES = ['present', 'members', 'list'];

/** Clock text m:ss (h:mm:ss from an hour on) for a number of seconds. */
export function clock(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds until a vote's closes_at (server wall clock, ms), or null without a deadline. */
export function secondsLeft(v, now = Date.now()) {
  return typeof v.closes_at === 'number' ? Math.max(0, Math.ceil((v.closes_at - now) / 1000)) : null;
}

/**
 * The form's values → the vote/create message, or the reasons the server would refuse it.
 * `raw`: {title, text, options (one per line), secret, electorate, voters: [ids], majority,
 * quorum (text), minutes (text)}. Returns {msg} or {errors: [{field, key, params}]}.
 */
export function buildVote(raw) {
  const errors = [];
  const err = (field, key, params) => errors.push({ field, key, params });
  const title = raw.title.trim();
  const text = raw.text.trim();
  if (!title) err('title', 'vote.title_missing');
  else if ([...title].length > VOTE_LIMITS.title) err('title', 'vote.too_long', { n: VOTE_LIMITS.title });
  if ([...text].length > VOTE_LIMITS.text) err('text', 'vote.too_long', { n: VOTE_LIMITS.text });
  const options = raw.options.split('\n').map((o) => o.trim()).filter(Boolean);
  if (options.length > VOTE_LIMITS.options) err('options', 'vote.options_too_many', { n: VOTE_LIMITS.options });
  const long = options.find((o) => [...o].length > VOTE_LIMITS.option);
  if (long) err('options', 'vote.option_too_long', { option: long, n: VOTE_LIMITS.option });
  const twice = options.find((o, i) => options.indexOf(o) !== i);
  if (twice) err('options', 'vote.option_repeated', { option: twice });
  if (!ELECTORATES.includes(raw.electorate)) err('electorate', 'vote.electorate_missing');
  if (raw.electorate === 'list' && raw.voters.length === 0) err('voters', 'vote.voters_missing');
  const msg = { title, secret: !!raw.secret, majority: raw.majority, electorate: raw.electorate };
  if (text) msg.text = text;
  if (options.length) msg.options = options;
  if (raw.electorate === 'list') msg.voters = raw.voters.slice();
  const q = raw.quorum.trim();
  if (q) {
    const n = Number(q);
    if (!/^\d+$/.test(q) || n > VOTE_LIMITS.quorum) err('quorum', 'vote.quorum_invalid', { n: VOTE_LIMITS.quorum });
    else msg.quorum = n;
  }
  const d = raw.minutes.trim().replace(',', '.');
  if (d) {
    const s = Math.round(Number(d) * 60);
    if (!/^\d*\.?\d+$/.test(d) || s < VOTE_LIMITS.durationMin || s > VOTE_LIMITS.durationMax) err('duration', 'vote.duration_invalid');
    else msg.duration_s = s;
  }
  return errors.length ? { errors } : { msg };
}

/** The server's field names (error.field) → the form's. */
const SERVER_FIELD = { title: 'title', text: 'text', options: 'options', electorate: 'electorate', voters: 'voters', quorum: 'quorum', duration_s: 'duration', majority: 'majority' };

export class VotePanel {
  /**
   * @param {{area: HTMLElement, newButton: HTMLElement, roomId: string, isModerator: () => boolean,
   *   voters: () => Array<{id: string, display_name: string}>,
   *   onCreate: (msg: object) => Promise, onCast: Function, onClose: Function, onCancel: Function,
   *   onChange?: Function}} o
   *   voters: those present who may vote (the checklist of a "list" electorate);
   *   onChange: after every redraw (the status strip, the chair's attendance follow).
   */
  constructor(o) {
    Object.assign(this, o);
    this.votes = new Map(); // id → {vote, eligible, voted, receipt, myOption, result}
    this.form = null;
    this.members = null;
    this.extra = null; // the chair's view's area while it is open (attach())
    this.newButton.addEventListener('click', () => this.openForm());
    this.ticker = setInterval(() => this._tick(), 1000);
  }

  /** A second place for the form and the cards (the chair's view), until detach(). */
  attach(area) {
    this.extra = area;
    this.render();
  }

  detach() {
    if (!this.extra) return;
    this.extra.replaceChildren();
    this.extra = null;
    if (this.form && this.form.where === 'extra') this.form = null;
    this.render();
  }

  /** After (re)joining: the open votes the server listed, and the size of the member list (0: none). */
  reset(list, memberCount) {
    this.votes.clear();
    this.form = null;
    this.members = memberCount > 0 ? memberCount : null;
    for (const v of list || []) {
      this._noteMembers(v);
      // a ballot cast before a reload or reconnect: this browser kept its choice and receipt
      const kept = mine.get(v.id);
      const e = { vote: v, eligible: !!v.eligible, voted: v.voted || 0 };
      if (kept && !v.eligible) Object.assign(e, { myOption: kept.option, receipt: kept.receipt || null });
      this.votes.set(v.id, e);
    }
    this.render();
  }

  /** The member list was changed during the meeting (vote/members). */
  memberCount(count) {
    this.members = count > 0 ? count : null;
    this.render();
  }

  /** The body's size as the server counted it for a vote (members of the list, or the electorate). */
  _noteMembers(v) {
    if (v && Number.isInteger(v.members)) this.members = v.members;
  }

  opened(m) {
    if (!m.vote || !m.vote.id) return;
    this._noteMembers(m.vote);
    this.votes.set(m.vote.id, { vote: m.vote, eligible: !!m.eligible, voted: m.vote.voted || 0 });
    this.render();
  }

  turnout(m) {
    const e = this.votes.get(m.vote);
    if (!e) return;
    e.voted = m.voted;
    // in place: a ballot elsewhere must not take the focus from the buttons of this card
    const sel = `[data-vote="${CSS.escape(m.vote)}"] [data-testid="vote-turnout"]`;
    const shown = [this.area, this.extra].filter(Boolean).map((a) => a.querySelector(sel));
    if (shown.every(Boolean)) for (const p of shown) p.textContent = t('vote.turnout', { n: e.voted, total: e.vote.electorate_size });
    else this.render();
  }

  ack(m) {
    const e = this.votes.get(m.vote);
    if (!e) return;
    e.eligible = false;
    e.myOption = m.option;
    e.receipt = m.receipt || null;
    mine.set(m.vote, { option: m.option, receipt: e.receipt });
    this.render();
  }

  closed(m) {
    const e = this.votes.get(m.vote);
    if (!e) return;
    e.result = m.result;
    this._noteMembers(m.result);
    e.state = m.state;
    e.head = m.head;
    this.render();
  }

  /** The server refused a ballot (already_voted, vote_closed, not_eligible): stop offering it. */
  refused(m) {
    if (!['already_voted', 'vote_closed', 'not_eligible'].includes(m.code)) return;
    for (const e of this.votes.values()) if (e.pending) { e.pending = false; e.eligible = false; }
    this.render();
  }

  /** The form to open a vote, on the stage or (where 'extra') in the chair's view. */
  openForm(where = 'stage') {
    this.form = { where, title: '', text: '', options: '', secret: false, electorate: 'present', voters: new Set(), majority: 'simple', quorum: '', minutes: '' };
    this.formEl = null;
    this.render();
    const input = this._areaFor(where)?.querySelector('[data-testid="vote-title"]');
    if (input) input.focus();
  }

  _areaFor(where) {
    return where === 'extra' ? this.extra : this.area;
  }

  render() {
    // keep the keyboard focus on the same control of the same vote across the redraw
    const f = document.activeElement;
    const home = [this.area, this.extra].find((a) => a && f && a.contains(f));
    const card = home && f.closest('[data-vote]');
    const sel = card ? `[data-vote="${CSS.escape(card.dataset.vote)}"]` : null;
    const again = card ? `${sel} [data-testid="${CSS.escape(f.dataset.testid || '')}"]` : null;
    this._draw();
    const target = again && home.querySelector(again);
    if (target) target.focus();
    else if (card) home.querySelector(`${sel} button, ${sel} a`)?.focus();
    if (this.onChange) this.onChange();
  }

  _draw() {
    const mod = this.isModerator();
    this.newButton.hidden = !mod;
    if (!mod) this.form = null;
    if (!this.form) this.formEl = null;
    if (this.form && !this._areaFor(this.form.where)) this.form = this.formEl = null;
    for (const [where, area] of [['stage', this.area], ['extra', this.extra]]) {
      if (!area) continue;
      const cards = [];
      if (this.form && this.form.where === where) cards.push(this._formCard());
      for (const e of this.votes.values()) cards.push(e.result ? this._resultCard(e) : this._openCard(e, mod));
      if (where === 'stage') {
        area.replaceChildren(el('h2', { class: 'visually-hidden', text: t('vote.heading') }), ...cards);
        area.hidden = cards.length === 0;
      } else {
        area.replaceChildren(...(cards.length ? cards : [el('p', { class: 'muted small', text: t('vote.none_open') })]));
      }
    }
  }

  /** Every second: the time left on the cards of votes with a deadline (in place). */
  _tick() {
    for (const area of [this.area, this.extra]) {
      if (!area) continue;
      for (const p of area.querySelectorAll('[data-testid="vote-time-left"]')) {
        const e = this.votes.get(p.closest('[data-vote]')?.dataset.vote);
        if (e && !e.result) p.textContent = this._timeLeft(e.vote);
      }
    }
  }

  _timeLeft(v) {
    const left = secondsLeft(v);
    return left > 0 ? t('vote.closes_in', { time: clock(left) }) : t('vote.closing');
  }

  /** The form is built once per opening, so a redraw (someone muted) keeps what is typed; only
   * the voters' checklist follows who is here. */
  _formCard() {
    if (this.formEl) {
      this._fillVoters();
      return this.formEl;
    }
    const f = this.form;
    const field = (id, label, control, hint) => {
      const hintEl = hint ? el('p', { class: 'field-hint small', id: `${id}-hint`, text: hint }) : null;
      if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
      return [el('label', { for: id, text: label }), control, hintEl];
    };
    const title = el('input', { id: 'vote-title', type: 'text', maxlength: VOTE_LIMITS.title, required: true, dataset: { testid: 'vote-title' }, value: f.title });
    const text = el('textarea', { id: 'vote-text', rows: 2, maxlength: VOTE_LIMITS.text, dataset: { testid: 'vote-text' } });
    text.value = f.text;
    const options = el('textarea', { id: 'vote-options', rows: 3, dataset: { testid: 'vote-options' } });
    options.value = f.options;
    const electorate = el('select', { id: 'vote-electorate', dataset: { testid: 'vote-electorate' } },
      ...ELECTORATES.map((k) => el('option', { value: k, text: t(`vote.electorate.${k}`) })));
    electorate.value = f.electorate;
    this.voterBox = el('fieldset', { class: 'vote-voters', dataset: { testid: 'vote-voters' } }, el('legend', { text: t('vote.voters_legend') }));
    this.voterList = el('div', { class: 'vote-voter-list' });
    this.voterBox.append(this.voterList);
    const majority = el('select', { id: 'vote-majority', dataset: { testid: 'vote-majority' } },
      ...['simple', 'members', 'two_thirds'].map((k) => el('option', { value: k, text: t(`vote.majority.${k}`) })));
    majority.value = f.majority;
    const quorum = el('input', { id: 'vote-quorum', type: 'number', min: 0, max: VOTE_LIMITS.quorum, step: 1, inputmode: 'numeric', dataset: { testid: 'vote-quorum' }, value: f.quorum });
    const members = this.members;
    const quorumHint = members ? t('vote.quorum_hint_n', { n: Math.floor(members / 2) + 1, members }) : t('vote.quorum_hint');
    const minutes = el('input', { id: 'vote-duration', type: 'number', min: 0.17, max: 1440, step: 'any', inputmode: 'decimal', dataset: { testid: 'vote-duration' }, value: f.minutes });
    const secret = el('input', { id: 'vote-secret', type: 'checkbox', dataset: { testid: 'vote-secret' } });
    secret.checked = f.secret;
    const error = el('div', { class: 'field-error small', id: 'vote-form-error', role: 'alert', dataset: { testid: 'vote-form-error' } });
    error.hidden = true;
    const start = el('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('vote.start'), dataset: { testid: 'vote-start' } });
    const controls = { title, text, options, electorate, voters: this.voterBox, majority, quorum, duration: minutes };
    const form = el('form', { class: 'vote-card vote-form', novalidate: true, dataset: { testid: 'vote-form' } },
      el('h3', { text: t('vote.new') }),
      ...field('vote-title', t('vote.title_label'), title),
      ...field('vote-text', t('vote.text_label'), text),
      ...field('vote-options', t('vote.options_field'), options, t('vote.options_hint', { n: VOTE_LIMITS.options })),
      ...field('vote-electorate', t('vote.electorate_label'), electorate),
      this.voterBox,
      ...field('vote-majority', t('vote.majority_label'), majority),
      ...field('vote-quorum', t('vote.quorum_label'), quorum, quorumHint),
      ...field('vote-duration', t('vote.duration_label'), minutes, t('vote.duration_hint')),
      el('div', { class: 'vote-check' }, secret, el('label', { for: 'vote-secret', text: t('vote.secret_label') })),
      error,
      el('div', { class: 'vote-actions' },
        start,
        el('button', { type: 'button', class: 'btn btn-small', text: t('vote.discard'), dataset: { testid: 'vote-discard' }, onclick: () => { this.form = null; this.render(); } })));
    const read = () => {
      Object.assign(f, { title: title.value, text: text.value, options: options.value, secret: secret.checked, electorate: electorate.value, majority: majority.value, quorum: quorum.value, minutes: minutes.value });
    };
    electorate.addEventListener('change', () => {
      read();
      this._fillVoters();
    });
    const showErrors = (lines, fields) => {
      for (const c of Object.values(controls)) c.removeAttribute('aria-invalid');
      error.replaceChildren(...lines.map((l) => el('p', { text: l })));
      error.hidden = lines.length === 0;
      for (const name of fields) {
        const c = controls[name];
        if (!c) continue;
        c.setAttribute('aria-invalid', 'true');
        c.setAttribute('aria-errormessage', 'vote-form-error');
      }
      const first = controls[fields[0]];
      if (first) (first === this.voterBox ? first.querySelector('input') || first : first).focus();
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      read();
      const r = buildVote({ ...f, voters: [...f.voters] });
      if (r.errors) {
        showErrors(r.errors.map((x) => t(x.key, x.params)), r.errors.map((x) => x.field));
        return;
      }
      showErrors([], []);
      start.disabled = true;
      Promise.resolve(this.onCreate(r.msg)).then(
        () => {
          if (this.form !== f) return;
          this.form = null;
          this.render();
        },
        (e) => {
          start.disabled = false;
          if (this.form !== f) return;
          const why = e && e.code === 'timeout' ? t('toast.timeout') : (e && e.message) || t('error.unknown');
          showErrors([t('vote.server_refused', { text: why })], [SERVER_FIELD[e && e.field]].filter(Boolean));
        },
      );
    });
    this.formEl = form;
    this._fillVoters();
    return form;
  }

  /** The checklist of a "list" electorate: those present who may vote, ticks kept by id. */
  _fillVoters() {
    const f = this.form;
    if (!f || !this.voterBox) return;
    this.voterBox.hidden = f.electorate !== 'list';
    if (this.voterBox.hidden) return;
    const people = this.voters();
    const here = new Set(people.map((p) => p.id));
    for (const id of [...f.voters]) if (!here.has(id)) f.voters.delete(id);
    const focused = this.voterList.contains(document.activeElement) ? document.activeElement.value : null;
    this.voterList.replaceChildren(...(people.length ? people.map((p) => {
      const id = `vote-voter-${p.id}`;
      const box = el('input', { type: 'checkbox', id, value: p.id, dataset: { testid: 'vote-voter', participantId: p.id } });
      box.checked = f.voters.has(p.id);
      box.addEventListener('change', () => (box.checked ? f.voters.add(p.id) : f.voters.delete(p.id)));
      return el('div', { class: 'vote-check' }, box, el('label', { for: id, text: p.display_name }));
    }) : [el('p', { class: 'muted small', text: t('vote.voters_none') })]));
    if (focused) this.voterList.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
  }

  _openCard(e, mod) {
    const v = e.vote;
    const meta = [t(v.secret ? 'vote.secret' : 'vote.open'), t(`vote.majority.${v.majority}`)];
    if (v.electorate) meta.push(t(`vote.electorate_short.${v.electorate}`));
    if (typeof v.quorum === 'number') meta.push(t('vote.quorum_is', { n: v.quorum }));
    const card = el('article', { class: 'vote-card', dataset: { testid: 'vote-card', vote: v.id } },
      el('h3', { text: v.title }),
      v.text ? el('p', { class: 'vote-text', text: v.text }) : null,
      el('p', { class: 'muted small', text: meta.join(' · ') }),
      el('p', { class: 'vote-turnout', 'aria-live': 'polite', dataset: { testid: 'vote-turnout' }, text: t('vote.turnout', { n: e.voted, total: v.electorate_size }) }),
      // redrawn every second: not announced (the card area is a live region)
      typeof v.closes_at === 'number' ? el('p', { class: 'vote-time-left', 'aria-live': 'off', dataset: { testid: 'vote-time-left' }, text: this._timeLeft(v) }) : null);
    if (e.myOption !== undefined) {
      card.append(el('p', { class: 'vote-done', dataset: { testid: 'vote-done' }, text: t('vote.your_ballot', { option: optionLabel(v, e.myOption) }) }));
      if (e.receipt) {
        card.append(el('p', { class: 'small' }, t('vote.receipt'), ' ', el('code', { dataset: { testid: 'vote-receipt' }, text: e.receipt })));
      }
    } else if (e.eligible) {
      card.append(el('div', { class: 'vote-options', role: 'group', 'aria-label': t('vote.options_label') },
        ...v.options.map((_, i) => el('button', {
          type: 'button', class: 'btn btn-small vote-option', dataset: { testid: 'vote-option', option: i },
          text: optionLabel(v, i),
          onclick: () => { e.pending = true; this.onCast(v.id, i); },
        }))));
    } else {
      card.append(el('p', { class: 'muted small', dataset: { testid: 'vote-not-eligible' }, text: t('vote.not_eligible') }));
    }
    if (mod) {
      card.append(el('div', { class: 'vote-actions' },
        el('button', { type: 'button', class: 'btn btn-primary btn-small', text: t('vote.close'), dataset: { testid: 'vote-close' }, onclick: () => this.onClose(v.id) }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('vote.cancel'), dataset: { testid: 'vote-cancel' }, onclick: () => this.onCancel(v.id) })));
    }
    return card;
  }

  _resultCard(e) {
    const v = e.vote;
    const r = e.result;
    const cancelled = e.state === 'cancelled';
    const outcome = cancelled ? t('vote.cancelled') : r.passed ? t('vote.passed') : t('vote.failed');
    const state = cancelled ? 'cancelled' : r.passed ? 'passed' : 'failed';
    const rows = v.options.map((_, i) => el('tr', {}, el('th', { scope: 'row', text: optionLabel(v, i) }), el('td', { text: String(r.counts[i] || 0) })));
    const href = `/api/v1/meetings/${encodeURIComponent(this.roomId)}/votes/${encodeURIComponent(v.id)}/record.html?lang=${t('vote.lang')}`;
    const quorumLine = [t(r.quorate ? 'vote.quorate' : 'vote.inquorate'), t('vote.ballots', { n: r.ballots })];
    if (typeof r.quorum === 'number') quorumLine.push(t('vote.quorum_is', { n: r.quorum }));
    const winner = !cancelled && r.passed && v.kind === 'choice' && typeof r.winner === 'number' && r.winner !== v.abstain;
    return el('article', { class: `vote-card vote-result is-${state}`, dataset: { testid: 'vote-result', vote: v.id, outcome: state, quorate: String(!!r.quorate) } },
      el('h3', { text: v.title }),
      el('p', { class: 'vote-outcome', dataset: { testid: 'vote-outcome' }, text: outcome }),
      winner ? el('p', { class: 'vote-winner', dataset: { testid: 'vote-winner' }, text: t('vote.winner', { option: optionLabel(v, r.winner) }) }) : null,
      el('p', { class: `small vote-quorate${r.quorate ? '' : ' is-inquorate'}`, dataset: { testid: 'vote-quorate' }, text: quorumLine.join(' · ') }),
      !cancelled && !r.quorate ? el('p', { class: 'small', text: t('vote.inquorate_note') }) : null,
      el('table', { class: 'vote-counts' }, el('caption', { class: 'visually-hidden', text: t('vote.counts_caption') }), el('tbody', {}, ...rows)),
      el('div', { class: 'vote-actions' },
        el('a', { href, target: '_blank', rel: 'noopener', text: t('vote.record') }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('vote.dismiss'), dataset: { testid: 'vote-dismiss' }, onclick: () => { this.votes.delete(v.id); this.render(); } })));
  }
}
