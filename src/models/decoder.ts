// The forward pass of a decoder-only transformer described by ArchConfig + ModelWeights, with hook
// sites, KV cache, left-padded batches and optional logits for the last position only.
//
//   const logits = model.forward(ids, { hooks, cache });   // [B, T, vocab]
//
// Invariant: every hook site is visited in the order listed in hooks.ts, once per forward call.

import { Tensor, fromStorage } from '../tensor/tensor.js';
import * as ops from '../tensor/ops/index.js';
import { Hooks, type HookContext } from './hooks.js';
import { KVCache } from './kvcache.js';
import type { ArchConfig, Linear, ModelWeights, Norm } from './arch.js';
import { fmt } from '../tensor/shape.js';
import { isRecording } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import type { UnaryOp } from '../backend/kernels.js';
import { allocF32 } from '../tensor/pool.js';
import { LAYER_SITES } from './hooks.js';
import { FusedDecode, fusedDecodeEnabled } from './fused-decode.js';

export interface ForwardOptions {
  cache?: KVCache | null;
  hooks?: Hooks | null;
  /** Left padding per row of a batch (padded keys are masked, positions start after them). */
  padding?: Int32Array | null;
  phase?: 'prefill' | 'decode';
  promptLength?: number | null;
  /** Only compute logits at the last position ([B, 1, V]): what generation needs. */
  lastOnly?: boolean;
  /** Stop after this many blocks and return the residual stream instead of logits (activation collection). */
  stopAfterLayer?: number;
}

interface BlockContext {
  B: number;
  T: number;
  total: number;
  offset: number;
  positions: Tensor;
  /** Largest position + 1 over the batch: the sequence length dynamic NTK scaling is computed for. */
  ropeLen: number;
  mask: Tensor | null;
  cache: KVCache | null;
  hook: (site: string, layer: number | null, h: Tensor) => Tensor;
}

function linear(x: Tensor, l: Linear): Tensor {
  return ops.linear(x, l.w, l.b);
}

export class DecoderModel {
  // Built at the first decode step that can use it (undefined: not yet; null: unsupported).
  private fused: FusedDecode | null | undefined = undefined;

  constructor(readonly arch: ArchConfig, readonly weights: ModelWeights) {}

  /**
   * The fused decoder when this forward call may use it: one new token of one sequence, a cache, no
   * mask, no tape, and rotary frequencies that are still the ones its plan was built with.
   */
  private fusedFor(B: number, T: number, cache: KVCache | null, mask: Tensor | null, ropeLen: number): FusedDecode | null {
    if (B !== 1 || T !== 1 || !cache || mask || isRecording() || !fusedDecodeEnabled()) return null;
    if (ropeLen > this.arch.ropeStaticUpTo) return null;
    if (this.fused === undefined || (this.fused && !this.fused.current())) this.fused = FusedDecode.build(this.arch, this.weights);
    return this.fused;
  }

  private norm(x: Tensor, n: Norm): Tensor {
    const a = this.arch;
    return a.norm === 'rms' ? ops.rmsNorm(x, n.w, a.normEps, a.normOffset) : ops.layerNorm(x, n.w, n.b, a.normEps);
  }

