// The eval reports in a browser: `eval specificity --html` (stories260K steered toward dogs,
// measured on the shipped behaviour file) and `eval detection --html` (the organism) open in
// headless Chromium, and every Vega chart drew marks. With STEERLING_UPDATE_PICTURES=1 the test
// also saves their plots as the README's pictures (docs/pictures/*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { cli, tempDir, STORIES, DOG_DATA, ROOT } from '../cli/helpers.js';

const CHROMIUM = process.env['STEERLING_CHROMIUM'] ?? '/usr/bin/chromium';
const UPDATE = process.env['STEERLING_UPDATE_PICTURES'] === '1';
const PICTURES = join(ROOT, 'docs', 'pictures');

let browser: Browser;
let dir = '';

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`the report pictures test drives headless Chromium at ${CHROMIUM}, which is missing: install it (Debian/Ubuntu: apt-get install chromium), or set STEERLING_CHROMIUM to a Chromium binary`);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  dir = tempDir();
});
after(async () => browser?.close());

/** Opens a report, checks each chart drew marks, and (when updating) saves the page down to its last chart. */
async function check(html: string, charts: number, picture: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 960, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${html}`);
  const marks = await page.locator('figure > svg').evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g[class*="role-mark"] > path, g[class*="role-mark"] > line').length));
  assert.equal(marks.length, charts, `${picture}: one chart per plot`);
  assert.ok(marks.every((n) => n > 0), `${picture}: every chart drew marks (${marks.join(', ')})`);
  assert.deepEqual(errors, []);
  if (UPDATE) {
    const last = await page.locator('figure').last().boundingBox();
    mkdirSync(PICTURES, { recursive: true });
    const path = join(PICTURES, picture);
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: 960, height: Math.ceil(last!.y + last!.height + 6) } });
    assert.ok(statSync(path).size < 300_000, `${path} is ${statSync(path).size} bytes`);
  }
  await page.close();
}

test('eval specificity --html: the before/after bars and the intervals draw in Chromium', async () => {
  const dog = join(dir, 'dog.steer.safetensors');
  const fit = await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', dog, '--quiet']);
  assert.equal(fit.code, 0, fit.stderr);
  const html = join(dir, 'specificity.html');
  const r = await cli(['eval', 'specificity', '--model', STORIES, '--steer', dog, '--behaviour-file', 'examples/stories260K/behaviours.jsonl', '--html', html, '--quiet'], { timeoutMs: 30000 });
  assert.equal(r.code, 0, r.stderr);
  await check(html, 2, 'eval-specificity.png');
});

test('eval detection --html: the figures and the score strips draw in Chromium', async () => {
  const html = join(dir, 'detection.html');
  const r = await cli(['eval', 'detection', '--concepts', 'topic:ocean,sentiment:positive,style:formal', '--layer', '1', '--n', '16', '--html', html, '--quiet'], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  await check(html, 2, 'eval-detection.png');
});
