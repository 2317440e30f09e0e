/**
 * Publishing to one S3 target: read the record, plan (s3-plan.ts), upload
 * phase by phase, delete, write the record. A phase that fails stops the
 * target before the next phase, so no list ever names a file that did not
 * make it; the record is written after every phase that changed something,
 * so a rerun sends only what is still missing.
 *
 * Nothing per file is held (issue 17): the tree is walked in path order and
 * merged with the record, which is kept in path order too (record-file.ts);
 * each phase's uploads go to a spool, and each phase's results are merged
 * into the record on disk.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { cacheControlOf, contentTypeOf, servedKind } from '../tree/index.js';
import type { LocalTree } from './local-tree.js';
import { changeList, type ChangeList, type DestinationOutcome } from './outcome.js';
import { fetchRecord, mergeEntries, writeRecordFile } from './record-file.js';
import { classify, needsHash, phaseOf, planDeletions, S3_PHASES, versionDirs, type PublishedObject, type S3Phase } from './s3-plan.js';
import { entryLine, parseEntryLine, STATE_KEY } from './s3-state.js';
import type { ObjectStore } from './s3-endpoint.js';
import type { LineSpool, Scratch } from './spool.js';
import { describeTarget, type S3Location } from './targets.js';

export interface S3TargetOptions {
  readonly location: S3Location;
  readonly store: ObjectStore;
  readonly tree: LocalTree;
  /** Where the plan and the record are spooled; the caller disposes of it after reading the changes. */
  readonly scratch: Scratch;
  readonly dryRun: boolean;
  readonly delete: boolean;
  readonly deleteAfterMs: number;
  readonly concurrency: number;
  readonly listMaxAge: number;
  readonly now: () => number;
  /** Called as files finish (done) and bytes go up. */
  readonly onProgress?: (files: number, bytes: number, failed: number) => void;
  /** Reports the number of files to send once planned. */
  readonly onPlanned?: (files: number) => void;
}

/** A planned upload as spooled: `size<TAB>mtimeMs<TAB>path`. */
function uploadLine(size: number, mtimeMs: number, rel: string): string {
  return `${size}\t${mtimeMs}\t${rel}`;
}
function parseUpload(line: string): { size: number; mtimeMs: number; rel: string } {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  return { size: Number(line.slice(0, a)), mtimeMs: Number(line.slice(a + 1, b)), rel: line.slice(b + 1) };
}

