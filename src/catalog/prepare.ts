/**
 * Reading and rendering a module's page while the sync still runs: as soon
 * as a module's new versions are listed, what its page shows (the version
 * files, the latest go.mod, README and licenses from the latest zip) is read
 * and the page rendered in the background, one module at a time, while the
 * sync waits on the network for other modules. The catalog refresh after the
 * sync takes them instead of reading and rendering the module again (the
 * largest part of its work), provided the module's `@v` directory still has
 * the stamp it had then (else it reads the module as before), and the page
 * when every requirement it links (in the tree then, or mirrored by the sync) is linked the
 * same way by the refresh (else it renders the page again). The pages are the
 * same bytes either way.
 *
 * Kept in memory until the refresh, so bounded: past MAX_BYTES of texts or
 * MAX_MODULES modules, nothing more is read ahead (a big sync's refresh reads
 * the rest as before). Light to import: the reading code is loaded on first use.
 */
import type { ModuleData } from './module-view.js';

/** Bytes of README, license and go.mod text and of rendered pages held at most. */
const MAX_BYTES = 8 << 20;
const MAX_MODULES = 1024;
/** Module paths the sync mirrors kept at most (for links). */
const MAX_EXPECTED = 16384;

interface Prepared {
  stamp: string;
  data: ModuleData;
  /** The page, and for each module it requires whether it linked it. */
  html: string;
  links: Map<string, boolean>;
}

export interface ReadAhead {
  data: ModuleData;
  html: string;
  links: ReadonlyMap<string, boolean>;
}

export class PreparedModules {
  private readonly ready = new Map<string, Promise<Prepared | undefined>>();
  private bytes = 0;
  private full = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly expected = new Set<string>();

  /** `expected`: modules the sync mirrors, as expect() takes them. */
  constructor(
    private readonly root: string,
    expected: Iterable<string> = [],
  ) {
    for (const m of expected) this.expect(m);
  }

  /** The sync mirrors versions of `modulePath`: pages rendered ahead link it, as the refresh will. */
  expect(modulePath: string): void {
    if (!this.full && this.expected.size < MAX_EXPECTED) this.expected.add(modulePath);
  }

  /** The sync listed new versions of `modulePath`: read its page's data in the background. */
  moduleDone(modulePath: string): void {
    if (this.full || this.ready.has(modulePath)) return;
    if (this.ready.size >= MAX_MODULES) {
      this.full = true;
      return;
    }
    // One at a time, after the ones before: the sync's own work goes first.
    const next = this.chain.then(() => this.read(modulePath));
    this.chain = next;
    this.ready.set(modulePath, next);
  }

  /** What was read for `modulePath`, when its `@v` directory still has `stamp`; else undefined (read it again). */
  async take(modulePath: string, stamp: string): Promise<ReadAhead | undefined> {
    const p = this.ready.get(modulePath);
    if (!p) return undefined;
    this.ready.delete(modulePath);
    const got = await p;
    if (got) this.bytes -= textBytes(got.data) + got.html.length;
    return got?.stamp === stamp ? got : undefined;
  }

  /** The refresh began: reads not started yet are left to it (it reads several modules at once). */
  stop(): void {
    this.full = true;
    this.expected.clear();
  }

  /** Settles when every read asked for so far has ended. */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Modules read ahead and not taken yet. */
  get size(): number {
    return this.ready.size;
  }

  private async read(modulePath: string): Promise<Prepared | undefined> {
    if (this.full) return undefined;
    try {
      const [{ moduleStamp, readModule, withZipTexts }, { moduleHtml }, { catalogRenderer }] = await Promise.all([
        import('./scan.js'),
        import('./passes.js'),
        import('./render.js'),
      ]);
      // The stamp before the read: a change during the read makes it stale, never the other way round.
      const stamp = moduleStamp(this.root, modulePath);
      if (stamp === undefined) return undefined;
      const data = await withZipTexts(this.root, await readModule(this.root, modulePath));
      const links = new Map<string, boolean>();
      const html = moduleHtml(catalogRenderer(), data, (q) => {
        const linked = this.expected.has(q) || moduleStamp(this.root, q) !== undefined;
        links.set(q, linked);
        return linked;
      });
      const size = textBytes(data) + html.length;
      if (this.bytes + size > MAX_BYTES) {
        this.full = true;
        return undefined;
      }
      this.bytes += size;
      return { stamp, data, html, links };
    } catch {
      // The refresh reads it again and reports what is wrong.
      return undefined;
    }
  }
}

function textBytes(d: ModuleData): number {
  let n = (d.latestMod?.length ?? 0) + d.versions.length * 128;
  if (d.zip?.readme) n += d.zip.readme.text.length;
  for (const l of d.zip?.licenses ?? []) n += l.text.length;
  return n;
}
