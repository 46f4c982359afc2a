// Reverse-mode autograd. Ops call `record()`; it attaches a GradNode to the output only when
// recording is on and some input requires a gradient, so inference and frozen weights cost
// nothing extra. `backward()` orders the graph topologically and walks it once in reverse,
// with recording off (no higher-order gradients).

import { Tensor, setBackwardImpl, type GradNode } from './tensor.js';
import { untrack } from './scope.js';
import { fmt, shapesEqual } from './shape.js';
import { kernel } from '../backend/registry.js';
import { markCaptured } from './pool.js';
import type { FloatArray } from './dtype.js';

let recording = true;

export function isRecording(): boolean {
  return recording;
}

/** Runs fn with the tape off: no nodes are recorded, nothing is saved for backward. */
export function noGrad<T>(fn: () => T): T {
  const prev = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = prev;
  }
}

export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!recording) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Attaches a backward rule to `out` if any input needs a gradient. Returns out. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward };
  // Backward rules read their inputs' and output's arrays later: keep those out of the pool.
  markCaptured(out.data);
  for (const t of inputs) markCaptured(t.data);
  return out;
}

/** a + b for two gradients of the same shape (no recording: backward runs with the tape off). */
function addImpl(a: Tensor, b: Tensor): Tensor {
  const f64 = a.dtype === 'f64' || b.dtype === 'f64';
  const af = a.toFloat(f64 ? 'f64' : 'f32').data as FloatArray;
  const bf = b.toFloat(f64 ? 'f64' : 'f32').data as FloatArray;
  return new Tensor(kernel('binary', f64)('add', af, a.shape, bf, b.shape, a.shape), a.shape, f64 ? 'f64' : 'f32');
}

function onesLikeImpl(t: Tensor): Tensor {
  const dtype = t.dtype === 'f64' ? 'f64' : 'f32';
  return new Tensor(dtype === 'f64' ? new Float64Array(t.size).fill(1) : new Float32Array(t.size).fill(1), t.shape, dtype);
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i]!;
      if (c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

function backwardImpl(root: Tensor, gradOut?: Tensor): void {
  if (!root.requiresGrad) throw new Error(`backward(): ${root} does not require a gradient (no input asked for one, or it ran under noGrad)`);
  if (!gradOut && root.size !== 1) throw new Error(`backward(): ${root} is not a scalar; pass the output gradient explicitly`);
  if (gradOut && !shapesEqual(gradOut.shape, root.shape)) throw new Error(`backward(): gradient shape ${fmt(gradOut.shape)} does not match output ${fmt(root.shape)}`);
  const prev = recording;
  recording = false;
  try {
    const order = topoOrder(root);
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradOut ?? onesLikeImpl(root));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      const node = t.node;
      if (!node) {
        // A leaf that asked for a gradient: accumulate into .grad, owned by the leaf.
        // A fresh tensor either way: one gradient object may reach several leaves (e.g. a + b).
        const acc = t.grad ? addImpl(t.grad, g) : g.clone();
        t.grad?.dispose();
        untrack(acc);
        t.grad = acc;
        continue;
      }
      grads.delete(t);
      const needs = node.inputs.map((x) => x.requiresGrad);
      const inGrads = node.backward(g, needs);
      node.inputs.forEach((x, j) => {
        const gx = inGrads[j];
        if (!needs[j] || !gx) return;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`internal: backward of ${node.op} gave gradient ${fmt(gx.shape)} for input ${fmt(x.shape)}`);
        }
        const prevG = grads.get(x);
        grads.set(x, prevG ? addImpl(prevG, gx) : gx);
      });
    }
  } finally {
    recording = prev;
  }
}

setBackwardImpl(backwardImpl);
