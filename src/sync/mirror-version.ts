import path from 'node:path';
import { ChecksumMismatchError, GomirrorError } from '../errors.js';
import type { PlanSource, ZipNeed } from '../graph/index.js';
import type { SumStore } from '../tree/sums.js';
import type { TreeStore } from '../tree/store.js';
import type { UpstreamClient } from '../upstream/client.js';
import { checkModuleZip, hashGoMod } from '../verify/index.js';
import { parseInfo } from './info.js';

/** What happened to one module version. */
export interface VersionOutcome {
  module: string;
  version: string;
  status: 'fetched' | 'present' | 'failed';
  /** Bytes downloaded for this version. */
  bytes: number;
  error?: GomirrorError;
  /** The tree holds this version's .info and .mod but no zip (not needed, or not on the upstream). */
  modOnly?: boolean;
  /** Why the version was mirrored (set by the orchestrator). */
  source?: PlanSource;
  /** What named or required it: a manifest entry, go.mod or go.sum file, or the requiring module@version. */
  from?: string;
}

export interface MirrorContext {
  upstream: UpstreamClient;
  store: TreeStore;
  sums: SumStore;
  /** Hashes that must match (from go.sum inputs); a mismatch is a security error. */
  expected?: (module: string, version: string, goMod: boolean) => string | undefined;
  /**
   * Checks the verified hashes against an outside authority (the checksum
   * database) before anything is written; throws ChecksumMismatchError.
   */
  /** Zip checking, e.g. on worker threads; default checkModuleZip inline. */
  checkZip?: typeof checkModuleZip;
  authenticate?: (module: string, version: string, hashes: { mod: string; zip?: string }) => Promise<void>;
}

/**
 * Mirrors one module version: .mod, .zip and .info are all downloaded and
 * verified before any of them becomes visible; the zip is written last but
 * one and .info last, so a version whose .info exists has its .mod, and its
 * zip unless it was mirrored without one. Files already on disk with a
 * recorded hash are not downloaded again.
 *
 * `zip`: `required` (the default), `wanted` (an upstream without the zip
 * leaves a .mod-only version, not a failure) or `no` (.info and .mod only; a
 * later run that needs the zip adds it).
 */
