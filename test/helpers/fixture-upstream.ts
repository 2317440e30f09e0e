/**
 * Fixture upstreams: static GOPROXY trees written by test/fixtures/mkupstream,
 * whose zips come from golang.org/x/mod/zip.Create and whose hashes come from
 * golang.org/x/mod/sumdb/dirhash, so gomirror is judged against the Go team's
 * implementation. Serve a tree with startFixtureServer() or as `file://<dir>`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { goTool } from './go-tools.js';

/** One module version of a fixture upstream. */
export interface VersionSpec {
  /** Canonical version, e.g. `v1.0.0`, `v1.0.0-RC1`, `v2.1.0+incompatible`, a pseudo-version. */
  version: string;
  /** RFC 3339 time for `.info`. Default: a pseudo-version's own timestamp, else 2024-01-01T00:00:00Z. */
  time?: string;
  /**
   * Exact go.mod bytes. Omitted: `module <path>\n\ngo 1.17\n`. `null`: the zip has
   * no go.mod and the `.mod` file is Go's synthesized `module <path>\n`.
   */
  gomod?: string | null;
  /** Files in the module zip, by slash path relative to the module root (not go.mod). */
  files?: Record<string, string>;
  /** Whether `@v/list` names it. Default: true, except for pseudo-versions. */
  listed?: boolean;
  /** Write only `.info` and `.mod` (no `.zip`), like a version known only through go.mod. */
  modOnly?: boolean;
  /** Adds `testdata/blob.bin`: this many deterministic, incompressible bytes (streamed, never in memory). */
  sizeBytes?: number;
}

/** One module path of a fixture upstream. */
export interface ModuleSpec {
  path: string;
  versions: VersionSpec[];
  /** Written verbatim as `<module>/@latest` when given; otherwise there is no @latest file. */
  latest?: { Version: string; Time?: string };
}

/** Everything a fixture upstream serves. */
export interface UpstreamSpec {
  modules: ModuleSpec[];
}

/** A fixture upstream on disk. */
export interface Upstream {
  /** Root of the GOPROXY tree (`<dir>/<escaped path>/@v/...`). */
  dir: string;
  /** go.sum text with the true hashes of every zip and .mod written, sorted. */
  goSum: string;
  /** Same hashes keyed `"<path> <version>"` (zip) and `"<path> <version>/go.mod"` → `h1:...`. */
  hashes: Map<string, string>;
  /** Removes `dir` when buildUpstream created it; a no-op for a caller-owned `dir`. */
  cleanup(): Promise<void>;
}

/**
 * Writes `spec` as a GOPROXY tree into `dir` (default: a new directory under
 * tmpdir()). Rejects with mkupstream's message when the spec is invalid
 * (unknown keys, bad path or version, non-canonical version, ...).
 */
export async function buildUpstream(spec: UpstreamSpec, dir?: string): Promise<Upstream> {
  return runMkupstream(['-spec', '-'], JSON.stringify(spec), dir);
}

/**
 * Writes the benchmark upstream: `versions` module versions across about
 * versions/4 modules, mostly 5–200 KB zips with ~2% of 1–6 MB, upper-case
 * paths, /v2 modules, pre-releases, a few unlisted pseudo-versions and
 * go.mod requirements between modules. Deterministic for a given seed.
 * `small`: every zip about 1 KB instead (scale runs: per-version cost, not bytes).
 */
export async function buildBenchUpstream(
  versions: number,
  opts: { dir?: string; seed?: number; small?: boolean } = {},
): Promise<Upstream> {
  const args = ['-gen-bench', String(versions), '-seed', String(opts.seed ?? 1), ...(opts.small ? ['-small'] : [])];
  return runMkupstream(args, '', opts.dir);
}

async function runMkupstream(args: string[], stdin: string, dir?: string): Promise<Upstream> {
  const bin = await goTool('mkupstream');
  const owned = dir === undefined;
  const root = dir ?? (await mkdtemp(path.join(tmpdir(), 'gomirror-upstream-')));
  const cleanup = async (): Promise<void> => {
    if (owned) await rm(root, { recursive: true, force: true });
  };
  try {
    const goSum = await runWithStdin(bin, [...args, '-out', root, '-hashes', '-'], stdin);
    return { dir: root, goSum, hashes: parseGoSum(goSum), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function runWithStdin(bin: string, args: string[], stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errOut.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`mkupstream ${args.join(' ')} exited ${code}:\n${Buffer.concat(errOut).toString('utf8')}`));
    });
    child.stdin.end(stdin);
  });
}

/** Parses go.sum text into `"<path> <version>[/go.mod]"` → `h1:...`. */
export function parseGoSum(text: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [mod, ver, hash] = line.trim().split(/\s+/);
    if (mod && ver && hash) hashes.set(`${mod} ${ver}`, hash);
  }
  return hashes;
}

/**
 * Source for a module's root package exporting `func Name() string`, which
 * makeConsumerProject() calls so a `go build` really compiles the module.
 * `body` is the returned Go expression (default: the quoted `id`).
 */
export function nameSource(pkg: string, id: string, opts: { imports?: string[]; body?: string } = {}): string {
  const imports = (opts.imports ?? []).map((imp) => `import ${imp}\n`).join('');
  return (
    `// Package ${pkg} is a gomirror test fixture.\npackage ${pkg}\n\n${imports}${imports ? '\n' : ''}` +
    `// Name identifies this module version.\nfunc Name() string { return ${opts.body ?? JSON.stringify(id)} }\n`
  );
}

