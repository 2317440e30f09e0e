import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { parseAuthRule, parseListen, parseMaxAge } from '../../../src/nginx/options.js';
import { buildNginxViewModel, IMMUTABLE_MAX_AGE } from '../../../src/nginx/view-model.js';
import { SERVED_KINDS } from '../../../src/tree/serve-rules.js';

/** Asserts that fn throws GomirrorError E_USAGE with exactly this message. */
function throwsUsage(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GomirrorError, String(err));
    assert.equal(err.code, 'E_USAGE');
    assert.equal(err.message, message);
    return true;
  });
}

describe('parseListen', () => {
  const good: [string, { host?: string; port: number }][] = [
    ['80', { port: 80 }],
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['[::1]:8443', { host: '[::1]', port: 8443 }],
    ['*:80', { host: '*', port: 80 }],
    ['goproxy.example.com:65535', { host: 'goproxy.example.com', port: 65535 }],
  ];
  for (const [value, expected] of good) {
    test(`parses ${value}`, () => assert.deepEqual(parseListen(value, '--listen'), expected));
  }
  test('rejects ports out of range and junk, naming the flag', () => {
    throwsUsage(() => parseListen('0', '--listen'), '--listen: "0" is not [HOST:]PORT: the port must be between 1 and 65535');
    throwsUsage(() => parseListen('65536', '--tls-listen'), '--tls-listen: "65536" is not [HOST:]PORT: the port must be between 1 and 65535');
    throwsUsage(() => parseListen('localhost', '--listen'), '--listen: "localhost" is not [HOST:]PORT: expected a port number, optionally after HOST:');
    throwsUsage(() => parseListen('a b:80', '--listen'), '--listen: "a b:80" is not [HOST:]PORT: expected a port number, optionally after HOST:');
  });
});

describe('parseMaxAge', () => {
  const good: [string | number, number][] = [
    [300, 300],
    ['0', 0],
    ['30s', 30],
    ['5m', 300],
    ['1h30m', 5400],
    ['1d', 86400],
    ['31536000', 31536000],
  ];
  for (const [value, seconds] of good) {
    test(`${value} is ${seconds} s`, () => assert.equal(parseMaxAge(value, '--list-max-age'), seconds));
  }
  for (const value of ['-1', '5x', '1.5', '', '366d', '31536001']) {
    test(`rejects ${JSON.stringify(value)}`, () =>
      throwsUsage(() => parseMaxAge(value, '--list-max-age'), `--list-max-age: "${value}" is not a duration of 0 to 31536000 seconds`));
  }
});

describe('parseAuthRule', () => {
  test('splits at the first "=", keeping "=" in the file name', () => {
    assert.deepEqual(parseAuthRule('a.com/*,b.com=/etc/x=y', '--auth'), { patterns: ['a.com/*', 'b.com'], userFile: '/etc/x=y' });
  });
  for (const value of ['a.com/*', '=/etc/htpasswd', 'a.com/*=']) {
    test(`rejects ${value}`, () => throwsUsage(() => parseAuthRule(value, '--auth'), `--auth: "${value}" is not PATTERN=HTPASSWD`));
  }
});

