/**
 * Real git repositories built at test time for the `direct` (version control)
 * tests: a company git host `git.corp.example.com` whose repositories live in
 * a temp directory and are reached through a test GIT_CONFIG_GLOBAL with
 * `url.<dir>/.insteadOf=https://git.corp.example.com/`. Module paths end in
 * `.git`, which is how the go command finds the repository of an unknown host
 * without `<meta name="go-import">` discovery.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { nameSource } from './fixture-upstream.js';

const run = promisify(execFile);

export const HOST = 'git.corp.example.com';
export const GIT = {
  /** Root module: tags v1.0.0, v1.1.0; branch main one commit ahead; branch feature. */
  lib: `${HOST}/team/lib.git`,
  /** Subdirectory module of lib, tagged sub/v1.2.3; gets lib's root LICENSE. */
  sub: `${HOST}/team/lib.git/sub`,
  /** Major-version subdirectory v2/ of lib, tag v2.0.0. */
  libV2: `${HOST}/team/lib.git/v2`,
  /** No go.mod: v1.0.0 and v2.0.0+incompatible. */
  old: `${HOST}/team/old.git`,
  /** Required by lib at v1.0.0 (closure into another direct module); v1.0.1 has a git submodule. */
  util: `${HOST}/team/util.git`,
  /** Without `.git`: found by go-import discovery over https only (git-https.ts). */
  web: `${HOST}/team/web`,
  /** go.mod says another path: every version fails. */
  wrong: `${HOST}/team/wrong.git`,
} as const;

/** Requirements of lib out of version control into the public fixture upstream (basicSpec). */
export const LIB_PUBLIC_DEP = { path: 'example.com/alpha', version: 'v1.1.0' } as const;

export interface GitHost {
  /** The directory holding `team/*.git`. */
  root: string;
  /** A git config file mapping https://git.corp.example.com/ to root (use as GIT_CONFIG_GLOBAL). */
  gitconfig: string;
  /** Environment for git and go: GIT_CONFIG_GLOBAL, no system config, no prompt. */
  env: Record<string, string>;
  /** Commit hashes by name (lib: c1, c2, c3 on main, c4 on feature). */
  commits: Record<string, string>;
  cleanup(): Promise<void>;
}

async function git(dir: string, args: string[], date: string): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Fixture',
    GIT_AUTHOR_EMAIL: 'fixture@corp.example.com',
    GIT_COMMITTER_NAME: 'Fixture',
    GIT_COMMITTER_EMAIL: 'fixture@corp.example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  const { stdout } = await run('git', args, { cwd: dir, env });
  return stdout.trim();
}

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

async function commit(dir: string, files: Record<string, string>, date: string, tags: string[] = []): Promise<string> {
  await write(dir, files);
  await git(dir, ['add', '-A'], date);
  await git(dir, ['commit', '-q', '-m', `commit at ${date}`], date);
  for (const t of tags) await git(dir, ['tag', t], date);
  return git(dir, ['rev-parse', 'HEAD'], date);
}

async function newRepo(root: string, name: string): Promise<string> {
  const dir = path.join(root, 'team', name);
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main'], '2024-01-01T00:00:00Z');
  return dir;
}

const LICENSE = 'Corp license: internal use.\n';

