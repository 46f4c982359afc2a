export { runClaims, CLAIM_TOPICS, type ClaimsOptions } from './run.js';
export { renderClaims, claimsMarkdown } from './render.js';
export type { ClaimsResult, ClaimSection, ClaimRow } from './types.js';
