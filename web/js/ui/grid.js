// SPDX-License-Identifier: EUPL-1.2
// Participant tiles: one per participant (name, initials avatar, hand badge, muted
// indicator, connection quality, options menu, <video> for the media plane) and a stage for
// screen shares. With a featured participant (layout.js: spotlight, pin or speaker view) that
// tile fills the stage and the others form a strip below it; tiles are never moved in the DOM
// (a moved <video> would restart), only restyled.
import { el, icon, initials, hueFor } from '../util.js';
import { t } from '../i18n.js';
import { MenuButton } from './menu.js';
import { sessionLabel } from './session.js';

const GAP = 8;
const ASPECT = 16 / 9;

export class Grid {
  /**
   * tileMenu(participant) → menu items for a tile's options (menu.js); menuHost: where menus go.
   */
  constructor({ grid, screenStage, room, media = null, tileMenu = null, menuHost = document.body }) {
    this.gridEl = grid;
    this.tileMenu = tileMenu;
    this.menuHost = menuHost;
    this.featured = { id: null, reason: null };
    this.screenEl = screenStage;
    this.room = room;
    this.media = media;
    this.tiles = new Map(); // id → {root, video, avatar, name, muted, hand}
    this.screens = new Map(); // participant → {root, video}
    this.videoTracks = new Map(); // id → MediaStreamTrack (camera)
    this.localCamera = null;
    // which participants have a tile on view (podium mode: the stage only, ui/podium.js)
    this.shows = () => true;
    this.filter = null; // (participant) → shown on the stage (breakout: one's own place only)
    this.ro = new ResizeObserver(() => this.layout());
    this.ro.observe(this.gridEl);
    room.addEventListener('change', (e) => this._onChange(e.detail));
  }

  setMedia(media) {
    this.media = media;
  }

  /** Show only the tiles of participants for whom fn(p) is true (null: everyone). */
  setFilter(fn) {
    this.filter = fn || null;
    let changed = false;
    for (const [id, tile] of this.tiles) {
      const p = this.room.participants.get(id);
      const hidden = !!(this.filter && p && !this.filter(p));
      if (tile.root.hidden !== hidden) {
        tile.root.hidden = hidden;
        changed = true;
      }
    }
    if (changed) this.layout();
  }

  _onChange(d) {
    switch (d.type) {
      case 'reset':
        this.render();
        break;
      case 'participant-joined':
        if (this.shows(d.participant)) this._ensureTile(d.participant);
        this.layout();
        break;
      case 'participant-left':
        this._removeTile(d.participant.id);
        this.setScreen(d.participant.id, null);
        this.layout();
        break;
      case 'hand':
      case 'track-state':
      case 'participant-updated':
        this._update(d.participant);
        break;
      case 'active-speaker':
        for (const [id, tile] of this.tiles) tile.root.classList.toggle('speaking', id === d.id);
        for (const [id, tile] of this.tiles) tile.speaking.hidden = id !== d.id;
        break;
      default:
        break;
    }
  }

  render() {
    const shown = this.room.list().filter((p) => this.shows(p));
    const ids = new Set(shown.map((p) => p.id));
    for (const id of [...this.tiles.keys()]) if (!ids.has(id)) this._removeTile(id);
    for (const p of shown) this._ensureTile(p);
    // keep DOM order = list order
    for (const p of shown) this.gridEl.append(this.tiles.get(p.id).root);
    this.layout();
  }

  _ensureTile(p) {
    let tile = this.tiles.get(p.id);
    if (!tile) {
      const video = el('video', { autoplay: true, playsinline: true, dataset: { testid: 'tile-video' } });
      video.muted = true; // audio plays through separate <audio> elements
      const avatar = el('div', { class: 'avatar', 'aria-hidden': 'true', dataset: { testid: 'avatar' } });
      const name = el('span', { class: 'tile-name', dataset: { testid: 'tile-name' } });
      const muted = el('span', { class: 'tile-muted', dataset: { testid: 'muted-indicator' }, role: 'img', 'aria-label': t('tile.muted'), title: t('tile.muted') }, icon('micOff'));
      const guest = el('span', { class: 'tile-guest', dataset: { testid: 'tile-guest' }, text: t('role.guest') });
      const session = el('span', { class: 'tile-guest tile-session', dataset: { testid: 'tile-session' } });
      const reconnecting = el('span', { class: 'tile-guest tile-reconnecting', dataset: { testid: 'tile-reconnecting' }, text: t('participants.reconnecting') });
      const speaking = el('span', { class: 'visually-hidden', text: t('tile.speaking') });
      speaking.hidden = true;
      const hand = el('div', { class: 'hand-badge', dataset: { testid: 'hand-badge' }, role: 'img', 'aria-label': t('tile.hand_raised'), title: t('tile.hand_raised') }, icon('hand'), el('span', { class: 'hand-pos' }));
      const quality = el('span', { class: 'tile-quality', role: 'img', dataset: { testid: 'quality-indicator' } }, el('span'), el('span'), el('span'));
      quality.hidden = true;
      const flag = el('span', { class: 'tile-flag', dataset: { testid: 'tile-flag' } });
      flag.hidden = true;
      const menuButton = el('button', { type: 'button', class: 'tile-menu-button', dataset: { testid: 'tile-menu-button' } }, icon('more'));
      const root = el(
        'div',
        { class: 'tile', role: 'group', dataset: { testid: 'tile', participantId: p.id } },
        video,
        avatar,
        hand,
        flag,
        menuButton,
        el('div', { class: 'tile-label' }, muted, quality, name, guest, session, reconnecting, speaking),
      );
      tile = { root, video, avatar, name, muted, hand, speaking, guest, session, reconnecting, quality, flag, menuButton };
      if (this.tileMenu) {
        tile.menu = new MenuButton(menuButton, { items: () => this.tileMenu(this.room.participants.get(p.id)), label: '', testid: 'tile-menu', host: this.menuHost });
      } else menuButton.hidden = true;
      this.tiles.set(p.id, tile);
      this.gridEl.append(root);
      if (p.self) root.classList.add('self');
      if (p.self && this.localCamera) this._setVideo(p.id, this.localCamera, true);
      else if (this.videoTracks.has(p.id)) this._setVideo(p.id, this.videoTracks.get(p.id), false);
    }
    this._update(p);
    return tile;
  }

