/**
 * `npm run fixtures`: builds every Go fixture program under test/fixtures/
 * into test/fixtures/bin/ ahead of a test run (the tests build them on demand
 * too; this is for a first run without network surprises, or to see a build
 * error on its own).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { goTool, REPO_ROOT } from './go-tools.js';

const dir = path.join(REPO_ROOT, 'test/fixtures');
const names = (await readdir(dir, { withFileTypes: true }))
  .filter((e) => e.isDirectory() && e.name !== 'bin')
  .map((e) => e.name)
  .sort();
for (const name of names) {
  const bin = await goTool(name);
  console.log(`built ${path.relative(REPO_ROOT, bin)}`);
}
