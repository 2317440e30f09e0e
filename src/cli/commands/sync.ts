import path from 'node:path';
import type { Argv } from 'yargs';
import { buildSyncConfig, type SyncConfig } from '../../config/index.js';
import { isGomirrorError } from '../../errors.js';
import { loadManifest, type Manifest } from '../../manifest/index.js';
import { requireWritableParent } from '../../tree/index.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface SyncArgs {
  manifest: string | undefined;
  gomod: string[] | undefined;
  gosum: string[] | undefined;
  deps: boolean | undefined;
  zips: string | undefined;
  toolchains: string[] | undefined;
  platforms: string[] | undefined;
  out: string;
  upstream: string | undefined;
  sumdb: string | undefined;
  private: string | undefined;
  noproxy: string | undefined;
  go: string | undefined;
  'vcs-concurrency': number;
  concurrency: number;
  retries: number;
  'dry-run': boolean | undefined;
  report: string | undefined;
  metrics: string | undefined;
  'log-format': string;
  vulndb: string | undefined;
  'allow-rollback': boolean | undefined;
  vulnerable: string | undefined;
}

export const syncCommand: GomirrorCommand<SyncArgs> = {
  command: 'sync',
  describe: 'Mirror the module versions a manifest names, and everything go.mod/go.sum/go.work files need, into a static GOPROXY tree',
  builder: (y: Argv) =>
    y
      .option('manifest', { type: 'string', describe: 'JSON manifest (see mirror-manifest.example.json)' })
      .option('gomod', {
        type: 'string',
        array: true,
        describe:
          'go.mod of a project (a main module): mirror everything it needs to build, test and tidy offline; ' +
          'its replace and exclude apply. A file named go.work stands for every module it uses (repeatable)',
      })
      .option('gosum', { type: 'string', array: true, describe: 'go.sum file: mirror and verify every line (repeatable)' })
      .option('deps', {
        type: 'boolean',
        describe: 'Follow go.mod requirements of every mirrored version, as the go command builds its module graph (default: manifest "deps", else true; --no-deps to turn off)',
      })
      .option('zips', {
        choices: ['selected', 'all'],
        describe: 'Zips to mirror from the module graph: the versions minimal version selection picks (default), or every version in it',
      })
      .option('toolchains', {
        type: 'string',
        array: true,
        describe:
          'Go toolchains to mirror as golang.org/toolchain modules, comma-separated or repeated: go1.23.4, go1.22 (its newest release), ' +
          'latest, go1.24rc1 (release candidates only by name). Overrides the manifest\'s toolchains.versions. The go/toolchain lines of ' +
          '--gomod and go.work files add the toolchain the go command switches to for them',
      })
      .option('platforms', {
        type: 'string',
        array: true,
        describe: 'Platforms of every mirrored toolchain, GOOS-GOARCH, comma-separated or repeated (default: manifest toolchains.platforms, else linux-amd64 and this host\'s; linux-amd64 is always added)',
      })
      .option('out', { type: 'string', describe: 'Root directory of the tree', demandOption: true })
      .option('upstream', { type: 'string', describe: 'GOPROXY list to download from (default: manifest, $GOPROXY, https://proxy.golang.org)' })
      .option('sumdb', { type: 'string', describe: 'Checksum database, GOSUMDB syntax (default: manifest, $GOSUMDB, sum.golang.org)' })
      .option('private', { type: 'string', describe: 'GOPRIVATE patterns: default of --noproxy and of nosumdb (default: manifest "private", $GOPRIVATE)' })
      .option('noproxy', {
        type: 'string',
        describe: 'GONOPROXY patterns: modules always fetched from version control with the go command (default: manifest "noproxy", $GONOPROXY, else private)',
      })
      .option('go', { type: 'string', describe: 'The go command that fetches "direct" modules from version control (default: go on $PATH)' })
      .option('vcs-concurrency', { type: 'number', describe: 'go commands at once fetching from version control', default: 4 })
      .option('concurrency', { type: 'number', describe: 'Parallel downloads', default: 16 })
      .option('retries', { type: 'number', describe: 'Retries of a failed download (5xx, reset, timeout, short body), with backoff', default: 4 })
      .option('dry-run', {
        type: 'boolean',
        describe: 'Show the plan (versions, zips, sources, what requires what); downloads only the go.mod files the module graph needs, writes nothing',
      })
      .option('report', { type: 'string', describe: 'Write a JSON report of the run (per module) to this file' })
      .option('metrics', { type: 'string', describe: 'Write Prometheus metrics (for node_exporter\'s textfile collector) to this .prom file, atomically' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .option('vulndb', {
        type: 'string',
        describe:
          'Go vulnerability database (v1 schema) to mirror into DIR/vulndb/ for govulncheck -db: https://vuln.go.dev, ' +
          "another mirror's https://HOST/vulndb, a file:// copy, or off (default: manifest \"vulndb\", else off)",
      })
      .option('allow-rollback', {
        type: 'boolean',
        describe: "Publish a vulnerability database older than the tree's copy (refused otherwise: E_VULNDB_ROLLBACK)",
      })
      .option('vulnerable', {
        choices: ['allow', 'warn', 'refuse-latest'],
        describe:
          'Versions a known vulnerability affects: allow (default), warn (log each one mirrored), or refuse-latest ' +
          '(latest, prefix and range queries skip versions affected by a vulnerability that has a fix; exact versions are always mirrored)',
      })
      .example('$0 sync --manifest mirror.json --out /srv/goproxy', 'Mirror what mirror.json names')
      .example('$0 sync --gosum ../service/go.sum --out /srv/goproxy --upstream https://proxy.corp', 'Mirror every go.sum line')
      .example('$0 sync --manifest mirror.json --out /srv/goproxy --upstream https://proxy.golang.org,direct --private "git.corp.example.com"', 'Public modules from a proxy, private ones from git')
      .example('$0 sync --gomod ../service/go.mod --gosum ../service/go.sum --out /srv/goproxy --dry-run', 'Show what the project needs')
      .example('$0 sync --manifest mirror.json --out /srv/goproxy --vulndb https://vuln.go.dev', 'Also mirror the Go vulnerability database')
      .example('$0 sync --toolchains go1.23,latest --platforms linux-amd64,darwin-arm64 --out /srv/goproxy', 'Mirror Go toolchains for two platforms')
      .epilogue(
        'One run per tree: sync takes DIR/.gomirror/lock; while another live run holds it, sync exits 3 at once. ' +
          'A lock left by a crashed run is taken over. SIGTERM (SIGINT, SIGHUP) stops the run: it writes the report and metrics ' +
          '(fatal code E_INTERRUPTED), releases the lock and exits 143 (130, 129). Files are written 0644, directories 0755, ' +
          'whatever the umask. See docs/install.md and docs/operations.md for cron, systemd and alerts.',
      ),
  handler: async (argv) => {
    const { writeSyncMetrics, formatSyncSummary, syncTree } = await import('../../sync/index.js');
    const started = Date.now() / 1000;
    const config = await loadSyncConfig(argv).catch(async (err: unknown) => {
      // A cron job with a broken manifest must show up in the metrics too.
      if (argv.metrics && argv.out && !argv['dry-run']) {
        const code = isGomirrorError(err) ? err.code : 'E_INTERNAL';
        const root = path.resolve(argv.out);
        await writeSyncMetrics(path.resolve(argv.metrics), { root, startedAt: started, finishedAt: Date.now() / 1000, fatalCode: code });
      }
      throw err;
    });
    // Found now, not after an hour of downloads: report and metrics must have somewhere to go.
    if (config.report) await requireWritableParent(config.report, '--report');
    if (config.metrics) await requireWritableParent(config.metrics, '--metrics');
    const out = createOutput(config.logFormat);
    const report = await syncTree(config, out);
    if (config.dryRun) {
      for (const m of report.modules) {
        for (const e of m.plan ?? []) {
          if (!e.download) continue;
          const why = e.source === 'dependency' ? `required by ${e.from}` : `${e.source === 'gosum' ? 'go.sum' : 'named'}: ${e.from}`;
          out.result(`would fetch ${m.path}@${e.version}${e.zip === 'no' ? ' (.info and .mod only)' : ''} [${why}]`);
        }
      }
    }
    out.result(formatSyncSummary(report), config.logFormat === 'json' ? { summary: report.summary, ok: report.ok } : undefined);
    out.finish();
    return report.ok ? 0 : 1;
  },
};

/** Reads the manifest and layers flags over it (sync-config.ts). */
async function loadSyncConfig(argv: SyncArgs): Promise<SyncConfig> {
  let manifest: Manifest | undefined;
  if (argv.manifest) {
    manifest = await loadManifest(argv.manifest);
  }
  return buildSyncConfig(
    {
      ...(argv.out !== undefined ? { out: argv.out } : {}),
      ...(argv.upstream !== undefined ? { upstream: argv.upstream } : {}),
      ...(argv.sumdb !== undefined ? { sumdb: argv.sumdb } : {}),
      ...(argv.gomod ? { gomod: argv.gomod } : {}),
      ...(argv.gosum ? { gosum: argv.gosum } : {}),
      ...(argv.deps !== undefined ? { deps: argv.deps } : {}),
      ...(argv.zips !== undefined ? { zips: argv.zips } : {}),
      ...(argv.toolchains ? { toolchains: argv.toolchains } : {}),
      ...(argv.platforms ? { platforms: argv.platforms } : {}),
      ...(argv.concurrency !== undefined ? { concurrency: argv.concurrency } : {}),
      ...(argv.private !== undefined ? { private: argv.private } : {}),
      ...(argv.noproxy !== undefined ? { noproxy: argv.noproxy } : {}),
      ...(argv.go !== undefined ? { go: argv.go } : {}),
      ...(argv['vcs-concurrency'] !== undefined ? { vcsConcurrency: argv['vcs-concurrency'] } : {}),
      ...(argv.retries !== undefined ? { retries: argv.retries } : {}),
      dryRun: argv['dry-run'] ?? false,
      ...(argv.report ? { report: argv.report } : {}),
      ...(argv.metrics ? { metrics: argv.metrics } : {}),
      ...(argv['log-format'] ? { logFormat: argv['log-format'] } : {}),
      ...(argv.vulndb !== undefined ? { vulndb: argv.vulndb } : {}),
      ...(argv['allow-rollback'] !== undefined ? { allowRollback: argv['allow-rollback'] } : {}),
      ...(argv.vulnerable !== undefined ? { vulnerable: argv.vulnerable } : {}),
    },
    manifest,
    process.env,
  );
}