  /** After a language switch: the texts a tile got when it was built, then the rest. */
  relabel() {
    for (const tile of this.tiles.values()) {
      for (const [node, key] of [
        [tile.muted, 'tile.muted'],
        [tile.hand, 'tile.hand_raised'],
      ]) {
        node.setAttribute('aria-label', t(key));
        node.title = t(key);
      }
      tile.guest.textContent = t('role.guest');
      tile.reconnecting.textContent = t('participants.reconnecting');
      tile.speaking.textContent = t('tile.speaking');
    }
    for (const p of this.room.list()) if (this.tiles.has(p.id)) this._update(p);
  }

  /**
   * Who is shown changed (podium mode, the stage): tiles come and go; the others keep their
   * place (a moved <video> would restart). Off the stage there is no tile at all, so that a
   * thousand listeners cost the chair's page nothing here.
   */
  refreshShown() {
    for (const p of this.room.list()) {
      const has = this.tiles.has(p.id);
      if (this.shows(p)) this._ensureTile(p);
      else if (has) this._removeTile(p.id);
    }
    this.layout();
  }

  _update(p) {
    const tile = this.tiles.get(p.id);
    if (!tile) return;
    const label = p.self ? `${p.display_name} ${t('meeting.you_suffix')}` : p.display_name;
    tile.name.textContent = label;
    tile.root.setAttribute('aria-label', label);
    const options = t('tile.options', { name: p.display_name });
    tile.menuButton.setAttribute('aria-label', options);
    tile.menuButton.title = options;
    if (tile.menu) tile.menu.menu.setAttribute('aria-label', options);
    tile.avatar.textContent = initials(p.display_name);
    tile.avatar.style.setProperty('--hue', String(hueFor(p.id + p.display_name)));
    tile.hand.hidden = !p.hand_raised;
    tile.guest.hidden = p.role !== 'guest';
    tile.reconnecting.hidden = p.connection !== 'reconnecting';
    tile.root.classList.toggle('reconnecting', p.connection === 'reconnecting');
    tile.root.dataset.connection = p.connection || 'connected';
    tile.session.textContent = sessionLabel(p);
    tile.session.hidden = !tile.session.textContent;
    // positions in the queue can change for everyone when one hand goes up or down
    for (const other of this.room.participants.values()) this._updateHandPos(other);
    tile.muted.hidden = !p.muted.microphone;
    tile.root.hidden = !!(this.filter && !this.filter(p));
    this._updateVideoVisibility(p.id);
  }

  _updateHandPos(p) {
    const tile = this.tiles.get(p.id);
    if (!tile) return;
    const pos = p.hand_raised ? this.room.hands().findIndex((h) => h.id === p.id) + 1 : 0;
    tile.hand.querySelector('.hand-pos').textContent = pos ? String(pos) : '';
  }

  _removeTile(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    if (this.media) this.media.unobserveVideo(tile.video, { hidden: false });
    if (tile.menu) tile.menu.destroy();
    tile.video.srcObject = null;
    tile.root.remove();
    this.tiles.delete(id);
  }

  /** Camera of participant id (null = none). For self, the local preview track. */
  setVideo(id, track) {
    if (track) this.videoTracks.set(id, track);
    else this.videoTracks.delete(id);
    this._setVideo(id, track, false);
  }

  setLocalCamera(track) {
    this.localCamera = track;
    if (this.room.selfId) this._setVideo(this.room.selfId, track, true);
  }

