// SPDX-License-Identifier: EUPL-1.2
// The agenda in the meeting (docs/protocol.md `agenda`): a panel with the items in order (the
// current one marked, "nicht öffentlich" badges, status and times), the chair's tools (add,
// edit, remove, move, make current, next item), and per item its minutes: an editor for the
// minute-taker and the chair, read-only text for everyone else, updated live. A chip on the
// stage names the current item; any element with data-chair-slot="agenda" (the chair's view)
// gets a compact summary. The server decides who may do what; its refusals are shown here.
//
// The subtle part is re-rendering: agenda/state arrives after every change by anyone, while
// someone may be typing minutes or have the focus on a button. Each item's <li> and its minutes
// textarea live as long as the item does and are only moved when the order changed; the focus
// is put back on the same control of the same item afterwards; a textarea with unsaved text
// keeps it (the next save sends it).
import { el, formatTime } from '../util.js';
import { t, lang, errorText } from '../i18n.js';
import { toast } from './toasts.js';

export const LIMITS = { items: 100, title: 200, description: 2000, minutesChars: 10000, minutesBytes: 12000 };
const SAVE_DELAY_MS = 800;
const SLOT = '[data-chair-slot="agenda"]';

const chars = (s) => [...String(s || '')].length;

/** The client's copy of the server's rules for an item: an i18n key of what is wrong, or null. */
export function checkItem({ title, description }) {
  if (!String(title || '').trim()) return { key: 'agenda.title_missing', field: 'title' };
  if (chars(title.trim()) > LIMITS.title) return { key: 'agenda.title_long', field: 'title' };
  if (chars(description) > LIMITS.description) return { key: 'agenda.description_long', field: 'description' };
  return null;
}

/** Title, description and the public switch of one item: the fields shared by every form. */
export function itemFields(prefix, item = {}) {
  const title = el('input', { id: `${prefix}-title`, type: 'text', maxlength: String(LIMITS.title), autocomplete: 'off', dataset: { testid: 'agenda-form-title' } });
  const description = el('textarea', { id: `${prefix}-description`, rows: 2, maxlength: String(LIMITS.description), dataset: { testid: 'agenda-form-description' } });
  const pub = el('input', { id: `${prefix}-public`, type: 'checkbox', dataset: { testid: 'agenda-form-public' } });
  title.value = item.title || '';
  description.value = item.description || '';
  pub.checked = item.public !== false;
  const node = el(
    'div',
    { class: 'agenda-fields' },
    el('div', { class: 'field' }, el('label', { for: title.id, text: t('agenda.title_label') }), title),
    el('div', { class: 'field' }, el('label', { for: description.id, text: t('agenda.description_label') }), description),
    el('div', { class: 'check' }, pub, el('label', { for: pub.id, text: t('agenda.public_label') })),
  );
  return { node, title, description, pub, value: () => ({ title: title.value.trim(), description: description.value, public: pub.checked }) };
}

/** The "nicht öffentlich" badge, or null for a public item. */
export function nonPublicBadge(item) {
  return item.public === false ? el('span', { class: 'agenda-badge agenda-nonpublic', dataset: { testid: 'agenda-nonpublic' }, text: t('agenda.non_public') }) : null;
}

const time = (ms) => (typeof ms === 'number' ? formatTime(ms, lang) : '');

