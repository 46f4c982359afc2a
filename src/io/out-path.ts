// Where the commands write, under one rule: an output path must name a file (or, for folder outputs,
// a new or empty folder); its missing parent folders are created; a file appears whole or not at
// all (written beside its target under a temporary name and renamed into place, the temporary
// removed on any failure); a folder output that fails part-way is removed again when this run
// created it, or emptied when it was empty before. Errors name the path and the reason in one line.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const reason = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : (e as Error).message;
};

/** Checks a path given for a file to write: not empty, not a folder, not ending in a separator. */
export function checkOutFile(path: string, what = '--out'): void {
  if (path.trim() === '') throw new Error(`${what} is empty: give the file to write`);
  if (/[/\\]$/.test(path)) throw new Error(`${what} ${path} names a folder; give a file name`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`${what} ${path} is a folder; give a file name`);
}

/** Writes a file whole or not at all; missing parent folders are created. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | Uint8Array | string, what = '--out'): void {
  checkOutFile(path, what);
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the folder ${dir} for ${path} (${reason(e)})`);
  }
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    const list = typeof chunks === 'string' ? [Buffer.from(chunks)] : chunks instanceof Uint8Array ? [chunks] : chunks;
    for (const c of list) writeAll(fd, c);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${path} (${reason(e)})`);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  const CHUNK = 1 << 30;
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(CHUNK, bytes.length - done));
}

/** Refuses a folder output that has files (nothing is ever overwritten). */
export function checkNewFolder(out: string, what = '--out'): void {
  if (out.trim() === '') throw new Error(`${what} is empty: give a folder to write`);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`${what} ${out} is a file; give a new folder`);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} exists and is not empty; choose a new folder (nothing is overwritten)`);
}

/**
 * Fills a new (or empty) folder with `fill`; if it throws, the folder is removed again when this
 * call created it, or emptied when it was empty before, so a failed export leaves nothing behind.
 */
export function intoNewFolder<T>(out: string, fill: () => T, what = '--out'): T {
  checkNewFolder(out, what);
  const created = !existsSync(out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the folder ${out} (${reason(e)})`);
  }
  try {
    return fill();
  } catch (e) {
    if (created) rmSync(out, { recursive: true, force: true });
    else for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true });
    throw e;
  }
}
