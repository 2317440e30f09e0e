/** `gomirror prune`: remove the versions no manifest input needs any longer. */
import type { Argv } from 'yargs';
import { buildSyncConfig } from '../../config/index.js';
import { loadManifest, type Manifest } from '../../manifest/index.js';
import { formatBytes } from '../../bytes.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput, redactSecrets } from '../output.js';
import { createSpill } from '../spill.js';

interface PruneArgs {
  root: string;
  manifest: string | undefined;
  gomod: string[] | undefined;
  gosum: string[] | undefined;
  'keep-days': number;
  grace: number;
  'dry-run': boolean;
  'log-format': string;
}

export const pruneCommand: GomirrorCommand<PruneArgs> = {
  command: 'prune',
  describe: 'Remove the versions no manifest input needs any longer (lists are rewritten first)',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', describe: 'Root directory of the tree', demandOption: true })
      .option('manifest', { type: 'string', describe: 'The manifest sync uses; its queries are resolved against the tree' })
      .option('gomod', { type: 'string', array: true, describe: 'go.mod file whose requirements are still needed (repeatable)' })
      .option('gosum', { type: 'string', array: true, describe: 'go.sum file whose every line is still needed (repeatable)' })
      .option('keep-days', { type: 'number', default: 0, describe: 'Keep versions whose files are younger than N days, needed or not' })
      .option('grace', {
        type: 'number',
        default: 5,
        describe: 'Seconds between rewriting the lists and deleting files (raise it to the list max-age if a cache sits in front)',
      })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be removed; change nothing' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 prune --root /srv/goproxy --manifest mirror.json --dry-run', 'What would go')
      .example('$0 prune --root /srv/goproxy --manifest mirror.json --keep-days 30', 'Prune, keeping anything mirrored in the last 30 days')
      .epilogue(
        '"Needed" is resolved against the tree, not the upstream: `latest` keeps the newest mirrored version, a range every ' +
          'mirrored version in it, exact versions and go.sum lines themselves; with "deps" (the default) also what their ' +
          'go.mod files require. prune takes the tree lock (exit 3 while a sync runs), except with --dry-run.',
      ),
  handler: async (argv) => {
    const { pruneTree } = await import('../../prune/index.js');
    let manifest: Manifest | undefined;
    if (argv.manifest) {
      manifest = await loadManifest(argv.manifest);
    }
    // The same inputs as sync, so prune needs exactly what sync mirrors.
    const inputs = buildSyncConfig(
      { ...(argv.root ? { out: argv.root } : {}), ...(argv.gomod ? { gomod: argv.gomod } : {}), ...(argv.gosum ? { gosum: argv.gosum } : {}) },
      manifest,
      process.env,
    );
    const json = argv['log-format'] === 'json';
    const out = createOutput(json ? 'json' : 'text');
    // The per-module parts of the result (dry-run lines, the JSON modules)
    // are spilled to files as modules are planned and printed at the end,
    // so the result stays what it was without holding every module.
    const lines = await createSpill();
    const modules = await createSpill();
    try {
      const dryRun = argv['dry-run'] ?? false;
      let first = true;
      const result = await pruneTree(
        {
          root: inputs.out,
          modules: inputs.modules,
          gosum: inputs.gosum,
          gomod: inputs.gomod,
          deps: inputs.deps,
          vulnerable: inputs.vulnerable,
          toolchains: inputs.toolchains,
          keepDays: argv['keep-days'] ?? 0,
          graceSeconds: argv.grace ?? 5,
          dryRun,
        },
        out,
        Date.now,
        async (m) => {
          if (dryRun) {
            for (const v of m.remove) {
              const text = `would remove ${m.module}@${v.version} (${formatBytes(v.bytes)})`;
              // As out.result(text) prints it.
              await lines.write(`${redactSecrets(json ? JSON.stringify({ msg: text }) : text)}\n`);
            }
          }
          if (json) {
            await modules.write(`${first ? '' : ','}${redactSecrets(JSON.stringify(m))}`);
            first = false;
          }
        },
      );
      for await (const chunk of lines.read()) out.resultRaw(chunk);
      const { plan } = result;
      const text =
        `${result.dryRun ? 'would remove' : 'removed'} ${plan.removedVersions} versions of ${plan.modules} modules ` +
        `(${formatBytes(plan.freedBytes)}); kept ${plan.keptVersions}` +
        (plan.keptByAge > 0 ? ` (${plan.keptByAge} only because they are younger than ${argv['keep-days']} days)` : '');
      if (json) {
        // The JSON of { dryRun, modules, removedVersions, keptVersions, freedBytes, warnings }, one line, written in pieces.
        out.resultRaw(`{"dryRun":${JSON.stringify(result.dryRun)},"modules":[`);
        for await (const chunk of modules.read()) out.resultRaw(chunk);
        const tail = { removedVersions: plan.removedVersions, keptVersions: plan.keptVersions, freedBytes: plan.freedBytes, warnings: result.warnings };
        out.resultRaw(`],${redactSecrets(JSON.stringify(tail).slice(1))}\n`);
      } else {
        out.result(text);
      }
    } finally {
      await lines.remove();
      await modules.remove();
    }
    out.finish();
    return 0;
  },
};
