import path from 'node:path';
import { ChecksumMismatchError, GomirrorError, toGomirrorError } from '../errors.js';
import type { PlanSource, ZipNeed } from '../graph/index.js';
import type { SumStore } from '../gosum/index.js';
import type { TreeStore } from '../tree/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { parseInfo } from './info.js';
import { stageVersion, type Stager } from './stage.js';

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
  /** Zip checks and fsyncs, e.g. on worker threads (stage-pool.ts); default inline. */
  stage?: Stager;
  /**
   * Checks the verified hashes against an outside authority (the checksum
   * database) before anything is written; throws ChecksumMismatchError.
   */
  authenticate?: (module: string, version: string, hashes: { mod: string; zip?: string }) => Promise<void>;
  /**
   * Runs a version's downloads (its .mod, .zip and .info requests) in a slot
   * of the caller's download limit; the zip check, the checksum database and
   * the renames run outside it, so connections are not idle while versions
   * are staged. Default: no limit.
   */
  downloadSlot?: <T>(fetch: () => Promise<T>) => Promise<T>;
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
  let modTmp: string | undefined;
  let infoTmp: string | undefined;
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

    // Everything missing is fetched at once: .mod and .info into memory, the
    // zip streamed to a temp file beside its final name.
    const zipPresent = onDisk ? zipOnDisk : await store.exists(files.zip);
    const zipTrusted = zipPresent && recordedZip?.source === TREE_RECORD;
    const fetchZip = zip !== 'no' && !zipPresent;
    if (fetchZip) zipTmp = await store.tempFor(files.zip);
    const fetchAll = () =>
      Promise.allSettled([
        (async () => {
          const onDiskMod = mayExist(files.mod) ? await store.read(files.mod) : undefined;
          return onDiskMod ? { data: onDiskMod, present: true } : { data: await upstream.mod(module, version), present: false };
        })(),
        fetchZip && zipTmp ? upstream.zip(module, version, zipTmp) : undefined,
        (async () => {
          const onDiskInfo = mayExist(files.info) ? await store.read(files.info) : undefined;
          if (onDiskInfo && isInfoFor(onDiskInfo, version)) return { data: onDiskInfo, present: true };
          const data = await upstream.info(module, version);
          return { data, present: false };
        })(),
      ]);
    const [modGot, zipGot, infoGot] = await (ctx.downloadSlot ? ctx.downloadSlot(fetchAll) : fetchAll());

    // .mod: small, so it is hashed every time it is looked at.
    const { data: mod, present: modPresent } = settled(modGot);
    if (!modPresent) bytes += mod.length;
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
    // is checked again rather than downloaded again. A zip picked by version
    // selection may not exist (a version only ever published as go.mod); the
    // go command cannot need it either.
    let checkZipAt: string | undefined = zip !== 'no' && zipPresent && !zipTrusted ? files.zip : undefined;
    if (fetchZip) {
      if (zipGot.status === 'fulfilled') {
        bytes += zipGot.value?.size ?? 0;
        checkZipAt = zipTmp;
      } else {
        const err = zipGot.reason as unknown;
        if (zip !== 'wanted' || !(err instanceof GomirrorError) || err.code !== 'E_NOT_FOUND') throw err;
        if (zipTmp) await store.discard(zipTmp);
        zipTmp = undefined;
      }
    }

    // .info: not authenticated; must name the version asked for.
    const { data: info, present: infoPresent } = settled(infoGot);
    if (!infoPresent) {
      bytes += info.length;
      parseInfo(info, `${module}@${version}: .info`, version);
    }

    // Check the zip and put every new file on disk, fsynced, under temp names.
    if (!modPresent) modTmp = await store.tempFor(files.mod);
    if (!infoPresent) infoTmp = await store.tempFor(files.info);
    const staged = await (ctx.stage ?? stageVersion)({
      ...(checkZipAt ? { zip: { file: checkZipAt, modulePath: module, version, goMod: mod, fsync: checkZipAt === zipTmp } } : {}),
      files: [...(modTmp ? [{ file: modTmp, data: mod }] : []), ...(infoTmp ? [{ file: infoTmp, data: info }] : [])],
    });
    let zipHash = zipTrusted ? recordedZip.hash : staged.zip?.h1;
    if (staged.zip && recordedZip && recordedZip.hash !== staged.zip.h1) {
      throw new ChecksumMismatchError({
        module,
        version,
        file: checkZipAt === files.zip ? files.zip : '.zip',
        expected: recordedZip.hash,
        actual: staged.zip.h1,
        source: recordedZip.source,
      });
    }
    if (zip === 'no') zipHash = undefined;

    await ctx.authenticate?.(module, version, { mod: modHash, ...(zipHash !== undefined ? { zip: zipHash } : {}) });

    // Everything verified: make it visible. Order matters for readers of the
    // tree: .mod, then .zip, then .info; list is rebuilt by the caller later.
    // The @v directory is fsynced when list is rewritten, before any index names this version.
    const renamed = { syncDir: false, synced: true };
    if (modTmp) await store.commit(modTmp, files.mod, renamed);
    modTmp = undefined;
    if (zipTmp) await store.commit(zipTmp, files.zip, renamed);
    zipTmp = undefined;
    if (infoTmp) await store.commit(infoTmp, files.info, renamed);
    infoTmp = undefined;
    sums.set(module, version, true, modHash);
    if (zipHash !== undefined) sums.set(module, version, false, zipHash);
    const zipInTree = zipPresent || zipHash !== undefined;
    const status = modPresent && infoPresent && (zipPresent || zipHash === undefined) ? 'present' : 'fetched';
    return { module, version, status, bytes, ...(zipInTree ? {} : { modOnly: true }) };
  } catch (err) {
    const error = toGomirrorError(err, `${module}@${version}`, 'E_INTERNAL');
    return { module, version, status: 'failed', bytes, error };
  } finally {
    for (const tmp of [zipTmp, modTmp, infoTmp]) if (tmp) await store.discard(tmp);
  }
}

/** A fetch's value, or its error thrown. */
function settled<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
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

/**
 * Checks .mod bytes read to decide something (retractions, whether
 * `+incompatible` versions count) as mirroring checks them: against the
 * tree record and go.sum inputs, then the checksum database. A tampered
 * .mod must not steer which version a query picks.
 */
export async function checkGoMod(
  ctx: Pick<MirrorContext, 'sums' | 'expected' | 'authenticate'>,
  module: string,
  version: string,
  data: Buffer,
): Promise<Buffer> {
  const got = hashGoMod(data);
  const want = expectedHash(ctx, module, version, true);
  if (want && want.hash !== got) {
    throw new ChecksumMismatchError({ module, version, file: '.mod', expected: want.hash, actual: got, source: want.source });
  }
  await ctx.authenticate?.(module, version, { mod: got });
  return data;
}