export async function publishToS3(opts: S3TargetOptions, logger: Logger): Promise<DestinationOutcome> {
  const name = describeTarget(opts.location);
  const key = (rel: string): string => (opts.location.prefix === '' ? rel : `${opts.location.prefix}/${rel}`);
  const scratch = opts.scratch;
  let changes: ChangeList = changeList([]);
  let sent = 0;
  let deleted = 0;
  let bytes = 0;
  let unchanged = 0;
  const result = (error?: GomirrorError): DestinationOutcome => ({
    destination: name,
    kind: 's3',
    ok: error === undefined,
    sent,
    deleted,
    bytes,
    unchanged,
    changes,
    ...(error ? { error } : {}),
  });

  try {
    const record = await fetchRecord(opts.store, key(STATE_KEY), `${name}/${STATE_KEY}`, scratch);

    // The plan: the tree merged with the record, both in path order.
    const phases = new Map<S3Phase, LineSpool>();
    for (const p of S3_PHASES) phases.set(p, await scratch.spool());
    const touched = await scratch.spool();
    const missing: string[] = [];
    let planned = 0;
    let plannedBytes = 0;
    const recLines = record.entries.lines()[Symbol.asyncIterator]();
    const nextRec = async (): Promise<{ rel: string; object: PublishedObject } | undefined> => {
      const r = await recLines.next();
      return r.done ? undefined : parseEntryLine(r.value);
    };
    let rec = await nextRec();
    let prev: string | undefined;
    for await (const f of opts.tree.walk()) {
      if (prev !== undefined && !(prev < f.rel)) throw new Error(`the tree walk is out of order: ${prev} then ${f.rel}`);
      prev = f.rel;
      while (rec && rec.rel < f.rel) {
        missing.push(rec.rel);
        rec = await nextRec();
      }
      let old: PublishedObject | undefined;
      if (rec?.rel === f.rel) {
        old = rec.object;
        rec = await nextRec();
      }
      const c = classify(f, old, old && needsHash(f, old) ? await opts.tree.sha256(f.rel) : undefined);
      if (c === 'upload') {
        const spool = phases.get(phaseOf(f.rel, f.kind)) as LineSpool;
        spool.append(uploadLine(f.size, f.mtimeMs, f.rel));
        planned++;
        plannedBytes += f.size;
        if (spool.count % 4096 === 0) await spool.drain();
      } else {
        unchanged++;
        if (c === 'touched') {
          touched.append(entryLine(f.rel, { ...(old as PublishedObject), mtimeMs: f.mtimeMs }));
          if (touched.count % 4096 === 0) await touched.drain();
        }
      }
    }
    for (; rec; rec = await nextRec()) missing.push(rec.rel);
    for (const s of [...phases.values(), touched]) await s.finish();

    const named = new Map<string, Set<string>>();
    const missingSet = new Set(missing);
    const localIndex = new Set<string>();
    for (const dir of versionDirs(missing)) {
      const n = await opts.tree.named(dir);
      if (n) named.set(dir, n);
      // No list or @latest that can be read here: one that is in the tree all the same may still be in the bucket.
      else for (const i of [`${dir}/@v/list`, `${dir}/@latest`]) if (!missingSet.has(i) && (await opts.tree.exists(i))) localIndex.add(i);
    }
    const plan = planDeletions({
      missing,
      missingSince: record.missingSince,
      named,
      recorded: (rel) => missingSet.has(rel) || localIndex.has(rel),
      now: opts.now(),
      delete: opts.delete,
      deleteAfterMs: opts.deleteAfterMs,
    });
    opts.onPlanned?.(planned);
    const upload = (line: string): { code: string; path: string } => ({ code: 'upload', path: parseUpload(line).rel });
    changes = changeList([
      ...S3_PHASES.map((p) => ({ spool: phases.get(p) as LineSpool, change: upload })),
      plan.deletions[0].map((rel) => ({ code: 'delete', path: rel })),
      plan.deletions[1].map((rel) => ({ code: 'delete', path: rel })),
      plan.kept.map((k) => ({ code: 'keep', path: `${k.rel} (${k.reason})` })),
    ]);

    if (opts.dryRun) {
      sent = planned;
      deleted = plan.deletions[0].length + plan.deletions[1].length;
      bytes = plannedBytes;
      return result();
    }

    // The record as it grows: the old entries, plus what went up, minus what was deleted, merged on each save.
    let current = record.entries;
    let pending: LineSpool[] = touched.count > 0 ? [touched] : [];
    let removed = new Set<string>();
    const missingSince: Record<string, number> = { ...plan.missingSince };
    let dirty = touched.count > 0 || !sameKeys(record.missingSince, plan.missingSince);
    const saveState = async (): Promise<void> => {
      if (!dirty) return;
      if (pending.length > 0 || removed.size > 0) {
        const next = await scratch.spool();
        await mergeEntries([current.lines(), ...pending.map((p) => p.lines())], removed, next);
        await rm(current.file, { force: true });
        current = next;
        pending = [];
        removed = new Set();
      }
      const gz = await scratch.file();
      await writeRecordFile(gz, current.lines(), missingSince, opts.now());
      await opts.store.putFile(key(STATE_KEY), gz, { contentType: 'application/gzip', cacheControl: 'no-store' });
      await rm(gz, { force: true });
      dirty = false;
    };

    for (const phase of S3_PHASES) {
      const spool = phases.get(phase) as LineSpool;
      if (spool.count === 0) continue;
      const results = await scratch.spool();
      let failure: GomirrorError | undefined;
      // Results enter the record in path order: a finished upload waits for those before it (at most `concurrency`).
      const done = new Map<number, string | undefined>();
      let flushed = 0;
      const flush = (i: number, line: string | undefined): void => {
        done.set(i, line);
        for (; done.has(flushed); flushed++) {
          const l = done.get(flushed);
          done.delete(flushed);
          if (l !== undefined) results.append(l);
        }
      };
      const items = numbered(spool.lines());
      const worker = async (): Promise<void> => {
        for (;;) {
          // After a failure, files not yet started wait for the next run.
          if (failure) return;
          const r = await items.next();
          if (r.done) return;
          const [i, line] = r.value;
          if (failure) return flush(i, undefined);
          const f = parseUpload(line);
          const kind = servedKind(f.rel);
          if (!kind) throw new Error(`${f.rel} is no longer a served file`);
          try {
            const up = await opts.store.putFile(
              key(f.rel),
              path.join(opts.tree.root, f.rel),
              { contentType: contentTypeOf(kind), cacheControl: cacheControlOf(kind, opts.listMaxAge) },
              (n) => opts.onProgress?.(0, n, 0),
            );
            flush(i, entryLine(f.rel, { size: up.size, sha256: up.sha256, mtimeMs: f.mtimeMs }));
            delete missingSince[f.rel];
            dirty = true;
            sent++;
            bytes += up.size;
            opts.onProgress?.(1, 0, 0);
          } catch (err) {
            flush(i, undefined);
            if (!isGomirrorError(err)) throw err;
            failure ??= err;
            opts.onProgress?.(0, 0, 1);
          }
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
      await results.finish();
      pending.push(results);
      if (failure) {
        await saveState().catch(() => undefined);
        return result(wrap(name, `the ${phase} phase`, failure));
      }
      logger.info(`${name}: ${phase}: ${spool.count} files uploaded`);
      await saveState();
    }

    for (const step of plan.deletions) {
      if (step.length === 0) continue;
      await opts.store.delete(step.map(key));
      for (const rel of step) {
        removed.add(rel);
        delete missingSince[rel];
      }
      deleted += step.length;
      dirty = true;
      await saveState();
    }
    if (plan.kept.length > 0) logger.info(`${name}: ${plan.kept.length} objects gone from the tree are kept for now`);
    await saveState();
    return result();
  } catch (err) {
    if (!isGomirrorError(err)) throw err;
    return result(wrap(name, 'publish', err));
  }
}

/** The lines with their position; safe to pull from several workers at once (an async generator queues them). */
async function* numbered(lines: AsyncIterable<string>): AsyncGenerator<[number, string]> {
  let i = 0;
  for await (const line of lines) yield [i++, line];
}

function wrap(name: string, where: string, err: GomirrorError): GomirrorError {
  const msg = where === 'publish' ? `publish to ${name} failed: ${err.message}` : `publish to ${name} failed in ${where}: ${err.message}`;
  return new GomirrorError(err.code, msg, { ...(err.hint !== undefined ? { hint: err.hint } : {}), cause: err });
}

function sameKeys(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
