import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { GomirrorError, InvalidModuleError, ZipInvalidError, type ErrorCode } from '../errors.js';
import { stageVersion, type StageJob, type StageResult } from './stage.js';
import type { WorkerJob } from './stage-worker.js';

/** stageVersion, on worker threads. */
export interface StagePool {
  stage(job: StageJob): Promise<StageResult>;
  /**
   * Starts a worker now when none runs, so it loads while the first
   * downloads are on the wire instead of after them.
   */
  warm(): void;
  close(): Promise<void>;
}

interface WorkerError {
  name: string;
  message: string;
  code?: ErrorCode;
  hint?: string;
  file?: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { job: StageJob; resolve: (s: StageResult) => void; reject: (e: Error) => void }>;
}

/**
 * A pool of `threads` workers staging versions (default: one per core beyond
 * the main thread, at least one, at most four; 0 stages inline). Zip checks
 * are CPU work (inflate, SHA-256, CRC-32) that would stall the download loop.
 * A worker takes several jobs at once: while one job's fsyncs wait on
 * the disk it checks the next zip. Workers start only when the busy ones
 * have work, so a sync of one version starts one.
 */
export function createStagePool(
  threads = Math.max(1, Math.min(4, availableParallelism() - 1)),
  /** The worker's entry file (tests point it elsewhere). */
  entry: URL = new URL('./stage-worker.js', import.meta.url),
  /** Told once when the workers fail (could not load, crashed, exited) and staging moves to this thread. */
  onBroken?: (reason: Error) => void,
): StagePool {
  if (threads <= 0) return { stage: stageVersion, warm: () => undefined, close: async () => undefined };
  const slots: Slot[] = [];
  let nextId = 0;
  let broken: Error | undefined;
  let closing = false;

  const fail = (slot: Slot, reason: Error): void => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (!broken && !closing) {
      broken = reason;
      onBroken?.(reason);
    }
    const jobs = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of jobs) rerunHere(p.job).then(p.resolve, p.reject);
  };

  const spawn = (): Slot => {
    const worker = new Worker(entry);
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: { id: number; result?: StageResult; error?: WorkerError }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) worker.unref();
      if (m.error) p.reject(reviveError(m.error));
      else if (m.result) {
        const zip = m.result.zip;
        p.resolve(zip ? { zip: { ...zip, goMod: zip.goMod ? Buffer.from(zip.goMod) : undefined } } : {});
      }
    });
    // A worker that fails (it could not load, crashed, or exited while it had
    // work) hands its jobs back: they run on this thread, as every later job does.
    worker.on('error', (err) => fail(slot, err));
    worker.on('exit', (code) => {
      if (slot.pending.size > 0 || !closing) fail(slot, new Error(`staging worker exited (code ${code})`));
    });
    return slot;
  };

  return {
    async stage(job) {
      if (broken) return stageVersion(job);
      let slot = slots.reduce<Slot | undefined>((a, b) => (a === undefined || b.pending.size < a.pending.size ? b : a), undefined);
      if (slot === undefined || (slot.pending.size > 0 && slots.length < threads)) {
        slot = spawn();
        slots.push(slot);
      }
      const id = nextId++;
      const message: WorkerJob = { id, job };
      return new Promise<StageResult>((resolve, reject) => {
        slot.pending.set(id, { job, resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage(message);
      });
    },
    warm() {
      if (!broken && !closing && slots.length === 0) slots.push(spawn());
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
      slots.length = 0;
    },
  };
}

/** Rebuilds the typed error a worker threw, so callers see the same classes and codes. */
function reviveError(e: WorkerError): Error {
  if (e.code === 'E_ZIP_INVALID' && e.file) {
    return new ZipInvalidError(e.file, e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message);
  }
  if (e.code === 'E_MODULE_PATH' || e.code === 'E_VERSION' || e.code === 'E_QUERY') {
    return new InvalidModuleError(e.code, e.message, e.hint ? { hint: e.hint } : {});
  }
  if (e.code) return new GomirrorError(e.code, e.message, e.hint ? { hint: e.hint } : {});
  return new GomirrorError('E_INTERNAL', `staging failed: ${e.message}`);
}

/**
 * Runs a job a failed worker held on this thread. The worker may have
 * created some of the job's temp files before it died; they belong to this
 * job alone (fresh names), so they are removed and written again.
 */
async function rerunHere(job: StageJob): Promise<StageResult> {
  await Promise.all(job.files.map((f) => rm(f.file, { force: true })));
  return stageVersion(job);
}
