// SPDX-License-Identifier: EUPL-1.2
// /meetings: my meetings (create, edit, delete) and per meeting its invitations
// (create with role + expiry, show the link once, list, revoke) and its member list
// (ui/members.js). docs/api.md.
import { t, lang } from './i18n.js';
import { el } from './util.js';
import { api, apiErrorText, loginHref } from './api.js';
import { initAccount } from './account.js';
import { toast, copyText } from './ui/toasts.js';
import { MembersPanel } from './ui/members.js';
import { AgendaEditor } from './ui/agenda_editor.js';
import { confirmAction } from './ui/confirm.js';
import { RecordingsPanel } from './ui/recordings_list.js';

const $ = (id) => document.getElementById(id);
const DAY = 86400;
const EXPIRY = [
  { s: DAY, key: 'invites.expiry_1d' },
  { s: 7 * DAY, key: 'invites.expiry_7d' },
  { s: 30 * DAY, key: 'invites.expiry_30d' },
];
const locale = () => (lang === 'de' ? 'de-DE' : 'en-GB');

export function formatDateTime(ms) {
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString();
  }
}

export function formatSchedule(m) {
  const s = m.scheduled_start;
  const e = m.scheduled_end;
  if (typeof s !== 'number') return t('meetings.no_schedule');
  if (typeof e !== 'number') return formatDateTime(s);
  const a = new Date(s);
  const b = new Date(e);
  if (a.toDateString() === b.toDateString()) {
    const time = new Intl.DateTimeFormat(locale(), { timeStyle: 'short' }).format(b);
    return `${formatDateTime(s)} – ${time}`;
  }
  return `${formatDateTime(s)} – ${formatDateTime(e)}`;
}