export async function mirrorVersion(
  ctx: MirrorContext,
  module: string,
  version: string,
  /** Names in the module's @v directory when the caller listed it; saves a failed lookup per absent file. */
  onDisk?: ReadonlySet<string>,
  zip: ZipNeed = 'required',
): Promise<VersionOutcome> {
  const { upstream, store, sums } = ctx;
  const files = {
    info: store.layout.versionFile(module, version, 'info'),
    mod: store.layout.versionFile(module, version, 'mod'),
    zip: store.layout.versionFile(module, version, 'zip'),
  };
  const mayExist = (file: string): boolean => onDisk === undefined || onDisk.has(path.basename(file));
  let bytes = 0;
  let zipTmp: string | undefined;
  try {
    const recordedMod = expectedHash(ctx, module, version, true);
    const recordedZip = expectedHash(ctx, module, version, false);

    // A re-run: every file is on disk (by the caller's directory listing) and
    // the tree recorded both hashes, so nothing needs reading. `gomirror
    // verify` re-hashes file contents; this keeps a no-op sync cheap.
    const zipOnDisk = onDisk?.has(path.basename(files.zip)) ?? false;
    if (
      onDisk &&
      recordedMod?.source === TREE_RECORD &&
      onDisk.has(path.basename(files.mod)) &&
      onDisk.has(path.basename(files.info)) &&
      (zip === 'no' || (zipOnDisk && recordedZip?.source === TREE_RECORD))
    ) {
      const zipRecorded = zipOnDisk && recordedZip?.source === TREE_RECORD ? { zip: recordedZip.hash } : {};
      await ctx.authenticate?.(module, version, { mod: recordedMod.hash, ...zipRecorded });
      return { module, version, status: 'present', bytes: 0, ...(zipOnDisk ? {} : { modOnly: true }) };
    }

    // .mod: small, so it is hashed every time it is looked at.
    let mod = mayExist(files.mod) ? await store.read(files.mod) : undefined;
    const modPresent = mod !== undefined;
    if (mod === undefined) {
      mod = await upstream.mod(module, version);
      bytes += mod.length;
    }
    const modHash = hashGoMod(mod);
    if (recordedMod && recordedMod.hash !== modHash) {
      throw new ChecksumMismatchError({
        module,
        version,
        file: modPresent ? files.mod : '.mod',
        expected: recordedMod.hash,
        actual: modHash,
        source: recordedMod.source,
      });
    }

    // .zip: trusted on disk once its hash is recorded (verify re-checks it);
    // a zip on disk without a record (a crash before the record was flushed)
    // is checked again rather than downloaded again.
    // The caller's listing, when given, already says whether the zip is there.
    const zipPresent = onDisk ? onDisk.has(path.basename(files.zip)) : await store.exists(files.zip);
    const checkZip = async (): Promise<string> => {
      let zipFile = files.zip;
      if (!zipPresent) {
        zipTmp = await store.tempFor(files.zip);
        const got = await upstream.zip(module, version, zipTmp);
        bytes += got.size;
        zipFile = zipTmp;
      }
      const checked = await (ctx.checkZip ?? checkModuleZip)(zipFile, { modulePath: module, version, goMod: mod });
      if (recordedZip && recordedZip.hash !== checked.h1) {
        throw new ChecksumMismatchError({
          module,
          version,
          file: zipPresent ? files.zip : '.zip',
          expected: recordedZip.hash,
          actual: checked.h1,
          source: recordedZip.source,
        });
      }
      return checked.h1;
    };
    let zipHash: string | undefined;
    if (zip !== 'no') {
      try {
        zipHash = zipPresent && recordedZip?.source === TREE_RECORD ? recordedZip.hash : await checkZip();
      } catch (err) {
        // A zip picked by version selection may not exist (a version only ever
        // published as go.mod); the go command cannot need it either.
        if (zip !== 'wanted' || zipPresent || !(err instanceof GomirrorError) || err.code !== 'E_NOT_FOUND') throw err;
        if (zipTmp) await store.discard(zipTmp);
        zipTmp = undefined;
      }
    }

    // .info: not authenticated; must name the version asked for.
    let info = mayExist(files.info) ? await store.read(files.info) : undefined;
    const infoPresent = info !== undefined && isInfoFor(info, version);
    if (!infoPresent) {
      info = await upstream.info(module, version);
      bytes += info.length;
      parseInfo(info, `${module}@${version}: .info`, version);
    }

    await ctx.authenticate?.(module, version, { mod: modHash, ...(zipHash !== undefined ? { zip: zipHash } : {}) });

    // Everything verified: make it visible. Order matters for readers of the
    // tree: .mod, then .zip, then .info; list is rebuilt by the caller later.
    // The @v directory is fsynced when list is rewritten, before any index names this version.
    const noDirSync = { syncDir: false };
    if (!modPresent) await store.writeAtomic(files.mod, mod, noDirSync);
    if (zipTmp) {
      await store.commit(zipTmp, files.zip, { ...noDirSync, synced: true });
      zipTmp = undefined;
    }
    if (!infoPresent && info) await store.writeAtomic(files.info, info, noDirSync);
    sums.set(module, version, true, modHash);
    if (zipHash !== undefined) sums.set(module, version, false, zipHash);
    const zipInTree = zipPresent || zipHash !== undefined;
    const status = modPresent && infoPresent && (zipPresent || zipHash === undefined) ? 'present' : 'fetched';
    return { module, version, status, bytes, ...(zipInTree ? {} : { modOnly: true }) };
  } catch (err) {
    const error =
      err instanceof GomirrorError
        ? err
        : new GomirrorError('E_INTERNAL', `${module}@${version}: ${(err as Error).message}`, { cause: err });
    return { module, version, status: 'failed', bytes, error };
  } finally {
    if (zipTmp) await store.discard(zipTmp);
  }
}

function isInfoFor(data: Buffer, version: string): boolean {
  try {
    parseInfo(data, '', version);
    return true;
  } catch {
    return false;
  }
}

const TREE_RECORD = 'the tree record (.gomirror/go.sum)';

/**
 * The hash a file must have: the tree's own record, or a go.sum input's.
 * When both exist they must agree, or the tree holds something go.sum says
 * is not genuine.
 */
export function expectedHash(
  ctx: Pick<MirrorContext, 'sums' | 'expected'>,
  module: string,
  version: string,
  goMod: boolean,
): { hash: string; source: string } | undefined {
  const tree = ctx.sums.get(module, version, goMod);
  const input = ctx.expected?.(module, version, goMod);
  if (tree && input && tree !== input) {
    throw new ChecksumMismatchError({
      module,
      version,
      file: goMod ? '.mod' : '.zip',
      expected: input,
      actual: tree,
      source: 'go.sum',
    });
  }
  if (tree) return { hash: tree, source: TREE_RECORD };
  if (input) return { hash: input, source: 'go.sum' };
  return undefined;
}
