// SPDX-License-Identifier: EUPL-1.2
// A meeting's recordings in "My meetings" (../meetings.js), for its moderators (docs/api.md
// "Recordings"): a table with date, duration, size, purpose, expiry and state, a Download link and
// Delete (after a confirmation) per recording, and the audit log of the meeting's recordings and
// streams (GET …/recording-audit: every start, stop, consent change, download and deletion).
// The server enforces who may see and fetch them; this only shows what it answers.
import { el } from '../util.js';
import { t, lang } from '../i18n.js';
import { api, apiErrorText } from '../api.js';
import { toast } from './toasts.js';
import { confirmAction } from './confirm.js';

const locale = () => (lang === 'de' ? 'de-DE' : 'en-GB');

/** A time from the server: ms since the epoch (seconds are taken as such when clearly so). */
export function toMs(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return v < 1e11 ? v * 1000 : v;
}

function dateTime(v) {
  const ms = toMs(v);
  if (ms === null) return '–';
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString();
  }
}

/** 31 → "0:31", 3725 → "1:02:05". */
export function duration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return '–';
  const n = Math.round(s);
  const h = Math.floor(n / 3600);
  const m = Math.floor((n % 3600) / 60);
  const sec = String(n % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Bytes in the largest unit that keeps the number ≥ 1 (kB, MB, GB: powers of 1000). */
export function size(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: i ? 1 : 0 }).format(v)} ${units[i]}`;
}

/** A translated word for a server value, or the value itself when we have none. */
function word(prefix, value) {
  const key = `${prefix}${value}`;
  const s = t(key);
  return s === key ? String(value || '') : s;
}

function table(caption, heads, rows, testid) {
  return el('div', { class: 'table-scroll' },
    el('table', { class: 'data-table', dataset: { testid } },
      el('caption', { class: 'visually-hidden', text: caption }),
      el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows)));
}

export class RecordingsPanel {
  constructor(root, meeting) {
    this.root = root;
    this.m = meeting;
    this.base = `/api/v1/meetings/${encodeURIComponent(meeting.id)}`;
    this.recordings = [];
    this.status = el('p', { class: 'muted small', role: 'status', dataset: { testid: 'recordings-status' }, text: t('common.loading') });
    this.list = el('div', { dataset: { testid: 'recordings-list' }, 'aria-busy': 'true' });
    const auditId = `m-${meeting.id}-recording-audit`;
    this.audit = el('div', { id: auditId, class: 'recordings-audit', dataset: { testid: 'recordings-audit' }, hidden: true });
    this.auditButton = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': 'false', 'aria-controls': auditId, dataset: { testid: 'recordings-audit-button' }, text: t('recordings.audit') });
    this.auditButton.addEventListener('click', () => this.toggleAudit());
    root.replaceChildren(el('h4', { class: 'panel-sub', text: t('recordings.heading') }), this.status, this.list, el('div', { class: 'row' }, this.auditButton), this.audit);
  }

  async load() {
    this.status.hidden = false;
    this.status.setAttribute('role', 'status');
    this.status.textContent = t('common.loading');
    try {
      const d = await api('GET', `${this.base}/recordings`);
      this.recordings = Array.isArray(d && d.recordings) ? d.recordings : [];
      this.status.hidden = true;
    } catch (err) {
      this.recordings = [];
      this.status.textContent = t('recordings.load_failed', { text: apiErrorText(err) });
      this.status.setAttribute('role', 'alert');
    }
    this.list.setAttribute('aria-busy', 'false');
    this.render();
  }

  render() {
    const shown = this.recordings.filter((r) => r && r.state !== 'deleted');
    if (!shown.length) {
      this.list.replaceChildren(this.status.hidden ? el('p', { class: 'empty', dataset: { testid: 'recordings-empty' }, text: t('recordings.empty') }) : '');
      return;
    }
    const rows = shown
      .sort((a, b) => (toMs(b.started_at) || 0) - (toMs(a.started_at) || 0))
      .map((r) => {
        const date = dateTime(r.started_at);
        const actions = el('td', { class: 'row recordings-actions' });
        if (r.state === 'done' && typeof r.download === 'string' && r.download.startsWith('/')) {
          actions.append(el('a', { class: 'btn btn-secondary btn-small', href: r.download, download: '', 'aria-label': t('recordings.download_label', { date }), dataset: { testid: 'recording-download' }, text: t('recordings.download') }));
        }
        if (r.state !== 'recording') {
          const del = el('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', 'aria-label': t('recordings.delete_label', { date }), dataset: { testid: 'recording-delete' }, text: t('recordings.delete') });
          del.addEventListener('click', () => this.remove(r, del, date));
          actions.append(del);
        }
        return el('tr', { dataset: { testid: 'recording-row', recordingId: String(r.id), state: String(r.state || '') } },
          el('td', { dataset: { testid: 'recording-date' }, text: date }),
          el('td', { dataset: { testid: 'recording-duration' }, text: duration(r.duration_s) }),
          el('td', { dataset: { testid: 'recording-size' }, text: size(r.bytes) }),
          el('td', { class: 'recordings-purpose', dataset: { testid: 'recording-purpose' }, text: r.purpose || '' }),
          el('td', { dataset: { testid: 'recording-expires' }, text: dateTime(r.expires_at) }),
          el('td', { dataset: { testid: 'recording-state' }, text: word('recordings.state_', r.state) }),
          actions);
      });
    const heads = ['col_date', 'col_duration', 'col_size', 'col_purpose', 'col_expires', 'col_state', 'col_actions'].map((k) => t(`recordings.${k}`));
    this.list.replaceChildren(table(t('recordings.heading'), heads, rows, 'recordings-table'));
  }

  async remove(r, btn, date) {
    const ok = await confirmAction({ heading: t('recordings.delete_heading'), text: t('recordings.delete_text', { date }), ok: t('recordings.delete') });
    if (!ok) {
      btn.focus();
      return;
    }
    btn.disabled = true;
    try {
      await api('DELETE', `${this.base}/recordings/${encodeURIComponent(String(r.id))}`);
      toast(t('recordings.deleted'), { timeout: 4000 });
      await this.load();
      if (!this.audit.hidden) await this.loadAudit();
      this.root.querySelector('h4').setAttribute('tabindex', '-1');
      this.root.querySelector('h4').focus();
    } catch (err) {
      btn.disabled = false;
      toast(apiErrorText(err), { kind: 'error', code: err.code });
    }
  }

  async toggleAudit() {
    const on = this.audit.hidden;
    this.audit.hidden = !on;
    this.auditButton.setAttribute('aria-expanded', String(on));
    if (on) await this.loadAudit();
    else this.audit.replaceChildren();
  }

  async loadAudit() {
    const heading = el('h5', { class: 'panel-sub', text: t('recordings.audit_heading') });
    this.audit.replaceChildren(heading, el('p', { class: 'muted small', role: 'status', text: t('common.loading') }));
    let events;
    try {
      const d = await api('GET', `${this.base}/recording-audit`);
      events = Array.isArray(d && d.events) ? d.events : [];
    } catch (err) {
      this.audit.replaceChildren(heading, el('p', { class: 'field-error', role: 'alert', dataset: { testid: 'recordings-audit-error' }, text: apiErrorText(err) }));
      return;
    }
    if (!events.length) {
      this.audit.replaceChildren(heading, el('p', { class: 'empty', dataset: { testid: 'recordings-audit-empty' }, text: t('recordings.audit_empty') }));
      return;
    }
    const rows = events.map((e) =>
      el('tr', { dataset: { testid: 'audit-row', event: String(e.event || '') } },
        el('td', { text: dateTime(e.at) }),
        el('td', { dataset: { testid: 'audit-event' }, text: word('recordings.event_', e.event) }),
        el('td', { text: e.kind ? word('recording.kind_', e.kind) : '–' }),
        el('td', { dataset: { testid: 'audit-actor' }, text: e.actor || '–' }),
        el('td', { text: e.recording_id === undefined || e.recording_id === null ? '–' : String(e.recording_id) }),
        el('td', { class: 'audit-detail', text: detailText(e.detail) })));
    const heads = ['audit_col_at', 'audit_col_event', 'audit_col_kind', 'audit_col_actor', 'audit_col_recording', 'audit_col_detail'].map((k) => t(`recordings.${k}`));
    this.audit.replaceChildren(heading, table(t('recordings.audit_heading'), heads, rows, 'recordings-audit-table'));
  }
}

/** {given: true, purpose: "…"} → "given: true · purpose: …" (what the server recorded, as text). */
function detailText(d) {
  if (!d || typeof d !== 'object') return d === undefined || d === null ? '' : String(d);
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}
