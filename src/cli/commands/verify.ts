/** `gomirror verify`: check the whole tree, name every bad file; `--repair` fetches them again. */
import type { Argv } from 'yargs';
import { formatBytes } from '../../bytes.js';
import type { VerifyTreeResult } from '../../verify/index.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput, type Output } from '../output.js';

interface VerifyArgs {
  root: string;
  repair: boolean;
  upstream: string | undefined;
  concurrency: number;
  retries: number;
  sumdb: string | undefined;
  'log-format': string;
}

export const verifyCommand: GomirrorCommand<VerifyArgs> = {
  command: 'verify',
  describe: 'Check the whole tree and name every bad file; --repair fetches bad or missing files again',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', describe: 'Root directory of the tree', demandOption: true })
      .option('repair', {
        type: 'boolean',
        default: false,
        describe: 'Move bad files aside (.gomirror/quarantine/), fetch them again and check them against the recorded hashes',
      })
      .option('upstream', { type: 'string', describe: 'GOPROXY list --repair downloads from (default: $GOPROXY, https://proxy.golang.org)' })
      .option('concurrency', { type: 'number', default: 4, describe: 'Zip checks (and downloads with --repair) in parallel' })
      .option('retries', { type: 'number', default: 4, describe: 'Retries of a failed download with --repair' })
      .option('sumdb', { type: 'string', describe: 'GOSUMDB value whose key checks sumdb/ (default: the key sync recorded, else the known keys)' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 verify --root /srv/goproxy', 'Check everything; exit 1 and name each bad file on any problem')
      .example('$0 verify --root /srv/goproxy --repair --upstream https://proxy.golang.org', 'Fetch bad or missing files again')
      .epilogue(
        'Checks: every listed version has .info, .mod and .zip; each .mod and .zip matches its hash in .gomirror/go.sum; ' +
          'each zip obeys the module zip rules; each .info names its version; list and @latest match the disk; no stray ' +
          '*.tmp-* files; the sumdb mirror. Without --repair verify only reads and takes no lock; --repair takes the lock (exit 3 while a sync runs).',
      ),
  handler: async (argv) => {
    const { buildVerifyConfig, verifyTreeService } = await import('../../verify/index.js');
    const config = buildVerifyConfig(
      {
        ...(argv.root !== undefined ? { root: argv.root } : {}),
        repair: argv.repair ?? false,
        ...(argv.upstream !== undefined ? { upstream: argv.upstream } : {}),
        ...(argv.concurrency !== undefined ? { concurrency: argv.concurrency } : {}),
        ...(argv.retries !== undefined ? { retries: argv.retries } : {}),
        ...(argv.sumdb ? { sumdb: argv.sumdb } : {}),
      },
      process.env,
    );
    const json = argv['log-format'] === 'json';
    const out = createOutput(json ? 'json' : 'text');
    const outcome = await verifyTreeService(config, out);
    printProblems(out, outcome.before, outcome.repair ? 'found' : 'check');
    if (outcome.repair) {
      const r = outcome.repair;
      for (const f of r.failed) out.error(`not repaired: ${f.target}: ${f.error.message}`, { code: f.error.code, hint: f.error.hint });
      if (outcome.after && !outcome.after.ok) printProblems(out, outcome.after, 'still bad');
    }
    const final = outcome.after ?? outcome.before;
    const summary = summarize(final);
    const text = outcome.repair
      ? `${outcome.before.problems.length} problems found; repaired ${outcome.repair.repaired.length} versions, removed ` +
        `${outcome.repair.removed.length} temp files, rebuilt ${outcome.repair.reindexed.length} indexes; ` +
        (final.ok ? 'the tree verifies now' : `${final.problems.length} problems remain`) +
        (outcome.repair.quarantined.length > 0 ? ` (bad files kept in ${final.root}/.gomirror/quarantine/)` : '')
      : summary;
    out.result(text, json ? { ok: outcome.ok, before: outcome.before, repair: outcome.repair, after: outcome.after } : undefined);
    out.finish();
    return outcome.ok ? 0 : 1;
  },
};

/** One line per bad file; before a repair they are only findings (warnings), after it what remains is an error. */
function printProblems(out: Output, result: VerifyTreeResult, stage: 'check' | 'found' | 'still bad'): void {
  for (const w of result.warnings) out.warn(`${w.file}: ${w.message}`, { file: w.file });
  for (const p of result.problems) {
    const fields = { kind: p.kind, file: p.file, module: p.module, version: p.version };
    if (stage === 'found') out.warn(`found: ${p.file}: ${p.message}`, fields);
    else out.error(`${stage === 'still bad' ? 'still bad: ' : ''}${p.file}: ${p.message}`, fields);
  }
}

function summarize(r: VerifyTreeResult): string {
  const what = `${r.versions} versions of ${r.modules} modules, ${formatBytes(r.zipBytes)} of zips`;
  return r.ok ? `tree OK: ${what}` : `${r.problems.length} problems in ${countFiles(r)} files (${what})`;
}

function countFiles(r: VerifyTreeResult): number {
  return new Set(r.problems.map((p) => p.file)).size;
}
