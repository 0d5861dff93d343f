// SPDX-License-Identifier: EUPL-1.2
// A menu button (WAI-ARIA "menu button" pattern), used by the control bar's "More" and each
// tile's options. The button carries aria-haspopup="menu" and aria-expanded; the menu is a
// role="menu" list built afresh from items() on every open, so it always shows the current
// state. Keys: Enter/Space/ArrowDown on the button open it with focus on the first item
// (ArrowUp: the last); in the menu ArrowUp/ArrowDown/Home/End move, Escape closes and returns
// to the button, Tab closes. A tap outside closes it. The menu is positioned fixed next to its
// button (above when there is no room below) inside `host`, so a tile's overflow cannot clip it.
import { el, icon } from '../util.js';

let seq = 0;

export class MenuButton {
  /**
   * @param {HTMLButtonElement} button
   * @param {{items: () => Array<object|null>, label: string, testid: string, host?: Element}} o
   *   items: {label, run, icon?, checked?: boolean (a radio item), toggled?: boolean (on/off), testid?, note?: string}
   *   (null entries are skipped, 'separator' draws a line)
   */
  constructor(button, { items, label, testid, host = document.body }) {
    this.button = button;
    this.items = items;
    this.menu = el('div', { role: 'menu', class: 'menu', id: `menu-${++seq}`, 'aria-label': label, dataset: { testid } });
    this.menu.hidden = true;
    host.append(this.menu);
    button.setAttribute('aria-haspopup', 'menu');
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', this.menu.id);
    button.addEventListener('click', () => (this.isOpen ? this.close(true) : this.open(0)));
    button.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.open(e.key === 'ArrowUp' ? -1 : 0);
      }
    });
    this.menu.addEventListener('keydown', (e) => this._onKey(e));
    this._outside = (e) => {
      if (this.isOpen && !this.menu.contains(e.target) && !this.button.contains(e.target)) this.close(false);
    };
    document.addEventListener('pointerdown', this._outside);
  }

  get isOpen() {
    return !this.menu.hidden;
  }

  _entries() {
    return [...this.menu.querySelectorAll('[role^="menuitem"]')];
  }

  open(focusIndex = 0) {
    const nodes = [];
    for (const it of this.items()) {
      if (!it) continue;
      if (it === 'separator') {
        if (nodes.length) nodes.push(el('div', { role: 'separator', class: 'menu-sep' }));
        continue;
      }
      // checked: a radio item (the layouts); toggled: an on/off item (podium mode)
      const radio = typeof it.checked === 'boolean';
      const box = typeof it.toggled === 'boolean';
      const b = el(
        'button',
        { type: 'button', class: 'menu-item', role: radio ? 'menuitemradio' : box ? 'menuitemcheckbox' : 'menuitem', tabindex: '-1', dataset: { testid: it.testid } },
        it.icon ? icon(it.icon) : el('span', { class: 'menu-check', 'aria-hidden': 'true', text: (radio && it.checked) || (box && it.toggled) ? '✓' : '' }),
        el('span', { class: 'menu-label', text: it.label }),
        it.note ? el('span', { class: 'menu-note', text: it.note }) : null,
      );
      if (radio) b.setAttribute('aria-checked', String(it.checked));
      if (box) b.setAttribute('aria-checked', String(it.toggled));
      b.addEventListener('click', () => {
        this.close(true);
        it.run();
      });
      nodes.push(b);
    }
    this.menu.replaceChildren(...nodes);
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this._place();
    const list = this._entries();
    if (list.length) list[(focusIndex + list.length) % list.length].focus();
  }

  close(restoreFocus) {
    if (!this.isOpen) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (restoreFocus && this.button.isConnected) this.button.focus();
  }

  _place() {
    const r = this.button.getBoundingClientRect();
    const m = this.menu;
    m.style.left = '0px';
    m.style.top = '0px';
    const w = m.offsetWidth;
    const h = m.offsetHeight;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const left = Math.max(8, Math.min(r.right - w, vw - w - 8));
    const below = r.bottom + 4;
    const top = below + h <= vh - 8 ? below : Math.max(8, r.top - h - 4);
    m.style.left = `${Math.round(left)}px`;
    m.style.top = `${Math.round(top)}px`;
  }

  _onKey(e) {
    const list = this._entries();
    const i = list.indexOf(document.activeElement);
    const go = (n) => {
      e.preventDefault();
      if (list.length) list[(n + list.length) % list.length].focus();
    };
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(list.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.close(true);
    } else if (e.key === 'Tab') this.close(false);
  }

  destroy() {
    document.removeEventListener('pointerdown', this._outside);
    this.menu.remove();
  }
}
