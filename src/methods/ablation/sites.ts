// Where a directional ablation acts (methods.md §3.3): every layer's residual input and both
// component outputs, so the direction is gone from everything each block reads and writes.
export function ablationSites(layers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) out.push(`layers.${l}.resid_pre`, `layers.${l}.attn.out`, `layers.${l}.mlp.out`);
  return out;
}
