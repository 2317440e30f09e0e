/**
 * The `go env -w` line that `gomirror client-config` prints, run by a real
 * shell and the real go command: go accepts every setting and reads back the
 * same values (shell quoting included).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { goEnv } from '../helpers/go-client.js';
import { requireCommand } from '../helpers/go-tools.js';
import { buildClientConfig } from '../../src/client-config/index.js';

const run = promisify(execFile);

test('go accepts the printed go env -w line and reads back every value', async () => {
  await requireCommand('go', 'golang-go');
  const config = buildClientConfig({
    url: 'https://goproxy.example.com:8443/go/',
    private: ['corp.example.com/*,*.corp.example.com', 'github.com/Corp'],
    sumdb: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8 https://sum.golang.google.cn',
    extraEnv: ['GOFLAGS=-mod=mod -trimpath'],
  });
  const g = await goEnv({ goproxy: 'off' });
  try {
    // go env -w needs a go env file, and the environment must not override what it writes.
    const env: NodeJS.ProcessEnv = { ...g.env, GOENV: path.join(g.home, 'go.env') };
    for (const [name] of config.goEnv) delete env[name];
    await run('sh', ['-c', config.command], { env });
    const names = config.goEnv.map(([n]) => n);
    const { stdout } = await run('go', ['env', '-json', ...names], { env });
    assert.deepEqual(JSON.parse(stdout), Object.fromEntries(config.goEnv));
    assert.equal(
      JSON.parse(stdout).GOPRIVATE,
      'corp.example.com/*,*.corp.example.com,github.com/Corp',
    );
  } finally {
    await g.cleanup();
  }
});