/** Module paths in basicSpec(), named by what each one exercises. */
export const BASIC = {
  /** Releases v1.0.0, v1.1.0, pre-release v1.2.0-beta.1, unlisted pseudo-version. */
  alpha: 'example.com/alpha',
  /** Major-version suffix module: v2.0.0, v2.1.0. */
  alphaV2: 'example.com/alpha/v2',
  /** Upper-case path (escaped `!burnt!sushi`): v1.0.0-RC1, v1.0.0, v1.2.3. */
  toml: 'example.com/BurntSushi/toml',
  /** gopkg.in-style `.vN` path: v2.2.8, v2.4.0. */
  yaml: 'gopkg.in/yaml.v2',
  /** No go.mod anywhere: v1.0.0, v2.0.0+incompatible, v2.1.0+incompatible. */
  legacy: 'example.com/legacy',
  /** Only a pseudo-version (empty list) plus an @latest file naming it. */
  pseudoOnly: 'example.com/pseudoonly',
  /** Requires alpha v1.1.0, toml v1.0.0, yaml.v2 v2.4.0 and imports them. */
  app: 'example.com/app',
} as const;

/** The pseudo-versions in basicSpec(). */
export const BASIC_PSEUDO = {
  alpha: 'v1.1.1-0.20240301000000-abcdefabcdef',
  pseudoOnly: 'v0.0.0-20240102030405-0123456789ab',
} as const;

const LICENSE = 'Fixture license: do what you like.\n';

function makeVersion(version: string, time: string, pkg: string, modPath: string, extra: Partial<VersionSpec> = {}): VersionSpec {
  return {
    version,
    time,
    files: { LICENSE, [`${pkg}.go`]: nameSource(pkg, `${modPath}@${version}`) },
    ...extra,
  };
}

/**
 * A small upstream covering the shapes a GOPROXY must handle (see BASIC for
 * the paths). Every module's root package exports `func Name() string`, so a
 * consumer from makeConsumerProject(dir, basicRequires()) builds and runs.
 */
export function basicSpec(): UpstreamSpec {
  const { alpha, alphaV2, toml, yaml, legacy, pseudoOnly, app } = BASIC;
  const appSource = nameSource('app', `${app}@v1.0.0`, {
    imports: ['"example.com/alpha"', '"example.com/BurntSushi/toml"', '"gopkg.in/yaml.v2"'],
    body: `"app(" + alpha.Name() + "," + toml.Name() + "," + yaml.Name() + ")"`,
  });
  return {
    modules: [
      {
        path: alpha,
        versions: [
          makeVersion('v1.0.0', '2024-01-02T03:04:05Z', 'alpha', alpha, {
            files: { [`alpha.go`]: nameSource('alpha', `${alpha}@v1.0.0`), 'internal/util/util.go': 'package util\n' },
          }),
          makeVersion('v1.1.0', '2024-02-01T00:00:00Z', 'alpha', alpha),
          makeVersion(BASIC_PSEUDO.alpha, '2024-03-01T00:00:00Z', 'alpha', alpha),
          makeVersion('v1.2.0-beta.1', '2024-04-01T00:00:00Z', 'alpha', alpha),
        ],
      },
      {
        path: alphaV2,
        versions: [
          makeVersion('v2.0.0', '2024-05-01T00:00:00Z', 'alpha', alphaV2),
          makeVersion('v2.1.0', '2024-06-01T00:00:00Z', 'alpha', alphaV2),
        ],
      },
      {
        path: toml,
        versions: [
          makeVersion('v1.0.0-RC1', '2023-12-01T00:00:00Z', 'toml', toml),
          makeVersion('v1.0.0', '2024-01-01T00:00:00Z', 'toml', toml),
          makeVersion('v1.2.3', '2024-03-03T00:00:00Z', 'toml', toml),
        ],
      },
      {
        path: yaml,
        versions: [
          makeVersion('v2.2.8', '2020-01-24T00:00:00Z', 'yaml', yaml),
          makeVersion('v2.4.0', '2020-11-17T00:00:00Z', 'yaml', yaml),
        ],
      },
      {
        path: legacy,
        versions: [
          makeVersion('v1.0.0', '2017-01-01T00:00:00Z', 'legacy', legacy, { gomod: null }),
          makeVersion('v2.0.0+incompatible', '2018-01-01T00:00:00Z', 'legacy', legacy, { gomod: null }),
          makeVersion('v2.1.0+incompatible', '2018-06-01T00:00:00Z', 'legacy', legacy, { gomod: null }),
        ],
      },
      {
        path: pseudoOnly,
        versions: [makeVersion(BASIC_PSEUDO.pseudoOnly, '2024-01-02T03:04:05Z', 'pseudoonly', pseudoOnly)],
        latest: { Version: BASIC_PSEUDO.pseudoOnly, Time: '2024-01-02T03:04:05Z' },
      },
      {
        path: app,
        versions: [
          {
            version: 'v1.0.0',
            time: '2024-07-01T00:00:00Z',
            gomod: `module ${app}\n\ngo 1.17\n\nrequire (\n\t${toml} v1.0.0\n\t${alpha} v1.1.0\n\t${yaml} v2.4.0\n)\n`,
            files: { LICENSE, 'app.go': appSource },
          },
        ],
      },
    ],
  };
}

/** One `{path, version}` per basicSpec() module, all buildable together (MVS keeps these). */
export function basicRequires(): { path: string; version: string }[] {
  return [
    { path: BASIC.alpha, version: 'v1.1.0' },
    { path: BASIC.alphaV2, version: 'v2.1.0' },
    { path: BASIC.toml, version: 'v1.2.3' },
    { path: BASIC.yaml, version: 'v2.4.0' },
    { path: BASIC.legacy, version: 'v2.1.0+incompatible' },
    { path: BASIC.pseudoOnly, version: BASIC_PSEUDO.pseudoOnly },
    { path: BASIC.app, version: 'v1.0.0' },
  ];
}
