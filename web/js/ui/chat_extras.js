// SPDX-License-Identifier: EUPL-1.2
// What the chat panel adds to the room chat (ui/chat.js): a recipient picker for private
// messages, and for moderators the room-chat switch and the export. Built into the panel from
// here, so that the chat view itself stays one concern.
import { el } from '../util.js';
import { t } from '../i18n.js';

export class ChatExtras {
  constructor({ panel, form, input, room, isModerator, actions }) {
    Object.assign(this, { room, isModerator, actions, input });
    this.enabled = true;
    this.to = el('select', { id: 'chat-to', dataset: { testid: 'chat-to' } });
    const label = el('label', { for: 'chat-to', class: 'chat-to-label small', text: t('chat.to') });
    form.prepend(el('div', { class: 'chat-to-row' }, label, this.to));
    this.offNote = el('p', { class: 'muted small chat-off-note', dataset: { testid: 'chat-off-note' }, text: t('chat.off_note'), hidden: true });
    form.before(this.offNote);
    this.toggle = el('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'true', dataset: { testid: 'chat-enabled' } }, el('span', { class: 'switch-track', 'aria-hidden': 'true' }, el('span', { class: 'switch-thumb' })), el('span', { class: 'switch-label', text: t('chat.room_chat') }));
    this.exportButton = el('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { testid: 'chat-export' }, text: t('chat.export') });
    this.modRow = el('div', { class: 'chat-mod-row', hidden: true }, this.toggle, this.exportButton);
    panel.querySelector('.panel-head').after(this.modRow);
    this.toggle.addEventListener('click', () => {
      this.toggle.disabled = true; // until chat/state confirms
      this.actions.setEnabled(!this.enabled);
    });
    this.exportButton.addEventListener('click', () => this.actions.exportChat());
    room.addEventListener('change', (e) => {
      if (e.detail.type === 'reset') this.setEnabled(room.chatEnabled !== false);
      if (['reset', 'participant-joined', 'participant-left', 'participant-updated'].includes(e.detail.type)) this.render();
    });
  }

  /** The chosen recipient's participant id, or undefined for everyone. */
  recipient() {
    return this.to.value || undefined;
  }

  setEnabled(on) {
    this.enabled = on;
    this.render();
  }

  render() {
    const mod = this.isModerator();
    this.modRow.hidden = !mod;
    this.toggle.disabled = false;
    this.toggle.setAttribute('aria-checked', String(this.enabled));
    const blocked = !this.enabled && !mod;
    this.offNote.hidden = this.enabled;
    const keep = this.to.value;
    const others = this.room.list().filter((p) => !p.self);
    const options = [];
    if (!blocked) options.push(el('option', { value: '', text: t('chat.to_everyone') }));
    for (const p of others) options.push(el('option', { value: p.id, text: t('chat.to_private', { name: p.display_name }) }));
    this.to.replaceChildren(...options);
    this.to.value = [...this.to.options].some((o) => o.value === keep) ? keep : this.to.options.length ? this.to.options[0].value : '';
    this.input.disabled = blocked && others.length === 0;
  }

  /** chat/export: save the messages as a JSON file. */
  download(m) {
    const blob = new Blob([JSON.stringify(m, null, 2)], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `chat-${m.room || 'meeting'}-${new Date(m.exported_at || Date.now()).toISOString().slice(0, 19).replace(/:/g, '-')}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
}
