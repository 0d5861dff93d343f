// SPDX-License-Identifier: EUPL-1.2
// Control bar: microphone, camera, screen, device settings, hand, chat, participants, more,
// leave. On a phone (app.css, max-width 600px) screen, settings and participants leave the bar
// (class ctrl-overflow) and are reached through "More", which also holds the layout choice and
// "Copy link" at every width; PHONE_QUERY is the one place JS asks which case holds.
import { el, icon } from '../util.js';
import { t } from '../i18n.js';
import { MenuButton } from './menu.js';

export const PHONE_QUERY = '(max-width: 600px)';

// A control's accessible name always contains its visible label (WCAG 2.5.3 "label in name"):
// either the same text as aria-label, a longer aria-label that starts with it (leave), or, for
// buttons with a count badge, no aria-label at all: the name is the label plus a visually
// hidden explanation of the (aria-hidden) badge.
function ctrl({ id, testid, iconName, label, cls = '', pressed, controls, named = true }) {
  const lab = el('span', { class: 'ctrl-label', text: label });
  const b = el(
    'button',
    { type: 'button', class: `ctrl ${cls}`, id, 'aria-label': named ? label : undefined, title: label, dataset: { testid }, 'aria-controls': controls },
    icon(iconName),
    lab,
  );
  if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
  b._label = lab;
  return b;
}

