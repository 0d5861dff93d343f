// SPDX-License-Identifier: EUPL-1.2
// Votes in the meeting (protocol: docs/protocol.md "vote"; server: src/room/vote.c): one card per
// open vote above the stage with its options, the turnout and, for the chair, Close and Cancel;
// the result card once it is closed; and, for moderators, the form that opens a vote. The server
// decides who may vote: a card offers the options only when it said `eligible`.
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

export class VotePanel {
  /**
   * @param {{area: HTMLElement, newButton: HTMLElement, roomId: string, isModerator: () => boolean,
   *   onCreate: Function, onCast: Function, onClose: Function, onCancel: Function}} o
   */
  constructor(o) {
    Object.assign(this, o);
    this.votes = new Map(); // id → {vote, eligible, voted, receipt, myOption, result}
    this.form = null;
    this.newButton.addEventListener('click', () => this.openForm());
  }

  /** After (re)joining: the open votes the server listed. */
  reset(list) {
    this.votes.clear();
    this.form = null;
    for (const v of list || []) {
      // a ballot cast before a reload or reconnect: this browser kept its choice and receipt
      const kept = mine.get(v.id);
      const e = { vote: v, eligible: !!v.eligible, voted: v.voted || 0 };
      if (kept && !v.eligible) Object.assign(e, { myOption: kept.option, receipt: kept.receipt || null });
      this.votes.set(v.id, e);
    }
    this.render();
  }

  opened(m) {
    if (!m.vote || !m.vote.id) return;
    this.votes.set(m.vote.id, { vote: m.vote, eligible: !!m.eligible, voted: m.vote.voted || 0 });
    this.render();
  }