/** ms since epoch → value for <input type="datetime-local"> (local time), '' for none. */
export function toLocalInput(ms) {
  if (typeof ms !== 'number') return '';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** datetime-local value → ms, null for empty, NaN for garbage. */
export function fromLocalInput(v) {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : NaN;
}

function absoluteUrl(u) {
  try {
    return new URL(u, location.origin).href;
  } catch {
    return String(u || '');
  }
}

// ───────── meeting form (create and edit) ─────────

function meetingForm({ prefix, meeting = null, submitLabel, onSubmit, onCancel }) {
  const id = (n) => `${prefix}-${n}`;
  const tid = (n) => `meeting-${prefix.startsWith('edit') ? 'edit' : 'create'}-${n}`;
  const title = el('input', { id: id('title'), type: 'text', maxlength: '200', required: true, autocomplete: 'off', dataset: { testid: tid('title') }, placeholder: t('landing.start.title_placeholder') });
  const start = el('input', { id: id('start'), type: 'datetime-local', dataset: { testid: tid('start') } });
  const end = el('input', { id: id('end'), type: 'datetime-local', dataset: { testid: tid('end') } });
  const lobby = el('input', { id: id('lobby'), type: 'checkbox', dataset: { testid: tid('lobby') } });
  const pw = el('input', { id: id('password'), type: 'text', maxlength: '64', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': id('password-hint'), dataset: { testid: tid('password') } });
  const removePw = el('input', { id: id('remove-password'), type: 'checkbox', dataset: { testid: tid('remove-password') } });
  const error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: tid('error') } });
  error.hidden = true;
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: tid('submit') }, text: submitLabel });

  title.value = meeting ? meeting.title || '' : '';
  start.value = meeting ? toLocalInput(meeting.scheduled_start) : '';
  end.value = meeting ? toLocalInput(meeting.scheduled_end) : '';
  lobby.checked = meeting ? meeting.lobby !== false : true;

  const pwHint = meeting && meeting.has_password ? t('meetings.password_keep_hint') : t('meetings.password_hint');
  const form = el(
    'form',
    { class: 'meeting-form', novalidate: true },
    el('div', { class: 'field field-wide' }, el('label', { for: id('title'), text: t('meetings.title_label') }), title),
    el('div', { class: 'field' }, el('label', { for: id('start'), text: t('meetings.start_label') }), start),
    el('div', { class: 'field' }, el('label', { for: id('end'), text: t('meetings.end_label') }), end),
    el('div', { class: 'field' }, el('label', { for: id('password'), text: t('meetings.password_label') }), pw, el('p', { id: id('password-hint'), class: 'field-hint', text: pwHint })),
    el(
      'div',
      { class: 'field checks' },
      el('div', { class: 'check' }, lobby, el('label', { for: id('lobby'), text: t('meetings.lobby_label') })),
      meeting && meeting.has_password ? el('div', { class: 'check' }, removePw, el('label', { for: id('remove-password'), text: t('meetings.remove_password') })) : null,
    ),
    error,
    el('div', { class: 'row field-wide' }, submit, onCancel ? el('button', { type: 'button', class: 'btn btn-secondary', text: t('common.cancel'), onclick: onCancel }) : null),
  );
  const fail = (msg, input) => {
    error.textContent = msg;
    error.hidden = false;
    for (const i of [title, start, end, pw]) i.removeAttribute('aria-invalid');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  };
  for (const i of [title, start, end, pw]) {
    i.addEventListener('input', () => {
      for (const j of [title, start, end, pw]) j.removeAttribute('aria-invalid');
      error.hidden = true;
    });
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    for (const i of [title, start, end, pw]) i.removeAttribute('aria-invalid');
    const body = {};
    const tv = title.value.trim();
    if (!tv) return fail(t('meetings.title_empty'), title);
    if ([...tv].length > 200) return fail(t('meetings.title_long'), title);
    const s = fromLocalInput(start.value);
    const en = fromLocalInput(end.value);
    if (Number.isNaN(s)) return fail(t('meetings.bad_time'), start);
    if (Number.isNaN(en)) return fail(t('meetings.bad_time'), end);
    if (en !== null && s === null) return fail(t('meetings.end_without_start'), start);
    if (s !== null && en !== null && en <= s) return fail(t('meetings.end_before_start'), end);
    const p = pw.value;
    if (p && ([...p].length < 4 || [...p].length > 64)) return fail(t('meetings.password_length'), pw);
    if (!meeting) {
      body.title = tv;
      if (s !== null) body.scheduled_start = s;
      if (en !== null) body.scheduled_end = en;
      body.lobby = lobby.checked;
      if (p) body.password = p;
    } else {
      // PATCH only what changed
      if (tv !== meeting.title) body.title = tv;
      if (s !== (typeof meeting.scheduled_start === 'number' ? meeting.scheduled_start : null)) body.scheduled_start = s;
      if (en !== (typeof meeting.scheduled_end === 'number' ? meeting.scheduled_end : null)) body.scheduled_end = en;
      if (lobby.checked !== (meeting.lobby !== false)) body.lobby = lobby.checked;
      if (p) body.password = p;
      else if (removePw.checked) body.password = null;
    }
    submit.disabled = true;
    try {
      await onSubmit(body);
      if (!meeting) {
        form.reset();
        lobby.checked = true;
      }
    } catch (err) {
      const field = { title, scheduled_start: start, scheduled_end: end, password: pw }[err.field] || null;
      fail(apiErrorText(err), field);
    } finally {
      submit.disabled = false;
    }
  });
  return { form, title };
}

// ───────── the page ─────────

class MeetingsPage {
  constructor(me) {
    this.me = me;
    this.meetings = [];
    this.open = new Map(); // meeting id → {edit: bool, invites: bool}
    this.listEl = $('meetings-list');
    const { form } = meetingForm({
      prefix: 'create',
      submitLabel: t('meetings.create_submit'),
      onSubmit: async (body) => {
        const m = await api('POST', '/api/v1/meetings', body);
        toast(t('meetings.created', { title: m.title }), { timeout: 4000 });
        this.meetings = [m, ...this.meetings.filter((x) => x.id !== m.id)];
        this.render();
        const item = this.listEl.querySelector(`[data-meeting-id="${CSS.escape(m.id)}"]`);
        if (item) item.querySelector('.meeting-name').focus();
      },
    });
    $('create-form-host').replaceWith(form);
  }

  async load() {
    $('meetings-loading').hidden = false;
    $('meetings-error').hidden = true;
    this.listEl.setAttribute('aria-busy', 'true');
    try {
      const d = await api('GET', '/api/v1/meetings');
      this.meetings = Array.isArray(d && d.meetings) ? d.meetings : [];
    } catch (err) {
      if (err.status === 401) {
        location.assign(loginHref('/meetings'));
        return;
      }
      $('meetings-error').textContent = t('meetings.load_failed', { text: apiErrorText(err) });
      $('meetings-error').hidden = false;
      this.meetings = [];
    } finally {
      $('meetings-loading').hidden = true;
      this.listEl.setAttribute('aria-busy', 'false');
    }
    this.render();
  }

  canDelete(m) {
    return !!this.me && (this.me.role === 'admin' || m.owner === this.me.id);
  }

