import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildRsyncPasses, describeDestination, describeRsyncExit, hintForRsyncExit, isFileChange, parseDestination, parseRsyncChanges, rsyncTarget } from '../../../src/publish/index.js';

describe('parseDestination', () => {
  const cases: Array<[string, unknown, string]> = [
    ['/srv/goproxy', { kind: 'local', path: '/srv/goproxy' }, '/srv/goproxy/'],
    ['mirror', { kind: 'local', path: '/work/mirror' }, '/work/mirror/'],
    ['./a:b', { kind: 'local', path: '/work/a:b' }, '/work/a:b/'],
    ['/srv/a:b', { kind: 'local', path: '/srv/a:b' }, '/srv/a:b/'],
    ['mirror1:/srv/goproxy', { kind: 'ssh', target: 'mirror1:/srv/goproxy' }, 'mirror1:/srv/goproxy/'],
    ['deploy@mirror1:goproxy/', { kind: 'ssh', target: 'deploy@mirror1:goproxy/' }, 'deploy@mirror1:goproxy/'],
    ['rsync://127.0.0.1:8873/mirror/tree', { kind: 'daemon', target: 'rsync://127.0.0.1:8873/mirror/tree' }, 'rsync://127.0.0.1:8873/mirror/tree/'],
    ['mirror2::goproxy/tree', { kind: 'daemon', target: 'mirror2::goproxy/tree' }, 'mirror2::goproxy/tree/'],
  ];
  for (const [text, want, target] of cases) {
    it(`${text} → ${target}`, () => {
      const d = parseDestination(text, '/work');
      assert.deepEqual(d, want);
      assert.equal(rsyncTarget(d), target);
    });
  }
  it('refuses an empty destination', () => {
    assert.throws(() => parseDestination(' ', '/work'), { code: 'E_USAGE', message: '--to is empty' });
  });
  it('hides a password in an rsync:// URL', () => {
    assert.equal(describeDestination({ kind: 'daemon', target: 'rsync://bob:secret@host/mod' }), 'rsync://bob:***@host/mod');
    assert.equal(describeDestination(parseDestination('rsync://bob@host/mod', '/')), 'rsync://bob@host/mod');
  });
  it('refuses a password in an rsync:// URL, which rsync cannot take, without echoing it', () => {
    assert.throws(
      () => parseDestination('rsync://bob:secret@host:873/mod', '/'),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'E_USAGE' &&
        e.message === '--to rsync://bob:***@host:873/mod: rsync:// URLs do not carry passwords' &&
        /RSYNC_PASSWORD/.test(e.hint ?? ''),
    );
  });
});

