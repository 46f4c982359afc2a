// Every registered method describes itself: its site rule, its reductions and its own options are
// well-formed, each option's default passes the method's own check, the methods that share a flag
// declare it alike, and the checks refuse unknown keys and bad values with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS } from '../../src/methods/index.js';
import { readOptions, choice, type MethodOption } from '../../src/methods/options.js';
import { siteFor, checkReduce } from '../../src/methods/common-settings.js';

/** The flags `steerling train` keeps for itself. */
const SHARED_FLAGS = ['--model', '--data', '--site', '--out', '--positions', '--reduce', '--chat', '--name', '--seed', '--json', '--help'];

test('every method declares its site rule, reductions and options well-formed', () => {
  const byFlag = new Map<string, { method: string; o: MethodOption }>();
  for (const [name, m] of Object.entries(METHODS)) {
    assert.equal(m.name, name);
    assert.ok(['required', 'optional', 'none'].includes(m.site.use), `${name}: site use`);
    if (m.site.use !== 'required') assert.ok(m.site.note && m.site.note.length > 0, `${name}: a method that does not need a site says what it does instead`);
    for (const r of m.reduces ?? []) assert.ok(['mean', 'last', 'all'].includes(r), `${name}: reduce ${r}`);
    const keys = m.options.map((o) => o.key);
    assert.equal(new Set(keys).size, keys.length, `${name}: option keys are unique`);
    for (const o of m.options) {
      const where = `${name} ${o.key}`;
      assert.match(o.key, /^[a-z][A-Za-z0-9]*$/, `${where}: a camelCase key`);
      assert.ok(['int', 'number', 'string', 'boolean', 'list'].includes(o.type), `${where}: type`);
      assert.ok(o.help.length > 0 && !o.help.endsWith('.'), `${where}: help`);
      if (o.flag !== undefined) {
        assert.match(o.flag, /^--[a-z][a-z0-9-]*$/, `${where}: flag`);
        assert.ok(!SHARED_FLAGS.includes(o.flag), `${where}: ${o.flag} is one of train's own flags`);
        assert.equal(o.value === undefined, o.type === 'boolean', `${where}: a switch takes no value, every other option one`);
        if (o.value !== undefined) assert.match(o.value, /^<[^<>]+>$/, `${where}: value placeholder`);
        const seen = byFlag.get(o.flag);
        if (seen) assert.deepEqual({ ...o, default: undefined, parse: undefined, elsewhere: undefined }, { ...seen.o, default: undefined, parse: undefined, elsewhere: undefined }, `${o.flag}: ${name} declares it as ${seen.method} does`);
        else byFlag.set(o.flag, { method: name, o });
      }
      // The declared default is a value the method itself accepts.
      if (o.default !== undefined) assert.doesNotThrow(() => m.parseOptions({ [o.key]: o.default }), `${where}: default ${String(o.default)}`);
    }
    assert.deepEqual(m.parseOptions({}), {}, `${name}: no options given, none set`);
  }
});

test('a method refuses options it does not take, and values of the wrong type or out of bounds', () => {
  assert.throws(() => METHODS.diffmean!.parseOptions({ steps: 3 }), /^Error: diffmean: unknown option "steps" \(it takes strengthRule\)$/);
  assert.throws(() => METHODS.actadd!.parseOptions({ rank: 2 }), /actadd: unknown option "rank" \(it takes none\)/);
  assert.throws(() => METHODS.reps!.parseOptions({ steps: 0 }), /--steps must be an integer ≥ 1, got 0/);
  assert.throws(() => METHODS.reps!.parseOptions({ lr: '0.1' }), /--lr must be a number ≥ 0, got "0.1"/);
  assert.throws(() => METHODS.ablation!.parseOptions({ pruneLayers: 1 }), /--prune-layers must be a number in \[0, 0.99\], got 1/);
  assert.throws(() => METHODS.diffmean!.parseOptions({ strengthRule: 'max' }), /--strength-rule must be kl or rho, got "max"/);
  assert.throws(() => METHODS.cdas!.parseOptions({ sourcePosition: 'middle' }), /--source-position must be header, clause or reply/);
  assert.throws(() => METHODS.steer2edit!.parseOptions({ layers: '1,x' }), /--layers 1,x: expected comma-separated layer numbers/);
  assert.deepEqual(METHODS.steer2edit!.parseOptions({ layers: '2,0', rhoAttn: 0.3 }), { layers: [2, 0], rhoAttn: 0.3 });
  assert.deepEqual(readOptions('x', [{ key: 'k', type: 'string', help: 'h', parse: choice('--k', ['a', 'b']) }], { k: 'b', other: undefined }), { k: 'b' }, 'a key whose value is undefined is not given');
});

test('options that depend on the site: ablation selects without one, and takes a suggested refusal token only then', () => {
  const abl = METHODS.ablation!;
  assert.throws(() => abl.parseOptions({ select: true }, { site: 'layers.1.resid_post' }), /--select chooses the site itself/);
  assert.throws(() => abl.parseOptions({ pruneLayers: 0 }, { site: 'layers.1.resid_post' }), /--prune-layers applies to ablation's automatic selection/);
  assert.deepEqual(abl.parseOptions({}, { suggested: { refusalTokens: ['i'] } }), { refusalTokens: ['i'] });
  assert.deepEqual(abl.parseOptions({ refusalTokens: 'I,As' }, { suggested: { refusalTokens: ['i'] } }), { refusalTokens: ['I', 'As'] });
  assert.deepEqual(abl.parseOptions({}, { site: 'layers.1.resid_post', suggested: { refusalTokens: ['i'] } }), {});
});

test('the shared settings follow each method\'s declaration: site required, optional with a default, or refused; reductions', () => {
  assert.throws(() => siteFor(METHODS.diffmean!, undefined), /--site is required for diffmean/);
  assert.equal(siteFor(METHODS.lineas!, undefined), 'all');
  assert.equal(siteFor(METHODS.ablation!, ''), undefined);
  assert.throws(() => siteFor(METHODS.steer2edit!, 'layers.1.resid_post'), /steer2edit edits the o_proj and down_proj of every layer \(restrict with --layers\); --site does not apply/);
  assert.equal(checkReduce(METHODS.lineas!, 'all'), 'all');
  assert.throws(() => checkReduce(METHODS.diffmean!, 'all'), /--reduce must be mean or last, got "all"/);
});
