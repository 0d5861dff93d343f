// SPDX-License-Identifier: EUPL-1.2
// The public live page (/live/{id}, web/live.html; docs/api.md "Live"): the meeting's title, the
// current public agenda item and the livestream, for anyone with the link — no account, nothing
// from other hosts. It polls /live/{id}/info.json ({title, live, agenda_item}) and plays
// /live/{id}/index.m3u8 while `live` is true: natively where the browser plays HLS (Safari),
// else with hls.js (/vendor/hls.min.js, loaded by the page as a classic script; the live page's
// CSP allows its blob: worker, http/server.c CSP_LIVE). The language is the visitor's (i18n.js:
// the switcher's cookie, else the browser's languages), the footer as on every page.
//
// The one subtle point: a playlist that stops growing is not an error to show forever. When
// info.json says the stream ended the player is torn down and "not live" shown; when it comes
// back, a fresh player is attached (hls.js does not resume a playlist that ended).
import { t, applyI18n } from './i18n.js';
import { initFooter } from './footer.js';
import { roomFromPath } from './util.js';

const POLL_MS = 5000;
const $ = (id) => document.getElementById(id);

class LivePage {
  constructor(id) {
    this.id = id;
    this.base = `/live/${encodeURIComponent(id)}`;
    this.info = null; // the last info.json, or null before the first answer
    this.missing = false; // info.json answered 404
    this.hls = null;
    this.attached = false;
    this.trouble = false; // the player reported an error it is recovering from
    this.video = $('live-video');
  }

  async poll() {
    try {
      const r = await fetch(`${this.base}/info.json`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (r.status === 404) {
        this.missing = true;
        this.info = null;
      } else if (r.ok) {
        const d = await r.json();
        this.missing = false;
        this.info = {
          title: typeof d.title === 'string' ? d.title : '',
          live: d.live === true,
          agenda_item: typeof d.agenda_item === 'string' && d.agenda_item ? d.agenda_item : null,
        };
      }
    } catch {
      /* offline for a moment: keep what we had and ask again */
    }
    this.render();
    setTimeout(() => this.poll(), POLL_MS);
  }

  render() {
    const info = this.info;
    const live = !!(info && info.live);
    const title = info && info.title ? info.title : t('live.heading_default');
    $('live-title').textContent = title;
    document.title = `${title} – ${t('live.title')} – Ratsaal`;
    const agenda = $('live-agenda');
    agenda.hidden = !(info && info.agenda_item);
    agenda.textContent = info && info.agenda_item ? t('live.agenda_item', { item: info.agenda_item }) : '';
    const mark = $('live-mark');
    mark.hidden = !live;
    mark.textContent = live ? `● ${t('live.is_live')}` : '';
    document.body.dataset.live = String(live);
    if (live) this.attach();
    else this.detach();
    const status = $('live-status');
    const hint = $('live-status-hint');
    let text = '';
    let hintText = '';
    if (this.missing) text = t('live.not_found');
    else if (!live) {
      text = t('live.not_live');
      hintText = t('live.not_live_hint');
    } else if (this.unsupported) text = t('live.unsupported');
    else if (this.trouble) text = t('live.error');
    // the same words are not announced again on every poll
    if (status.textContent !== text) status.textContent = text;
    hint.textContent = hintText;
    $('live-offline').hidden = live && !this.unsupported && !this.trouble;
    this.video.hidden = !live || this.unsupported;
    document.body.dataset.state = this.missing ? 'missing' : live ? 'live' : 'offline';
  }

  attach() {
    if (this.attached) return;
    const src = `${this.base}/index.m3u8`;
    this.unsupported = false;
    this.trouble = false;
    if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = src;
    } else if (window.Hls && window.Hls.isSupported()) {
      const Hls = window.Hls;
      const hls = new Hls({ lowLatencyMode: false });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data || !data.fatal) return;
        this.trouble = true;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) setTimeout(() => this.hls === hls && hls.startLoad(), 2000);
        else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else {
          // not recoverable: a fresh player on the next poll
          this.detach();
        }
        this.render();
      });
      hls.on(Hls.Events.FRAG_LOADED, () => {
        if (!this.trouble) return;
        this.trouble = false;
        this.render();
      });
      hls.loadSource(src);
      hls.attachMedia(this.video);
      this.hls = hls;
    } else {
      this.unsupported = true;
      return;
    }
    this.attached = true;
    this.video.play().catch(() => {
      /* autoplay refused: the controls start it */
    });
  }

  detach() {
    if (!this.attached) return;
    this.attached = false;
    this.trouble = false;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
  }
}

export async function initLive() {
  applyI18n(document);
  initFooter();
  // the switcher in the footer: the page again in the other language
  window.addEventListener('ratsaal:language', () => location.reload());
  const id = roomFromPath(location.pathname, 'live');
  if (!id) {
    $('live-title').textContent = t('live.heading_default');
    $('live-status').textContent = t('live.not_found');
    document.body.dataset.state = 'missing';
    document.documentElement.dataset.ready = '1';
    return;
  }
  const page = new LivePage(id);
  window.__ratsaalLive = page;
  page.render();
  await page.poll();
  document.documentElement.dataset.ready = '1';
}

initLive();
