/** Every file an npm script names exists (a script pointing nowhere is what a new user meets first). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../helpers/go-tools.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('package.json scripts', () => {
  for (const [name, script] of Object.entries(pkg.scripts)) {
    it(`npm run ${name}: every file it names exists`, () => {
      const files = script.split(/\s+/).filter((w) => /^[\w./-]+\.(?:ts|js|mjs|sh|json)$/.test(w));
      for (const f of files) assert.ok(existsSync(path.join(REPO_ROOT, f)), `${name}: ${f} does not exist`);
    });
  }
});