  sorted() {
    const now = Date.now();
    const key = (m) => (typeof m.scheduled_start === 'number' ? m.scheduled_start : Infinity);
    return [...this.meetings].sort((a, b) => {
      // upcoming / running scheduled first, then unscheduled newest first, past at the end
      const pa = typeof a.scheduled_end === 'number' && a.scheduled_end < now;
      const pb = typeof b.scheduled_end === 'number' && b.scheduled_end < now;
      if (pa !== pb) return pa ? 1 : -1;
      return key(a) - key(b) || (b.created_at || 0) - (a.created_at || 0);
    });
  }

  render() {
    const items = this.sorted().map((m) => this.item(m));
    this.listEl.replaceChildren(...items);
    $('meetings-empty').hidden = this.meetings.length > 0 || !$('meetings-error').hidden;
  }

  replaceItem(m) {
    this.meetings = this.meetings.map((x) => (x.id === m.id ? m : x));
    const old = this.listEl.querySelector(`[data-meeting-id="${CSS.escape(m.id)}"]`);
    const fresh = this.item(m);
    if (old) old.replaceWith(fresh);
    else this.render();
    return fresh;
  }

  item(m) {
    const state = this.open.get(m.id) || { edit: false, invites: false, members: false };
    this.open.set(m.id, state);
    const url = absoluteUrl(m.url || `/r/${m.id}`);
    const headId = `m-${m.id}-title`;
    const roleKey = `role.${m.my_role}`;
    const flags = [m.lobby !== false ? t('meetings.lobby_on') : t('meetings.lobby_off')];
    if (m.has_password) flags.push(t('meetings.has_password'));
    const li = el('li', { class: 'card meeting-item', 'aria-labelledby': headId, dataset: { testid: 'meeting-item', meetingId: m.id } });
    const editPanel = el('div', { id: `m-${m.id}-edit`, class: 'meeting-panel', dataset: { testid: 'meeting-edit-panel' } });
    const invPanel = el('div', { id: `m-${m.id}-invites`, class: 'meeting-panel', dataset: { testid: 'invites-panel' } });
    const memPanel = el('div', { id: `m-${m.id}-members`, class: 'meeting-panel', dataset: { testid: 'members-panel' } });
    const agendaPanel = el('div', { id: `m-${m.id}-agenda`, class: 'meeting-panel', dataset: { testid: 'agenda-editor-panel' } });
    agendaPanel.hidden = !state.agenda;
    // its recordings and their audit log (moderators of the meeting; docs/api.md)
    const recsPanel = el('div', { id: `m-${m.id}-recordings`, class: 'meeting-panel', dataset: { testid: 'recordings-panel' } });
    recsPanel.hidden = !state.recordings;
    editPanel.hidden = !state.edit;
    invPanel.hidden = !state.invites;
    memPanel.hidden = !state.members;

    const editBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': String(state.edit), 'aria-controls': editPanel.id, dataset: { testid: 'meeting-edit' }, text: t('meetings.edit') });
    const invBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': String(state.invites), 'aria-controls': invPanel.id, dataset: { testid: 'meeting-invites' }, text: t('meetings.invites') });
    const memBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': String(!!state.members), 'aria-controls': memPanel.id, dataset: { testid: 'meeting-members' }, text: t('members.button') });
    const agendaBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': String(!!state.agenda), 'aria-controls': agendaPanel.id, dataset: { testid: 'meeting-agenda' }, text: t('agenda.heading') });
    const recsBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': String(!!state.recordings), 'aria-controls': recsPanel.id, dataset: { testid: 'meeting-recordings' }, text: t('recordings.button') });
    const delBtn = this.canDelete(m) ? el('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', dataset: { testid: 'meeting-delete' }, text: t('meetings.delete') }) : null;
    const canManage = m.my_role === 'moderator' || (this.me && this.me.role === 'admin');
    // the attendance list (during and after the meeting): moderators and admins, as the server
    // enforces (GET /api/v1/meetings/{id}/attendance.*)
    const base = `/api/v1/meetings/${encodeURIComponent(m.id)}/attendance`;
    const title = m.title || t('meeting.title_default');
    const attPage = canManage ? el('a', { class: 'btn btn-secondary btn-small', href: `${base}.html?lang=${lang}`, target: '_blank', rel: 'noopener', 'aria-label': t('attendance.page_label', { title }), dataset: { testid: 'meeting-attendance' }, text: t('attendance.page') }) : null;
    const attCsv = canManage ? el('a', { class: 'btn btn-ghost btn-small', href: `${base}.csv`, download: `attendance-${m.id}.csv`, 'aria-label': t('attendance.csv_label', { title }), dataset: { testid: 'meeting-attendance-csv' }, text: t('attendance.csv') }) : null;
    // the meeting record (agenda, minutes, votes), built by the server; docs/api.md
    const rec = `/api/v1/meetings/${encodeURIComponent(m.id)}/record`;
    const recPage = canManage ? el('a', { class: 'btn btn-secondary btn-small', href: `${rec}.html?lang=${lang}`, target: '_blank', rel: 'noopener', 'aria-label': t('agenda.record_label', { title }), dataset: { testid: 'meeting-record' }, text: t('agenda.record') }) : null;
    const recJson = canManage ? el('a', { class: 'btn btn-ghost btn-small', href: rec, download: `record-${m.id}.json`, 'aria-label': t('agenda.record_json_label', { title }), dataset: { testid: 'meeting-record-json' }, text: t('agenda.record_json') }) : null;
    if (!canManage) {
      agendaBtn.hidden = true;
      editBtn.hidden = true;
      invBtn.hidden = true;
      memBtn.hidden = true;
      recsBtn.hidden = true;
    }

