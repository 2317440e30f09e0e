/** `gomirror publish`: copy the tree to mirror hosts (rsync) and S3 buckets, index files last. */
import { once } from 'node:events';
import type { Argv } from 'yargs';
import { DEFAULT_CONCURRENCY, parseDuration, publishTree } from '../../publish/index.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface PublishArgs {
  root: string;
  to: string[];
  delete: boolean;
  'delete-after': string;
  'dry-run': boolean;
  bwlimit: number | undefined;
  endpoint: string | undefined;
  'virtual-hosted': boolean;
  concurrency: number;
  'list-max-age': number | undefined;
  report: string | undefined;
  'log-format': string;
}

export const publishCommand: GomirrorCommand<PublishArgs> = {
  command: 'publish',
  describe: 'Copy the tree to mirror hosts (rsync) and S3 buckets, all at once: module files first, list/@latest/sumdb files last',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'The tree to publish' })
      .option('to', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Target, repeatable: s3://bucket/prefix, rsync://host/module/path, [user@]host:path (ssh) or a local directory',
      })
      .option('delete', { type: 'boolean', default: false, describe: 'Remove what the tree no longer has (on S3 after --delete-after)' })
      .option('delete-after', {
        type: 'string',
        default: '24h',
        describe: 'S3: delete an object only once it has been gone from the tree this long (0, 30m, 24h, 7d)',
      })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would change; change nothing' })
      .option('bwlimit', { type: 'number', describe: 'rsync: bandwidth limit per destination, KiB/s (rsync --bwlimit)' })
      .option('endpoint', { type: 'string', describe: 'S3: endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)' })
      .option('virtual-hosted', {
        type: 'boolean',
        default: false,
        describe: 'S3: bucket.host addressing with a custom endpoint (default there: path-style)',
      })
      .option('concurrency', { type: 'number', default: DEFAULT_CONCURRENCY, describe: 'S3: uploads at once per bucket' })
      .option('list-max-age', { type: 'number', describe: 'S3: Cache-Control max-age of lists, seconds (as gomirror nginx; default 300)' })
      .option('report', { type: 'string', describe: 'Write a JSON report, one entry per target, to this file' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 publish --root /srv/goproxy --to mirror1:/srv/goproxy --to rsync://mirror2/goproxy', 'Two mirrors')
      .example('$0 publish --root /srv/goproxy --to s3://my-goproxy/go --to rsync://mirror2/goproxy', 'A bucket and a mirror')
      .example('AWS_ENDPOINT_URL_S3=http://minio:9000 $0 publish --root /srv/goproxy --to s3://goproxy', 'MinIO (path-style)')
      .example('$0 publish --root /srv/goproxy --to /mnt/nfs/goproxy --delete --dry-run', 'See what would change'),
  handler: async (argv) => {
    const out = createOutput(argv['log-format'] === 'json' ? 'json' : 'text');
    const r = await publishTree(
      {
        root: argv.root,
        to: argv.to,
        delete: argv.delete,
        deleteAfterMs: parseDuration(argv['delete-after'], '--delete-after'),
        dryRun: argv['dry-run'],
        virtualHosted: argv['virtual-hosted'],
        concurrency: argv.concurrency,
        ...(argv.bwlimit !== undefined ? { bwlimit: argv.bwlimit } : {}),
        ...(argv.endpoint !== undefined ? { endpoint: argv.endpoint } : {}),
        ...(argv['list-max-age'] !== undefined ? { listMaxAge: argv['list-max-age'] } : {}),
        ...(argv.report !== undefined ? { report: argv.report } : {}),
      },
      out,
    );
    const verb = argv['dry-run'] ? 'would ' : '';
    try {
      for (const o of r.outcomes) {
        if (argv['dry-run']) {
          for await (const c of o.changes) {
            out.result(`${o.destination}: ${c.code} ${c.path}`);
            // A line per file of a big tree: wait for a slow reader (a pipe) rather than queue them all in memory.
            if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
          }
        }
        const unchanged = o.unchanged !== undefined ? `, ${o.unchanged} unchanged` : '';
        out.result(
          `${o.destination}: ${o.ok ? `${verb}send ${o.sent} files, ${verb}delete ${o.deleted}${unchanged}` : `failed (${o.error?.code}): ${o.error?.message}`}`,
        );
      }
    } finally {
      await r.dispose();
    }
    const good = r.outcomes.filter((o) => o.ok).length;
    out.result(`published to ${good} of ${argv.to.length} destinations${argv['dry-run'] ? ' (dry run)' : ''}`, {
      ok: r.ok,
      destinations: r.outcomes.map((o) => ({
        destination: o.destination,
        kind: o.kind,
        ok: o.ok,
        sent: o.sent,
        deleted: o.deleted,
        ...(o.unchanged !== undefined ? { unchanged: o.unchanged } : {}),
        ...(o.bytes !== undefined ? { bytes: o.bytes } : {}),
        error: o.error?.message,
      })),
    });
    out.finish();
    return r.ok ? 0 : 1;
  },
};
