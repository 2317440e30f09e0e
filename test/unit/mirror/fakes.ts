/**
 * In-memory stand-ins for the tree, the hash record, the upstream and the
 * stager, so the orchestration (mirrorVersion, runSync) can be driven through
 * each of its branches without a network, a disk or worker threads. Every
 * call that matters is appended to one event log, so tests assert the order
 * of events and counts of calls, never times.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GomirrorError, ZipInvalidError } from '../../../src/errors.js';
import type { SumStore } from '../../../src/gosum/index.js';
import type { Stager } from '../../../src/mirror/stage.js';
import type { ModuleZipSummary } from '../../../src/modzip/index.js';
import { isPseudoVersion, sortVersions, unescapeVersion } from '../../../src/module/index.js';
import { treeLayout, type TreeStore } from '../../../src/tree/index.js';
import type { UpstreamClient } from '../../../src/upstream/index.js';

/** The files of a fake disk and the log every fake writes to. */
export class World {
  readonly files = new Map<string, Buffer>();
  readonly events: string[] = [];
  readonly layout = treeLayout('/tree');
  private temps = 0;

  nextTemp(dest: string): string {
    return `${dest}.tmp-${process.pid}-${(this.temps++).toString(36)}`;
  }

  /** A path relative to the tree root, for readable events. */
  rel(file: string): string {
    return path.relative(this.layout.root, file);
  }

  /** Puts a version's files in the tree as an earlier run would have. */
  put(module: string, version: string, files: { info?: string; mod?: string; zip?: string }): void {
    for (const kind of ['info', 'mod', 'zip'] as const) {
      const data = files[kind];
      if (data !== undefined) this.files.set(this.layout.versionFile(module, version, kind), Buffer.from(data));
    }
  }

  file(module: string, version: string, kind: 'info' | 'mod' | 'zip'): string | undefined {
    return this.files.get(this.layout.versionFile(module, version, kind))?.toString();
  }

  /** Files whose name is a temp name: none may be left after a version is done. */
  temporaries(): string[] {
    return [...this.files.keys()].filter((f) => /\.tmp-\d+-/.test(f)).map((f) => this.rel(f));
  }

  count(prefix: string): number {
    return this.events.filter((e) => e.startsWith(prefix)).length;
  }
}

/** The h1 the fake stager reports for a zip's bytes (the real check lives in zip-check.test.ts). */
export function fakeZipHash(zip: string | Buffer): string {
  return `h1:${createHash('sha256').update('zip\n').update(zip).digest('base64')}`;
}

export function infoJSON(version: string): string {
  return JSON.stringify({ Version: version, Time: '2024-01-02T03:04:05Z' });
}

export function goMod(module: string, extra = ''): string {
  return `module ${module}\n\ngo 1.17\n${extra}`;
}

export function memoryStore(world: World): TreeStore {
  const { files, layout } = world;
  const namesIn = (dir: string): string[] => [...files.keys()].filter((f) => path.dirname(f) === dir).map((f) => path.basename(f));
  const completeVersions = async (m: string): Promise<string[]> => {
    const names = new Set(namesIn(layout.versionDir(m)));
    return [...names].filter((n) => n.endsWith('.zip') && names.has(n.replace(/zip$/, 'info')) && names.has(n.replace(/zip$/, 'mod'))).map((n) => unescapeVersion(n.slice(0, -4)));
  };
  return {
    layout,
    read: async (f) => files.get(f),
    exists: async (f) => files.has(f),
    writeAtomic: async (f, data) => {
      files.set(f, Buffer.from(data));
    },
    tempFor: async (dest) => world.nextTemp(dest),
    commit: async (tmp, dest) => {
      const data = files.get(tmp);
      if (!data) throw new Error(`commit: ${tmp} was never written`);
      files.delete(tmp);
      files.set(dest, data);
      world.events.push(`commit ${world.rel(dest)}`);
    },
    discard: async (tmp) => {
      if (files.delete(tmp)) world.events.push(`discard ${world.rel(tmp).replace(/\.tmp-.*/, '.tmp')}`);
    },
    versionDirNames: async (m) => new Set(namesIn(layout.versionDir(m))),
    completeVersions,
    // The real rule, without the disk: tagged complete versions in list, @latest only without them.
    rebuildIndex: async (m, latestInfo) => {
      const tagged = sortVersions((await completeVersions(m)).filter((v) => !isPseudoVersion(v)));
      files.set(layout.listFile(m), Buffer.from(tagged.map((v) => `${v}\n`).join('')));
      if (tagged.length === 0 && latestInfo) {
        const info = await latestInfo();
        if (info) files.set(layout.latestFile(m), info);
      }
      world.events.push(`index ${m}`);
      return true;
    },
  };
}

