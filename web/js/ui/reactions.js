// SPDX-License-Identifier: EUPL-1.2
// Reactions (features/reaction.js): a small bar of fixed reactions over the stage, and the
// brief display of someone's reaction on their tile. Nothing is kept.
import { el } from '../util.js';
import { t } from '../i18n.js';

export const REACTIONS = { applause: '👏', thumbs_up: '👍', thumbs_down: '👎', heart: '❤️', laugh: '😄', surprised: '😮', agree: '✅' };
const SHOW_MS = 4000;

export class Reactions {
  constructor({ stage, onSend }) {
    this.stage = stage;
    this.bar = el(
      'div',
      { class: 'reaction-bar', role: 'group', 'aria-label': t('reaction.bar'), dataset: { testid: 'reaction-bar' } },
      ...Object.entries(REACTIONS).map(([kind, glyph]) => {
        const b = el('button', { type: 'button', class: 'btn btn-ghost btn-small reaction-button', dataset: { testid: `reaction-${kind}` }, 'aria-label': t(`reaction.${kind}`), title: t(`reaction.${kind}`), text: glyph });
        b.addEventListener('click', () => onSend(kind));
        return b;
      }),
    );
    stage.append(this.bar);
  }

  /** reaction/shown: the glyph on the sender's tile for a few seconds. */
  show(id, kind) {
    const glyph = REACTIONS[kind];
    if (!glyph) return;
    const tile = this.stage.querySelector(`[data-testid="tile"][data-participant-id="${CSS.escape(String(id))}"]`);
    if (!tile) return;
    const flash = el('span', { class: 'reaction-flash', role: 'img', 'aria-label': t(`reaction.${kind}`), dataset: { testid: 'reaction-flash', kind }, text: glyph });
    tile.append(flash);
    setTimeout(() => flash.remove(), SHOW_MS);
  }
}
