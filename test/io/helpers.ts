// Paths and temp folders shared by the io and tokenizer tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run compiled from dist/test/<dir>/). */
export const repoRoot = resolve(here, '..', '..', '..');
export const fixtures = join(repoRoot, 'test', 'fixtures', 'io');
/** The real pretrained tiny Llama beside every checkout (read-only). */
export const stories260K = resolve(repoRoot, 'models', 'stories260K');

/** A fresh temp folder, removed after `fn` (sync or async). */
export async function withTmp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'steerling-io-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
