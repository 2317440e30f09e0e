/**
 * Toolchain queries, differentially: what gomirror resolves from a
 * golang.org/toolchain list must be what the go command (Go 1.22) resolves
 * for `go list -m go@<query>` against the same list as a file:// proxy.
 * Queries at or below the client's own version are left out: the go command
 * adds itself to the list (modfetch toolchainRepo.Versions), a mirror cannot.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { goVersionsOnEveryPlatform, parseToolchainQuery, resolveToolchainQuery } from '../../src/toolchain/index.js';
import { writeToolchains } from '../helpers/fixture-toolchains.js';

const GO122 = '/usr/lib/go-1.22/bin/go';
const GOS = ['1.22.8', '1.22.9', '1.23rc1', '1.23rc2', '1.23.0', '1.23.4', '1.23.5', '1.24rc1', '1.24rc2', '1.25beta1'];
const QUERIES = ['latest', '1.23', '1.23.4', '1.23rc2', '1.24rc1', '1.24', '1.25', '1.25beta1', '1.23.9'];

function goList(query: string, dir: string): Promise<string | undefined> {
  const env = {
    PATH: '/usr/bin:/bin', HOME: dir, GOPATH: path.join(dir, 'gopath'), GOCACHE: path.join(dir, 'cache'),
    GOTOOLCHAIN: 'local', GOENV: 'off', GOSUMDB: 'off', GOFLAGS: '-modcacherw', GOPROXY: `file://${path.join(dir, 'up')}`,
  };
  return new Promise((resolve) => {
    execFile(GO122, ['list', '-m', '-f', '{{.Version}}', `go@${query}`], { cwd: dir, env }, (err, stdout, stderr) => {
      if (err) {
        // A range or prefix finds nothing in the list; an exact version is looked up and is not there.
        assert.match(stderr, /no matching versions for query|\.info: no such file or directory/, stderr);
        resolve(undefined);
      } else resolve(stdout.trim());
    });
  });
}

describe('toolchain queries resolve as `go list -m go@<query>` does (Go 1.22)', () => {
  let dir: string;
  let list: string[];
  before(async () => {
    if (!existsSync(GO122)) throw new Error(`${GO122} is missing: run bash .ci/run (installs golang-1.22-go from bookworm-backports)`);
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-tcquery-'));
    await writeToolchains(path.join(dir, 'up'), GOS.map((go) => ({ go, platform: 'linux-amd64' })));
    list = (await readFile(path.join(dir, 'up/golang.org/toolchain/@v/list'), 'utf8')).trim().split('\n');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const q of QUERIES) {
    it(q, async () => {
      const want = await goList(q, dir);
      const got = resolveToolchainQuery(parseToolchainQuery(q), goVersionsOnEveryPlatform(list, ['linux-amd64']));
      assert.equal(got, want);
    });
  }
});
