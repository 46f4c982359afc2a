// `npm pack`'s prepack step: puts this machine's native addon into prebuilds/<platform>-<arch>/ under
// the name node-gyp-build looks for (an N-API build, so one binary serves every Node ≥ 20; tagged with
// the C library), so that users who install the package get the fast backend without a compiler.
// It brings build/ up to date first with an incremental `node-gyp build` (a full rebuild only when
// build/ has never been configured), so the binary always matches the sources being packed and a
// developer's build/ is left in place. Kernels are chosen at run time per CPU (AVX-512, AVX2+FMA or
// portable), so a binary built here runs on any x86-64 machine with this C library.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const step = existsSync(join(root, 'build', 'Makefile')) ? 'build' : 'rebuild';
const res = spawnSync(process.execPath, [gyp, step], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (res.status !== 0) {
  console.error(`prebuild: node-gyp ${step} failed; the package cannot ship a prebuilt addon`);
  process.exit(1);
}
const libc = process.platform === 'linux' ? (process.report?.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl') : '';
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const out = join(dir, `steerling_native.napi${libc}.node`);
copyFileSync(join(root, 'build', 'Release', 'steerling_native.node'), out);
// Debug symbols are most of the file; users do not need them.
const strip = spawnSync('strip', ['--strip-all', out], { stdio: 'ignore' });
console.error(`prebuild: ${out.slice(root.length + 1)}${strip.status === 0 ? ' (stripped)' : ''}`);
