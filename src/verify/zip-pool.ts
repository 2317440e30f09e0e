import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { GomirrorError, InvalidModuleError, ZipInvalidError, type ErrorCode } from '../errors.js';
import { checkModuleZip, type CheckModuleZipOptions, type ModuleZipSummary } from './zip-check.js';
import type { ZipJob } from './zip-worker.js';

/** checkModuleZip, possibly on worker threads. */
export interface ZipChecker {
  check(file: string, opts: CheckModuleZipOptions): Promise<ModuleZipSummary>;
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
  pending: Map<number, { resolve: (s: ModuleZipSummary) => void; reject: (e: Error) => void }>;
}

/**
 * A pool of `threads` workers checking zips (default: one per core beyond
 * the main thread, at most 4; 0 checks inline). Zip checks are CPU work
 * (inflate, SHA-256, CRC-32) that would otherwise stall the download loop.
 */
export function createZipChecker(threads = Math.min(4, Math.max(0, availableParallelism() - 1))): ZipChecker {
  if (threads <= 0) return { check: checkModuleZip, close: async () => undefined };
  const slots: Slot[] = [];
  let nextId = 0;
  let broken: Error | undefined;

  const spawn = (): Slot => {
    const worker = new Worker(new URL('./zip-worker.js', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: { id: number; summary?: ModuleZipSummary; error?: WorkerError }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) worker.unref();
      if (m.error) p.reject(reviveError(m.error));
      else if (m.summary) p.resolve({ ...m.summary, goMod: m.summary.goMod ? Buffer.from(m.summary.goMod) : undefined });
    });
    worker.on('error', (err) => {
      broken = err;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    });
    return slot;
  };

  return {
    async check(file, opts) {
      if (broken) return checkModuleZip(file, opts);
      if (slots.length < threads) slots.push(spawn());
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      const job: ZipJob = { id, file, opts };
      return new Promise<ModuleZipSummary>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage(job);
      });
    },
    async close() {
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
  return new GomirrorError('E_INTERNAL', `zip check failed: ${e.message}`);
}
