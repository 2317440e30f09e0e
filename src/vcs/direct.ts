import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { GomirrorError } from '../errors.js';
import { canonicalVersion, isValidSemver } from '../module/index.js';
import { parseGoMod } from '../modfile/index.js';
import type { DirectSource } from '../upstream/index.js';
import { goEnv, vcsDirs, type GoEnvOptions } from './env.js';
import { parseJsonStream, runGo, type GoRunner, type GoStats } from './go-command.js';

/** Versions per `go mod download` invocation: one process serves many files. */
const MAX_BATCH = 24;
/** How long the first request of a batch waits for others: the sync asks for a module's versions over a few turns of the event loop. */
const GATHER_MS = 15;

export interface DirectSourceOptions extends GoEnvOptions {
  goBin: string;
  /** Go invocations at once (`--vcs-concurrency`). */
  concurrency: number;
  env: NodeJS.ProcessEnv;
}

/** Where `go mod download -json` put one version's files. */
interface Downloaded {
  info: string;
  mod: string;
  zip?: string;
}

export interface VcsDirectSource extends DirectSource {
  readonly stats: GoStats;
}

/**
 * Modules fetched from version control by driving the go command: `go mod
 * download -json` (many versions per process) for .info/.mod/.zip, `go list
 * -m -json -versions` for the version list, `go list -m -json M@query` for
 * `latest`, branches and commits. The files are the go command's own, so
 * their hashes are the go command's; the caller still checks and hashes them
 * like any upstream's.
 */