    const openEdit = (on) => {
      state.edit = on;
      editBtn.setAttribute('aria-expanded', String(on));
      editPanel.hidden = !on;
      if (on) {
        const { form, title } = meetingForm({
          prefix: `edit-${m.id}`,
          meeting: m,
          submitLabel: t('common.save'),
          onSubmit: async (body) => {
            if (!Object.keys(body).length) {
              openEdit(false);
              editBtn.focus();
              return;
            }
            const updated = await api('PATCH', `/api/v1/meetings/${encodeURIComponent(m.id)}`, body);
            state.edit = false;
            toast(t('meetings.saved'), { timeout: 3000 });
            const fresh = this.replaceItem(updated);
            fresh.querySelector('[data-testid="meeting-edit"]').focus();
          },
          onCancel: () => {
            openEdit(false);
            editBtn.focus();
          },
        });
        editPanel.replaceChildren(el('h4', { class: 'panel-sub', text: t('meetings.edit_heading') }), form);
        title.focus();
      } else {
        editPanel.replaceChildren();
      }
    };
    editBtn.addEventListener('click', () => openEdit(!state.edit));
    if (state.edit) queueMicrotask(() => openEdit(true));

    // a button that shows and hides a panel filled by a class (InvitesPanel, MembersPanel, AgendaEditor)
    const panelToggle = (key, btn, panel, Panel) => {
      const set = (on) => {
        state[key] = on;
        btn.setAttribute('aria-expanded', String(on));
        panel.hidden = !on;
        if (on) new Panel(panel, m).load();
        else panel.replaceChildren();
      };
      btn.addEventListener('click', () => set(!state[key]));
      if (state[key]) queueMicrotask(() => set(true));
    };
    panelToggle('invites', invBtn, invPanel, InvitesPanel);
    panelToggle('members', memBtn, memPanel, MembersPanel);
    panelToggle('agenda', agendaBtn, agendaPanel, AgendaEditor);
    panelToggle('recordings', recsBtn, recsPanel, RecordingsPanel);

    if (delBtn) {
      delBtn.addEventListener('click', async () => {
        const ok = await confirmAction({ heading: t('meetings.delete_heading'), text: t('meetings.delete_text', { title: m.title }), ok: t('meetings.delete') });
        if (!ok) {
          delBtn.focus();
          return;
        }
        delBtn.disabled = true;
        try {
          await api('DELETE', `/api/v1/meetings/${encodeURIComponent(m.id)}`);
          this.meetings = this.meetings.filter((x) => x.id !== m.id);
          this.open.delete(m.id);
          toast(t('meetings.deleted', { title: m.title }), { timeout: 4000 });
          this.render();
          $('list-heading').setAttribute('tabindex', '-1');
          $('list-heading').focus();
        } catch (err) {
          delBtn.disabled = false;
          toast(apiErrorText(err), { kind: 'error', code: err.code });
        }
      });
    }

