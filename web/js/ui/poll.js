// SPDX-License-Identifier: EUPL-1.2
// Polls in the meeting (protocol: docs/protocol.md "poll"; server: src/room/poll.c): a card over
// the stage with the question, one button per answer and "n of m answered"; the results as bars
// with numbers (and, for a named poll, who chose what) once the chair closes it; for moderators
// the "Start a poll" button in the participants panel and the small form it opens. While a poll
// is open nobody sees the distribution, the chair included: the server does not send it.
import { el } from '../util.js';
import { t } from '../i18n.js';

const OPTIONS_MAX = 10;

/** A bar `pct` wide (its width set through the CSSOM: the page's CSP allows no style attribute). */
function bar(pct) {
  const fill = el('span');
  fill.style.width = `${pct}%`;
  return el('div', { class: 'poll-bar', 'aria-hidden': 'true' }, fill);
}

export class PollPanel {
  /**
   * @param {{stage: HTMLElement, after: HTMLElement, isModerator: () => boolean,
   *   actions: {create: Function, answer: Function, close: Function, cancel: Function}}} o
   *   `after`: the element in the participants panel the "Start a poll" button goes after
   */
  constructor({ stage, after, isModerator, actions }) {
    Object.assign(this, { isModerator, actions });
    this.poll = null; // the open poll
    this.mine = null; // this participant's answer to it
    this.result = null; // poll/closed of the last poll, until dismissed
    this.form = null;
    this.formEl = null;
    this.area = el('section', { class: 'poll-area', dataset: { testid: 'poll-area' }, 'aria-label': t('poll.heading'), hidden: true });
    stage.append(this.area);
    this.newButton = el('button', { type: 'button', class: 'btn btn-small poll-new', dataset: { testid: 'poll-new' }, text: t('poll.new_button'), hidden: true, onclick: () => this.openForm() });
    after.after(this.newButton);
  }

  /** After (re)joining: the open poll the server sent, or null. */
  reset(poll) {
    this.poll = poll && typeof poll === 'object' && Array.isArray(poll.options) ? poll : null;
    this.mine = null;
    this.result = null;
    this.render();
  }

  opened(poll) {
    if (!poll || !Array.isArray(poll.options)) return;
    this.poll = poll;
    this.mine = null;
    this.result = null;
    this.render();
  }

  progress(m) {
    if (!this.poll || m.id !== this.poll.id) return;
    this.poll.answered = m.answered;
    this.poll.present = m.present;
    // in place: someone else's answer must not take the focus from this card's buttons
    const p = this.area.querySelector('[data-testid="poll-progress"]');
    if (p) p.textContent = this._progressText();
    else this.render();
  }

  answered(m) {
    if (!this.poll || m.id !== this.poll.id) return;
    this.mine = m.option;
    this.render();
  }

  closed(m) {
    if (this.poll && m.id !== this.poll.id) return;
    this.poll = null;
    this.mine = null;
    this.result = m;
    this.render();
  }

  openForm() {
    this.form = { question: '', options: '', anonymous: false };
    this.formEl = null;
    this.render();
    this.area.querySelector('[data-testid="poll-question"]')?.focus();
  }

  _progressText() {
    return t('poll.answered', { n: this.poll.answered || 0, total: this.poll.present || 0 });
  }

  render() {
    // keep the keyboard focus on the same control across the redraw
    const f = document.activeElement && this.area.contains(document.activeElement) ? document.activeElement : null;
    const again = f && f.dataset.testid ? `[data-testid="${CSS.escape(f.dataset.testid)}"]${f.dataset.option !== undefined ? `[data-option="${CSS.escape(f.dataset.option)}"]` : ''}` : null;
    this._draw();
    const target = again && this.area.querySelector(again);
    if (target) target.focus();
    else if (f) this.area.querySelector('button')?.focus();
  }

  _draw() {
    const mod = this.isModerator();
    this.newButton.hidden = !mod;
    this.newButton.disabled = !!this.poll;
    const cards = [];
    if (!this.form || !mod) this.formEl = null;
    if (this.form && mod && !this.poll) cards.push(this._formCard());
    if (this.poll) cards.push(this._openCard(mod));
    if (this.result) cards.push(this._resultCard());
    this.area.replaceChildren(...cards);
    this.area.hidden = cards.length === 0;
  }

