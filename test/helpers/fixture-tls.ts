/** A throw-away certificate for the fixture servers' HTTPS. */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { requireCommand } from './go-tools.js';

let certPromise: Promise<{ key: string; cert: string; file: string }> | undefined;

/** One self-signed certificate for IP 127.0.0.1 per process, removed on exit. */
export function selfSignedCert(): Promise<{ key: string; cert: string; file: string }> {
  certPromise ??= (async () => {
    await requireCommand('openssl', 'openssl');
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-cert-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const [keyFile, file] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', file,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(file, 'utf8'), file };
  })();
  return certPromise;
}