/** Builds the repositories of GIT. */
export async function buildGitHost(): Promise<GitHost> {
  const base = await mkdtemp(path.join(tmpdir(), 'gomirror-git-'));
  const root = path.join(base, 'host');
  const commits: Record<string, string> = {};

  const util = await newRepo(root, 'util.git');
  await commit(util, { 'go.mod': `module ${GIT.util}\n\ngo 1.17\n`, 'util.go': nameSource('util', `${GIT.util}@v1.0.0`) }, '2024-01-01T10:00:00Z', ['v1.0.0']);

  // v1.0.1 carries a submodule: git archive (and so the go command) leaves its files out.
  const webForSub = await newRepo(root, 'subdep.git');
  await commit(webForSub, { 'dep.go': 'package dep\n' }, '2024-01-01T09:00:00Z');
  await git(util, ['-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', webForSub, 'third_party/dep'], '2024-01-03T10:00:00Z');
  await commit(util, { 'util.go': nameSource('util', `${GIT.util}@v1.0.1`) }, '2024-01-03T10:00:00Z', ['v1.0.1']);

  const lib = await newRepo(root, 'lib.git');
  const libMod = `module ${GIT.lib}\n\ngo 1.17\n\nrequire (\n\t${LIB_PUBLIC_DEP.path} ${LIB_PUBLIC_DEP.version}\n\t${GIT.util} v1.0.0\n)\n`;
  const libSource = (id: string): string =>
    nameSource('lib', id, { imports: ['alpha "example.com/alpha"', `util ${JSON.stringify(GIT.util)}`], body: `${JSON.stringify(id)} + alpha.Name() + util.Name()` });
  commits.c1 = await commit(
    lib,
    {
      'go.mod': libMod,
      'lib.go': libSource(`${GIT.lib}@v1.0.0`),
      LICENSE,
      // The go command turns export-ignore off (info/attributes) so the zip keeps secret.txt.
      '.gitattributes': 'secret.txt export-ignore\n',
      'secret.txt': 'not in the zip\n',
      // Go's vendor quirk: files directly in vendor/ stay in the zip, vendored packages go.
      'vendor/modules.txt': '# example.com/x v1.0.0\n',
      'vendor/example.com/x/x.go': 'package x\n',
      // A nested module is left out of its parent's zip.
      'nested/go.mod': `module ${GIT.lib}/nested\n\ngo 1.17\n`,
      'nested/n.go': 'package nested\n',
      'sub/go.mod': `module ${GIT.sub}\n\ngo 1.17\n`,
      'sub/sub.go': nameSource('sub', `${GIT.sub}@v1.2.3`),
    },
    '2024-01-02T10:00:00Z',
    ['v1.0.0', 'sub/v1.2.3'],
  );
  commits.c2 = await commit(
    lib,
    {
      'lib.go': libSource(`${GIT.lib}@v1.1.0`),
      'v2/go.mod': `module ${GIT.libV2}\n\ngo 1.17\n`,
      'v2/lib.go': nameSource('lib', `${GIT.libV2}@v2.0.0`),
    },
    '2024-02-02T10:00:00Z',
    ['v1.1.0', 'v2.0.0'],
  );
  commits.c3 = await commit(lib, { 'lib.go': libSource(`${GIT.lib}@main`) }, '2024-03-02T10:00:00Z');
  await git(lib, ['checkout', '-q', '-b', 'feature', commits.c2], '2024-04-02T10:00:00Z');
  commits.c4 = await commit(lib, { 'lib.go': libSource(`${GIT.lib}@feature`) }, '2024-04-02T10:00:00Z');
  await git(lib, ['checkout', '-q', 'main'], '2024-04-02T10:00:00Z');

  const old = await newRepo(root, 'old.git');
  await commit(old, { 'old.go': nameSource('old', `${GIT.old}@v1.0.0`), LICENSE }, '2017-01-01T10:00:00Z', ['v1.0.0']);
  await commit(old, { 'old.go': nameSource('old', `${GIT.old}@v2.0.0`) }, '2018-01-01T10:00:00Z', ['v2.0.0']);

  const wrong = await newRepo(root, 'wrong.git');
  await commit(wrong, { 'go.mod': 'module example.com/elsewhere\n\ngo 1.17\n', 'w.go': 'package w\n' }, '2024-01-01T10:00:00Z', ['v1.0.0']);

  const web = await newRepo(root, 'web.git');
  await commit(web, { 'go.mod': `module ${GIT.web}\n\ngo 1.17\n`, 'web.go': nameSource('web', `${GIT.web}@v1.0.0`) }, '2024-05-01T10:00:00Z', ['v1.0.0']);
  await commit(web, { 'web.go': nameSource('web', `${GIT.web}@main`) }, '2024-05-02T10:00:00Z');

  const gitconfig = path.join(base, 'gitconfig');
  await writeFile(gitconfig, `[url "${root}/"]\n\tinsteadOf = https://${HOST}/\n`);
  return {
    root,
    gitconfig,
    env: { GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
    commits,
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
