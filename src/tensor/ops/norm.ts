// RMSNorm and LayerNorm over the last axis, with gradients. (To be written; signatures fixed.)
import type { Tensor } from '../tensor.js';

/** y = x / sqrt(mean(x²) + eps) · (weight + weightOffset); Gemma uses weightOffset = 1. */
export declare function rmsNorm(x: Tensor, weight: Tensor | null, eps: number, weightOffset?: number): Tensor;
/** y = (x − mean) / sqrt(var + eps) · weight + bias. */
export declare function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor;