describe('buildNginxViewModel', () => {
  test('server-block defaults', () => {
    const m = buildNginxViewModel({ root: 'mirror' }, '/srv');
    assert.deepEqual(m, {
      standalone: false,
      root: '/srv/mirror',
      listen: '80',
      serverNames: '_',
      tls: undefined,
      authLocations: [],
      autoindex: false,
      sumdbLocations: m.sumdbLocations,
      moduleLocations: m.moduleLocations,
      listMaxAge: 300,
      immutableMaxAge: IMMUTABLE_MAX_AGE,
      vulndbIndexMaxAge: 300,
      vulndbEntryMaxAge: 3600,
      accessLog: '/var/log/nginx/gomirror.access.log',
      logFormatName: 'gomirror_default_80',
    });
    // One location per sumdb and module row of the serve-rules table, in its order: sumdb rows first.
    // The vulndb and catalog rows are rendered by vulndb.hbs and catalog.hbs, not as served locations.
    assert.deepEqual(m.sumdbLocations.map((l) => l.regex), SERVED_KINDS.filter((k) => k.group === 'sumdb').map((k) => k.regex));
    assert.deepEqual(m.moduleLocations.map((l) => l.regex), SERVED_KINDS.filter((k) => k.group === 'module').map((k) => k.regex));
    assert.ok(![...m.sumdbLocations, ...m.moduleLocations].some((l) => /^\^\/(?:vulndb|_catalog|index)/.test(l.regex)));
    assert.ok(m.sumdbLocations.every((l) => l.regex.startsWith('^/sumdb/')));
    assert.deepEqual(
      m.sumdbLocations.filter((l) => l.rawHashes).map((l) => [l.regex, l.immutable, l.comment.length > 0]),
      [
        ['^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}\\.p/[0-9]+$', false, true],
        ['^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}$', true, false],
      ],
    );
  });

  test('standalone defaults: unprivileged ports, logs under the prefix', () => {
    const m = buildNginxViewModel({ root: '/srv/mirror', standalone: true, tlsCert: 'c.pem', tlsKey: 'k.pem' }, '/etc/gm');
    assert.equal(m.listen, '8080');
    assert.deepEqual(m.tls, { listen: '8443', certificate: '/etc/gm/c.pem', certificateKey: '/etc/gm/k.pem' });
    assert.equal(m.accessLog, 'access.log');
    assert.equal(m.logFormatName, 'gomirror');
  });

  test('every flag reaches the model', () => {
    const m = buildNginxViewModel(
      {
        root: '/srv/mirror',
        listen: '127.0.0.1:8081',
        tlsListen: '127.0.0.1:8444',
        serverNames: ['goproxy.example.com', '*.goproxy.example.com'],
        tlsCert: '/tls/c.pem',
        tlsKey: '/tls/k.pem',
        auth: ['corp.example.com/*,github.com/Corp/=/etc/nginx/corp.htpasswd', 'x.com/y=y.htpasswd'],
        autoindex: true,
        listMaxAge: '1m',
        accessLog: 'logs/a.log',
      },
      '/cwd',
    );
    assert.equal(m.listen, '127.0.0.1:8081');
    assert.equal(m.tls?.listen, '127.0.0.1:8444');
    assert.equal(m.serverNames, 'goproxy.example.com *.goproxy.example.com');
    assert.deepEqual(
      m.authLocations.map((a) => [a.pattern, a.userFile]),
      [
        ['corp.example.com/*', '/etc/nginx/corp.htpasswd'],
        ['github.com/Corp', '/etc/nginx/corp.htpasswd'],
        ['x.com/y', '/cwd/y.htpasswd'],
      ],
    );
    assert.equal(m.authLocations[1]?.regex, '^/github\\.com/!corp/');
    assert.equal(m.autoindex, true);
    assert.equal(m.listMaxAge, 60);
    // The vulnerability database's index is cached like list files, its entries longer.
    assert.equal(m.vulndbIndexMaxAge, 60);
    assert.equal(m.vulndbEntryMaxAge, 3600);
    assert.equal(m.accessLog, '/cwd/logs/a.log');
    assert.equal(m.logFormatName, 'gomirror_goproxy_example_com_8081');
  });

  test('access log off stays off', () => {
    assert.equal(buildNginxViewModel({ root: '/r', accessLog: 'off' }, '/').accessLog, 'off');
  });

  test('usage errors name the flag', () => {
    throwsUsage(() => buildNginxViewModel({ root: '' }, '/'), '--root: the directory to serve is required');
    throwsUsage(() => buildNginxViewModel({ root: '/r', tlsCert: 'c' }, '/'), '--tls-key is missing: --tls-cert and --tls-key go together');
    throwsUsage(() => buildNginxViewModel({ root: '/r', tlsKey: 'k' }, '/'), '--tls-cert is missing: --tls-cert and --tls-key go together');
    throwsUsage(() => buildNginxViewModel({ root: '/r', tlsListen: '443' }, '/'), '--tls-listen needs --tls-cert and --tls-key');
    throwsUsage(
      () => buildNginxViewModel({ root: '/r', listen: '8443', tlsCert: 'c', tlsKey: 'k', standalone: true }, '/'),
      '--tls-listen: 8443 is already the --listen address',
    );
    throwsUsage(() => buildNginxViewModel({ root: '/r', serverNames: ['a b'] }, '/'), '--server-name: "a b" is not a server name');
    throwsUsage(
      () => buildNginxViewModel({ root: '/srv/$mirror' }, '/'),
      '--root: the path "/srv/$mirror" contains "$", which cannot go into an Nginx config',
    );
    throwsUsage(
      () => buildNginxViewModel({ root: '/r', auth: ['a.com/*=/etc/"x'] }, '/'),
      '--auth: the path "/etc/\\"x" contains "\\"", which cannot go into an Nginx config',
    );
    throwsUsage(() => buildNginxViewModel({ root: '/r', listMaxAge: 'soon' }, '/'), '--list-max-age: "soon" is not a duration of 0 to 31536000 seconds');
  });
});
