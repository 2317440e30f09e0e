import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { generateNginxConfig, type NginxIo } from '../../../src/nginx/generate.js';

/** An in-memory file system: `files` are readable files, `dirs` directories; writes are recorded. */
function fakeIo(files: string[], dirs: string[] = ['/srv/gomirror']): NginxIo & { written: Map<string, string> } {
  const written = new Map<string, string>();
  return {
    cwd: '/etc/gomirror',
    written,
    isReadableFile: async (f) => files.includes(f),
    isDirectory: async (d) => dirs.includes(d),
    writeFileAtomic: async (f, text) => {
      written.set(f, text);
    },
  };
}

describe('generateNginxConfig', () => {
  test('returns the text and writes nothing without --out', async () => {
    const io = fakeIo([]);
    const r = await generateNginxConfig({ root: '/srv/gomirror' }, undefined, io);
    assert.match(r.text, /^server \{$/m);
    assert.equal(r.outFile, undefined);
    assert.deepEqual(r.warnings, []);
    assert.equal(io.written.size, 0);
  });

  test('writes --out, resolved against the working directory', async () => {
    const io = fakeIo([]);
    const r = await generateNginxConfig({ root: '/srv/gomirror', standalone: true }, 'nginx.conf', io);
    assert.equal(r.outFile, '/etc/gomirror/nginx.conf');
    assert.equal(io.written.get('/etc/gomirror/nginx.conf'), r.text);
    assert.match(r.text, /^http \{$/m);
  });

  test('TLS and htpasswd files must be readable, naming the flag', async () => {
    const cases: [files: string[], flag: string, file: string][] = [
      [['/etc/gomirror/k.pem'], '--tls-cert', '/etc/gomirror/c.pem'],
      [['/etc/gomirror/c.pem'], '--tls-key', '/etc/gomirror/k.pem'],
      [['/etc/gomirror/c.pem', '/etc/gomirror/k.pem'], '--auth', '/etc/gomirror/h'],
    ];
    for (const [files, flag, file] of cases) {
      await assert.rejects(
        generateNginxConfig({ root: '/srv/gomirror', tlsCert: 'c.pem', tlsKey: 'k.pem', auth: ['a.com/*=h'] }, undefined, fakeIo(files)),
        (err: unknown) => err instanceof GomirrorError && err.code === 'E_USAGE' && err.message === `${flag}: ${file} is not a readable file`,
      );
    }
  });

  test('warns about a missing root and about --auth without TLS', async () => {
    const r = await generateNginxConfig({ root: 'tree', auth: ['a.com/*=/h'] }, undefined, fakeIo(['/h'], []));
    assert.deepEqual(r.warnings, [
      '--root: /etc/gomirror/tree is not a directory here; Nginx will answer 404 until it exists',
      '--auth without --tls-cert/--tls-key: the go command sends .netrc credentials only over https, ' +
        'so protected modules need an HTTPS listener (or TLS in front of this server)',
    ]);
  });

  test('option errors come before any file check or write', async () => {
    const io = fakeIo([]);
    await assert.rejects(generateNginxConfig({ root: '/srv/gomirror', listen: '99999' }, 'out.conf', io), /--listen/);
    assert.equal(io.written.size, 0);
  });
});
