// SPDX-License-Identifier: EUPL-1.2
// "My meetings": a meeting's agenda before (or after) the meeting, over REST (docs/api.md,
// GET/PUT /api/v1/meetings/{id}/agenda). The whole list is edited and saved at once; an item
// keeps its id, so that its minutes, times and votes stay with it. The server refuses to drop an
// item that has minutes or votes (409 agenda_item_in_use) and names the bad entry (items[i].…).
import { el } from '../util.js';
import { t } from '../i18n.js';
import { api, apiErrorText } from '../api.js';
import { LIMITS, checkItem, itemFields } from './agenda.js';

let seq = 0;

export class AgendaEditor {
  constructor(root, meeting) {
    this.root = root;
    this.base = `/api/v1/meetings/${encodeURIComponent(meeting.id)}/agenda`;
    this.rows = []; // {id?, fields, node}
    this.list = el('ol', { class: 'agenda-editor-list', dataset: { testid: 'agenda-editor-list' } });
    this.addBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid: 'agenda-editor-add' }, text: t('agenda.add'), onclick: () => this.addRow({}, true) });
    this.save = el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: 'agenda-editor-save' }, text: t('agenda.editor_save') });
    this.error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'agenda-editor-error' } });
    this.error.hidden = true;
    this.status = el('p', { class: 'field-hint', role: 'status', dataset: { testid: 'agenda-editor-status' } });
    const form = el('form', { class: 'agenda-editor stack', novalidate: true }, el('p', { class: 'field-hint', text: t('agenda.editor_hint') }), this.list, this.error, el('div', { class: 'row' }, this.addBtn, this.save));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.store();
    });
    root.replaceChildren(el('h4', { class: 'panel-sub', text: t('agenda.editor_heading') }), form, this.status);
  }

  async load() {
    this.status.textContent = t('common.loading');
    try {
      this.show(await api('GET', this.base));
    } catch (err) {
      this.status.textContent = t('agenda.editor_load_failed', { text: apiErrorText(err) });
    }
  }

  /** A GET or PUT answer: the rows afresh. */
  show(d) {
    const items = Array.isArray(d && d.items) ? d.items : [];
    this.rows = [];
    for (const item of items) this.addRow(item, false);
    this.renumber();
    this.status.textContent = t('agenda.count', { n: items.length });
  }

  addRow(item, focus) {
    if (focus && this.rows.length >= LIMITS.items) {
      this._fail(t('agenda.too_many'));
      return;
    }
    const fields = itemFields(`agenda-ed-${++seq}`, item);
    const legend = el('legend');
    const row = { id: typeof item.id === 'string' ? item.id : undefined, fields, legend };
    const move = (d) => {
      const i = this.rows.indexOf(row);
      const j = i + d;
      if (j < 0 || j >= this.rows.length) return;
      [this.rows[i], this.rows[j]] = [this.rows[j], this.rows[i]];
      this.renumber();
      (d < 0 ? row.up : row.down).focus();
    };
    row.up = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'agenda-editor-up' }, text: t('agenda.up'), onclick: () => move(-1) });
    row.down = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'agenda-editor-down' }, text: t('agenda.down'), onclick: () => move(1) });
    row.remove = el('button', {
      type: 'button',
      class: 'btn btn-danger-ghost btn-small',
      dataset: { testid: 'agenda-editor-remove' },
      text: t('agenda.remove'),
      onclick: () => {
        const i = this.rows.indexOf(row);
        this.rows.splice(i, 1);
        this.renumber();
        const next = this.rows[Math.min(i, this.rows.length - 1)];
        (next ? next.fields.title : this.addBtn).focus();
      },
    });
    row.node = el('li', { class: 'agenda-editor-row', dataset: { testid: 'agenda-editor-item' } }, el('fieldset', {}, legend, fields.node, el('div', { class: 'row' }, row.up, row.down, row.remove)));
    this.rows.push(row);
    if (focus) {
      this.renumber();
      fields.title.focus();
    }
  }

  /** Order, numbers and the labels that name the item. */
  renumber() {
    this.rows.forEach((row, i) => {
      const n = t('agenda.editor_item', { n: i + 1 });
      const title = row.fields.title.value.trim() || n;
      row.legend.textContent = n;
      row.up.disabled = i === 0;
      row.down.disabled = i === this.rows.length - 1;
      row.up.setAttribute('aria-label', t('agenda.up_label', { title }));
      row.down.setAttribute('aria-label', t('agenda.down_label', { title }));
      row.remove.setAttribute('aria-label', t('agenda.remove_label', { title }));
      row.node.removeAttribute('aria-invalid');
    });
    this.list.replaceChildren(...this.rows.map((r) => r.node));
  }

  _fail(text, row, field = 'title') {
    this.error.textContent = text;
    this.error.hidden = false;
    if (row) {
      row.node.setAttribute('aria-invalid', 'true');
      (row.fields[field] || row.fields.title).focus();
    }
  }

  async store() {
    this.error.hidden = true;
    for (const r of this.rows) r.node.removeAttribute('aria-invalid');
    const items = [];
    for (const [i, row] of this.rows.entries()) {
      const v = row.fields.value();
      const bad = checkItem(v);
      if (bad) return this._fail(t('agenda.editor_error_item', { n: i + 1, text: t(bad.key) }), row, bad.field);
      const entry = { title: v.title, public: v.public };
      if (row.id) entry.id = row.id;
      if (v.description) entry.description = v.description;
      items.push(entry);
    }
    this.save.disabled = true;
    try {
      const d = await api('PUT', this.base, { items });
      this.show(d);
      this.status.textContent = t('agenda.editor_saved', { n: (d.items || []).length });
    } catch (err) {
      const m = /^items\[(\d+)\](?:\.(\w+))?$/.exec(err.field || '');
      const row = m ? this.rows[Number(m[1])] : null;
      this._fail(row ? t('agenda.editor_error_item', { n: Number(m[1]) + 1, text: apiErrorText(err) }) : apiErrorText(err), row, m && m[2]);
    } finally {
      this.save.disabled = false;
    }
  }
}
