// SPDX-License-Identifier: EUPL-1.2
// Chat panel: message list (name + time), input limited to 2000 characters, Enter sends.
import { el, formatTime } from '../util.js';
import { t, lang } from '../i18n.js';

const MAX = 2000;

export class Chat {
  /** label(m): a mark for a message beside its name ('' for none; breakout: the sub-room's chat). */
  constructor({ panel, log, empty, form, input, count, room, onSend, onUnread, label = () => '' }) {
    Object.assign(this, { panel, log, empty, form, input, count, room, onSend, onUnread, label });
    this.unread = 0;
    this.rendered = new Set();
    input.setAttribute('maxlength', String(MAX));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
    input.addEventListener('input', () => this._updateCount());
    room.addEventListener('reset', () => this.renderAll());
    room.addEventListener('chat', (e) => this._append(e.detail.message, true));
  }

  get open() {
    return !this.panel.hidden;
  }

  send() {
    const text = this.input.value;
    if (!text.trim()) return;
    if ([...text].length > MAX) return;
    if (this.onSend(text) !== false) {
      this.input.value = '';
      this._updateCount();
    }
  }

  _updateCount() {
    const n = [...this.input.value].length;
    this.count.textContent = n > MAX - 200 ? t('chat.chars_left', { n: Math.max(0, MAX - n) }) : '';
  }

  renderAll() {
    for (const node of this.log.querySelectorAll('.chat-msg')) node.remove();
    this.rendered.clear();
    for (const m of this.room.chat) this._append(m, false);
    this.empty.hidden = this.room.chat.length > 0;
  }

  _append(m, live) {
    if (m.id !== undefined && this.rendered.has(m.id)) return;
    if (m.id !== undefined) this.rendered.add(m.id);
    const own = m.from === this.room.selfId;
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const mark = this.label(m);
    const time = el('time', { class: 'chat-time', datetime: new Date(m.ts).toISOString(), text: formatTime(m.ts, lang) });
    const node = el(
      'div',
      { class: `chat-msg${own ? ' own' : ''}${m.private ? ' private' : ''}`, dataset: { testid: 'chat-message', from: m.from, id: m.id } },
      el(
        'div',
        { class: 'chat-meta' },
        el('span', { class: 'chat-from', dataset: { testid: 'chat-from' }, text: m.display_name }),
        mark ? el('span', { class: 'chat-private chat-room', dataset: { testid: 'chat-room' }, text: mark }) : null,
        m.private ? el('span', { class: 'chat-private', dataset: { testid: 'chat-private' }, text: own ? t('chat.private_to', { name: this.room.name(m.to) }) : t('chat.private_from') }) : null,
        time,
      ),
      el('div', { class: 'chat-text', dataset: { testid: 'chat-text' }, text: m.text }),
    );
    this.log.append(node);
    this.empty.hidden = true;
    if (atBottom || own) this.log.scrollTop = this.log.scrollHeight;
    if (live && !own && !this.open) {
      this.unread++;
      this.onUnread(this.unread);
    }
  }

  markRead() {
    this.unread = 0;
    this.onUnread(0);
    this.log.scrollTop = this.log.scrollHeight;
  }
}