  turnout(m) {
    const e = this.votes.get(m.vote);
    if (!e) return;
    e.voted = m.voted;
    // in place: a ballot elsewhere must not take the focus from the buttons of this card
    const p = this.area.querySelector(`[data-vote="${CSS.escape(m.vote)}"] [data-testid="vote-turnout"]`);
    if (p) p.textContent = t('vote.turnout', { n: e.voted, total: e.vote.electorate_size });
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

  openForm() {
    this.form = { title: '', text: '', secret: false, majority: 'simple' };
    this.formEl = null;
    this.render();
    const input = this.area.querySelector('[data-testid="vote-title"]');
    if (input) input.focus();
  }

  render() {
    // keep the keyboard focus on the same control of the same vote across the redraw
    const f = document.activeElement && this.area.contains(document.activeElement) ? document.activeElement : null;
    const card = f && f.closest('[data-vote]');
    const again = card ? `[data-vote="${CSS.escape(card.dataset.vote)}"] [data-testid="${CSS.escape(f.dataset.testid || '')}"]` : null;
    this._draw();
    const target = again && this.area.querySelector(again);
    if (target) target.focus();
    else if (card) this.area.querySelector(`[data-vote="${CSS.escape(card.dataset.vote)}"] button, [data-vote="${CSS.escape(card.dataset.vote)}"] a`)?.focus();
  }

  _draw() {
    const mod = this.isModerator();
    this.newButton.hidden = !mod;
    const cards = [];
    if (!this.form || !mod) this.formEl = null;
    if (this.form && mod) cards.push(this._formCard());
    for (const e of this.votes.values()) cards.push(e.result ? this._resultCard(e) : this._openCard(e, mod));
    this.area.replaceChildren(el('h2', { class: 'visually-hidden', text: t('vote.heading') }), ...cards);
    this.area.hidden = cards.length === 0;
  }

  /** The form is built once per opening, so a redraw (someone muted) keeps what is typed. */
  _formCard() {
    if (this.formEl) return this.formEl;
    const f = this.form;
    const title = el('input', { id: 'vote-title', type: 'text', maxlength: 200, required: true, dataset: { testid: 'vote-title' }, value: f.title });
    const text = el('textarea', { id: 'vote-text', rows: 2, maxlength: 2000, dataset: { testid: 'vote-text' } });
    text.value = f.text;
    const secret = el('input', { id: 'vote-secret', type: 'checkbox', dataset: { testid: 'vote-secret' } });
    secret.checked = f.secret;
    const majority = el('select', { id: 'vote-majority', dataset: { testid: 'vote-majority' } },
      ...['simple', 'members', 'two_thirds'].map((k) => el('option', { value: k, text: t(`vote.majority.${k}`) })));
    majority.value = f.majority;
    const error = el('p', { class: 'field-error small', role: 'alert', dataset: { testid: 'vote-form-error' } });
    error.hidden = true;
    const form = el('form', { class: 'vote-card vote-form', novalidate: true, dataset: { testid: 'vote-form' } },
      el('h3', { text: t('vote.new') }),
      el('label', { for: 'vote-title', text: t('vote.title_label') }), title,
      el('label', { for: 'vote-text', text: t('vote.text_label') }), text,
      el('label', { for: 'vote-majority', text: t('vote.majority_label') }), majority,
      el('div', { class: 'vote-check' }, secret, el('label', { for: 'vote-secret', text: t('vote.secret_label') })),
      error,
      el('div', { class: 'vote-actions' },
        el('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('vote.start'), dataset: { testid: 'vote-start' } }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('vote.discard'), onclick: () => { this.form = null; this.render(); } })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      f.title = title.value.trim();
      f.text = text.value.trim();
      f.secret = secret.checked;
      f.majority = majority.value;
      if (!f.title) {
        error.textContent = t('vote.title_missing');
        error.hidden = false;
        title.setAttribute('aria-invalid', 'true');
        title.focus();
        return;
      }
      const msg = { title: f.title, secret: f.secret, majority: f.majority };
      if (f.text) msg.text = f.text;
      this.form = null;
      this.onCreate(msg);
      this.render();
    });
    this.formEl = form;
    return form;
  }

  _openCard(e, mod) {
    const v = e.vote;
    const card = el('article', { class: 'vote-card', dataset: { testid: 'vote-card', vote: v.id } },
      el('h3', { text: v.title }),
      v.text ? el('p', { class: 'vote-text', text: v.text }) : null,
      el('p', { class: 'muted small' }, t(v.secret ? 'vote.secret' : 'vote.open'), ' · ', t(`vote.majority.${v.majority}`)),
      el('p', { class: 'vote-turnout', 'aria-live': 'polite', dataset: { testid: 'vote-turnout' }, text: t('vote.turnout', { n: e.voted, total: v.electorate_size }) }));
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
    const outcome = e.state === 'cancelled' ? t('vote.cancelled') : r.passed ? t('vote.passed') : t('vote.failed');
    const rows = v.options.map((_, i) => el('tr', {}, el('th', { scope: 'row', text: optionLabel(v, i) }), el('td', { text: String(r.counts[i] || 0) })));
    const href = `/api/v1/meetings/${encodeURIComponent(this.roomId)}/votes/${encodeURIComponent(v.id)}/record.html?lang=${t('vote.lang')}`;
    return el('article', { class: 'vote-card vote-result', dataset: { testid: 'vote-result', vote: v.id } },
      el('h3', { text: v.title }),
      el('p', { class: 'vote-outcome', dataset: { testid: 'vote-outcome' }, text: outcome }),
      el('p', { class: 'small', text: `${t(r.quorate ? 'vote.quorate' : 'vote.inquorate')} · ${t('vote.ballots', { n: r.ballots })}` }),
      el('table', { class: 'vote-counts' }, el('tbody', {}, ...rows)),
      el('div', { class: 'vote-actions' },
        el('a', { href, target: '_blank', rel: 'noopener', text: t('vote.record') }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('vote.dismiss'), onclick: () => { this.votes.delete(v.id); this.render(); } })));
  }
}
