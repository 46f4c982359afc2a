// Sets up the native CPU backend during `npm install`. An installed package carries a prebuilt
// linux-x64 addon (prebuilds/, made by prebuildify at `npm pack`): when it loads on this machine
// nothing is compiled, so users without a C++ toolchain get the fast backend too. Otherwise (another
// platform, a git checkout, or STEERLING_BUILD_FROM_SOURCE=1) node-gyp compiles it. A machine
// where that fails still gets a working (slower) install with the reference backend, unless
// STEERLING_REQUIRE_NATIVE=1 (CI) asks for the native backend to be mandatory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function loadablePrebuild() {
  if (process.env.STEERLING_BUILD_FROM_SOURCE === '1' || !existsSync(join(root, 'prebuilds'))) return null;
  try {
    const file = require('node-gyp-build').path(root);
    if (!file.includes(`${join(root, 'prebuilds')}`)) return null;
    const addon = require(file);
    return { file, isa: addon.cpuInfo().isa };
  } catch {
    return null;
  }
}

const prebuilt = loadablePrebuild();
if (prebuilt) {
  console.log(`steerling: using the prebuilt native backend (${prebuilt.file.slice(root.length + 1)}, ${prebuilt.isa} kernels on this CPU); set STEERLING_BUILD_FROM_SOURCE=1 to compile instead`);
  process.exit(0);
}

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  gyp = null;
}
const args = gyp ? [gyp, 'rebuild'] : null;
const res = args
  ? spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root })
  : spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true, cwd: root });
if (res.status !== 0) {
  const msg = 'steerling: the native backend did not build; the pure-TypeScript reference backend will be used (slow).';
  if (process.env.STEERLING_REQUIRE_NATIVE === '1') {
    console.error(msg + ' STEERLING_REQUIRE_NATIVE=1, failing the install.');
    process.exit(1);
  }
  console.warn(msg);
}