    const copyBtn = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'meeting-copy' }, text: t('meeting.copy_link'), onclick: () => copyText(url) });
    li.append(
      el(
        'div',
        { class: 'meeting-head' },
        el('h3', { id: headId }, el('a', { class: 'meeting-name', href: url, dataset: { testid: 'meeting-title' }, text: m.title || t('meeting.title_default') })),
        el('span', { class: 'pill', dataset: { testid: 'meeting-role', role: m.my_role || '' }, text: t(roleKey) === roleKey ? String(m.my_role || '') : t(roleKey) }),
      ),
      el(
        'dl',
        { class: 'meeting-facts' },
        el('dt', { text: t('meetings.when') }),
        el('dd', { dataset: { testid: 'meeting-schedule' }, text: formatSchedule(m) }),
        el('dt', { text: t('meetings.link') }),
        el('dd', { class: 'meeting-link-row' }, el('a', { href: url, class: 'meeting-link', dataset: { testid: 'meeting-link' }, text: url }), copyBtn),
        el('dt', { text: t('meetings.settings') }),
        el('dd', { dataset: { testid: 'meeting-flags' }, text: flags.join(' · ') }),
      ),
      el('div', { class: 'row meeting-actions' }, el('a', { class: 'btn btn-primary btn-small', href: url, dataset: { testid: 'meeting-open' }, text: t('meetings.open') }), editBtn, invBtn, memBtn, agendaBtn, recsBtn, attPage, attCsv, recPage, recJson, delBtn),
      editPanel,
      invPanel,
      memPanel,
      agendaPanel,
      recsPanel,
    );
    return li;
  }
}

/**
 * An audience invitation's link carries `audience=1`, so that its pre-join screen asks for no
 * camera or microphone (meeting.js); the server makes the holder audience by the token alone.
 */
function audienceLink(link, role) {
  if (role !== 'audience') return link;
  try {
    const u = new URL(link);
    u.searchParams.set('audience', '1');
    return u.href;
  } catch {
    return link;
  }
}

