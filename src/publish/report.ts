/**
 * `publish --report`: a JSON document, one entry per target with every change.
 * A first publish of a big tree changes every file, so the changes are
 * streamed into the file from the targets' spools; the bytes are those of
 * JSON.stringify(doc, null, 2).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { writeTextAtomic } from '../tree/index.js';
import type { DestinationOutcome } from './outcome.js';

export interface ReportInput {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly root: string;
  /** Files not published to S3 (present when a target is a bucket). */
  readonly skipped?: readonly string[];
  readonly outcomes: readonly DestinationOutcome[];
}

export async function writeReport(file: string, r: ReportInput): Promise<void> {
  // Each target's changes stand in as a marker string, replaced by the streamed array.
  const marker = `@@changes-${randomBytes(8).toString('hex')}-`;
  const doc = {
    ok: r.ok,
    dryRun: r.dryRun,
    root: r.root,
    finishedAt: new Date().toISOString(),
    ...(r.skipped ? { skipped: r.skipped } : {}),
    targets: r.outcomes.map((o, i) => ({
      destination: o.destination,
      kind: o.kind,
      ok: o.ok,
      sent: o.sent,
      deleted: o.deleted,
      ...(o.bytes !== undefined ? { bytes: o.bytes } : {}),
      ...(o.unchanged !== undefined ? { unchanged: o.unchanged } : {}),
      changes: `${marker}${i}`,
      ...(o.error ? { error: { code: o.error.code, message: o.error.message, hint: o.error.hint } } : {}),
    })),
  };
  const parts = JSON.stringify(doc, null, 2).split(new RegExp(`"${marker}(\\d+)"`));
  async function* text(): AsyncGenerator<string> {
    for (let i = 0; i < parts.length; i++) {
      // Even parts are JSON text, odd ones a target's index.
      if (i % 2 === 0) {
        yield parts[i] as string;
        continue;
      }
      const o = r.outcomes[Number(parts[i])] as DestinationOutcome;
      if (o.changes.length === 0) {
        yield '[]';
        continue;
      }
      let first = true;
      for await (const c of o.changes) {
        yield `${first ? '[\n' : ',\n'}        {\n          "code": ${JSON.stringify(c.code)},\n          "path": ${JSON.stringify(c.path)}\n        }`;
        first = false;
      }
      yield '\n      ]';
    }
    yield '\n';
  }
  try {
    await writeTextAtomic(path.resolve(file), text());
  } catch (err) {
    throw new GomirrorError('E_FS', `--report ${file}: ${(err as Error).message}`, { cause: err });
  }
}
