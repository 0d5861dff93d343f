// SPDX-License-Identifier: EUPL-1.2
// The site footer of every page: the operator's imprint and privacy notice (German authorities
// must link both from every page; config imprint_url / privacy_url) and the server's version.
// Filled from GET /api/v1/site; a link the operator did not configure is left out.
import { el } from './util.js';
import { t } from './i18n.js';

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

/** Fills every <footer class="page-footer"> of the page. */
export async function initFooter() {
  const footers = document.querySelectorAll('footer.page-footer');
  if (!footers.length) return;
  const site = await getSiteInfo();
  for (const f of footers) f.replaceChildren(...legalNodes(site));
}