export class AgendaPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.after   the panel the agenda panel is placed after (same container)
   * @param {HTMLElement} o.stage   where the "now" chip goes
   * @param {import('../room.js').RoomState} o.room
   * @param {() => boolean} o.canChair    may edit the agenda (the server decides in the end)
   * @param {() => boolean} o.canMinutes  may write minutes
   * @param {() => boolean} o.showEmpty   offer the agenda although it has no item yet
   * @param {() => void} o.open            open the panel (the meeting's panel switching)
   * @param {object} o.actions  features.agenda (bound actions)
   */
  constructor({ after, stage, room, canChair, canMinutes, showEmpty, open, actions }) {
    Object.assign(this, { room, canChair, canMinutes, showEmpty, openPanel: open, actions });
    this.items = [];
    this.current = null;
    this.available = false; // an agenda/state arrived: the server has the feature
    this.nodes = new Map(); // item id → {li, head, body, chairRow, minutes: editor}
    this.editing = null; // {id, form} while an item is edited
    this.unsaved = new Map(); // item id → minutes typed but not saved when the room was reset

    this.error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'agenda-error' } });
    this.error.hidden = true;
    this.nextBtn = el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'agenda-next' } });
    this.endBtn = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'agenda-end' } });
    this.chairBar = el('div', { class: 'agenda-chair-bar row' }, this.nextBtn, this.endBtn);
    this.list = el('ol', { class: 'agenda-list', dataset: { testid: 'agenda-list' } });
    this.empty = el('p', { class: 'muted small', dataset: { testid: 'agenda-empty' } });
    this.addBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': 'false', 'aria-controls': 'agenda-add-form', dataset: { testid: 'agenda-add' } });
    this.addHost = el('div', { id: 'agenda-add-form' });
    this.addHost.hidden = true;
    this.heading = el('h2', { id: 'agenda-heading' });
    this.closeBtn = el('button', { type: 'button', class: 'btn btn-icon panel-close', 'data-close': 'agenda', dataset: { testid: 'agenda-close' } });
    this.panel = el(
      'aside',
      { class: 'panel agenda-panel', id: 'agenda-panel', 'aria-labelledby': 'agenda-heading', dataset: { testid: 'agenda-panel' } },
      el('div', { class: 'panel-head' }, this.heading, this.closeBtn),
      el('div', { class: 'panel-body' }, this.error, this.chairBar, this.list, this.empty, this.addBtn, this.addHost),
    );
    this.panel.hidden = true;
    after.after(this.panel);

    this.chip = el('button', { type: 'button', class: 'agenda-now', dataset: { testid: 'agenda-now' } });
    this.chip.hidden = true;
    this.chip.addEventListener('click', () => this.openPanel());
    stage.append(this.chip);

    this.nextBtn.addEventListener('click', () => {
      const next = this.nextItem();
      if (next) this._act(() => this.actions.current(next.id));
    });
    this.endBtn.addEventListener('click', () => this._act(() => this.actions.current(null)));
    this.addBtn.addEventListener('click', () => this._toggleAdd(this.addHost.hidden));

    room.addEventListener('change', (e) => {
      if (e.detail.type === 'reset') this.reset();
      else if (e.detail.type === 'participant-updated') this.render();
    });
    // the chair's view may (re)build its agenda slot at any time
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) if (n.nodeType === 1 && (n.matches(SLOT) || n.querySelector(SLOT))) return this.renderSlots();
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener('ratsaal:language', () => {
      if (this.editing) this.editing = null;
      this._toggleAdd(false);
      this.render();
    });
    this.render();
  }

  // ───────── state from the server ─────────

  /**
   * The room was left or joined again (also after a dropped connection): nothing is known until
   * the next agenda/state. Minutes typed but not saved are kept and sent once the item is back.
   */
  reset() {
    for (const [id, n] of this.nodes) if (n.minutes.dirty) this.unsaved.set(id, n.minutes.textarea.value);
    this.items = [];
    this.current = null;
    this.available = false;
    this.editing = null;
    for (const n of this.nodes.values()) n.minutes.cancel();
    this.nodes.clear();
    this.list.replaceChildren();
    this.render();
  }

  /** agenda/state */
  setState(m) {
    const before = this.available ? this.current : undefined;
    this.items = (Array.isArray(m.items) ? m.items : []).filter((i) => i && typeof i.id === 'string').slice(0, LIMITS.items);
    this.current = typeof m.current === 'string' && this.items.some((i) => i.id === m.current) ? m.current : null;
    this.available = true;
    if (this.editing && !this.items.some((i) => i.id === this.editing.id)) this.editing = null;
    this.render();
    if (before !== undefined && before !== this.current) {
      const cur = this.currentItem();
      toast(cur ? t('agenda.toast_current', { title: this.label(cur) }) : t('agenda.toast_none'), { timeout: 5000, key: 'agenda' });
    }
  }

  /** agenda/minutes: someone (perhaps this page) saved an item's minutes. */
  onMinutes(m) {
    const item = this.items.find((i) => i.id === m.item);
    if (!item || typeof m.text !== 'string') return;
    item.minutes = m.text;
    item.minutes_by = typeof m.by === 'string' ? m.by : null;
    item.minutes_at = typeof m.at === 'number' ? m.at : null;
    const n = this.nodes.get(item.id);
    if (n) n.minutes.update(item);
  }

  // ───────── queries ─────────

  currentItem() {
    return this.items.find((i) => i.id === this.current) || null;
  }

  /** The item after the current one (the first pending one when none is current). */
  nextItem() {
    const i = this.items.findIndex((x) => x.id === this.current);
    if (i >= 0) return this.items[i + 1] || null;
    return this.items.find((x) => x.status !== 'done') || null;
  }

  /** "TOP 2: Haushalt 2027" */
  label(item) {
    return `${t('agenda.item_n', { n: this.items.indexOf(item) + 1 })}: ${item.title}`;
  }

  /** Whether the meeting offers the agenda (More menu, chair's view). */
  get offered() {
    return this.available && (this.items.length > 0 || this.showEmpty());
  }

  // ───────── rendering ─────────

  render() {
    const chair = this.available && this.canChair();
    this.heading.textContent = t('agenda.heading');
    this.closeBtn.setAttribute('aria-label', t('agenda.close'));
    this.closeBtn.title = t('agenda.close');
    this.empty.textContent = t('agenda.empty');
    this.empty.hidden = this.items.length > 0;
    this.addBtn.textContent = t('agenda.add');
    this.addBtn.hidden = !chair;
    if (!chair) this._toggleAdd(false);
    this.chairBar.hidden = !chair || this.items.length === 0;
    const next = this.nextItem();
    this.nextBtn.textContent = t('agenda.go_next');
    this.nextBtn.disabled = !next;
    this.endBtn.textContent = t('agenda.end_current');
    this.endBtn.hidden = !this.current;

    const focus = this._focusKey();
    const seen = new Set();
    const lis = this.items.map((item, i) => {
      seen.add(item.id);
      return this._item(item, i, chair);
    });
    for (const [id, n] of this.nodes) {
      if (!seen.has(id)) {
        n.minutes.cancel();
        this.nodes.delete(id);
      }
    }
    const same = lis.length === this.list.children.length && lis.every((li, i) => this.list.children[i] === li);
    if (!same) this.list.replaceChildren(...lis);
    this._restoreFocus(focus);
    this._renderChip();
    this.renderSlots();
  }

  _item(item, index, chair) {
    let n = this.nodes.get(item.id);
    if (!n) {
      const li = el('li', { class: 'agenda-item', dataset: { testid: 'agenda-item', itemId: item.id } });
      n = { li, head: el('div', { class: 'agenda-item-head' }), body: el('div', { class: 'agenda-item-body' }), chairRow: el('div', { class: 'agenda-item-actions row', dataset: { testid: 'agenda-chair-actions' } }), formHost: el('div') };
      n.minutes = new MinutesEditor(item, (id, text) => this.actions.minutes(id, text));
      li.append(n.head, n.body, n.chairRow, n.formHost, n.minutes.node);
      this.nodes.set(item.id, n);
      if (this.unsaved.has(item.id)) {
        n.minutes.textarea.value = this.unsaved.get(item.id);
        this.unsaved.delete(item.id);
        setTimeout(() => n.minutes.save(), 0); // once rendered (and if still allowed)
      }
    }
    const isCurrent = item.id === this.current;
    n.li.dataset.status = item.status || 'pending';
    n.li.classList.toggle('is-current', isCurrent);
    if (isCurrent) n.li.setAttribute('aria-current', 'true');
    else n.li.removeAttribute('aria-current');
    const headId = `agenda-${item.id}-title`;
    const status = ['pending', 'current', 'done'].includes(item.status) ? item.status : 'pending';
    const times = [];
    if (typeof item.started_at === 'number') times.push(t('agenda.started', { time: time(item.started_at) }));
    if (typeof item.ended_at === 'number') times.push(t('agenda.ended', { time: time(item.ended_at) }));
    n.li.setAttribute('aria-labelledby', headId);
    n.head.replaceChildren(
      el('h3', { class: 'agenda-title', id: headId }, el('span', { class: 'agenda-num', text: t('agenda.item_n', { n: index + 1 }) }), ' ', el('span', { dataset: { testid: 'agenda-title' }, text: item.title })),
      el(
        'p',
        { class: 'agenda-meta' },
        el('span', { class: `agenda-status agenda-status-${status}`, dataset: { testid: 'agenda-status' }, text: t(`agenda.status.${status}`) }),
        nonPublicBadge(item),
        times.length ? el('span', { class: 'muted small', dataset: { testid: 'agenda-times' }, text: times.join(' · ') }) : null,
        Array.isArray(item.votes) && item.votes.length ? el('span', { class: 'muted small', dataset: { testid: 'agenda-votes' }, text: t('agenda.votes', { n: item.votes.length }) }) : null,
      ),
    );
    n.body.replaceChildren(...(item.description ? [el('p', { class: 'agenda-description', dataset: { testid: 'agenda-description' }, text: item.description })] : []));
    n.chairRow.replaceChildren(...(chair ? this._chairButtons(item, index, isCurrent).filter(Boolean) : []));
    n.chairRow.hidden = !chair;
    const editing = chair && this.editing && this.editing.id === item.id;
    if (!editing && n.formHost.firstChild) n.formHost.replaceChildren();
    if (editing && n.formHost.firstChild !== this.editing.form) n.formHost.replaceChildren(this.editing.form);
    n.minutes.render(item, this.available && this.canMinutes());
    return n.li;
  }

  _chairButtons(item, index, isCurrent) {
    const b = (testid, text, label, run, disabled = false) =>
      el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid }, 'aria-label': label, title: label, disabled, text, onclick: run });
    const title = item.title;
    return [
      isCurrent ? null : b('agenda-make-current', t('agenda.make_current'), t('agenda.make_current_label', { title }), () => this._act(() => this.actions.current(item.id))),
      b('agenda-up', t('agenda.up'), t('agenda.up_label', { title }), () => this._act(() => this.actions.move(item.id, index - 1)), index === 0),
      b('agenda-down', t('agenda.down'), t('agenda.down_label', { title }), () => this._act(() => this.actions.move(item.id, index + 1)), index === this.items.length - 1),
      b('agenda-edit', t('agenda.edit'), t('agenda.edit_label', { title }), () => this._edit(item)),
      b('agenda-remove', t('agenda.remove'), t('agenda.remove_label', { title }), () => {
        if (window.confirm(t('agenda.remove_confirm', { title }))) this._act(() => this.actions.remove(item.id));
      }),
    ];
  }

  /** A chair action; its refusal is shown above the list. */
  async _act(run) {
    this.error.hidden = true;
    try {
      await run();
    } catch (err) {
      this.error.textContent = errorText(err.code, err.message);
      this.error.hidden = false;
    }
  }

  /** An item form (add or edit): validated here, refused or accepted by the server. */
  _form(prefix, item, submitLabel, submit, cancel) {
    const f = itemFields(prefix, item);
    const error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'agenda-form-error' } });
    error.hidden = true;
    const save = el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: 'agenda-form-save' }, text: submitLabel });
    const form = el('form', { class: 'agenda-form stack', novalidate: true, dataset: { testid: 'agenda-form' } }, f.node, error,
      el('div', { class: 'row' }, save, el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'agenda-form-cancel' }, text: t('agenda.cancel'), onclick: cancel })));
    const fail = (text, input) => {
      error.textContent = text;
      error.hidden = false;
      for (const i of [f.title, f.description]) i.removeAttribute('aria-invalid');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = f.value();
      const bad = checkItem(v);
      if (bad) return fail(t(bad.key), f[bad.field]);
      error.hidden = true;
      save.disabled = true;
      try {
        await submit(v);
      } catch (err) {
        fail(errorText(err.code, err.message), err.field === 'description' ? f.description : err.field === 'title' ? f.title : null);
      } finally {
        save.disabled = false;
      }
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation(); // the panel stays open
        cancel();
      }
    });
    return { form, focus: () => f.title.focus() };
  }

  _toggleAdd(on) {
    if (on === !this.addHost.hidden) return;
    this.addHost.hidden = !on;
    this.addBtn.setAttribute('aria-expanded', String(on));
    if (!on) {
      this.addHost.replaceChildren();
      return;
    }
    const close = () => {
      this._toggleAdd(false);
      this.addBtn.focus();
    };
    const { form, focus } = this._form('agenda-add', {}, t('agenda.add'), async (v) => {
      if (this.items.length >= LIMITS.items) throw Object.assign(new Error(t('agenda.too_many')), { code: 'too_many_items' });
      await this.actions.add({ ...v, description: v.description || undefined });
      close();
    }, close);
    this.addHost.replaceChildren(el('h3', { class: 'panel-sub', text: t('agenda.add_heading') }), form);
    focus();
  }

  _edit(item) {
    const done = () => {
      this.editing = null;
      this.render();
      const b = this.list.querySelector(`[data-item-id="${CSS.escape(item.id)}"] [data-testid="agenda-edit"]`);
      if (b) b.focus();
    };
    const { form, focus } = this._form(`agenda-edit-${item.id}`, item, t('agenda.save'), async (v) => {
      await this.actions.update(item.id, v);
      done();
    }, done);
    this.editing = { id: item.id, form };
    this.render();
    focus();
  }

  /** Which control of which item has the focus (to find it again after a re-render). */
  _focusKey() {
    const a = document.activeElement;
    if (!a || !this.list.contains(a) || !a.dataset.testid) return null;
    const li = a.closest('[data-item-id]');
    return li ? { id: li.dataset.itemId, testid: a.dataset.testid, node: a } : null;
  }

  _restoreFocus(key) {
    if (!key || this.list.contains(document.activeElement)) return;
    const li = this.list.querySelector(`[data-item-id="${CSS.escape(key.id)}"]`);
    if (!li) return;
    const again = li.querySelector(`[data-testid="${key.testid}"]`);
    const target = again && !again.disabled ? again : li.querySelector('button:not(:disabled), textarea');
    if (target) target.focus();
  }

  _renderChip() {
    const cur = this.currentItem();
    this.chip.hidden = !cur;
    if (!cur) return;
    const label = this.label(cur);
    this.chip.replaceChildren(...[el('span', { class: 'agenda-now-text', text: t('agenda.now', { title: label }) }), nonPublicBadge(cur)].filter(Boolean));
    this.chip.setAttribute('aria-label', t('agenda.now_label', { title: label }) + (cur.public === false ? ` (${t('agenda.non_public')})` : ''));
  }

  /** The compact summary in the chair's view: current item, next item, a button to the panel. */
  renderSlots() {
    const slots = document.querySelectorAll(SLOT);
    if (!slots.length) return;
    const cur = this.currentItem();
    const next = this.nextItem();
    for (const slot of slots) {
      const line = (testid, heading, item, none) =>
        el('div', { class: 'agenda-slot-line' }, el('span', { class: 'agenda-slot-heading', text: heading }), ' ',
          el('span', { dataset: { testid }, text: item ? this.label(item) : none }), item ? nonPublicBadge(item) : null);
      const open = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'agenda-slot-open' }, text: t('agenda.open_panel'), onclick: () => this.openPanel() });
      if (!slot.hasAttribute('aria-label')) slot.setAttribute('aria-label', t('agenda.heading'));
      const lines = this.available ? [line('agenda-slot-current', t('agenda.current'), cur, t('agenda.none_current')), line('agenda-slot-next', t('agenda.next_item'), next, t('agenda.none_next'))] : [el('p', { class: 'muted small', text: t('agenda.empty') })];
      slot.replaceChildren(el('h3', { class: 'panel-sub', text: t('agenda.heading') }), ...lines, open);
    }
  }
}

