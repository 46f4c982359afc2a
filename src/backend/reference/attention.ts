// Reference kernels for this group: to be written (see kernels.ts for the contract).
import type { Kernels } from '../kernels.js';

export const attentionKernels: Partial<Kernels> = {};
