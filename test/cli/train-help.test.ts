// `steerling train --help` is built from the methods' declarations: it lists every declared flag
// once, under a heading naming the methods that take it, with each method's own default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerTrain } from '../../src/cli/train.js';
import { METHODS } from '../../src/methods/index.js';

function trainHelp(): string {
  const program = new Command();
  registerTrain(program);
  return program.commands.find((c) => c.name() === 'train')!.helpInformation();
}

/** The help's sections: heading → the flags listed under it. */
function sections(help: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let heading = '';
  for (const line of help.split('\n')) {
    if (/^\S.*:$/.test(line)) out.set((heading = line), []);
    const flag = line.match(/^\s+(?:-\w, )?(--[a-z0-9-]+)/)?.[1];
    if (flag && heading) out.get(heading)!.push(flag);
  }
  return out;
}

test('train --help lists every method option once, grouped under the methods that take it', () => {
  const help = trainHelp();
  const s = sections(help);
  for (const [name, m] of Object.entries(METHODS)) {
    for (const o of m.options) {
      if (o.flag === undefined) continue;
      const groups = [...s].filter(([, flags]) => flags.includes(o.flag!)).map(([h]) => h);
      assert.equal(groups.length, 1, `${o.flag} listed once: ${groups.join(' ')}`);
      assert.match(groups[0]!, new RegExp(`^Options for .*\\b${name}\\b.*:$`), `${o.flag} under a heading naming ${name}`);
    }
  }
  // The shared flags stay in the common section, with their defaults.
  for (const flag of ['--model', '--data', '--site', '--out', '--positions', '--reduce', '--chat', '--name', '--seed', '--json']) assert.ok(s.get('Options:')!.includes(flag), flag);
  assert.match(help, /--epochs <n>\s+passes over the data when --steps is not given\s+\(default cdas 10, reps 18, bipo 10,\s+lineas 60,\s+yapo 10\)/);
  assert.match(help, /--rho-attn <rho>[^]*?\(default 0\.18\)/);
});
