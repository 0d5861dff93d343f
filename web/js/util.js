// SPDX-License-Identifier: EUPL-1.2
// Small helpers shared by the pages. No dependencies.

export const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** 16 random bytes → base64url without padding (22 chars). */
export function newRoomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Accepts a room id or a full link (…/r/<id>, any host) and returns the room id, or null.
 */
export function parseRoomInput(input) {
  const s = String(input || '').trim();
  if (!s) return null;
  if (ROOM_RE.test(s)) return s;
  let url;
  try {
    url = new URL(s, location.origin);
  } catch {
    return null;
  }
  if (!/^https?:$/.test(url.protocol)) return null;
  const m = url.pathname.match(/^\/r\/([^/]+)\/?$/);
  if (!m) return null;
  let id;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return ROOM_RE.test(id) ? id : null;
}

/** Room id from /r/<room> (or /<prefix>/<room>, e.g. the live page's /live/<room>), or null. */
export function roomFromPath(pathname = location.pathname, prefix = 'r') {
  const m = String(pathname || '').match(new RegExp(`^/${prefix}/([^/]+)/?$`));
  if (!m) return null;
  try {
    const id = decodeURIComponent(m[1]);
    return ROOM_RE.test(id) ? id : null;
  } catch {
    return null;
  }
}

// characters that show nothing on their own (the server's list, room/dispatch.c is_invisible)
const INVISIBLE_ONLY = /^[\s\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2000-\u200d\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]+$/u;

/** Validates a display name like the server does. Returns {ok, value, error}. */
export function checkDisplayName(raw) {
  const value = String(raw || '').trim();
  if (!value) return { ok: false, value, error: 'prejoin.name_empty' };
  if ([...value].length > 64) return { ok: false, value, error: 'prejoin.name_too_long' };
  // the server's text rule (docs/protocol.md): controls, line/paragraph separators and bidi
  // controls are refused; a name of only invisible or space characters is empty
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/.test(value)) return { ok: false, value, error: 'prejoin.name_invalid' };
  if (INVISIBLE_ONLY.test(value)) return { ok: false, value, error: 'prejoin.name_empty' };
  return { ok: true, value, error: null };
}

/**
 * Up to two initials from a display name: letters only, from the first and the last word, with
 * anything in parentheses or brackets left out ("Gerda Gast (Bürgerin)" → "GG"). "?" when the
 * name has no letter at all.
 */
export function initials(name) {
  let s = String(name || '');
  const stripped = s.replace(/[([{][^)\]}]*[)\]}]/g, ' ');
  if (/\p{L}/u.test(stripped)) s = stripped;
  const words = s
    .trim()
    .split(/\s+/)
    .map((w) => [...w].filter((ch) => /\p{L}/u.test(ch)))
    .filter((w) => w.length);
  if (!words.length) return '?';
  const first = words[0][0];
  const last = words.length > 1 ? words[words.length - 1][0] : '';
  return (first + last).toUpperCase();
}

/** A stable hue 0–359 from a string (for avatar colours). */
export function hueFor(str) {
  let h = 0;
  for (const ch of String(str)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 360;
}

/** el('div', {class: 'x', dataset: {testid: 'y'}, text: 'hi'}, child, …) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Inline icons drawn as SVG paths (24×24, stroke = currentColor). */
const ICONS = {
  mic: 'M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z M5 11a7 7 0 0 0 14 0 M12 18v3 M8 21h8',
  micOff: 'M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z M5 11a7 7 0 0 0 14 0 M12 18v3 M8 21h8 M3 3l18 18',
  cam: 'M3 7h12v10H3z M15 10l6-3v10l-6-3',
  camOff: 'M3 7h12v10H3z M15 10l6-3v10l-6-3 M3 3l18 18',
  screen: 'M3 4h18v12H3z M8 20h8 M12 16v4',
  hand: 'M7 11V6a1.5 1.5 0 0 1 3 0v4 M10 10V4.5a1.5 1.5 0 0 1 3 0V10 M13 10V5.5a1.5 1.5 0 0 1 3 0V11 M16 11V8a1.5 1.5 0 0 1 3 0v6a7 7 0 0 1-7 7h-1a6 6 0 0 1-5-3l-2.5-4.5a1.5 1.5 0 0 1 2.5-1.5L7 14',
  chat: 'M4 5h16v11H9l-5 4z',
  people: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z M2.5 20a6.5 6.5 0 0 1 13 0 M16 4.5a3.5 3.5 0 0 1 0 6.5 M18 14a6 6 0 0 1 3.5 6',
  leave: 'M10 17l-5-5 5-5 M5 12h11 M14 4h5v16h-5',
  close: 'M6 6l12 12 M18 6L6 18',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1 M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  settings: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06a1.65 1.65 0 0 0 .33-1.82 1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06a1.65 1.65 0 0 0 1.82.33H9a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06a1.65 1.65 0 0 0-.33 1.82V9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z',
  star: 'M12 3l2.6 5.6 6 .7-4.5 4.1 1.2 6-5.3-3-5.3 3 1.2-6L3.4 9.3l6-.7z',
  more: 'M4 12a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0 M10.5 12a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0 M17 12a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0',
};

export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name] || '');
  svg.append(path);
  return svg;
}

export function formatTime(ts, lang) {
  try {
    return new Date(ts).toLocaleTimeString(lang === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
}

export function debounce(fn, ms) {
  let timer = null;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(timer);
  return d;
}

export const store = {
  get(key, fallback = null) {
    try {
      const v = localStorage.getItem('ratsaal.' + key);
      return v === null ? fallback : JSON.parse(v);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem('ratsaal.' + key, JSON.stringify(value));
    } catch {
      /* private mode or quota: ignore */
    }
  },
};
