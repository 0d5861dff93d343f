// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Accessibility checks with axe-core, injected from node_modules (never from a CDN): WCAG 2.0 and
// 2.1, levels A and AA. No rule is switched off; label-content-name-mismatch (WCAG 2.5.3) is
// tagged "experimental" in axe and would not run with the tags alone, so it is switched on.

const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./harness.js');

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe on the page as it is now; returns its violations. The script goes in as an inline
 * <script> (page.addScriptTag), which the server's CSP (script-src 'self') refuses: use a page
 * from newPage(browser, { bypassCSP: true }) (ui.test.js checks the CSP itself).
 */
async function axeViolations(page, { include } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(
    async ({ tags, include }) => {
      const r = await window.axe.run(include ? { include: [include] } : document, {
        runOnly: { type: 'tag', values: tags },
        rules: { 'label-content-name-mismatch': { enabled: true } },
        resultTypes: ['violations'],
      });
      return r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      }));
    },
    { tags: TAGS, include },
  );
}

/** "<id> (<impact>): <help>\n    <target> — <summary>" per violation. */
function formatViolations(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target} — ${String(n.summary || '').replace(/\s+/g, ' ')}`).join('\n')}`).join('\n');
}

/** Asserts that axe finds nothing on the page in its current state. */
async function assertNoViolations(page, label) {
  const v = await axeViolations(page);
  if (v.length) throw new Error(`axe: ${v.length} violation(s) on ${label}:\n${formatViolations(v)}`);
}

module.exports = { axeViolations, formatViolations, assertNoViolations, TAGS };
