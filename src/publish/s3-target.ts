/**
 * Publishing to one S3 target: read the record, plan (s3-plan.ts), upload
 * phase by phase, delete, write the record. A phase that fails stops the
 * target before the next phase, so no list ever names a file that did not
 * make it; the record is written after every phase that changed something,
 * so a rerun sends only what is still missing.
 */
import path from 'node:path';
import pLimit from 'p-limit';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { cacheControlOf, contentTypeOf } from '../tree/index.js';
import type { LocalTree } from './local-tree.js';
import type { DestinationOutcome, TargetChange } from './outcome.js';
import { needsHash, planS3Publish, type PublishedObject, type PublishedState } from './s3-plan.js';
import { decodeState, encodeState, STATE_KEY } from './s3-state.js';
import type { ObjectStore } from './s3-endpoint.js';
import { describeTarget, type S3Location } from './targets.js';

export interface S3TargetOptions {
  readonly location: S3Location;
  readonly store: ObjectStore;
  readonly tree: LocalTree;
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

const VERSION_FILE = /^(.+)\/@v\/[^/]+\.(?:info|mod|zip)$/;

export async function publishToS3(opts: S3TargetOptions, logger: Logger): Promise<DestinationOutcome> {
  const name = describeTarget(opts.location);
  const key = (rel: string): string => (opts.location.prefix === '' ? rel : `${opts.location.prefix}/${rel}`);
  const changes: TargetChange[] = [];
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
    const raw = await opts.store.get(key(STATE_KEY));
    const old: PublishedState = raw === undefined ? { objects: {}, missingSince: {} } : decodeState(raw, `${name}/${STATE_KEY}`);
    const hashes = new Map<string, string>();
    await Promise.all(
      opts.tree.files.filter((f) => needsHash(f, old.objects[f.rel])).map(async (f) => hashes.set(f.rel, await opts.tree.sha256(f.rel))),
    );
    const present = new Set(opts.tree.files.map((f) => f.rel));
    const dirs = new Set<string>();
    for (const rel of Object.keys(old.objects)) {
      const m = present.has(rel) ? null : VERSION_FILE.exec(rel);
      if (m) dirs.add(m[1] as string);
    }
    const named = new Map<string, Set<string>>();
    for (const dir of dirs) {
      const n = await opts.tree.named(dir);
      if (n) named.set(dir, n);
    }
    const plan = planS3Publish({
      files: opts.tree.files,
      state: old,
      hashes,
      named,
      now: opts.now(),
      delete: opts.delete,
      deleteAfterMs: opts.deleteAfterMs,
    });
    unchanged = plan.unchanged;
    const total = plan.phases.reduce((n, p) => n + p.files.length, 0);
    opts.onPlanned?.(total);
    for (const p of plan.phases) for (const f of p.files) changes.push({ code: 'upload', path: f.rel });
    for (const rel of [...plan.deletions[0], ...plan.deletions[1]]) changes.push({ code: 'delete', path: rel });
    for (const k of plan.kept) changes.push({ code: 'keep', path: `${k.rel} (${k.reason})` });

    if (opts.dryRun) {
      sent = total;
      deleted = plan.deletions[0].length + plan.deletions[1].length;
      bytes = plan.phases.reduce((n, p) => n + p.files.reduce((m, f) => m + f.size, 0), 0);
      return result();
    }

    // The record as it grows: old objects, plus what went up, minus what was deleted.
    const objects: Record<string, PublishedObject> = { ...old.objects };
    const missingSince: Record<string, number> = { ...plan.missingSince };
    for (const t of plan.touched) {
      const o = objects[t.rel];
      if (o) objects[t.rel] = { ...o, mtimeMs: t.mtimeMs };
    }
    let dirty = plan.touched.length > 0 || !sameKeys(old.missingSince, plan.missingSince);
    const saveState = async (): Promise<void> => {
      if (!dirty) return;
      await opts.store.putBytes(key(STATE_KEY), encodeState({ objects, missingSince }, opts.now()), {
        contentType: 'application/gzip',
        cacheControl: 'no-store',
      });
      dirty = false;
    };

    const limit = pLimit(opts.concurrency);
    for (const phase of plan.phases) {
      if (phase.files.length === 0) continue;
      let failure: GomirrorError | undefined;
      await Promise.all(
        phase.files.map((f) =>
          limit(async () => {
            // After a failure, files not yet started wait for the next run.
            if (failure) return;
            try {
              const up = await opts.store.putFile(
                key(f.rel),
                path.join(opts.tree.root, f.rel),
                { contentType: contentTypeOf(f.kind), cacheControl: cacheControlOf(f.kind, opts.listMaxAge) },
                (n) => opts.onProgress?.(0, n, 0),
              );
              objects[f.rel] = { size: up.size, sha256: up.sha256, mtimeMs: f.mtimeMs };
              delete missingSince[f.rel];
              dirty = true;
              sent++;
              bytes += up.size;
              opts.onProgress?.(1, 0, 0);
            } catch (err) {
              if (!isGomirrorError(err)) throw err;
              failure ??= err;
              opts.onProgress?.(0, 0, 1);
            }
          }),
        ),
      );
      if (failure) {
        await saveState().catch(() => undefined);
        return result(wrap(name, `the ${phase.phase} phase`, failure));
      }
      logger.info(`${name}: ${phase.phase}: ${phase.files.length} files uploaded`);
      await saveState();
    }

    for (const step of plan.deletions) {
      if (step.length === 0) continue;
      await opts.store.delete(step.map(key));
      for (const rel of step) {
        delete objects[rel];
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

function wrap(name: string, where: string, err: GomirrorError): GomirrorError {
  const msg = where === 'publish' ? `publish to ${name} failed: ${err.message}` : `publish to ${name} failed in ${where}: ${err.message}`;
  return new GomirrorError(err.code, msg, { ...(err.hint !== undefined ? { hint: err.hint } : {}), cause: err });
}

function sameKeys(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
