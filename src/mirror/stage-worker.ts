/**
 * Worker-thread entry: runs stageVersion off the main thread, so zip checks
 * (CPU work) overlap with downloads.
 */
import { parentPort } from 'node:worker_threads';
import { isGomirrorError } from '../errors.js';
import { stageVersion, type StageJob } from './stage.js';

export interface WorkerJob {
  id: number;
  job: StageJob;
}

parentPort?.on('message', ({ id, job }: WorkerJob) => {
  stageVersion(job).then(
    (result) => parentPort?.postMessage({ id, result }),
    (err: unknown) =>
      parentPort?.postMessage({
        id,
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