/**
 * One item's minutes: a textarea that saves itself (after a pause in typing and on leaving it)
 * for those who may write, the text for everyone else. `saved` is what the server has.
 */
class MinutesEditor {
  constructor(item, save) {
    Object.assign(this, { id: item.id, saveFn: save });
    this.saved = typeof item.minutes === 'string' ? item.minutes : '';
    this.inflight = null;
    this.timer = null;
    const taId = `agenda-${item.id}-minutes`;
    this.label = el('label', { for: taId, class: 'agenda-minutes-label' });
    this.textarea = el('textarea', { id: taId, rows: 4, 'aria-describedby': `${taId}-status`, dataset: { testid: 'agenda-minutes-input' } });
    this.textarea.value = this.saved;
    this.status = el('p', { id: `${taId}-status`, class: 'field-hint small agenda-minutes-status', role: 'status', dataset: { testid: 'agenda-minutes-status' } });
    this.editor = el('div', { class: 'agenda-minutes-editor' }, this.label, this.textarea, this.status);
    this.heading = el('h4', { class: 'agenda-minutes-heading' });
    this.text = el('p', { class: 'agenda-minutes-text', dataset: { testid: 'agenda-minutes-text' } });
    this.by = el('p', { class: 'muted small', dataset: { testid: 'agenda-minutes-by' } });
    this.node = el('section', { class: 'agenda-minutes', dataset: { testid: 'agenda-minutes' } }, this.heading, this.text, this.editor, this.by);
    this.textarea.addEventListener('input', () => {
      this._setStatus('');
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    });
    this.textarea.addEventListener('blur', () => this.save());
  }