export function createDirectSource(options: DirectSourceOptions): VcsDirectSource {
  const dirs = vcsDirs(options.root);
  const runner: GoRunner = { goBin: options.goBin, cwd: dirs.work, env: goEnv(options.env, options) };
  const limit = pLimit(options.concurrency);
  const stats: GoStats = { runs: 0, downloads: 0, lists: 0 };
  let ready: Promise<void> | undefined;
  const prepare = (): Promise<void> => (ready ??= mkdir(dirs.work, { recursive: true }).then(() => undefined));

  /** Runs one go command (within the concurrency bound); its JSON objects, or E_VCS when it printed none and failed. */
  let running = 0;
  const go = async (args: string[]): Promise<Record<string, unknown>[]> => {
    await prepare();
    const r = await limit(async () => {
      stats.runs++;
      running++;
      try {
        return await runGo(runner, args);
      } finally {
        running--;
        // A slot is free: the downloads asked for meanwhile go out together.
        if (pending.length > 0) schedule();
      }
    });
    const objects = parseJsonStream(r.stdout);
    if (objects.length === 0 && r.code !== 0) {
      throw new GomirrorError('E_VCS', `go ${args.slice(0, 3).join(' ')}: ${cleanGoError(r.stderr) || `exit status ${r.code}`}`);
    }
    return objects;
  };

  // Downloads: requests gather for a moment, and go on gathering while every
  // go command slot is busy; then all of them share one process (per MAX_BATCH).
  const downloads = new Map<string, Promise<Downloaded>>();
  let pending: { module: string; version: string; resolve: (d: Downloaded) => void; reject: (e: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer ??= setTimeout(flush, GATHER_MS);
  };
  const flush = (): void => {
    timer = undefined;
    if (pending.length === 0 || running >= options.concurrency) return;
    const all = pending.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
    pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void runBatch(all.slice(i, i + MAX_BATCH));
  };
  const runBatch = async (batch: typeof pending): Promise<void> => {
    stats.downloads++;
    let objects: Record<string, unknown>[] = [];
    let failure: unknown;
    try {
      objects = await go(['mod', 'download', '-json', ...batch.map((b) => `${b.module}@${b.version}`)]);
    } catch (err) {
      failure = err;
    }
    for (const b of batch) {
      const o = objects.find((x) => x.Path === b.module && x.Version === b.version);
      if (!o) {
        b.reject(failure ?? vcsError(b.module, b.version, 'the go command reported nothing for this version'));
      } else if (typeof o.Error === 'string') {
        b.reject(vcsError(b.module, b.version, o.Error));
      } else if (typeof o.Info !== 'string' || typeof o.GoMod !== 'string') {
        b.reject(vcsError(b.module, b.version, 'the go command named no .info or .mod file'));
      } else {
        const d: Downloaded = { info: o.Info, mod: o.GoMod, ...(typeof o.Zip === 'string' ? { zip: o.Zip } : {}) };
        checkModuleLine(b.module, b.version, d).then(() => b.resolve(d), b.reject);
      }
    }
  };
  const download = (module: string, version: string): Promise<Downloaded> => {
    const key = `${module}@${version}`;
    let p = downloads.get(key);
    if (!p) {
      p = new Promise<Downloaded>((resolve, reject) => {
        pending.push({ module, version, resolve, reject });
        schedule();
      });
      downloads.set(key, p);
    }
    return p;
  };

  /** The version a query (latest, a branch, a commit) names, by `go list -m`. */
  const resolveQuery = async (module: string, query: string): Promise<string> => {
    stats.lists++;
    const [o] = await go(['list', '-m', '-json', '-e', `${module}@${query}`]);
    if (!o) throw vcsError(module, query, 'the go command reported nothing');
    if (isErrorObject(o)) throw vcsError(module, query, errorText(o));
    if (typeof o.Version !== 'string') throw vcsError(module, query, 'the go command named no version');
    return o.Version;
  };

  const isCanonical = (v: string): boolean => isValidSemver(v) && canonicalVersion(v) === v;

  return {
    stats,
    async list(module) {
      stats.lists++;
      const [o] = await go(['list', '-m', '-json', '-e', '-versions', module]);
      if (!o) throw vcsError(module, 'list', 'the go command reported nothing');
      if (isErrorObject(o)) throw vcsError(module, 'list', errorText(o));
      return Array.isArray(o.Versions) ? o.Versions.filter((v): v is string => typeof v === 'string') : [];
    },
    async latest(module) {
      const version = await resolveQuery(module, 'latest');
      return readFile((await download(module, version)).info);
    },
    async info(module, version) {
      // A branch or commit (not a version) is resolved first, as `go get m@main` does.
      const v = isCanonical(version) ? version : await resolveQuery(module, version);
      return readFile((await download(module, v)).info);
    },
    async mod(module, version) {
      return readFile((await download(module, version)).mod);
    },
    async zip(module, version, file) {
      const d = await download(module, version);
      if (!d.zip) throw vcsError(module, version, 'the go command wrote no zip');
      await copyFile(d.zip, file);
      return { size: (await stat(file)).size };
    },
  };
}

/**
 * `go mod download` outside a module does not compare the go.mod's module
 * line with the path; the go command refuses the mismatch as soon as it
 * loads the module as a dependency, so a mirror must not serve it.
 */
async function checkModuleLine(module: string, version: string, d: Downloaded): Promise<void> {
  const text = await readFile(d.mod, 'utf8');
  let declared: string | undefined;
  try {
    declared = parseGoMod(text, `${module}@${version}/go.mod`, { lax: true }).module;
  } catch (err) {
    throw vcsError(module, version, `go.mod: ${(err as Error).message}`);
  }
  if (declared !== module) {
    throw vcsError(module, version, `go.mod declares its path as ${JSON.stringify(declared ?? '')}, not ${module}`);
  }
}

function isErrorObject(o: Record<string, unknown>): boolean {
  return o.Error !== undefined && o.Error !== null;
}

function errorText(o: Record<string, unknown>): string {
  const e = o.Error;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { Err?: unknown }).Err === 'string') return (e as { Err: string }).Err;
  return JSON.stringify(e);
}

/** Go errors name the module again and may quote a URL; credentials in a URL never reach a message. */
function cleanGoError(text: string): string {
  return text
    .replace(/^go: /gm, '')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@')
    .trim();
}

function vcsError(module: string, query: string, goError: string): GomirrorError {
  const text = cleanGoError(goError);
  const detail = text.startsWith(`${module}@${query}: `) ? text.slice(module.length + query.length + 3) : text;
  return new GomirrorError('E_VCS', `${module}@${query}: from version control: ${detail}`, {
    hint:
      'Check that the repository exists and that git can reach it without a prompt (GIT_TERMINAL_PROMPT=0): ' +
      'credentials in ~/.netrc or a git credential helper, url.<base>.insteadOf rules for SSH',
  });
}
