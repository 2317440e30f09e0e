/**
 * Toolchain zips in a real Go release's layout (test/fixtures/mktoolchain,
 * checked there with golang.org/x/mod/zip.CheckZip): the module zip check
 * accepts them as Go does (no root go.mod, nested go.mod files named
 * _go.mod, executables) with the h1 hash x/mod computes, and refuses one
 * whose nested go.mod kept its name, as Go's zip rules do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { isGomirrorError } from '../../src/errors.js';
import { checkModuleZip } from '../../src/modzip/zip-check.js';
import { dlVersion, writeToolchains } from '../helpers/fixture-toolchains.js';

const MOD = 'golang.org/toolchain';

describe('module zip check: toolchain layout', () => {
  let dir: string;
  let sums: Map<string, string>;
  const zipOf = (v: string): string => path.join(dir, 'golang.org/toolchain/@v', `${v}.zip`);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-tczip-'));
    const goSum = await writeToolchains(dir, [
      { go: '1.23.4', platform: 'linux-amd64' },
      { go: '1.23.4', platform: 'windows-amd64', sizeBytes: 3 << 20 },
    ]);
    await writeToolchains(dir, [{ go: '1.23.5', platform: 'linux-amd64', nestedGoMod: true }]);
    sums = new Map(goSum.trim().split('\n').map((l) => { const [m, v, h] = l.split(' '); return [`${m} ${v}`, h as string]; }));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const [go, platform] of [['1.23.4', 'linux-amd64'], ['1.23.4', 'windows-amd64']] as const) {
    it(`accepts ${dlVersion(go, platform)} with x/mod's hash`, async () => {
      const v = dlVersion(go, platform);
      const goMod = await readFile(path.join(dir, 'golang.org/toolchain/@v', `${v}.mod`));
      const summary = await checkModuleZip(zipOf(v), { modulePath: MOD, version: v, goMod });
      assert.equal(summary.h1, sums.get(`${MOD} ${v}`));
      assert.equal(summary.goMod, undefined, 'no go.mod at the root of a toolchain zip');
    });
  }

  it('refuses a nested go.mod, as the module zip rules do', async () => {
    const v = dlVersion('1.23.5', 'linux-amd64');
    await assert.rejects(checkModuleZip(zipOf(v), { modulePath: MOD, version: v }), (e: unknown) => {
      assert.ok(isGomirrorError(e));
      assert.equal(e.code, 'E_ZIP_INVALID');
      assert.match(e.message, /src\/go\.mod.*go\.mod file not in module root directory|go\.mod file not in module root directory.*src\/go\.mod/);
      return true;
    });
  });
});
