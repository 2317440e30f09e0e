/** `gomirror publish`: copy the tree to mirror hosts with rsync, index files last. */
import type { Argv, CommandModule } from 'yargs';
import { publishTree } from '../../publish/index.js';
import { createOutput } from '../output.js';

interface PublishArgs {
  root: string;
  to: string[];
  delete: boolean;
  'dry-run': boolean;
  bwlimit: number | undefined;
  'log-format': string;
}

export const publishCommand: CommandModule<object, PublishArgs> = {
  command: 'publish',
  describe: 'Copy the tree with rsync to mirror hosts: module files first, list/@latest/sumdb files last',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'The tree to publish' })
      .option('to', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Destination, repeatable: a local path, [user@]host:path (ssh) or rsync://host/module/path',
      })
      .option('delete', { type: 'boolean', default: false, describe: 'After copying, remove files the tree no longer has' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would change; change nothing' })
      .option('bwlimit', { type: 'number', describe: 'Bandwidth limit per destination, KiB/s (rsync --bwlimit)' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 publish --root /srv/goproxy --to mirror1:/srv/goproxy --to rsync://mirror2/goproxy', 'Two mirrors')
      .example('$0 publish --root /srv/goproxy --to /mnt/nfs/goproxy --delete --dry-run', 'See what would change') as Argv<PublishArgs>,
  handler: async (argv) => {
    const out = createOutput(argv['log-format'] === 'json' ? 'json' : 'text');
    const r = await publishTree(
      {
        root: argv.root,
        to: argv.to,
        delete: argv.delete,
        dryRun: argv['dry-run'],
        ...(argv.bwlimit !== undefined ? { bwlimit: argv.bwlimit } : {}),
      },
      out,
    );
    const verb = argv['dry-run'] ? 'would ' : '';
    for (const o of r.outcomes) {
      if (argv['dry-run']) for (const c of o.changes) out.result(`${o.destination}: ${c.code} ${c.path}`);
      out.result(
        `${o.destination}: ${o.ok ? `${verb}send ${o.sent} files, ${verb}delete ${o.deleted}` : `failed (${o.error?.code})`}`,
      );
    }
    const good = r.outcomes.filter((o) => o.ok).length;
    out.result(`published to ${good} of ${argv.to.length} destinations${argv['dry-run'] ? ' (dry run)' : ''}`, {
      ok: r.ok,
      destinations: r.outcomes.map((o) => ({ destination: o.destination, ok: o.ok, sent: o.sent, deleted: o.deleted, error: o.error?.message })),
    });
    out.finish();
    if (!r.ok) process.exitCode = 1;
  },
};
