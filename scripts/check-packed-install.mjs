// CI's check of the package a user installs: `npm pack` (whose prepack step puts the native addon
// into prebuilds/, scripts/prebuild.mjs), then, in an empty folder outside the repository, `npm i ./steerling-*.tgz`,
// `npx steerling demo`, and the README's "Use from TypeScript" example as written. It checks that
// the tarball holds no tests, fixtures or bench files but the organism and stories260K, and that
// the native backend runs from the prebuilt binary (nothing compiled at install).
// Usage: node scripts/check-packed-install.mjs   (from the repository root; about 3 min)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readmeApiExample } from '../dist/test/helpers/readme-example.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'steerling-packed-'));
const run = (cmd, args, cwd, env = {}) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
const fail = (msg) => {
  console.error(`packed install: ${msg}`);
  process.exit(1);
};

console.log(`packed install: npm pack → ${work}`);
run('npm', ['pack', '--pack-destination', work], root);
const tgz = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? fail('npm pack wrote no tarball'));
const listed = run('tar', ['tzf', tgz], work).split('\n').filter(Boolean);
for (const bad of [/^package\/(dist\/)?test\//, /^package\/bench\//, /fixtures\//, /^package\/models\/local\//, /checkpoint\//]) {
  const hit = listed.find((f) => bad.test(f));
  if (hit) fail(`the tarball holds ${hit}, which users do not need`);
}
for (const need of ['package/models/organism/model.safetensors', 'package/models/stories260K/model.safetensors', 'package/examples/stories260K/dog.jsonl', 'package/prebuilds/linux-x64/']) {
  if (!listed.some((f) => f.startsWith(need))) fail(`the tarball lacks ${need}`);
}

const app = join(work, 'app');
run('mkdir', ['-p', app], work);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
run('npm', ['i', tgz, '--no-audit', '--no-fund'], app);
const pkg = join(app, 'node_modules', 'steerling');
if (existsSync(join(pkg, 'build'))) fail('the install compiled the addon instead of using the prebuilt one');
const backend = run(process.execPath, ['-e', "import('steerling').then((s) => console.log(s.backendName()))"], app).trim();
if (backend !== 'native') fail(`the installed package runs on the ${backend} backend, not the prebuilt native one`);

const demo = run('npx', ['steerling', 'demo', '--out', 'demo', '--quiet'], app);
for (const want of [/mentions a dog/, /The model organism/, /report: demo\/report\.html/]) if (!want.test(demo)) fail(`the demo's output lacks ${want}:\n${demo}`);
if (!readdirSync(join(app, 'demo')).includes('report.html')) fail('the demo wrote no report');

// The README's library example, exactly as written, beside the data file it names.
const code = readmeApiExample(readFileSync(join(root, 'README.md'), 'utf8'));
copyFileSync(join(pkg, 'examples', 'stories260K', 'dog.jsonl'), join(app, 'dog.jsonl'));
writeFileSync(join(app, 'example.mjs'), `${code}\nconsole.log(JSON.stringify({ same: off === plain, dog: /\\bdog/i.test(steered), tokens: tokens.length, detected }));\n`);
const out = JSON.parse(run(process.execPath, ['example.mjs'], app).trim().split('\n').at(-1));
if (!out.same || !out.dog || out.tokens === 0) fail(`the README example did not do what it says: ${JSON.stringify(out)}`);
console.log(`packed install: ok (${listed.length} files; native backend from the prebuilt addon; demo and the README example ran)`);
