// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Screenshots compared with baselines kept in git (tests/e2e/screenshots/<name>.png).
//
// No PNG package is needed: Chromium decodes both images (createImageBitmap on a canvas in a
// blank page of the test's own browser) and counts the pixels whose colour differs by more than
// `threshold` in any channel. Live regions (video from the fake camera moves, connection bars
// follow the network) are masked by the caller through Playwright's `mask`, so they are one
// flat colour in both images. Every screenshot is also written to tests/e2e/artifacts/ (with a
// -diff.png marking differing pixels in red when it fails). UPDATE_SCREENSHOTS=1 rewrites the
// baselines instead of comparing; a missing baseline is a failure, never a silent pass.

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { ROOT, ARTIFACTS } = require('./harness.js');

const BASELINES = path.join(ROOT, 'tests/e2e/screenshots');

/** Decodes both PNGs in `page` and compares them. Returns {width, height, differing, diffPng}. */
async function comparePngs(page, actual, baseline, threshold) {
  return page.evaluate(
    async ({ a, b, threshold: th }) => {
      const decode = async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const c = new OffscreenCanvas(bmp.width, bmp.height);
        const g = c.getContext('2d');
        g.drawImage(bmp, 0, 0);
        return g.getImageData(0, 0, bmp.width, bmp.height);
      };
      const A = await decode(a);
      const B = await decode(b);
      if (A.width !== B.width || A.height !== B.height) return { width: A.width, height: A.height, baseWidth: B.width, baseHeight: B.height, differing: A.width * A.height };
      const out = new OffscreenCanvas(A.width, A.height);
      const og = out.getContext('2d');
      const diff = og.createImageData(A.width, A.height);
      let differing = 0;
      for (let i = 0; i < A.data.length; i += 4) {
        const d = Math.max(Math.abs(A.data[i] - B.data[i]), Math.abs(A.data[i + 1] - B.data[i + 1]), Math.abs(A.data[i + 2] - B.data[i + 2]));
        const bad = d > th;
        if (bad) differing++;
        // faint copy of the baseline, differing pixels red
        diff.data[i] = bad ? 255 : B.data[i] / 3 + 170;
        diff.data[i + 1] = bad ? 0 : B.data[i + 1] / 3 + 170;
        diff.data[i + 2] = bad ? 0 : B.data[i + 2] / 3 + 170;
        diff.data[i + 3] = 255;
      }
      let diffPng = null;
      if (differing) {
        og.putImageData(diff, 0, 0);
        const blob = await out.convertToBlob({ type: 'image/png' });
        const buf = new Uint8Array(await blob.arrayBuffer());
        let s = '';
        for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
        diffPng = btoa(s);
      }
      return { width: A.width, height: A.height, baseWidth: B.width, baseHeight: B.height, differing, diffPng };
    },
    { a: actual.toString('base64'), b: baseline.toString('base64'), threshold },
  );
}

/**
 * Screenshot of `page` (viewport) compared with baseline `name`. `mask`: locators painted over.
 * `comparer`: a page used to decode (any page of a running browser; a blank one is best).
 * Fails when more than `maxFraction` of the pixels differ by more than `threshold` (0-255).
 */
async function expectScreenshot(page, name, { mask = [], comparer, threshold = 48, maxFraction = 0.01 } = {}) {
  const shot = await page.screenshot({ animations: 'disabled', caret: 'hide', mask, maskColor: '#ff00ff', scale: 'css' });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.png`), shot);
  const file = path.join(BASELINES, `${name}.png`);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(BASELINES, { recursive: true });
    fs.writeFileSync(file, shot);
    return { updated: true };
  }
  assert.ok(fs.existsSync(file), `no baseline ${path.relative(ROOT, file)}: run with UPDATE_SCREENSHOTS=1 and check the picture in`);
  const r = await comparePngs(comparer, shot, fs.readFileSync(file), threshold);
  if (r.diffPng) fs.writeFileSync(path.join(ARTIFACTS, `${name}-diff.png`), Buffer.from(r.diffPng, 'base64'));
  assert.equal(`${r.width}x${r.height}`, `${r.baseWidth}x${r.baseHeight}`, `${name}: screenshot size differs from the baseline`);
  const fraction = r.differing / (r.width * r.height);
  assert.ok(
    fraction <= maxFraction,
    `${name}: ${r.differing} pixels (${(fraction * 100).toFixed(2)} %) differ from the baseline by more than ${threshold}; see tests/e2e/artifacts/${name}.png and ${name}-diff.png`,
  );
  return { fraction };
}

module.exports = { expectScreenshot, comparePngs, BASELINES };
