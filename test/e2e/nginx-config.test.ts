/**
 * Every variant `gomirror nginx` renders passes the real `nginx -t`: server
 * blocks inside a minimal http { } (as conf.d/ files are on Debian), and
 * standalone nginx.conf files run with `-p PREFIX -c FILE`.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { freePort, makeHtpasswd, makeTlsCert, requireNginxTools, shareWithNginx, testNginxConfig } from './nginx-support.js';
import { generateNginxConfig } from '../../src/nginx/index.js';
import type { NginxOptions } from '../../src/nginx/index.js';

let work: string;
let tree: string;
let files: { cert: string; key: string; corp: string; team: string };

before(async () => {
  await requireNginxTools();
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-nginx-t-'));
  tree = path.join(work, 'tree');
  await mkdir(path.join(tree, '.gomirror'), { recursive: true });
  const secrets = path.join(work, 'secrets');
  await mkdir(secrets);
  const tls = await makeTlsCert(secrets);
  files = { ...tls, corp: path.join(secrets, 'corp.htpasswd'), team: path.join(secrets, 'team.htpasswd') };
  await makeHtpasswd(files.corp, 'alice', 'wonderland');
  await makeHtpasswd(files.team, 'bob', 'builder');
  await shareWithNginx(secrets, work, tree);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Renders `options` and runs nginx -t on it in a fresh prefix; asserts a clean pass. */
async function assertNginxAccepts(name: string, options: Omit<NginxOptions, 'root'>): Promise<void> {
  const prefix = path.join(work, name);
  await mkdir(prefix);
  const standalone = options.standalone === true;
  // A server block's log paths are absolute: keep them in the prefix, away from /var/log.
  const accessLog = options.accessLog ?? (standalone ? undefined : path.join(prefix, 'access.log'));
  const rendered = path.join(prefix, standalone ? 'nginx.conf' : 'gomirror.conf');
  // nginx -t binds the listeners: free ports instead of 80/443/8080/8443 (unit tests cover the defaults).
  const ports = { listen: `127.0.0.1:${await freePort()}`, tlsListen: options.tlsCert ? `127.0.0.1:${await freePort()}` : undefined };
  await generateNginxConfig({ root: tree, ...ports, ...options, accessLog }, rendered);
  const conf = standalone ? rendered : await wrapServerBlocks(prefix, [rendered]);
  await shareWithNginx(prefix);
  const { code, output } = await testNginxConfig(prefix, conf);
  assert.equal(code, 0, `nginx -t failed for ${name}:\n${output}`);
  // -q leaves only warnings and errors in the output: there must be none.
  assert.equal(output.trim(), '', `nginx -t complained about ${name}:\n${output}`);
}

/** A minimal nginx.conf that includes server blocks the way Debian includes conf.d/*.conf. */
async function wrapServerBlocks(prefix: string, blocks: string[]): Promise<string> {
  const conf = path.join(prefix, 'nginx.conf');
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${t}_temp;\n`).join('');
  const includes = blocks.map((b) => `    include ${b};\n`).join('');
  await writeFile(conf, `pid nginx.pid;\nerror_log error.log;\nevents {}\nhttp {\n${temps}${includes}}\n`);
  return conf;
}

describe('nginx -t accepts every rendered variant', () => {
  const auth = (): string[] => [`corp.example.com/*,*.corp.example.com=${files.corp}`, `github.com/Team[A-Z]*/x?=${files.team}`];
  const tls = (): Pick<NginxOptions, 'tlsCert' | 'tlsKey'> => ({ tlsCert: files.cert, tlsKey: files.key });
  const variants: [string, () => Omit<NginxOptions, 'root'>][] = [
    ['block-defaults', () => ({})],
    ['block-tls', () => ({ ...tls() })],
    ['block-auth', () => ({ auth: auth() })],
    ['block-autoindex', () => ({ autoindex: true })],
    [
      'block-everything',
      () => ({
        ...tls(),
        auth: auth(),
        autoindex: true,
        serverNames: ['goproxy.example.com', '*.goproxy.example.com'],
        listMaxAge: '90s',
      }),
    ],
    ['block-log-off', () => ({ accessLog: 'off' })],
    ['standalone-defaults', () => ({ standalone: true })],
    ['standalone-tls', () => ({ standalone: true, ...tls() })],
    ['standalone-everything', () => ({ standalone: true, ...tls(), auth: auth(), autoindex: true, listMaxAge: '0' })],
  ];
  for (const [name, options] of variants) {
    test(name, () => assertNginxAccepts(name, options()));
  }

  test('two server blocks with different names share one http { }', async () => {
    const prefix = path.join(work, 'two-blocks');
    await mkdir(prefix);
    const a = path.join(prefix, 'a.conf');
    const b = path.join(prefix, 'b.conf');
    const listen = `127.0.0.1:${await freePort()}`;
    await generateNginxConfig({ root: tree, listen, serverNames: ['a.example.com'], accessLog: path.join(prefix, 'a.log') }, a);
    await generateNginxConfig({ root: tree, listen, serverNames: ['b.example.com'], accessLog: path.join(prefix, 'b.log') }, b);
    const conf = await wrapServerBlocks(prefix, [a, b]);
    await shareWithNginx(prefix);
    const { code, output } = await testNginxConfig(prefix, conf);
    assert.equal(code, 0, output);
  });
});
