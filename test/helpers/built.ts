/**
 * Modules from the build (dist/), for tests of code that only runs built:
 * worker threads load their entry file by path, which the test runner's
 * TypeScript loader does not reach. `npm test` builds dist/ first.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { createStagePool as CreateStagePool, StagePool } from '../../src/mirror/stage-pool.js';
import { REPO_ROOT } from './go-tools.js';

/** The built staging pool with `threads` workers, as `gomirror sync` uses it. */
export async function builtStagePool(threads: number): Promise<StagePool> {
  const built = path.join(REPO_ROOT, 'dist/mirror/stage-pool.js');
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  const { createStagePool } = (await import(built)) as { createStagePool: typeof CreateStagePool };
  return createStagePool(threads);
}