  /** Built once per opening, so a redraw (someone answered) keeps what is typed. */
  _formCard() {
    if (this.formEl) return this.formEl;
    const f = this.form;
    const question = el('input', { id: 'poll-question', type: 'text', maxlength: 200, required: true, dataset: { testid: 'poll-question' }, value: f.question });
    const options = el('textarea', { id: 'poll-options', rows: 4, dataset: { testid: 'poll-options' } });
    options.value = f.options;
    const anonymous = el('input', { id: 'poll-anonymous', type: 'checkbox', dataset: { testid: 'poll-anonymous' } });
    anonymous.checked = f.anonymous;
    const error = el('p', { class: 'field-error small', role: 'alert', dataset: { testid: 'poll-form-error' }, hidden: true });
    const fail = (text, field) => {
      error.textContent = text;
      error.hidden = false;
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    };
    const form = el('form', { class: 'poll-card poll-form', novalidate: true, dataset: { testid: 'poll-form' } },
      el('h3', { text: t('poll.new') }),
      el('label', { for: 'poll-question', text: t('poll.question_label') }), question,
      el('label', { for: 'poll-options', text: t('poll.options_label') }), options,
      el('div', { class: 'poll-check' }, anonymous, el('label', { for: 'poll-anonymous', text: t('poll.anonymous_label') })),
      error,
      el('div', { class: 'poll-actions' },
        el('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('poll.start'), dataset: { testid: 'poll-start' } }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('poll.discard'), onclick: () => { this.form = null; this.render(); this.newButton.focus(); } })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      f.question = question.value.trim();
      f.options = options.value;
      f.anonymous = anonymous.checked;
      question.removeAttribute('aria-invalid');
      options.removeAttribute('aria-invalid');
      const list = f.options.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!f.question) return fail(t('poll.question_missing'), question);
      if (list.length < 2 || list.length > OPTIONS_MAX || new Set(list).size !== list.length || list.some((s) => [...s].length > 100)) {
        return fail(t('poll.options_bad'), options);
      }
      this.form = null;
      this.actions.create({ question: f.question, options: list, anonymous: f.anonymous });
      this.render();
    });
    this.formEl = form;
    return form;
  }

  _openCard(mod) {
    const p = this.poll;
    const card = el('article', { class: 'poll-card', dataset: { testid: 'poll-card' } },
      el('h3', { text: p.question }),
      el('p', { class: 'muted small' }, t(p.anonymous ? 'poll.anonymous' : 'poll.named'), p.by ? ` · ${t('poll.by', { name: p.by })}` : ''),
      el('div', { class: 'poll-options', role: 'group', 'aria-label': t('poll.answer_group') },
        ...p.options.map((text, i) => el('button', {
          type: 'button', class: `btn btn-small poll-option${this.mine === i ? ' chosen' : ''}`,
          'aria-pressed': this.mine === i ? 'true' : 'false',
          dataset: { testid: 'poll-option', option: i },
          text,
          onclick: () => this.actions.answer(p.id, i),
        }))),
      el('p', { class: 'poll-progress', 'aria-live': 'polite', dataset: { testid: 'poll-progress' }, text: this._progressText() }),
      this.mine !== null ? el('p', { class: 'muted small', text: t('poll.change_hint') }) : null);
    if (mod) {
      card.append(el('div', { class: 'poll-actions' },
        el('button', { type: 'button', class: 'btn btn-primary btn-small', text: t('poll.close'), dataset: { testid: 'poll-close' }, onclick: () => this.actions.close() }),
        el('button', { type: 'button', class: 'btn btn-small', text: t('poll.cancel'), dataset: { testid: 'poll-cancel' }, onclick: () => this.actions.cancel() })));
    }
    return card;
  }

  _resultCard() {
    const r = this.result;
    const dismiss = el('button', { type: 'button', class: 'btn btn-small', text: t('poll.dismiss'), dataset: { testid: 'poll-dismiss' }, onclick: () => { this.result = null; this.render(); } });
    if (r.cancelled) {
      return el('article', { class: 'poll-card poll-result', dataset: { testid: 'poll-result' } },
        el('h3', { text: r.question }), el('p', { dataset: { testid: 'poll-cancelled' }, text: t('poll.cancelled') }), el('div', { class: 'poll-actions' }, dismiss));
    }
    const results = Array.isArray(r.results) ? r.results : [];
    const total = results.reduce((s, x) => s + (x.count || 0), 0);
    const rows = results.map((x) => {
      const pct = total ? Math.round((100 * x.count) / total) : 0;
      return el('li', { class: 'poll-row', dataset: { testid: 'poll-row' } },
        el('div', { class: 'poll-row-head' },
          el('span', { class: 'poll-row-text', text: x.option }),
          el('span', { class: 'poll-row-count', dataset: { testid: 'poll-count' }, 'aria-label': t('poll.count', { n: x.count }), text: t('poll.count_pct', { count: x.count, pct }) })),
        bar(pct),
        Array.isArray(x.names) && x.names.length ? el('p', { class: 'small poll-names', dataset: { testid: 'poll-names' }, text: t('poll.names', { names: x.names.join(', ') }) }) : null);
    });
    return el('article', { class: 'poll-card poll-result', dataset: { testid: 'poll-result' } },
      el('h3', { text: r.question }),
      el('p', { class: 'muted small' }, `${t('poll.result')} · ${t(r.anonymous ? 'poll.anonymous' : 'poll.named')} · `,
        el('span', { dataset: { testid: 'poll-result-answered' }, text: t('poll.answered', { n: r.answered || 0, total: r.present || 0 }) })),
      el('ol', { class: 'poll-rows' }, ...rows),
      el('div', { class: 'poll-actions' }, dismiss));
  }
}
