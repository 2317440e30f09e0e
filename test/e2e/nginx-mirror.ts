/**
 * A mirror tree served by the standalone config on 127.0.0.1, for the nginx
 * e2e suites: basicSpec() plus a deep dependency graph and a protected
 * module, built by mkupstream and mirrored with `gomirror sync`, fake sumdb files,
 * and the things that must never be served.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort, makeHtpasswd, makeTlsCert, requireNginxTools, shareWithNginx, startNginx, type RunningNginx } from './nginx-support.js';
import { basicSpec, buildUpstream, nameSource, type Upstream, type UpstreamSpec, type VersionSpec } from '../helpers/fixture-upstream.js';
import { generateNginxConfig } from '../../src/nginx/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';

/** The deep graph: a → b, c; b → d@v1.0.0, toml; c → d@v1.1.0, legacy; d → e (+ alpha/v2); e → yaml.v2, alpha. */
export const DEEP = {
  a: 'example.com/deep/a',
  b: 'example.com/deep/b',
  c: 'example.com/deep/c',
  d: 'example.com/deep/d',
  e: 'example.com/deep/e',
} as const;

/** Behind `--auth corp.example.com/*`; upper case, so its files live under `!team`. */
export const CORP = 'corp.example.com/Team/lib';
export const CORP_USER = { login: 'alice', password: 'wonderland' };

