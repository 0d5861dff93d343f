// SPDX-License-Identifier: EUPL-1.2
// The site footer of every page: the operator's imprint and privacy notice (German authorities
// must link both from every page; config imprint_url / privacy_url) and the server's version.
// Filled from GET /api/v1/site; a link the operator did not configure is left out. It also
// holds the language switcher (the meeting's settings dialog has one too).
import { el } from './util.js';
import { t, lang, setLanguage, LANGUAGES, LANGUAGE_NAMES } from './i18n.js';

let sitePromise = null;

/** {version, imprint_url, privacy_url}, fetched once per page; nulls when the server is older. */
export function getSiteInfo() {
  if (!sitePromise) {
    sitePromise = fetch('/api/v1/site', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}))
      .then((d) => ({
        version: typeof d.version === 'string' ? d.version : '',
        imprint_url: typeof d.imprint_url === 'string' ? d.imprint_url : null,
        privacy_url: typeof d.privacy_url === 'string' ? d.privacy_url : null,
      }));
  }
  return sitePromise;
}

/** The links and the version as nodes (for the footer and the meeting's settings dialog). */
export function legalNodes(site) {
  const nodes = [];
  if (site.imprint_url) nodes.push(el('a', { href: site.imprint_url, rel: 'noopener', dataset: { testid: 'imprint-link' }, text: t('footer.imprint') }));
  if (site.privacy_url) nodes.push(el('a', { href: site.privacy_url, rel: 'noopener', dataset: { testid: 'privacy-link' }, text: t('footer.privacy') }));
  if (site.version) nodes.push(el('span', { class: 'version', dataset: { testid: 'version' }, text: t('footer.version', { version: site.version }) }));
  return nodes;
}

/**
 * A labelled <select> of the client's languages, each named in its own language. A change
 * switches at once (setLanguage: remembered in a cookie, no reload, a meeting goes on).
 * `where` makes the id and test id unique per place ('footer', 'settings').
 */
export function languageSwitcher(where) {
  const id = `${where}-language`;
  const select = el('select', { id, dataset: { testid: `${where}-language` } }, ...LANGUAGES.map((l) => el('option', { value: l, lang: l, text: LANGUAGE_NAMES[l] })));
  select.value = lang;
  const label = el('label', { for: id, text: t('footer.language') });
  select.addEventListener('change', () => setLanguage(select.value));
  window.addEventListener('ratsaal:language', () => {
    select.value = lang;
    label.textContent = t('footer.language');
  });
  return el('span', { class: 'language-switch' }, label, select);
}

/** Fills every <footer class="page-footer"> of the page: links, version, language switcher. */
export async function initFooter() {
  const footers = [...document.querySelectorAll('footer.page-footer')];
  if (!footers.length) return;
  const switchers = footers.map(() => languageSwitcher('footer'));
  footers.forEach((f, i) => f.replaceChildren(switchers[i]));
  const site = await getSiteInfo();
  const fill = () => footers.forEach((f, i) => f.replaceChildren(...legalNodes(site), switchers[i]));
  fill();
  window.addEventListener('ratsaal:language', fill);
}
