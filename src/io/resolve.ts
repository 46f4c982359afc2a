// Model references → local folders.
//
//   await resolveModel('./models/local/stories260K');            // a local folder
//   await resolveModel('HuggingFaceTB/SmolLM2-135M-Instruct');  // from the Hugging Face cache
//   await resolveModel('org/name', { revision: 'v1.0' });       // a branch/tag ref or a commit hash
//   await resolveModel('org/name', { allowDownload: true });    // fetch through @huggingface/hub
//
// The cache is the one Python tools fill (huggingface_hub): $HF_HUB_CACHE, else $HF_HOME/hub, else
// ~/.cache/huggingface/hub, holding models--{org}--{name}/refs/{revision} (a commit hash) and
// snapshots/{commit}/ whose files are symlinks into ../../blobs/. Models users already downloaded
// with Python therefore load without a network. Downloads never happen unless asked for.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';

export interface ResolveOptions {
  /** Branch, tag or commit hash (default "main"). */
  revision?: string;
  /** Hub cache folder; overrides the environment. */
  cacheDir?: string;
  /** Environment to read HF_HUB_CACHE / HF_HOME / HF_TOKEN from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Download from the Hub when not cached (needs @huggingface/hub and a network). Default false. */
  allowDownload?: boolean;
  /** Access token for gated/private repos (default $HF_TOKEN). */
  token?: string;
  /** Progress lines during a download. */
  onProgress?: (message: string) => void;
}

export interface ResolvedModel {
  /** Folder holding config.json etc. (for the cache: the snapshot folder). */
  dir: string;
  source: 'local' | 'cache' | 'download';
  repoId: string | null;
  revision: string | null;
  /** Commit hash of the snapshot, when it came from the cache. */
  commit: string | null;
}