  _setVideo(id, track, local) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    if (track) {
      if (!tile.video.srcObject || tile.video.srcObject.getVideoTracks()[0] !== track) {
        tile.video.srcObject = new MediaStream([track]);
        tile.video.play().catch(() => {});
      }
      if (!local && this.media) this.media.observeVideo(tile.video, id, 'camera');
      tile.track = track;
      track.addEventListener('mute', () => this._updateVideoVisibility(id));
      track.addEventListener('unmute', () => this._updateVideoVisibility(id));
    } else {
      if (this.media && !local) this.media.unobserveVideo(tile.video);
      tile.video.srcObject = null;
      tile.track = null;
    }
    this._updateVideoVisibility(id);
  }

  _updateVideoVisibility(id) {
    const tile = this.tiles.get(id);
    const p = this.room.participants.get(id);
    if (!tile || !p) return;
    const tr = tile.track;
    const on = !!tr && tr.readyState === 'live' && !p.muted.camera && (p.self ? tr.enabled : !tr.muted);
    tile.root.classList.toggle('has-video', on);
  }

  /** Screen share of participant id shown large (track null = ended). */
  setScreen(id, track) {
    const cur = this.screens.get(id);
    if (!track) {
      if (cur) {
        if (this.media) this.media.unobserveVideo(cur.video, { hidden: false });
        cur.video.srcObject = null;
        cur.root.remove();
        this.screens.delete(id);
      }
    } else {
      if (!cur) {
        const video = el('video', { autoplay: true, playsinline: true });
        video.muted = true;
        const name = this.room.name(id);
        const root = el('div', { class: 'screen', dataset: { testid: 'screen-share', participantId: id } }, video, el('span', { class: 'tile-label screen-label', text: t('meeting.screen_of', { name }) }));
        this.screenEl.append(root);
        this.screens.set(id, { root, video });
      }
      const s = this.screens.get(id);
      s.video.srcObject = new MediaStream([track]);
      s.video.play().catch(() => {});
      if (this.media && id !== this.room.selfId) this.media.observeVideo(s.video, id, 'screen');
    }
    // one screen at a time on the stage: the most recent
    const list = [...this.screens.values()];
    list.forEach((s, i) => {
      s.root.hidden = i !== list.length - 1;
    });
    this.screenEl.hidden = this.screens.size === 0;
    this.layout();
  }

  /** The participant shown large ({id, reason} from layout.js; id null: plain grid). */
  setFeatured(f) {
    this.featured = { id: f.id || null, reason: f.reason || null };
    for (const [id, tile] of this.tiles) this._updateFlag(id, tile);
    this.layout();
  }

  _updateFlag(id, tile) {
    const on = id === this.featured.id;
    tile.root.classList.toggle('featured', on);
    const text = on && this.featured.reason === 'spotlight' ? t('layout.flag_spotlight') : on && this.featured.reason === 'pin' ? t('layout.flag_pinned') : '';
    tile.flag.textContent = text;
    tile.flag.hidden = !text;
    tile.flag.dataset.reason = text ? this.featured.reason : '';
  }

  /** Connection quality of a tile: level 'good'|'medium'|'poor' or null (unknown: hidden). */
  setQuality(id, level, text) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.quality.hidden = !level;
    tile.quality.dataset.quality = level || '';
    tile.quality.setAttribute('aria-label', text || '');
    tile.quality.title = text || '';
  }

  layout() {
    const n = [...this.tiles.values()].filter((tile) => !tile.root.hidden).length || 1;
    const W = this.gridEl.clientWidth;
    const H = this.gridEl.clientHeight;
    const featured = this.featured.id && this.tiles.has(this.featured.id) && !this.tiles.get(this.featured.id).root.hidden;
    this.gridEl.classList.toggle('featured-mode', !!featured);
    if (featured) for (const [id, tile] of this.tiles) this._updateFlag(id, tile);
    if (!W || !H) return;
    if (featured) {
      // the others in a strip of small tiles below the featured one
      const stripH = n > 1 ? Math.max(56, Math.min(140, Math.floor(H * 0.22))) : 0;
      this.gridEl.style.setProperty('--strip-h', `${stripH}px`);
      this.gridEl.style.setProperty('--strip-w', `${Math.floor(stripH * ASPECT)}px`);
      this.gridEl.style.setProperty('--featured-h', `${Math.floor(H - (n > 1 ? stripH + GAP : 0))}px`);
      return;
    }
    let best = { w: 0, cols: 1, h: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      let w = (W - (cols - 1) * GAP) / cols;
      let h = w / ASPECT;
      if (rows * h + (rows - 1) * GAP > H) {
        h = (H - (rows - 1) * GAP) / rows;
        w = h * ASPECT;
      }
      if (w > best.w) best = { w, cols, h };
    }
    this.gridEl.style.setProperty('--cols', String(best.cols));
    this.gridEl.style.setProperty('--tile-w', `${Math.floor(best.w)}px`);
    this.gridEl.style.setProperty('--tile-h', `${Math.floor(best.h)}px`);
  }

  destroy() {
    this.ro.disconnect();
    for (const id of [...this.tiles.keys()]) this._removeTile(id);
    for (const id of [...this.screens.keys()]) this.setScreen(id, null);
  }
}
