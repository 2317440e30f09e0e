/**
 * The report's module rows, taken one module at a time as modules finish.
 * A sync of 100,000 versions has a 25 MB report: its rows are written to a
 * spill file beside `--report` as they come (JSON text, indented as in the
 * report) and only their offsets are kept, so no outcome of a finished
 * module stays in memory. The report file is then written from the spill
 * file in module order, byte for byte what JSON.stringify(report, null, 2)
 * would give. Rows of modules that did not go well (and every row of a dry
 * run, whose plan the CLI prints) are also kept in memory for the caller.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tempPathFor, writeTextAtomic } from '../tree/index.js';
import { addToTotals, assembleReport, buildModuleRow, emptyTotals, type ModuleRow, type ReportHeader, type SyncReport } from './report.js';
import type { ModuleOutcome } from './run.js';

export interface ReportRows {
  /**
   * Adds a finished module (after `annotate`, if given, has added to its
   * row); `counted` is called the moment the row counts in report(), so the
   * caller can stop counting the module as unfinished.
   */
  add(outcome: ModuleOutcome, counted?: () => void): Promise<void>;
  /** Paths of modules that fetched something, in the order they finished. */
  readonly changed: readonly string[];
  /**
   * The report so far, with `unfinished` modules as they stand: its
   * `modules` are the kept rows (not ok, or all in a dry run), in module order.
   */
  report(header: ReportHeader, unfinished?: readonly ModuleOutcome[]): { report: SyncReport; extra: ModuleRow[] };
  /** Writes `report` (from report()) with every row to `file`, atomically. */
  write(file: string, report: SyncReport, extra?: readonly ModuleRow[]): Promise<void>;
  /** Removes the spill file. */
  close(): Promise<void>;
}

export interface ReportRowsOptions {
  dryRun: boolean;
  /** The `--report` file; without one, rows are not spilled (only the kept ones and the totals remain). */
  file?: string;
  /** Retries by module path, read when the module finishes. */
  moduleRetries?: ReadonlyMap<string, number>;
  /** Adds to a row before it is counted and written (vulnerabilities). */
  annotate?: (row: ModuleRow, outcome: ModuleOutcome) => Promise<void>;
  /** Bytes of rows written to the spill file at a time (default 1 MiB). */
  chunkBytes?: number;
}

/** Where a row's text is: in the spill file, or (unfinished modules) in memory. */
type RowRef = { path: string; offset: number; length: number } | { path: string; text: string };

const PLACEHOLDER = '\u0000rows\u0000';
/** How much of the spill file is read (and the report written) at a time. */
const CHUNK = 1 << 20;

export function createReportRows(options: ReportRowsOptions): ReportRows {
  const { dryRun } = options;
  const totals = emptyTotals();
  const kept: ModuleRow[] = [];
  const changed: string[] = [];
  const refs: RowRef[] = [];
  const spillFile = options.file === undefined ? undefined : tempPathFor(options.file);
  let spill: Promise<FileHandle> | undefined;
  let spilled = 0;
  // Appends in order, and write() waits for the last one.
  let pending: Promise<void> = Promise.resolve();

  // Rows are gathered into chunks of about CHUNK bytes: one write per chunk, not per module.
  let chunk: Buffer[] = [];
  let chunkBytes = 0;
  const flushChunk = (): Promise<void> => {
    if (chunkBytes === 0 || spillFile === undefined) return pending;
    const data = Buffer.concat(chunk, chunkBytes);
    const offset = spilled - chunkBytes;
    chunk = [];
    chunkBytes = 0;
    const fh = (spill ??= open(spillFile, 'w+', 0o600));
    pending = pending.then(async () => {
      await (await fh).write(data, 0, data.length, offset);
    });
    return pending;
  };
  const append = (path: string, text: string): Promise<void> => {
    if (spillFile === undefined) return Promise.resolve();
    const data = Buffer.from(text);
    refs.push({ path, offset: spilled, length: data.length });
    spilled += data.length;
    chunk.push(data);
    chunkBytes += data.length;
    return chunkBytes >= (options.chunkBytes ?? CHUNK) ? flushChunk() : Promise.resolve();
  };

  return {
    changed,
    async add(outcome, counted) {
      const row = buildModuleRow(outcome, dryRun, options.moduleRetries?.get(outcome.module) ?? 0);
      await options.annotate?.(row, outcome);
      addToTotals(totals, row, dryRun);
      if (!row.ok || dryRun) kept.push(row);
      if (row.fetched > 0) changed.push(row.path);
      const written = append(row.path, rowText(row));
      counted?.();
      await written;
    },
    report(header, unfinished = []) {
      const t = structuredClone(totals);
      const extra = unfinished.map((o) => buildModuleRow(o, dryRun, options.moduleRetries?.get(o.module) ?? 0));
      for (const row of extra) addToTotals(t, row, dryRun);
      const rows = [...kept, ...extra.filter((r) => !r.ok || dryRun)].sort(byPath);
      return { report: assembleReport(header, t, rows), extra };
    },
    async write(file, report, extra = []) {
      await flushChunk();
      const all: RowRef[] = [...refs, ...extra.map((r) => ({ path: r.path, text: rowText(r) }))].sort(byPath);
      const [head, tail] = JSON.stringify({ ...report, modules: PLACEHOLDER }, null, 2).split(JSON.stringify(PLACEHOLDER)) as [string, string];
      const src = spill ? await spill : undefined;
      async function* text(): AsyncGenerator<string> {
        yield head;
        yield all.length === 0 ? '[]' : '[\n';
        for (const [i, ref] of all.entries()) {
          if (i > 0) yield ',\n';
          if ('text' in ref) yield ref.text;
          else {
            const data = Buffer.alloc(ref.length);
            await (src as FileHandle).read(data, 0, ref.length, ref.offset);
            yield data.toString('utf8');
          }
        }
        yield `${all.length === 0 ? '' : '\n  ]'}${tail}\n`;
      }
      await writeTextAtomic(file, text());
    },
    async close() {
      await pending.catch(() => undefined);
      if (spill) await (await spill).close().catch(() => undefined);
      if (spillFile) await rm(spillFile, { force: true });
    },
  };
}

/** A row as JSON.stringify(report, null, 2) writes it inside `modules`. */
function rowText(row: ModuleRow): string {
  return JSON.stringify(row, null, 2).replace(/^/gm, '    ');
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
