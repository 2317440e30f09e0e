import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createOutput, formatEta, formatStatus, redactSecrets } from '../../../src/cli/output.js';
import { GomirrorError } from '../../../src/errors.js';

function capture(tty: boolean): { stdout: PassThrough & { isTTY?: boolean }; stderr: PassThrough & { isTTY?: boolean; columns?: number }; text: () => { out: string; err: string } } {
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean };
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stderr.isTTY = tty;
  stderr.columns = 100;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  return { stdout, stderr, text: () => ({ out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }) };
}

describe('formatStatus', () => {
  const MiB = 1048576;
  const cases = [
    { p: { done: 0, total: 0, failed: 0, bytes: 0 }, s: 0, want: '[>                   ] 0/0 versions, 0.0 MiB, 0.0 MiB/s, ETA -' },
    { p: { done: 0, total: 10, failed: 0, bytes: 0 }, s: 1, want: '[>                   ] 0/10 versions, 0.0 MiB, 0.0 MiB/s, ETA -' },
    { p: { done: 5, total: 10, failed: 0, bytes: 10 * MiB }, s: 5, want: '[==========>         ] 5/10 versions, 10.0 MiB, 2.0 MiB/s, ETA 5s' },
    { p: { done: 1, total: 100, failed: 1, bytes: 0 }, s: 10, want: '[>                   ] 1/100 versions, 1 failed, 0.0 MiB, 0.0 MiB/s, ETA 16m30s' },
    { p: { done: 10, total: 10, failed: 0, bytes: 3 * MiB }, s: 2, want: '[====================] 10/10 versions, 3.0 MiB, 1.5 MiB/s, ETA -' },
  ];
  for (const c of cases) {
    it(c.want, () => {
      const got = formatStatus(c.p, c.s, 200);
      assert.equal(got, c.want);
      assert.equal(/\[(.*)\]/.exec(got)?.[1]?.length, 20, 'the bar is always 20 wide');
    });
  }
  it('fits a narrow terminal', () => {
    assert.equal(formatStatus({ done: 5, total: 10, failed: 0, bytes: 0 }, 1, 30).length, 29);
  });
});

describe('formatEta', () => {
  for (const [s, want] of [[0, '0s'], [59.4, '59s'], [65, '1m05s'], [3599, '59m59s'], [7380, '2h03m']] as const) {
    it(`${s} → ${want}`, () => assert.equal(formatEta(s), want));
  }
});

describe('redactSecrets', () => {
  const cases: [string, string][] = [
    ['https://user:s3cret@proxy.corp/x failed', 'https://***@proxy.corp/x failed'],
    ['retrying http://tok@h:8080/a/@v/list (HTTP 500)', 'retrying http://***@h:8080/a/@v/list (HTTP 500)'],
    ['HTTPS_PROXY=http://u:p%40ss@squid:3128 in effect', 'HTTPS_PROXY=http://***@squid:3128 in effect'],
    ['Authorization: Basic dXNlcjpwYXNz sent', 'Authorization: Basic *** sent'],
    // Words are not secrets: only known values are (see redact.test.ts).
    ['machine h login u password PASS; the go command sends them only over https', 'machine h login u password PASS; the go command sends them only over https'],
    ['https://proxy.golang.org/example.com/@v/v1.0.0.zip', 'https://proxy.golang.org/example.com/@v/v1.0.0.zip'],
    ['file:///srv/tree/example.com/m/@v/list', 'file:///srv/tree/example.com/m/@v/list'],
    ['mirror m@v1.0.0 failed', 'mirror m@v1.0.0 failed'],
  ];
  for (const [input, want] of cases) it(input, () => assert.equal(redactSecrets(input), want));
});

describe('createOutput', () => {
  it('JSON mode: one parseable object per line, credentials masked in messages and fields', () => {
    const c = capture(false);
    const out = createOutput('json', c, () => Date.parse('2025-01-01T00:00:00Z'));
    out.warn('retrying https://u:pw@h/x', { url: 'https://u:pw@h/y', attempt: 2 });
    out.fatal(new GomirrorError('E_HTTP', 'https://u:pw@h/z: HTTP 401', { hint: 'check netrc' }), 1);
    out.result('done', { ok: true });
    const { out: stdout, err } = c.text();
    assert.equal(err.includes('pw'), false, err);
    const lines = err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[0], { time: '2025-01-01T00:00:00.000Z', level: 'warn', msg: 'retrying https://***@h/x', url: 'https://***@h/y', attempt: 2 });
    assert.equal(lines[1]?.code, 'E_HTTP');
    assert.equal(lines[1]?.exitCode, 1);
    assert.equal(lines[1]?.hint, 'check netrc');
    assert.deepEqual(JSON.parse(stdout), { ok: true });
  });

  it('text mode without a terminal: plain lines, one per item, no escape codes', () => {
    const c = capture(false);
    const out = createOutput('text', c);
    out.info('fetched a@v1.0.0');
    out.progress({ done: 1, total: 2, failed: 0, bytes: 1 });
    out.error('https://u:pw@h: HTTP 500', { hint: 'try later' });
    out.finish();
    assert.equal(c.text().err, 'fetched a@v1.0.0\nerror: https://***@h: HTTP 500\n  hint: try later\n');
  });

  it('on a terminal: a status line instead of per-item lines, cleared before other output', () => {
    const c = capture(true);
    let t = 0;
    const out = createOutput('text', c, () => t);
    out.info('fetched a@v1.0.0');
    t = 1000;
    out.progress({ done: 1, total: 2, failed: 0, bytes: 0 });
    out.warn('slow');
    out.finish();
    const err = c.text().err;
    assert.equal(err.includes('fetched'), false);
    assert.ok(err.startsWith('\r\x1b[K[==========>         ] 1/2 versions'), JSON.stringify(err));
    assert.ok(err.endsWith('\r\x1b[Kwarn: slow\n'), JSON.stringify(err));
  });
});
