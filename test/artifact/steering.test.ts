// The steering request: both forms parse to one shape, bad values fail naming the problem, and
// resolution builds interventions at their final strength (absolute, or a multiple of the default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSteerText, parseSteeringJson, checkSteering, resolveSteering, loadSteering, atStrength, timesMultiple, SteeringError } from '../../src/artifact/steering.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { ArtifactRegistry, RequestError } from '../../src/serve/registry.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import type { Artifact, InterventionRecord } from '../../src/artifact/artifact.js';
import type { DecoderModel } from '../../src/models/decoder.js';

const model = { arch: { layers: 2 } } as unknown as DecoderModel;

function artifact(recs: Partial<InterventionRecord>[]): Artifact {
  const tensors = new Map([['d', fromStorage(Float32Array.of(1, 0, 0, 0), [4], 'f32')]]);
  const interventions = recs.map((r) => ({ site: 'layers.1.resid_post', kind: 'add', positions: 'all', tensors: { direction: 'd' }, default_strength: 2, strength_range: [-4, 4], ...r }));
  return { meta: { name: 'sea', method: 'test', interventions }, tensors } as unknown as Artifact;
}

test('the text and JSON forms parse to the same request', () => {
  assert.deepEqual(parseSteerText('sea.steer.safetensors:neg:x2'), { artifact: 'sea.steer.safetensors', multiple: 2, target: 'neg' });
  assert.deepEqual(parseSteeringJson({ artifact: 'sea', multiple: 2, target: 'neg' }, 'steering[0]'), { artifact: 'sea', multiple: 2, target: 'neg' });
  assert.deepEqual(parseSteerText('sea.steer.safetensors:-1.5'), { artifact: 'sea.steer.safetensors', strength: -1.5 });
  assert.deepEqual(parseSteeringJson({ artifact: 'sea', strength: -1.5 }), { artifact: 'sea', strength: -1.5 });
  assert.deepEqual(parseSteeringJson({ artifact: 'sea' }), { artifact: 'sea' });
});

test('bad values fail on one line, naming the field', () => {
  const fails = (f: () => unknown, re: RegExp, field: string | null) =>
    assert.throws(f, (e: unknown) => e instanceof SteeringError && re.test(e.message) && e.field === field && !e.message.includes('\n'));
  fails(() => parseSteeringJson({ artifact: 'sea', strength: NaN }, 'steering[1]'), /^steering\[1\]: strength must be a finite number, got NaN$/, 'strength');
  fails(() => parseSteeringJson(JSON.parse('{"artifact": "sea", "multiple": 1e999}'), 'steering[0]'), /multiple must be a finite number, got Infinity/, 'multiple');
  fails(() => parseSteeringJson({ artifact: 'sea', strength: '4' }), /strength must be a finite number, got "4"/, 'strength');
  fails(() => parseSteerText('sea.steer.safetensors:1e999'), /^--steer sea\.steer\.safetensors:1e999: strength must be a finite number, got Infinity$/, 'strength');
  fails(() => checkSteering({ artifact: 'sea', multiple: -Infinity }, 'x'), /multiple must be a finite number, got -Infinity/, 'multiple');
  fails(() => parseSteeringJson({ artifact: 'sea', target: 'mid' }), /clamp target "mid" is not one of pos, neg/, 'target');
  fails(() => parseSteerText('sea.steer.safetensors:mid'), /"mid" is not a strength/, null);
  fails(() => parseSteeringJson({ artifact: '' }), /"artifact" must name an artifact/, 'artifact');
  fails(() => parseSteeringJson({ artifact: 'sea', path: '/etc/passwd' }), /unknown field "path"/, 'path');
  fails(() => parseSteeringJson({ artifact: 'sea', strength: 1, multiple: 2 }, 'steering[0]'), /steering\[0\]: give "strength" or "multiple", not both/, null);
  fails(() => parseSteeringJson([1]), /expected an object/, null);
});

test('an unknown artifact is refused by name: a missing file, an unregistered server name', () => {
  assert.throws(() => loadSteering(['no-such.steer.safetensors:2'], model), /^Error: --steer: artifact file no-such\.steer\.safetensors does not exist$/);
  const reg = new ArtifactRegistry(model);
  assert.throws(() => reg.interventions([{ artifact: 'nope' }]), (e: unknown) => e instanceof RequestError && e.param === 'steering[0].artifact' && /no artifact named "nope"/.test(e.message));
  assert.throws(() => reg.interventions([{ artifact: 'sea', strength: NaN }]), (e: unknown) => e instanceof RequestError && e.param === 'steering[0].strength');
});

test('resolution: interventions at the strength asked, or a multiple of each default; clamps to the mean asked', () => {
  const art = artifact([{}, { default_strength: 3 }]);
  const strengths = (r: Parameters<typeof resolveSteering>[0]) => resolveSteering(r, art, model, true).map((iv) => iv.strength);
  assert.deepEqual(strengths({ artifact: 'sea' }), [2, 3]);
  assert.deepEqual(strengths(parseSteerText('sea.steer.safetensors:5')), [5, 5]);
  assert.deepEqual(strengths(parseSteeringJson({ artifact: 'sea', multiple: 2 })), [4, 6]);
  assert.deepEqual(strengths(timesMultiple({ artifact: 'sea', strength: 5, multiple: 2 }, 3)), [30, 30]);
  assert.deepEqual(strengths(atStrength({ artifact: 'sea', multiple: 2 }, -1)), [-1, -1]);
  const clamp = artifact([{ kind: 'clamp', values: { target: 2, origin: -1, mu_pos: 2, mu_neg: -1 } }]);
  const [iv] = resolveSteering(parseSteeringJson({ artifact: 'sea', target: 'neg' }), clamp, model, true) as unknown as { value: number; origin: number; strength: number }[];
  assert.deepEqual([iv!.value, iv!.origin, iv!.strength], [-1, 2, 2]);
  assert.throws(() => resolveSteering({ artifact: 'sea', target: 'neg' }, art, model, true), /a clamp target \("neg"\) only applies to clamp interventions/);
});

test('a kind no builder is registered for fails naming the artifact, the site and the known kinds', () => {
  const odd = artifact([{ kind: 'warp' as InterventionRecord['kind'] }]);
  assert.throws(() => artifactInterventions(odd, model, { force: true }), /^Error: artifact sea: intervention at layers\.1\.resid_post has kind "warp", which steerling cannot build \(known kinds: add, add-renorm, ablate, clamp, rotate, affine, interchange, weight-edit, sae-latent\)$/);
  assert.throws(() => artifactInterventions(artifact([{ kind: 'toString' as InterventionRecord['kind'] }]), model, { force: true }), /has kind "toString"/);
});