export function memorySums(world: World, initial: Record<string, string> = {}): SumStore {
  const map = new Map(Object.entries(initial));
  const key = (p: string, v: string, goMod: boolean): string => `${p} ${v}${goMod ? '/go.mod' : ''}`;
  return {
    get: (p, v, goMod) => map.get(key(p, v, goMod)),
    set: (p, v, goMod, hash) => {
      map.set(key(p, v, goMod), hash);
    },
    flush: async () => {
      world.events.push('flush');
    },
    checkpoint: async () => {
      world.events.push('checkpoint');
    },
    get size() {
      return map.size;
    },
  };
}

/** What the fake upstream serves for one version; a missing zip answers not-found. */
export interface Served {
  mod: string;
  zip?: string;
  info?: string;
}

export interface FakeUpstream extends UpstreamClient {
  /** Largest number of mod/info/zip requests open at once. */
  readonly peak: number;
}

/**
 * An upstream serving `modules` (module → version → files); `@v/list` lists
 * every version given. A request for anything else answers E_NOT_FOUND.
 * Each answer waits for a turn of the event loop, so concurrent requests
 * overlap as they do on a network.
 */
export function fakeUpstream(world: World, modules: Record<string, Record<string, Served>>): FakeUpstream {
  let open = 0;
  let peak = 0;
  const served = (m: string, v: string): Served => {
    const s = modules[m]?.[v];
    if (!s) throw new GomirrorError('E_NOT_FOUND', `${m}@${v}: not found`);
    return s;
  };
  async function request<T>(what: string, answer: () => T): Promise<T> {
    world.events.push(`get ${what}`);
    open++;
    peak = Math.max(peak, open);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return answer();
    } finally {
      open--;
    }
  }
  return {
    list: (m) =>
      request(`${m}/@v/list`, () => {
        const versions = modules[m];
        if (!versions) throw new GomirrorError('E_NOT_FOUND', `${m}: not found`);
        return Object.keys(versions);
      }),
    latest: (m) =>
      request(`${m}/@latest`, () => {
        throw new GomirrorError('E_NOT_FOUND', `${m}@latest: not found`);
      }),
    info: (m, v) => request(`${m}@${v}.info`, () => Buffer.from(served(m, v).info ?? infoJSON(v))),
    mod: (m, v) => request(`${m}@${v}.mod`, () => Buffer.from(served(m, v).mod)),
    zip: (m, v, file) =>
      request(`${m}@${v}.zip`, () => {
        const zip = served(m, v).zip;
        if (zip === undefined) throw new GomirrorError('E_NOT_FOUND', `${m}@${v}.zip: not found`);
        world.files.set(file, Buffer.from(zip));
        return { size: zip.length };
      }),
    get peak() {
      return peak;
    },
  };
}

/**
 * The stager: a zip whose bytes contain "corrupt" fails its check, any other
 * is hashed with fakeZipHash; new files are written under their temp names.
 */
export function fakeStager(world: World): Stager {
  return async (job) => {
    let zip: ModuleZipSummary | undefined;
    if (job.zip) {
      const bytes = world.files.get(job.zip.file);
      if (!bytes) throw new Error(`stage: ${job.zip.file} does not exist`);
      world.events.push(`check ${world.rel(job.zip.file).replace(/\.tmp-.*/, '.tmp')}`);
      if (bytes.includes('corrupt')) throw new ZipInvalidError(job.zip.file, 'not a valid zip file');
      zip = { h1: fakeZipHash(bytes), goMod: undefined, fileCount: 1, size: bytes.length, uncompressedSize: bytes.length };
    }
    for (const f of job.files) {
      if (world.files.has(f.file)) throw new Error(`stage: ${f.file} exists`);
      world.files.set(f.file, Buffer.from(f.data));
    }
    return zip ? { zip } : {};
  };
}