export class Controls extends EventTarget {
  constructor(nav) {
    super();
    this.nav = nav;
    this.mic = ctrl({ id: 'ctrl-mic', testid: 'mic-button', iconName: 'mic', label: t('controls.mic'), pressed: false });
    this.cam = ctrl({ id: 'ctrl-cam', testid: 'camera-button', iconName: 'cam', label: t('controls.cam'), pressed: false });
    this.screen = ctrl({ id: 'ctrl-screen', testid: 'screen-button', iconName: 'screen', label: t('controls.screen_start'), cls: 'ctrl-screen', pressed: false });
    this.settings = ctrl({ id: 'ctrl-settings', testid: 'settings-button', iconName: 'settings', label: t('controls.settings'), controls: 'settings-dialog' });
    this.settings.setAttribute('aria-haspopup', 'dialog');
    this.settings.title = t('controls.settings_label');
    this.hand = ctrl({ id: 'ctrl-hand', testid: 'hand-button', iconName: 'hand', label: t('controls.hand_raise'), cls: 'ctrl-hand', pressed: false });
    this.chat = ctrl({ id: 'ctrl-chat', testid: 'chat-button', iconName: 'chat', label: t('controls.chat'), controls: 'chat-panel', named: false });
    this.people = ctrl({ id: 'ctrl-people', testid: 'participants-button', iconName: 'people', label: t('controls.participants'), controls: 'participants-panel', named: false });
    this.more = ctrl({ id: 'ctrl-more', testid: 'more-button', iconName: 'more', label: t('controls.more') });
    this.moreItems = () => [];
    this.moreMenu = new MenuButton(this.more, { items: () => this.moreItems(), label: t('controls.more_label'), testid: 'more-menu', host: nav.parentElement || document.body });
    for (const b of [this.screen, this.settings, this.people]) b.classList.add('ctrl-overflow');
    this.leave = ctrl({ id: 'ctrl-leave', testid: 'leave-button', iconName: 'leave', label: t('controls.leave'), cls: 'ctrl-leave' });
    this.leave.setAttribute('aria-label', t('controls.leave_label'));
    this.leave.title = t('controls.leave_label');
    this.chat.setAttribute('aria-expanded', 'false');
    this.people.setAttribute('aria-expanded', 'false');
    // the badges are for the eye; screen readers get the sentence after them
    this.badge = el('span', { class: 'badge', 'aria-hidden': 'true', dataset: { testid: 'unread-badge' } });
    this.badge.hidden = true;
    this.unreadText = el('span', { class: 'visually-hidden' });
    this.chat.append(this.badge, this.unreadText);
    this.lobbyBadge = el('span', { class: 'badge badge-lobby', 'aria-hidden': 'true', dataset: { testid: 'lobby-badge' } });
    this.lobbyBadge.hidden = true;
    this.lobbyText = el('span', { class: 'visually-hidden' });
    this.people.append(this.lobbyBadge, this.lobbyText);
    // on a phone the participants button is in "More": its lobby count shows there
    this.moreBadge = el('span', { class: 'badge badge-lobby ctrl-phone-only', 'aria-hidden': 'true', dataset: { testid: 'more-lobby-badge' } });
    this.moreBadge.hidden = true;
    this.moreText = el('span', { class: 'visually-hidden ctrl-phone-only' });
    this.more.append(this.moreBadge, this.moreText);
    this.more.removeAttribute('aria-label'); // name: the label plus the lobby sentence
    nav.replaceChildren(this.mic, this.cam, this.screen, this.settings, el('span', { class: 'sep', 'aria-hidden': 'true' }), this.hand, this.chat, this.people, this.more, el('span', { class: 'sep', 'aria-hidden': 'true' }), this.leave);
    const map = { mic: 'mic', cam: 'camera', screen: 'screen', settings: 'settings', hand: 'hand', chat: 'chat', people: 'participants', leave: 'leave' };
    for (const [k, action] of Object.entries(map)) this[k].addEventListener('click', () => this.dispatchEvent(new CustomEvent(action)));
    if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) this.screen.hidden = true;
  }

  /** Media controls: available (server has media), on/off, device present. */
  setMedia({ available, mic, cam, screen, hasMic = true, hasCam = true }) {
    const set = (b, on, label, offLabel, iconOn, iconOff) => {
      b.disabled = !available;
      b.setAttribute('aria-pressed', String(!!on));
      b.classList.toggle('is-off', available && !on);
      b.replaceChild(icon(on || !available ? iconOn : iconOff), b.querySelector('svg'));
      b.title = !available ? t('controls.unavailable') : on ? offLabel : label;
    };
    set(this.mic, mic, t('controls.mic_off'), t('controls.mic_on'), 'mic', 'micOff');
    set(this.cam, cam, t('controls.cam_off'), t('controls.cam_on'), 'cam', 'camOff');
    if (available && !hasMic && !mic) this.mic.title = t('controls.no_device');
    if (available && !hasCam && !cam) this.cam.title = t('controls.no_device');
    this.screen.disabled = !available;
    this.settings.disabled = !available;
    this.settings.title = available ? t('controls.settings_label') : t('controls.unavailable');
    this.screen.setAttribute('aria-pressed', String(!!screen));
    const sl = screen ? t('controls.screen_stop') : t('controls.screen_start');
    this.screen.setAttribute('aria-label', sl);
    this.screen.title = available ? sl : t('controls.unavailable');
    this.screen._label.textContent = screen ? t('controls.screen_stop') : t('controls.screen');
  }

  setHand(raised) {
    this.hand.setAttribute('aria-pressed', String(raised));
    const label = raised ? t('controls.hand_lower') : t('controls.hand_raise');
    this.hand._label.textContent = label;
    this.hand.title = label;
    // the name follows the visible label ("Lower hand" while raised); aria-pressed says it is up
    this.hand.setAttribute('aria-label', label);
  }

  setPanel(which, open) {
    const b = which === 'chat' ? this.chat : this.people;
    b.setAttribute('aria-expanded', String(open));
  }

  /** After a language switch: the labels that no other setter redraws (mic, camera, screen
   * and hand follow setMedia/setHand; the counts' sentences setUnread/setLobbyCount). */
  relabel() {
    const label = (b, text, name = text) => {
      b._label.textContent = text;
      b.title = name;
      if (b.hasAttribute('aria-label')) b.setAttribute('aria-label', name);
    };
    label(this.settings, t('controls.settings'));
    this.settings.title = t('controls.settings_label');
    label(this.chat, t('controls.chat'));
    label(this.people, t('controls.participants'));
    label(this.more, t('controls.more'));
    label(this.leave, t('controls.leave'), t('controls.leave_label'));
    this.setUnread(this.unreadCount || 0);
    this.setLobbyCount(this.lobbyCount || 0);
  }

  setUnread(n) {
    this.unreadCount = n;
    this.badge.hidden = n <= 0;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.unreadText.textContent = n > 0 ? ` – ${t('controls.unread', { n })}` : '';
  }

  /** People waiting in the lobby (shown to meeting moderators on the participants button). */
  setLobbyCount(n) {
    this.lobbyCount = n;
    this.lobbyBadge.hidden = n <= 0;
    this.lobbyBadge.textContent = n > 99 ? '99+' : String(n);
    this.lobbyText.textContent = n > 0 ? ` – ${t('controls.lobby_waiting', { n })}` : '';
    this.moreBadge.hidden = n <= 0;
    this.moreBadge.textContent = this.lobbyBadge.textContent;
    this.moreText.textContent = this.lobbyText.textContent;
  }

  /** Is the bar in its phone form (screen, settings, participants in "More")? */
  isPhone() {
    return window.matchMedia(PHONE_QUERY).matches;
  }

  setEnabled(on) {
    for (const b of [this.hand, this.chat, this.people, this.more]) b.disabled = !on;
    if (!on) this.moreMenu.close(false);
  }
}
