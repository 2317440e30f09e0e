/** `gomirror bundle export|import`: carry the tree across an air gap. */
import type { Argv } from 'yargs';
import { registerCommand, type GomirrorCommand, type GomirrorCommandGroup } from '../command.js';
import { createOutput } from '../output.js';

interface ExportArgs {
  root: string;
  out: string;
  since: string | undefined;
  'sign-key': string | undefined;
  split: string | undefined;
  force: boolean;
  'log-format': string;
}

interface ImportArgs {
  root: string;
  bundles: string[] | undefined;
  'verify-key': string | undefined;
  'log-format': string;
}

const logFormat = { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' } as const;

const exportCommand: GomirrorCommand<ExportArgs> = {
  command: 'export',
  describe: 'Write the tree (or what is new since an earlier bundle) into a tar with an index',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'The tree to export' })
      .option('out', { type: 'string', demandOption: true, describe: 'Bundle file (FILE.tar); the index is also written to FILE.index.json' })
      .option('since', {
        type: 'string',
        describe: 'An earlier bundle (FILE.tar) or its FILE.index.json: leave out what it carried',
      })
      .option('sign-key', { type: 'string', describe: 'Sign the index with this Ed25519 private key (from gomirror keygen)' })
      .option('split', {
        type: 'string',
        describe: 'Cut the bundle into volumes FILE.tar.001, .002, ... of at most SIZE (bytes, 700M, 4G; fat32 = 4 GiB - 1)',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Replace a bundle already at --out (by default export refuses: it may not have been carried yet)' })
      .option('log-format', logFormat)
      .example('$0 bundle export --root /srv/goproxy --out full.tar --sign-key mirror.key', 'Everything, signed')
      .example('$0 bundle export --root /srv/goproxy --out nightly.tar --since full.index.json --split fat32', 'Only what is new'),
  handler: async (argv) => {
    const { exportBundle, parseSize } = await import('../../bundle/index.js');
    const out = createOutput(argv['log-format'] === 'json' ? 'json' : 'text');
    const split = argv.split === undefined ? undefined : parseSize(argv.split);
    const r = await exportBundle(
      {
        root: argv.root,
        out: argv.out,
        ...(argv.since !== undefined ? { since: argv.since } : {}),
        ...(argv['sign-key'] !== undefined ? { signKey: argv['sign-key'] } : {}),
        ...(split !== undefined ? { split } : {}),
        force: argv.force,
      },
      out,
    );
    for (const v of r.volumes) out.info(`wrote ${v.file} (${v.size} bytes, sha256 ${v.sha256})`);
    out.result(
      `bundle ${r.id.slice(0, 16)}: ${r.bundled} files (${r.bytes} bytes) bundled, ${r.leftOut} left out as already carried; ` +
        `${r.volumes.length} volume${r.volumes.length === 1 ? '' : 's'}; index ${r.indexFile}` +
        (r.keyId ? `; signed by key ${r.keyId}` : '; not signed'),
      r,
    );
    out.finish();
    return 0;
  },
};

const importCommand: GomirrorCommand<ImportArgs> = {
  command: 'import <bundles..>',
  describe: 'Verify bundles (tars, or the volumes of one in order) and move their files into the tree',
  builder: (y: Argv) =>
    y
      .positional('bundles', { type: 'string', array: true, describe: 'FILE.tar..., or FILE.tar.001 FILE.tar.002 ...' })
      .option('root', { type: 'string', demandOption: true, describe: 'The tree to import into (created if missing)' })
      .option('verify-key', { type: 'string', describe: 'Refuse bundles not signed by this Ed25519 public key (FILE.pub)' })
      .option('log-format', logFormat)
      .example('$0 bundle import --root /srv/goproxy --verify-key mirror.key.pub full.tar nightly-*.tar', 'Import in order')
      .example('$0 bundle import --root /srv/goproxy big.tar.*', 'The volumes of a split bundle'),
  handler: async (argv) => {
    const { importBundles } = await import('../../bundle/index.js');
    const out = createOutput(argv['log-format'] === 'json' ? 'json' : 'text');
    const results = await importBundles(
      {
        root: argv.root,
        bundles: argv.bundles ?? [],
        ...(argv['verify-key'] !== undefined ? { verifyKey: argv['verify-key'] } : {}),
      },
      out,
    );
    const total = (k: 'added' | 'updated' | 'removed' | 'unchanged'): number => results.reduce((n, r) => n + r[k], 0);
    out.result(
      `imported ${results.length} of ${results.length} bundle${results.length === 1 ? '' : 's'}: ${total('added')} files added, ` +
        `${total('updated')} updated, ${total('removed')} removed, ${total('unchanged')} already present`,
      { bundles: results },
    );
    out.finish();
    return 0;
  },
};

export const bundleCommand: GomirrorCommandGroup = {
  command: 'bundle <command>',
  describe: 'Export the tree to a tar (USB drives, air gaps) or import one',
  subcommands: [registerCommand(exportCommand), registerCommand(importCommand)],
  demand: 'Name a subcommand: export or import',
};
