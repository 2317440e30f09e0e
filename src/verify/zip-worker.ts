/**
 * Worker-thread entry: runs checkModuleZip off the main thread, so zip
 * inflating and hashing overlap with downloads on another core.
 */
import { parentPort } from 'node:worker_threads';
import { isGomirrorError } from '../errors.js';
import { checkModuleZip, type CheckModuleZipOptions } from './zip-check.js';

export interface ZipJob {
  id: number;
  file: string;
  opts: CheckModuleZipOptions;
}

parentPort?.on('message', (job: ZipJob) => {
  checkModuleZip(job.file, job.opts).then(
    (summary) => parentPort?.postMessage({ id: job.id, summary }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: job.id,
        error: {
          name: (err as Error).name,
          message: (err as Error).message,
          code: isGomirrorError(err) ? err.code : undefined,
          hint: isGomirrorError(err) ? err.hint : undefined,
          file: (err as { file?: string }).file,
        },
      }),
  );
});
