// Builds the native CPU backend during `npm install`. A machine without a C++ toolchain still gets a
// working (slower) install with the reference backend, unless STEERLING_REQUIRE_NATIVE=1 (CI) asks
// for the build to be mandatory.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  gyp = null;
}
const args = gyp ? [gyp, 'rebuild'] : null;
const res = args
  ? spawnSync(process.execPath, args, { stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true });
if (res.status !== 0) {
  const msg = 'steerling: the native backend did not build; the pure-TypeScript reference backend will be used (slow).';
  if (process.env.STEERLING_REQUIRE_NATIVE === '1') {
    console.error(msg + ' STEERLING_REQUIRE_NATIVE=1, failing the install.');
    process.exit(1);
  }
  console.warn(msg);
}