/** The hub cache folder that huggingface_hub would use. */
export function hubCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env['HF_HUB_CACHE']) return expandHome(env['HF_HUB_CACHE']);
  if (env['HF_HOME']) return join(expandHome(env['HF_HOME']), 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/** Whether a string can be a Hub repo id ("org/name", or a legacy bare "name"). */
export function isRepoId(ref: string): boolean {
  return REPO_ID.test(ref) && !ref.includes('..') && !ref.endsWith('.') && ref.length <= 96 * 2 + 1;
}

function looksLikePath(ref: string): boolean {
  return ref.startsWith('/') || ref.startsWith('./') || ref.startsWith('../') || ref.startsWith('~') || ref === '.' || ref === '..' || /^[A-Za-z]:[\\/]/.test(ref) || ref.includes('\\');
}

export function repoFolderName(repoId: string): string {
  return `models--${repoId.replaceAll('/', '--')}`;
}

export interface CacheHit {
  dir: string;
  commit: string;
}

/**
 * Looks a repo up in the cache. Returns the snapshot, or a string explaining what was missing.
 * Without a refs/<revision> file, a 40-hex revision names the snapshot directly; with no revision
 * asked for and no refs/main, a cache holding exactly one snapshot uses it.
 */
export function findInCache(repoId: string, opts: { revision?: string; cacheDir?: string; env?: ResolveOptions['env'] } = {}): CacheHit | string {
  const cache = opts.cacheDir ?? hubCacheDir(opts.env);
  const repoDir = join(cache, repoFolderName(repoId));
  if (!existsSync(repoDir)) return `${repoDir} does not exist`;
  const revision = opts.revision ?? 'main';
  if (revision.split('/').includes('..') || revision.startsWith('/') || revision.length === 0) return `invalid revision ${JSON.stringify(revision)}`;
  const snapshots = join(repoDir, 'snapshots');

  let commit: string | null = null;
  const refFile = join(repoDir, 'refs', revision);
  if (existsSync(refFile) && statSync(refFile).isFile()) {
    commit = readFileSync(refFile, 'utf8').trim();
    if (!/^[0-9a-f]{40}$/.test(commit)) return `${refFile} does not hold a commit hash`;
  } else if (/^[0-9a-f]{40}$/.test(revision)) {
    commit = revision;
  } else if (opts.revision === undefined && existsSync(snapshots)) {
    const all = readdirSync(snapshots).filter((d) => /^[0-9a-f]{40}$/.test(d));
    if (all.length === 1) commit = all[0]!;
    else return `${refFile} does not exist and ${snapshots} holds ${all.length} snapshots (pass a revision)`;
  } else {
    return `${refFile} does not exist (revision "${revision}" was never downloaded)`;
  }

  const dir = join(snapshots, commit);
  if (!existsSync(dir)) return `${dir} does not exist (refs point at a snapshot that is not in the cache)`;
  const config = join(dir, 'config.json');
  // existsSync follows symlinks: a link whose blob is gone reads as missing.
  if (!existsSync(config)) return `${config} is missing (incomplete download, or its blob was deleted)`;
  return { dir, commit };
}

/** Resolves a local path or a cached repo id without touching the network. */
export function resolveModelSync(ref: string, opts: ResolveOptions = {}): ResolvedModel {
  const r = tryLocalOrCache(ref, opts);
  if ('dir' in r) return r;
  throw new Error(r.message);
}

/** Resolves a reference to a local folder, downloading only when `allowDownload` is set. */
export async function resolveModel(ref: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const r = tryLocalOrCache(ref, opts);
  if ('dir' in r) return r;
  if (!opts.allowDownload || !r.repoId) throw new Error(r.message);
  return download(r.repoId, opts);
}

function tryLocalOrCache(ref: string, opts: ResolveOptions): ResolvedModel | { message: string; repoId: string | null } {
  if (ref.length === 0) return { message: 'empty model reference', repoId: null };
  const local = resolvePath(expandHome(ref));
  if (existsSync(local)) {
    if (!statSync(local).isDirectory()) return { message: `${local} is a file; a model is a folder holding config.json and weights`, repoId: null };
    if (!existsSync(join(local, 'config.json'))) return { message: `${local} has no config.json (not a Hugging Face model folder)`, repoId: null };
    return { dir: local, source: 'local', repoId: null, revision: null, commit: null };
  }
  if (looksLikePath(ref) || !isRepoId(ref)) {
    return { message: `model "${ref}" not found: ${local} does not exist${looksLikePath(ref) ? '' : ' (and it is not a Hub repo id like org/name)'}`, repoId: null };
  }
  const cache = opts.cacheDir ?? hubCacheDir(opts.env);
  const hit = findInCache(ref, { revision: opts.revision, cacheDir: cache, env: opts.env });
  if (typeof hit !== 'string') return { dir: hit.dir, source: 'cache', repoId: ref, revision: opts.revision ?? 'main', commit: hit.commit };
  const rev = opts.revision ? ` --revision ${opts.revision}` : '';
  return {
    repoId: ref,
    message:
      `model "${ref}"${opts.revision ? ` at revision ${opts.revision}` : ''} not found locally; looked in: ${local} (local path), ` +
      `${cache} (Hugging Face cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub): ${hit}. ` +
      `Pass a local path, or download it with \`huggingface-cli download ${ref}${rev}\`` +
      (opts.allowDownload ? '' : ' or allow downloads (allowDownload / --download)'),
  };
}

/** Files a model needs; everything else in a repo (pickles, ONNX, GGUF, images) is skipped. */
function wanted(path: string): boolean {
  if (path.includes('/')) return false;
  return (
    /^(config|generation_config|tokenizer|tokenizer_config|special_tokens_map|chat_template|model\.safetensors\.index)\.json$/.test(path) ||
    path === 'chat_template.jinja' ||
    /^model(-\d+-of-\d+)?\.safetensors$/.test(path)
  );
}

async function download(repoId: string, opts: ResolveOptions): Promise<ResolvedModel> {
  let hub: typeof import('@huggingface/hub');
  try {
    hub = await import('@huggingface/hub');
  } catch {
    throw new Error(`model "${repoId}" is not cached and @huggingface/hub is not installed; run \`npm install @huggingface/hub\` or download it with \`huggingface-cli download ${repoId}\``);
  }
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir ?? hubCacheDir(env);
  const accessToken = opts.token ?? env['HF_TOKEN'];
  const revision = opts.revision ?? 'main';
  const repo = { type: 'model' as const, name: repoId };
  const progress = opts.onProgress ?? (() => {});
  try {
    const files: string[] = [];
    for await (const f of hub.listFiles({ repo, revision, ...(accessToken ? { accessToken } : {}) })) {
      if (f.type === 'file' && wanted(f.path)) files.push(f.path);
    }
    if (!files.includes('config.json')) throw new Error(`repo has no config.json at revision ${revision}`);
    if (!files.some((f) => f.endsWith('.safetensors'))) throw new Error(`repo has no .safetensors weights at revision ${revision}`);
    let dir = '';
    for (const path of files) {
      progress(`downloading ${repoId}/${path}`);
      const local = await hub.downloadFileToCacheDir({ repo, path, revision, cacheDir, ...(accessToken ? { accessToken } : {}) });
      dir = dirname(local);
    }
    const commit = dir.split(/[\\/]/).pop() ?? null;
    return { dir, source: 'download', repoId, revision, commit };
  } catch (e) {
    throw new Error(`downloading "${repoId}" (revision ${revision}) from the Hugging Face Hub failed: ${(e as Error).message}`);
  }
}
