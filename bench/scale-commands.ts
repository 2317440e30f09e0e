/**
 * The commands the scale benchmark (bench/scale.ts) times, in the order they
 * run against one tree. To measure another command, add an entry: `args` is
 * the gomirror command line, `setup`/`teardown` start and stop whatever it
 * talks to (an rsync daemon, an S3 server), `env` adds to its environment.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startRsyncDaemon } from '../test/helpers/rsync-daemon.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../test/helpers/s3-server.js';

/** What every command of one size can use. */
export interface ScaleContext {
  /** Module versions the manifest selects (listed versions of the upstream). */
  versions: number;
  /** A directory of this size's own, for outputs. */
  work: string;
  /** The synced tree (written by `sync full`). */
  tree: string;
  /** The manifest: every upstream module with the query `all`, no sumdb. */
  manifest: string;
  /** The upstream URL (nginx on 127.0.0.1). */
  upstream: string;
}

export interface ScaleCommand {
  name: string;
  /** gomirror arguments. */
  args(ctx: ScaleContext): string[];
  /** Starts what the command needs; returns extra environment and a stop function. */
  setup?(ctx: ScaleContext): Promise<{ env?: NodeJS.ProcessEnv; args?: string[]; stop(): Promise<void> }>;
}

const BUCKET = 'goproxy';

export const SCALE_COMMANDS: ScaleCommand[] = [
  {
    name: 'sync full',
    args: (c) => ['sync', '--manifest', c.manifest, '--out', c.tree, '--log-format', 'json', '--report', path.join(c.work, 'report-full.json'), '--metrics', path.join(c.work, 'full.prom')],
  },
  {
    name: 'sync no-op',
    args: (c) => ['sync', '--manifest', c.manifest, '--out', c.tree, '--log-format', 'json', '--report', path.join(c.work, 'report-noop.json'), '--metrics', path.join(c.work, 'noop.prom')],
  },
  { name: 'verify', args: (c) => ['verify', '--root', c.tree] },
  { name: 'prune dry-run', args: (c) => ['prune', '--root', c.tree, '--manifest', c.manifest, '--dry-run', '--log-format', 'json'] },
  { name: 'prune (nothing to do)', args: (c) => ['prune', '--root', c.tree, '--manifest', c.manifest, '--grace', '0', '--log-format', 'json'] },
  { name: 'catalog', args: (c) => ['catalog', '--root', c.tree] },
  { name: 'bundle export', args: (c) => ['bundle', 'export', '--root', c.tree, '--out', path.join(c.work, 'bundle.tar')] },
  {
    name: 'bundle import',
    args: (c) => ['bundle', 'import', '--root', path.join(c.work, 'imported'), path.join(c.work, 'bundle.tar')],
    async setup(c) {
      await mkdir(path.join(c.work, 'imported'), { recursive: true });
      return { stop: async () => undefined };
    },
  },
  {
    name: 'publish rsync',
    args: (c) => ['publish', '--root', c.tree, '--log-format', 'json', '--report', path.join(c.work, 'publish-rsync.json')],
    async setup(c) {
      const d = await startRsyncDaemon(path.join(c.work, 'rsyncd'));
      return { args: ['--to', d.url], stop: d.stop };
    },
  },
  {
    name: 'publish S3',
    args: (c) => ['publish', '--root', c.tree, '--to', `s3://${BUCKET}/mirror`, '--log-format', 'json', '--report', path.join(c.work, 'publish-s3.json')],
    async setup() {
      const s3 = await startS3Server(BUCKET);
      return {
        env: { ...S3RVER_CREDENTIALS, AWS_ENDPOINT_URL_S3: s3.url, AWS_REGION: 'us-east-1' },
        stop: () => s3.close(),
      };
    },
  },
];