class InvitesPanel {
  constructor(root, meeting) {
    this.root = root;
    this.m = meeting;
    this.base = `/api/v1/meetings/${encodeURIComponent(meeting.id)}/invites`;
    const pid = `inv-${meeting.id}`;
    this.role = el('select', { id: `${pid}-role`, dataset: { testid: 'invite-role' } }, ...['guest', 'participant', 'moderator', 'audience'].map((r) => el('option', { value: r, text: t(`invites.role_${r}`) })));
    // the first choice sends no expiry: the server ties it to the meeting's schedule (api.md)
    const scheduled = typeof meeting.scheduled_start === 'number';
    const auto = el('option', { value: '', text: t(scheduled ? 'invites.expiry_meeting' : 'invites.expiry_default') });
    const described = scheduled ? { 'aria-describedby': `${pid}-expiry-hint` } : {};
    this.expiry = el('select', { id: `${pid}-expiry`, dataset: { testid: 'invite-expiry' }, ...described }, auto, ...EXPIRY.map((e) => el('option', { value: String(e.s), text: t(e.key) })));
    this.expiry.value = '';
    const hint = el('p', { id: `${pid}-expiry-hint`, class: 'field-hint', text: scheduled ? t('invites.expiry_meeting_hint') : '' });
    this.expiry.addEventListener('change', () => (hint.hidden = !scheduled || this.expiry.value !== ''));
    hint.hidden = !scheduled;
    this.create = el('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'invite-create' }, text: t('invites.create') });
    this.error = el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'invite-error' } });
    this.error.hidden = true;
    this.result = el('div', { class: 'invite-result', role: 'status', dataset: { testid: 'invite-result' } });
    this.result.hidden = true;
    this.list = el('ul', { class: 'invite-list', dataset: { testid: 'invite-list' }, 'aria-busy': 'true' });
    this.status = el('p', { class: 'muted small', role: 'status', text: t('common.loading') });
    const form = el(
      'form',
      { class: 'invite-form', novalidate: true },
      el('div', { class: 'field' }, el('label', { for: this.role.id, text: t('invites.role_label') }), this.role),
      el('div', { class: 'field' }, el('label', { for: this.expiry.id, text: t('invites.expiry_label') }), this.expiry, hint),
      this.create,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.createInvite();
    });
    root.replaceChildren(el('h4', { class: 'panel-sub', text: t('invites.heading') }), form, el('p', { class: 'field-hint', text: t('invites.role_hint') }), el('p', { class: 'field-hint', text: t('invites.role_audience_hint') }), this.error, this.result, this.status, this.list);
    this.invites = [];
  }

  async load() {
    try {
      const d = await api('GET', this.base);
      this.invites = Array.isArray(d && d.invites) ? d.invites : [];
      this.status.hidden = true;
    } catch (err) {
      this.status.textContent = t('invites.load_failed', { text: apiErrorText(err) });
      this.status.setAttribute('role', 'alert');
    }
    this.list.setAttribute('aria-busy', 'false');
    this.render();
  }

  render() {
    const now = Date.now();
    const sorted = [...this.invites].sort((a, b) => (b.created_at || 0) - (a.created_at || 0));
    this.list.replaceChildren(
      ...sorted.map((inv) => {
        const expired = typeof inv.expires_at === 'number' && inv.expires_at <= now;
        const state = inv.revoked ? t('invites.revoked') : expired ? t('invites.expired') : t('invites.valid_until', { date: formatDateTime(inv.expires_at) });
        const revoke = el('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', dataset: { testid: 'invite-revoke' }, text: t('invites.revoke'), 'aria-label': t('invites.revoke_label', { role: t(`invites.role_${inv.role}`), date: formatDateTime(inv.expires_at) }) });
        revoke.hidden = !!inv.revoked || expired;
        revoke.addEventListener('click', () => this.revoke(inv, revoke));
        return el(
          'li',
          { class: `invite-item${inv.revoked || expired ? ' is-inactive' : ''}`, dataset: { testid: 'invite-item', inviteId: inv.id, role: inv.role, revoked: String(!!inv.revoked) } },
          el('span', { class: 'pill', text: t(`invites.role_${inv.role}`) === `invites.role_${inv.role}` ? inv.role : t(`invites.role_${inv.role}`) }),
          el('span', { class: 'invite-state', dataset: { testid: 'invite-state' }, text: state }),
          el('span', { class: 'invite-uses muted small', dataset: { testid: 'invite-uses' }, text: t('invites.uses', { n: inv.uses || 0 }) }),
          revoke,
        );
      }),
    );
    if (!this.invites.length && this.status.hidden) {
      this.list.replaceChildren(el('li', { class: 'empty', dataset: { testid: 'invites-empty' }, text: t('invites.empty') }));
    }
  }

  async createInvite() {
    this.error.hidden = true;
    this.create.disabled = true;
    const role = this.role.value;
    try {
      const body = { role };
      if (this.expiry.value) body.expires_in_s = Number(this.expiry.value);
      const inv = await api('POST', this.base, body);
      const link = audienceLink(absoluteUrl(inv.url || `/r/${this.m.id}?invite=${encodeURIComponent(inv.token)}`), inv.role || role);
      const input = el('input', { type: 'text', readonly: true, class: 'invite-link', value: link, 'aria-label': t('invites.link_label'), dataset: { testid: 'invite-link' } });
      input.addEventListener('focus', () => input.select());
      const copy = el('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { testid: 'invite-copy' }, text: t('invites.copy'), onclick: () => copyText(link) });
      this.result.replaceChildren(
        el('p', { class: 'invite-result-head', text: t('invites.created', { role: t(`invites.role_${inv.role || role}`), date: formatDateTime(inv.expires_at) }) }),
        el('div', { class: 'invite-link-row' }, input, copy),
        el('p', { class: 'field-hint', text: t('invites.once') }),
      );
      this.result.hidden = false;
      this.invites.unshift({ id: inv.id, role: inv.role || role, expires_at: inv.expires_at, created_at: Date.now(), revoked: false, uses: 0 });
      this.render();
      copy.focus();
    } catch (err) {
      this.error.textContent = apiErrorText(err);
      this.error.hidden = false;
    } finally {
      this.create.disabled = false;
    }
  }

  async revoke(inv, btn) {
    btn.disabled = true;
    try {
      await api('DELETE', `${this.base}/${encodeURIComponent(inv.id)}`);
      inv.revoked = true;
      toast(t('invites.revoked_toast'), { timeout: 3000 });
      this.render();
      const item = this.list.querySelector(`[data-invite-id="${CSS.escape(String(inv.id))}"]`);
      if (item) {
        item.setAttribute('tabindex', '-1');
        item.focus();
      }
    } catch (err) {
      btn.disabled = false;
      this.error.textContent = apiErrorText(err);
      this.error.hidden = false;
    }
  }
}

export async function initMeetings() {
  const { me } = await initAccount($('account'), { page: 'meetings' });
  if (!me) {
    location.assign(loginHref('/meetings'));
    return;
  }
  document.title = `${t('meetings.heading')} – Ratsaal`;
  const page = new MeetingsPage(me);
  window.__ratsaalMeetings = page;
  await page.load();
}