describe('buildRsyncPasses', () => {
  const common = [
    '--recursive',
    '--times',
    '--perms',
    '--chmod=D755,F644',
    '--mkpath',
    '--timeout=120',
    '--out-format=%i %n%L',
  ];
  const never = ['--exclude=/.gomirror/', '--exclude=*.tmp-[0-9]*-*'];
  const indexes = ['@v/list', '@latest', '/sumdb/*/latest', '/sumdb/*/supported', '/sumdb/*/lookup/***', '/vulndb/index/***', '/index.html', '/_catalog/***'];

  it('local: modules pass, then the index files, nothing else', () => {
    const passes = buildRsyncPasses({ root: '/srv/tree', dest: { kind: 'local', path: '/mnt/m' }, delete: false, dryRun: false });
    assert.deepEqual(passes, [
      {
        name: 'modules',
        args: [...common, ...never, '--delay-updates', ...indexes.map((p) => `--exclude=${p}`), '/srv/tree/', '/mnt/m/'],
      },
      {
        name: 'indexes',
        args: [
          ...common,
          ...never,
          '--delay-updates',
          '--checksum',
          '--prune-empty-dirs',
          '--include=*/',
          ...indexes.map((p) => `--include=${p}`),
          '--exclude=*',
          '/srv/tree/',
          '/mnt/m/',
        ],
      },
    ]);
  });

  it('--delete adds a third pass that copies nothing and deletes, protecting state and temp files', () => {
    const passes = buildRsyncPasses({ root: '/srv/tree/', dest: { kind: 'local', path: '/mnt/m' }, delete: true, dryRun: false });
    assert.deepEqual(passes.map((p) => p.name), ['modules', 'indexes', 'delete']);
    assert.deepEqual(passes[2]?.args, [...common, ...never, '--delete', '--existing', '--ignore-existing', '/srv/tree/', '/mnt/m/']);
    assert.ok(passes.slice(0, 2).every((p) => !p.args.includes('--delete')), 'only the last pass deletes');
  });

  it('--dry-run, --bwlimit and the transports', () => {
    const ssh = buildRsyncPasses({ root: '/t', dest: { kind: 'ssh', target: 'h:/m' }, delete: false, dryRun: true, bwlimit: 500 });
    for (const p of ssh) {
      assert.ok(p.args.includes('--dry-run'));
      assert.ok(p.args.includes('--bwlimit=500'));
      assert.ok(p.args.includes('--rsh=ssh -o BatchMode=yes -o ConnectTimeout=15'));
      assert.equal(p.args.at(-1), 'h:/m/');
    }
    const daemon = buildRsyncPasses({ root: '/t', dest: { kind: 'daemon', target: 'rsync://h/m' }, delete: false, dryRun: false, timeout: 30 });
    for (const p of daemon) {
      assert.ok(p.args.includes('--contimeout=15'));
      assert.ok(p.args.includes('--timeout=30'));
      assert.ok(!p.args.includes('--dry-run'));
      assert.ok(!p.args.some((a) => a.startsWith('--rsh')));
    }
  });

  it('never copies the state directory (lock, sums, staging) or temp files in any pass', () => {
    for (const p of buildRsyncPasses({ root: '/t', dest: { kind: 'local', path: '/m' }, delete: true, dryRun: false })) {
      const excl = p.args.indexOf('--exclude=/.gomirror/');
      const firstInclude = p.args.findIndex((a) => a.startsWith('--include'));
      assert.ok(excl >= 0, p.name);
      // rsync takes the first matching rule: the excludes must come before any include.
      assert.ok(firstInclude === -1 || excl < firstInclude, p.name);
      assert.ok(p.args.includes('--exclude=*.tmp-[0-9]*-*'), p.name);
    }
  });
});

describe('parseRsyncChanges', () => {
  const stdout = [
    'created directory /mnt/m',
    'cd+++++++++ example.com/',
    '>f+++++++++ example.com/a/@v/v1.0.0.zip',
    '<f.st...... example.com/a/@v/list',
    '.d..t...... example.com/a/@v/',
    '*deleting   example.com/a/@v/v0.9.0.zip',
    'cL+++++++++ link -> target',
    '',
    'sent 1,234 bytes  received 56 bytes',
  ].join('\n');
  it('reads the itemized lines and counts files sent and deleted', () => {
    const changes = parseRsyncChanges(stdout);
    assert.deepEqual(changes.map((c) => [c.code, c.path]), [
      ['cd+++++++++', 'example.com/'],
      ['>f+++++++++', 'example.com/a/@v/v1.0.0.zip'],
      ['<f.st......', 'example.com/a/@v/list'],
      ['.d..t......', 'example.com/a/@v/'],
      ['*deleting', 'example.com/a/@v/v0.9.0.zip'],
      ['cL+++++++++', 'link -> target'],
    ]);
    assert.deepEqual(changes.map(isFileChange), [undefined, 'sent', 'sent', undefined, 'deleted', undefined]);
  });
});

describe('describeRsyncExit', () => {
  const cases: Array<[number | undefined, RegExp, RegExp]> = [
    [10, /^rsync exited 10: error in socket I\/O/, /reachable/],
    [5, /^rsync exited 5: error starting the client-server protocol/, /rsync daemon/],
    [255, /^rsync exited 255: ssh failed/, /ssh -o BatchMode=yes/],
    [23, /^rsync exited 23: partial transfer due to error$/, /run publish again/],
    [77, /^rsync exited 77: unknown error$/, /run publish again/],
    [undefined, /^rsync was killed$/, /run publish again/],
  ];
  for (const [code, text, hint] of cases) {
    it(String(code), () => {
      assert.match(describeRsyncExit(code), text);
      assert.match(hintForRsyncExit(code), hint);
    });
  }
});
