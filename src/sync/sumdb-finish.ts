import { toGomirrorError, type GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SumdbVerifier } from '../sumdb/client/index.js';

/**
 * Publishes the checksum-database mirror and logs the outcome; returns the
 * error that stopped it, if any (already logged).
 */
export async function finishSumdb(sumdb: SumdbVerifier, logger: Logger, toolchainsOnly: boolean): Promise<GomirrorError | undefined> {
  let error: GomirrorError | undefined;
  try {
    const r = await sumdb.finish();
    error = r.refused;
    if (!error && !(toolchainsOnly && r.verified === 0)) {
      logger.info(
        `sumdb ${r.name}: ${r.verified} versions verified, ${r.skipped} skipped (nosumdb); tree size ${r.treeSize}; ` +
          `wrote ${r.lookupsWritten} lookups and ${r.tilesWritten} tiles`,
        { sumdb: r.name, verified: r.verified, skipped: r.skipped, treeSize: r.treeSize },
      );
    }
  } catch (err) {
    error = toGomirrorError(err, `sumdb ${sumdb.name}`, 'E_SUMDB');
  }
  if (error) {
    logger.error(`sumdb ${sumdb.name}: nothing published: ${error.message}`, { code: error.code, hint: error.hint });
  }
  return error;
}