/** A version whose root package calls Name() of each requirement, so building it compiles them all. */
function version(modPath: string, v: string, requires: [path: string, version: string][]): VersionSpec {
  const pkg = modPath.split('/').at(-1) as string;
  const reqs = requires.map(([p, rv]) => `\t${p} ${rv}\n`).join('');
  const calls = requires.map((_, i) => `m${i}.Name()`).join(' + "," + ');
  return {
    version: v,
    gomod: `module ${modPath}\n\ngo 1.17\n` + (reqs ? `\nrequire (\n${reqs})\n` : ''),
    files: {
      [`${pkg}.go`]: nameSource(pkg, `${modPath}@${v}`, {
        imports: requires.map(([p], i) => `m${i} ${JSON.stringify(p)}`),
        body: `${JSON.stringify(`${modPath}@${v}(`)} + ${calls || '""'} + ")"`,
      }),
    },
  };
}

/** basicSpec() plus the deep graph and the protected module. */
export function mirrorSpec(): UpstreamSpec {
  const { a, b, c, d, e } = DEEP;
  return {
    modules: [
      ...basicSpec().modules,
      { path: a, versions: [version(a, 'v1.0.0', [[b, 'v1.0.0'], [c, 'v1.1.0']])] },
      { path: b, versions: [version(b, 'v1.0.0', [[d, 'v1.0.0'], ['example.com/BurntSushi/toml', 'v1.0.0']])] },
      {
        path: c,
        versions: [
          version(c, 'v1.0.0', [[d, 'v1.0.0']]),
          version(c, 'v1.1.0', [[d, 'v1.1.0'], ['example.com/legacy', 'v2.1.0+incompatible']]),
        ],
      },
      {
        path: d,
        versions: [version(d, 'v1.0.0', [[e, 'v1.0.0']]), version(d, 'v1.1.0', [[e, 'v1.0.0'], ['example.com/alpha/v2', 'v2.1.0']])],
      },
      { path: e, versions: [version(e, 'v1.0.0', [['gopkg.in/yaml.v2', 'v2.4.0'], ['example.com/alpha', 'v1.1.0']])] },
      { path: CORP, versions: [version(CORP, 'v1.0.0', [])] },
    ],
  };
}

/** Fake sumdb files, one per kind of URL; contents are arbitrary (the go clients here use GOSUMDB=off). */
export const SUMDB_FILES: Record<string, string> = {
  'sumdb/sum.golang.org/supported': '',
  'sumdb/sum.golang.org/latest': 'go.sum database tree\n1234600\nAAAA\n\n— sum.golang.org x\n',
  'sumdb/sum.golang.org/lookup/example.com/!burnt!sushi/toml@v1.0.0': '42\nexample.com/BurntSushi/toml v1.0.0 h1:x\n',
  'sumdb/sum.golang.org/tile/8/0/x004/821': 'h'.repeat(8192),
  'sumdb/sum.golang.org/tile/8/0/x004/822.p/168': 'p'.repeat(168 * 32),
  'sumdb/sum.golang.org/tile/8/data/000': 'example.com/a v1.0.0 h1:abc\n\n'.repeat(40),
  'sumdb/sum.golang.org/tile/8/data/001.p/3': 'example.com/b v1.0.0 h1:def\n\n'.repeat(3),
};

/** Files that exist in the tree but must answer 404. */
export const NEVER_SERVED: Record<string, string> = {
  '.gomirror/sums.json': '{}',
  '.gomirror/lock': '1',
  '.well-known/x': 'x',
  'example.com/alpha/@v/list.tmp-4242-0a1b2c3d4e5f': 'v9.9.9\n',
  'example.com/alpha/@v/v1.0.0.zip.tmp-4242-abcdef012345': 'partial',
  'example.com/alpha/@v/v1.0.0.ziphash': 'h1:x',
};

/** A file mode 000: nginx cannot read it, and must still answer 404, not 403. */
export const UNREADABLE = 'example.com/alpha/@v/v1.1.1.info';

/** The served mirror. */
export interface ServedMirror {
  /** The fixture upstream the tree was synced from (its files are the truth). */
  upstream: Upstream;
  /** The tree `gomirror sync` wrote, which nginx serves. */
  tree: string;
  prefix: string;
  /** `http://127.0.0.1:<port>` and `https://127.0.0.1:<port>` (self-signed: trust `cert`). */
  http: string;
  https: string;
  cert: string;
  nginx: RunningNginx;
  close(): Promise<void>;
}

/**
 * Builds the tree, renders the standalone config (TLS, `--auth
 * corp.example.com/*,s*\/*`, list max-age 2m) with the real generator, and starts nginx.
 */
export async function serveMirror(): Promise<ServedMirror> {
  await requireNginxTools();
  const upstream = await buildUpstream(mirrorSpec());
  const work = await mkdtemp(path.join(tmpdir(), 'gomirror-nginx-'));
  const tree = path.join(work, 'tree');
  try {
    await syncEverything(upstream, work, tree);
    for (const [file, text] of Object.entries({ ...SUMDB_FILES, ...NEVER_SERVED, [UNREADABLE]: '{}' })) {
      await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
      await writeFile(path.join(tree, file), text);
    }
    await chmod(path.join(tree, UNREADABLE), 0o000);
    const prefix = path.join(work, 'prefix');
    await mkdir(prefix);
    const { cert, key } = await makeTlsCert(prefix);
    await makeHtpasswd(path.join(prefix, 'corp.htpasswd'), CORP_USER.login, CORP_USER.password);
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const conf = path.join(prefix, 'nginx.conf');
    await generateNginxConfig(
      {
        root: tree,
        standalone: true,
        listen: `127.0.0.1:${httpPort}`,
        tlsListen: `127.0.0.1:${httpsPort}`,
        tlsCert: cert,
        tlsKey: key,
        // s*/* would match /sumdb/sum.golang.org/...: the sumdb must stay open anyway.
        auth: [`corp.example.com/*,s*/*=${path.join(prefix, 'corp.htpasswd')}`],
        listMaxAge: '2m',
      },
      conf,
    );
    await shareWithNginx(prefix, work, tree);
    const http = `http://127.0.0.1:${httpPort}`;
    const nginx = await startNginx(prefix, conf, `${http}/`);
    const close = async (): Promise<void> => {
      await nginx.stop();
      await chmod(path.join(tree, UNREADABLE), 0o644).catch(() => undefined);
      await upstream.cleanup();
      await rm(work, { recursive: true, force: true });
    };
    return { upstream, tree, prefix, http, https: `https://127.0.0.1:${httpsPort}`, cert, nginx, close };
  } catch (err) {
    await upstream.cleanup();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Mirrors every version of the fixture upstream with the real CLI (`gomirror
 * sync --gosum`, which also checks each file against the true hashes), from a
 * fixture server that is stopped again before nginx serves the tree.
 */
async function syncEverything(upstream: Upstream, work: string, tree: string): Promise<void> {
  const server = await startFixtureServer({ root: upstream.dir });
  try {
    const goSum = path.join(work, 'upstream.sum');
    await writeFile(goSum, upstream.goSum);
    const r = await runCli(['sync', '--upstream', server.url, '--gosum', goSum, '--out', tree, '--log-format', 'json']);
    if (r.code !== 0) throw new Error(describeCli(r));
  } finally {
    await server.close();
  }
}
