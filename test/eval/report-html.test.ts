// The eval reports' HTML writers (one report writer, src/eval/report/html.ts, with Vega-Lite plots):
// specificity at one strength (before/after bars, change with intervals), over strengths (a band
// per figure, the unsteered point added at 0), detection, and the claims; text is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specificityHtml } from '../../src/eval/report/specificity-html.js';
import { detectionHtml } from '../../src/eval/report/detection-html.js';
import { claimsHtml } from '../../src/organism/claims/render-html.js';

const marks = (page: string, kind: string) => (page.match(new RegExp(`class="mark-${kind} role-mark`, 'g')) ?? []).length;

test('specificity report at one strength: bars, intervals, table, replies (escaped)', async () => {
  const rows = [
    { key: 'parse_rate', group: 'general', unsteered: 0.9, steered: 0.85, change: -0.05, lo: -0.1, hi: 0, n: 20 },
    { key: 'jailbreak_refusal', group: 'robustness', unsteered: 0.9, steered: 0.6, change: -0.3, lo: -0.45, hi: -0.15, n: 20 },
  ];
  const page = await specificityHtml({ steering: 'refusal (diffmean) at -10 at layers.2.resid_post', setting: '20 examples per set, seed 7.', rows, replies: [{ figure: 'x', prompt: '<b>hi</b>', unsteered: 'a', steered: 'b', unsteeredVerdict: true, steeredVerdict: false }] });
  assert.equal((page.match(/<svg/g) ?? []).length, 2);
  assert.ok(marks(page, 'rect') >= 1 && marks(page, 'rule') >= 1 && marks(page, 'symbol') >= 1, 'bars, interval rules and points');
  assert.match(page, /<td>robustness<\/td><td>jailbreak_refusal<\/td>.*<td>yes<\/td>/);
  assert.ok(page.includes('&lt;b&gt;hi&lt;/b&gt;') && !page.includes('<b>hi</b>'));
});

test('specificity report over strengths: one band and line per figure, a panel per group', async () => {
  const rows = [{ key: 'parse_rate', group: 'general', unsteered: 0.9, n: 10, points: [{ label: 'x1', steered: 0.8, change: -0.1, lo: -0.2, hi: 0 }, { label: 'x2', steered: 0.5, change: -0.4, lo: -0.6, hi: -0.2 }] }];
  const page = await specificityHtml({ steering: 's', setting: 't', curve: { rows, multiples: [1, 2] } });
  assert.equal((page.match(/<svg/g) ?? []).length, 1);
  assert.ok(marks(page, 'area') >= 1 && marks(page, 'line') >= 1, 'the interval band and the curve');
  assert.match(page, /<td>general<\/td><td>parse_rate<\/td><td class="num">0.900<\/td><td class="num">2<\/td>/);
});

test('detection and claims reports draw their charts', async () => {
  const det = await detectionHtml({ method: 'diffmean', site: 'layers.1.resid_post', setting: 's', concepts: { a: { auroc: 0.9, auroc_hard: 0.8, f1: 0.85, threshold: 3, n: { positive: 2, negative: 1, hard_negative: 1 } } }, scores: [{ concept: 'a', kind: 'positive', score: 4 }, { concept: 'a', kind: 'hard_negative', score: 1 }] });
  assert.equal((det.match(/<svg/g) ?? []).length, 2);
  assert.ok(marks(det, 'rect') >= 2, 'bars and ticks');
  assert.match(det, /AUROC \(hard negatives\)/);
  const claims = await claimsHtml({ model: 'the organism', seconds: 3, settings: {}, sections: [{ id: 'c', title: 'A claim', claim: 'it works', setting: 'here', bar: 'above 1', verdict: '1.2 > 1', met: true, rows: [{ label: 'steered', value: 1.2, lo: 1.1, hi: 1.3, unit: 'score' }] }] });
  assert.equal((claims.match(/<svg/g) ?? []).length, 1);
  assert.match(claims, /<td>A claim<\/td><td>above 1<\/td><td>met: 1.2 &gt; 1<\/td>/);
});
