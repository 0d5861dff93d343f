// SPDX-License-Identifier: EUPL-1.2
// "My meetings": the member list of a meeting, the body that votes (docs/api.md "Members and
// votes"). One line per member: an account as @username, or the name of a person invited by name.
import { el } from '../util.js';
import { t } from '../i18n.js';
import { api, apiErrorText } from '../api.js';

/** The textarea's lines as the PUT body's entries (blank lines skipped). */
export function parseMembers(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l)
    .map((l) => (l.startsWith('@') ? { user: l.slice(1).trim() } : { name: l }));
}

/** The entries of a GET as lines. */
export function formatMembers(members) {
  // an account without a username (OIDC) is written by its id, which the server also takes
  const account = (m) => (/^[A-Za-z0-9._@-]{1,64}$/.test(m.name) ? m.name : m.user_id);
  return members.map((m) => (m.user_id ? `@${account(m)}` : m.name)).join('\n');
}

export class MembersPanel {
  constructor(root, meeting) {
    this.root = root;
    this.base = `/api/v1/meetings/${encodeURIComponent(meeting.id)}/members`;
    const id = `m-${meeting.id}-members-text`;
    this.text = el('textarea', { id, rows: 6, 'aria-describedby': `${id}-hint`, dataset: { testid: 'members-text' } });
    this.save = el('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { testid: 'members-save' }, text: t('members.save') });
    this.error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'members-error' } });
    this.error.hidden = true;
    this.status = el('p', { class: 'field-hint', role: 'status', dataset: { testid: 'members-status' } });
    const form = el('form', { class: 'members-form', novalidate: true },
      el('label', { for: id, text: t('members.label') }),
      this.text,
      el('p', { class: 'field-hint', id: `${id}-hint`, text: t('members.hint') }),
      this.error,
      el('div', { class: 'row' }, this.save));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.store();
    });
    root.replaceChildren(el('h4', { class: 'panel-sub', text: t('members.heading') }), form, this.status);
  }

  async load() {
    this.text.disabled = true;
    try {
      const d = await api('GET', this.base);
      this.text.value = formatMembers(Array.isArray(d && d.members) ? d.members : []);
      this.status.textContent = t('members.count', { n: (d.members || []).length });
    } catch (err) {
      this.status.textContent = t('members.load_failed', { text: apiErrorText(err) });
    }
    this.text.disabled = false;
  }

  async store() {
    this.error.hidden = true;
    this.text.removeAttribute('aria-invalid');
    this.save.disabled = true;
    const lines = this.text.value.split('\n').map((l) => l.trim()).filter((l) => l);
    try {
      const d = await api('PUT', this.base, { members: parseMembers(this.text.value) });
      this.text.value = formatMembers(d.members || []);
      this.status.textContent = t('members.saved', { n: (d.members || []).length });
    } catch (err) {
      const m = /^members\[(\d+)\]$/.exec(err.field || '');
      const line = m ? lines[Number(m[1])] : null;
      this.error.textContent = line !== null && line !== undefined ? t('members.error_line', { line, text: apiErrorText(err) }) : apiErrorText(err);
      this.error.hidden = false;
      this.text.setAttribute('aria-invalid', 'true');
      this.text.focus();
    }
    this.save.disabled = false;
  }
}
