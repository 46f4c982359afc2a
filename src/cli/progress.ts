// Progress bars for long CLI work, drawn on stderr with rate and ETA; silent when stderr is not a
// terminal (pipes, CI logs) or with --quiet, so stdout stays clean for --json.
//
//   const bar = progress({ quiet, unit: 'ex' });
//   fit({ ..., onProgress: (done, total, phase) => bar.update(done, total, phase) });
//   bar.stop();
//
// Our model code runs synchronously, so cli-progress's own timer never gets to redraw during the
// work: we redraw on update ourselves, at most every `intervalMs`.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the position (and total, and the phase shown before the bar; info, e.g. a loss, after it). */
  update(done: number, total: number, phase?: string, info?: string): void;
  /** Clears the bar from the terminal. Safe to call more than once. */
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** What is counted, shown in the rate ("ex" → "12.3 ex/s"); a function picks it per phase. */
  unit?: string | ((phase: string) => string);
  /** Default phase label. */
  label?: string;
  /** Where to draw (default process.stderr); tests pass a fake TTY stream. */
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
}

const SILENT: Progress = { update() {}, stop() {} };

export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `– ${unit}/s`;
  if (perSecond >= 100) return `${perSecond.toFixed(0)} ${unit}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)} ${unit}/s`;
  return `${(1 / perSecond).toFixed(1)} s/${unit}`;
}

export function progress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return SILENT;
  const unitOf = (p: string) => (typeof opts.unit === 'function' ? opts.unit(p) : (opts.unit ?? 'it'));
  const interval = opts.intervalMs ?? 100;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{phase} [{bar}] {percentage}% | {value}/{total} | {rate} | ETA {eta_formatted}{info}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  let phase = opts.label ?? '';
  let t0 = 0;
  let done0 = 0;
  let lastDraw = 0;
  const render = () => (bar as unknown as { render(): void }).render();
  return {
    update(done, total, p, info) {
      const extra = info ? ` | ${info}` : '';
      if (stopped) return;
      const now = Date.now();
      const newPhase = p !== undefined && p !== phase;
      if (newPhase) phase = p;
      if (!started || newPhase) {
        // A new phase restarts the clock, so the rate and ETA describe the current work.
        started = true;
        t0 = now;
        done0 = done;
        lastDraw = now;
        bar.start(total, done, { phase, rate: formatRate(NaN, unitOf(phase)), info: extra });
        return;
      }
      bar.setTotal(total);
      bar.update(done, { phase, rate: formatRate(now > t0 ? (done - done0) / ((now - t0) / 1000) : NaN, unitOf(phase)), info: extra });
      if (now - lastDraw >= interval || done >= total) {
        render();
        lastDraw = now;
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}