  newCache(batch: number, capacity = 256): KVCache {
    const a = this.arch;
    return new KVCache(a.layers, batch, a.kvHeads, a.headDim, capacity, a.maxPositions);
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): Tensor {
    const a = this.arch;
    const w = this.weights;
    if (ids.dtype !== 'i32' || ids.rank !== 2) throw new Error(`forward: token ids must be an i32 tensor [batch, tokens], got ${ids}`);
    const [B, T] = [ids.shape[0]!, ids.shape[1]!];
    if (T === 0) throw new Error('forward: no tokens');
    const cache = opts.cache ?? null;
    if (cache && cache.batch !== B) throw new Error(`forward: cache batch ${cache.batch} differs from input batch ${B}`);
    const offset = cache ? cache.length : 0;
    if (offset + T > a.maxPositions) throw new Error(`forward: ${offset + T} positions exceed the model's context (${a.maxPositions})`);
    const padding = opts.padding ?? null;
    if (padding && padding.length !== B) throw new Error(`forward: padding has ${padding.length} rows, batch is ${B}`);
    const hooks = opts.hooks ?? null;
    const baseCtx: Omit<HookContext, 'site' | 'layer'> = {
      offset,
      phase: opts.phase ?? (offset === 0 ? 'prefill' : 'decode'),
      promptLength: opts.promptLength ?? null,
      padding,
    };
    const hook = (site: string, layer: number | null, h: Tensor): Tensor => (hooks && hooks.has(site) ? hooks.run(site, h, { ...baseCtx, layer }) : h);

    // Positions count real tokens only, so a left-padded row starts at position 0 like an unpadded one.
    const pos = new Int32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) pos[b * T + t] = Math.max(0, offset + t - (padding ? padding[b]! : 0));
    const positions = fromStorage(pos, [B, T], 'i32');
    let ropeLen = 0;
    for (let i = 0; i < pos.length; i++) ropeLen = Math.max(ropeLen, pos[i]! + 1);
    const total = offset + T;
    let mask: Tensor | null = null;
    if (padding && padding.some((p) => p > 0)) {
      const m = new Float32Array(B * T * total);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let j = 0; j < padding[b]!; j++) m[(b * T + t) * total + j] = -Infinity;
      mask = fromStorage(m, [B, T, total], 'f32');
    }

    let x = ops.embedding(w.embed, ids);
    if (a.embedScale !== 1) x = ops.scale(x, a.embedScale);
    if (w.posEmbed) x = ops.add(x, ops.embedding(w.posEmbed, positions));
    x = hook('embed', null, x);
    const ctxFor: BlockContext = { B, T, total, offset, positions, ropeLen, mask, cache, hook };

    const nLayers = opts.stopAfterLayer ?? a.layers;
    // Without a tape nothing needs a block's intermediates after the block: free them per block,
    // so inference peaks at one block's working set instead of the whole forward's.
    const perBlock = !isRecording();
    const fused = this.fusedFor(B, T, cache, mask, ropeLen);
    // A layer runs fused only if no hook listens at any of its sites.
    const fusable = (i: number) => fused !== null && fused.layerOk[i]! && !(hooks && LAYER_SITES.some((s) => hooks.has(`layers.${i}.${s}`)));
    if (fused) cache!.reserve(total);
    let logits: Tensor | null = null;
    for (let i = 0; i < nLayers; ) {
      if (fusable(i)) {
        let j = i + 1;
        while (j < nLayers && fusable(j)) j++;
        // The head joins the call when nothing reads or writes final_norm.
        const head = j === a.layers && opts.stopAfterLayer === undefined && fused!.headOk && !(hooks && hooks.has('final_norm'));
        const out = allocF32(a.hidden, false);
        out.set(x.f);
        const lg = head ? allocF32(a.vocab, false) : null;
        fused!.run(out, i, j, cache!, pos[0]!, lg);
        x = fromStorage(out, [1, 1, a.hidden], 'f32');
        if (lg) logits = fromStorage(lg, [1, 1, a.vocab], 'f32');
        i = j;
        continue;
      }
      const input = x;
      const li = i;
      x = perBlock ? tidy(() => this.block(li, input, ctxFor)) : this.block(li, input, ctxFor);
      i++;
    }
    if (cache) cache.commit(T);
    if (opts.stopAfterLayer !== undefined) return x;
    if (logits) return this.softcap(logits);

    if (opts.lastOnly && T > 1) x = ops.slice(x, 1, T - 1, T);
    x = hook('final_norm', null, this.norm(x, w.finalNorm));
    return this.softcap(ops.linear(x, w.lmHead));
  }

  private softcap(logits: Tensor): Tensor {
    const c = this.arch.finalSoftcap;
    return c > 0 ? ops.scale(ops.tanh(ops.scale(logits, 1 / c)), c) : logits;
  }

  private block(i: number, xIn: Tensor, c: BlockContext): Tensor {
    const a = this.arch;
    const { B, T, total, offset, positions, ropeLen, mask, cache, hook } = c;
    let x = xIn;
    {
      const L = this.weights.layers[i]!;
      const p = `layers.${i}.`;
      x = hook(p + 'resid_pre', i, x);
      const h = this.norm(x, L.inputNorm);
      // One call for the three projections (no hook site sits between them).
      const [qp, kp, vp] = ops.linearMany(h, [L.q.w, L.k.w, L.v.w], [L.q.b, L.k.b, L.v.b]) as [Tensor, Tensor, Tensor];
      let q = ops.reshape(qp, [B, T, a.heads, a.headDim]);
      let k = ops.reshape(kp, [B, T, a.kvHeads, a.headDim]);
      let v = ops.reshape(vp, [B, T, a.kvHeads, a.headDim]);
      if (L.qNorm) q = this.norm(q, L.qNorm);
      if (L.kNorm) k = this.norm(k, L.kNorm);
      const inv = a.ropeInvFreq(i, ropeLen);
      if (inv) {
        q = ops.rope(q, positions, inv);
        k = ops.rope(k, positions, inv);
      }
      if (cache) {
        const kv = cache.append(i, k.f as Float32Array, v.f as Float32Array, T);
        k = fromStorage(kv.k, [B, total, a.kvHeads, a.headDim], 'f32');
        v = fromStorage(kv.v, [B, total, a.kvHeads, a.headDim], 'f32');
      }
      let z = ops.attention(q, k, v, {
        causal: true,
        mask,
        // transformers multiplies cos and sin by YaRN's attention factor, so q·k carries its square.
        scale: a.attnScale * a.ropeAttentionFactor(i) ** 2,
        qOffset: offset,
        window: a.window(i),
        softcap: a.attnSoftcap,
      });
      z = hook(p + 'attn.z', i, z);
      let attnOut = linear(ops.reshape(z, [B, T, a.heads * a.headDim]), L.o);
      if (L.postAttnNorm) attnOut = this.norm(attnOut, L.postAttnNorm);
      attnOut = hook(p + 'attn.out', i, attnOut);
      x = hook(p + 'resid_mid', i, ops.add(x, attnOut));

      const h2 = this.norm(x, L.mlpNorm);
      // act(gate) ⊙ up in one call (the mlp.act site sees only the product).
      let act = L.gate ? ops.gatedLinear(h2, L.gate.w, L.up.w, this.activation(), L.gate.b, L.up.b) : this.activate(linear(h2, L.up));
      act = hook(p + 'mlp.act', i, act);
      let mlpOut = linear(act, L.down);
      if (L.postMlpNorm) mlpOut = this.norm(mlpOut, L.postMlpNorm);
      mlpOut = hook(p + 'mlp.out', i, mlpOut);
      x = hook(p + 'resid_post', i, ops.add(x, mlpOut));
    }
    return x;
  }

  private activation(): UnaryOp {
    const act = this.arch.act;
    if (act !== 'silu' && act !== 'gelu' && act !== 'gelu_erf' && act !== 'relu') throw new Error(`unsupported activation ${act}`);
    return act;
  }

  private activate(x: Tensor): Tensor {
    switch (this.arch.act) {
      case 'silu': return ops.silu(x);
      case 'gelu': return ops.gelu(x);
      case 'gelu_erf': return ops.geluErf(x);
      case 'relu': return ops.relu(x);
      default: throw new Error(`unsupported activation ${this.arch.act}`);
    }
  }
}

export function checkWeightShape(name: string, t: Tensor, shape: readonly number[]): Tensor {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`weight ${name} has shape ${fmt(t.shape)}, the config implies ${fmt(shape)}`);
  }
  return t;
}