  get dirty() {
    return this.textarea.value !== this.saved;
  }

  render(item, mayWrite) {
    this.title = item.title;
    this.heading.textContent = t('agenda.minutes');
    this.label.textContent = t('agenda.minutes_label', { title: item.title });
    this.mayWrite = mayWrite;
    this.editor.hidden = !mayWrite;
    this.heading.hidden = mayWrite;
    this.update(item);
  }

  /** New minutes from the server (state or minutes event). Unsaved local text is kept. */
  update(item) {
    const text = typeof item.minutes === 'string' ? item.minutes : '';
    if (!this.dirty && !this.inflight) this.textarea.value = text;
    this.saved = text;
    this.text.textContent = text;
    this.text.hidden = this.mayWrite;
    this.node.hidden = !this.mayWrite && !text; // no empty "Minutes" under every item
    // who wrote them last (agenda/state and agenda/minutes carry it)
    const by = text && typeof item.minutes_by === 'string' ? item.minutes_by : '';
    this.by.hidden = !by;
    if (by) this.by.textContent = t('agenda.minutes_by', { name: by, time: time(item.minutes_at) });
  }

  async save() {
    clearTimeout(this.timer);
    if (this.editor.hidden || !this.dirty) return;
    if (this.inflight) {
      this.again = true; // sent when the one in flight is answered
      return;
    }
    const text = this.textarea.value;
    if (chars(text) > LIMITS.minutesChars || new TextEncoder().encode(text).length > LIMITS.minutesBytes) {
      this._setStatus('error', t('agenda.minutes_too_long'));
      return;
    }
    this._setStatus('saving', t('agenda.minutes_saving'));
    this.inflight = this.saveFn(this.id, text);
    try {
      await this.inflight;
      this.saved = text;
      if (this.dirty) this._setStatus('');
      else this._setStatus('saved', t('agenda.minutes_saved'));
    } catch (err) {
      this.again = false;
      // no code: the connection is gone (the text is kept and sent after the reconnect)
      const why = err.code && err.code !== 'closed' ? errorText(err.code, err.message) : t('conn.offline');
      this._setStatus('error', t('agenda.minutes_failed', { text: why }));
    } finally {
      this.inflight = null;
    }
    if (this.again) {
      this.again = false;
      this.save();
    }
  }

  /** '' (typing), 'saving', 'saved' or 'error', with its text. */
  _setStatus(state, text = '') {
    this.status.textContent = text;
    this.status.classList.toggle('is-error', state === 'error');
    this.status.dataset.state = state;
  }

  cancel() {
    clearTimeout(this.timer);
  }
}
