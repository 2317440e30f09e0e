/**
 * Redaction by value: secrets that came from .netrc, URLs and credential
 * variables never reach the output, while help text that merely talks about
 * passwords (doctor's 401 fix, client-config's placeholder) stays intact.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { createOutput, redactSecrets } from '../../../src/cli/output.js';
import { adviseStatus } from '../../../src/doctor/advice.js';
import { buildClientConfig } from '../../../src/client-config/index.js';
import { clearSecrets, registerEnvSecrets } from '../../../src/secrets.js';
import { loadNetrc } from '../../../src/upstream/netrc.js';

function capture(): { streams: { stdout: PassThrough; stderr: PassThrough }; text: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (b: Buffer) => chunks.push(b));
  stderr.on('data', (b: Buffer) => chunks.push(b));
  return { streams: { stdout, stderr }, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('redaction by value', () => {
  afterEach(() => clearSecrets());

  it("keeps doctor's 401 fix whole", () => {
    const { fix } = adviseStatus(401, 'list');
    const c = capture();
    const out = createOutput('text', c.streams);
    out.error('list: HTTP 401, credentials required', { hint: fix });
    assert.ok(c.text().includes('machine HOST login USER password PASS); the go command sends them only over https'), c.text());
    assert.ok(!c.text().includes('***'), c.text());
  });

  it("keeps client-config's YOUR-PASSWORD placeholder", () => {
    const cfg = buildClientConfig({ url: 'https://goproxy.example.com', netrcLogin: 'alice', env: {} });
    const c = capture();
    createOutput('text', c.streams).result(cfg.text);
    assert.match(c.text(), /^password YOUR-PASSWORD$/m);
  });

  it('masks a .netrc password wherever a message quotes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-redact-'));
    try {
      await writeFile(path.join(dir, 'netrc'), 'machine mirror.corp login bob password Tr0ub4dor&3\n');
      await loadNetrc({ NETRC: path.join(dir, 'netrc') });
      assert.equal(redactSecrets('rejected token Tr0ub4dor&3 for bob'), 'rejected token *** for bob');
      assert.equal(redactSecrets('GET https://mirror.corp/x?pw=Tr0ub4dor%263'), 'GET https://mirror.corp/x?pw=***');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('masks credential variables and proxy URL passwords by value', () => {
    registerEnvSecrets({ RSYNC_PASSWORD: 'rsync-s3cret', GITHUB_TOKEN: 'ghp_abcdef', HTTPS_PROXY: 'http://u:pr0xy-pw@squid:3128', HOME: '/home/u' });
    assert.equal(redactSecrets('auth with rsync-s3cret and ghp_abcdef failed'), 'auth with *** and *** failed');
    assert.equal(redactSecrets('proxy said pr0xy-pw is wrong'), 'proxy said *** is wrong');
    // Not a credential variable: left alone.
    assert.equal(redactSecrets('/home/u/.netrc'), '/home/u/.netrc');
  });
});
