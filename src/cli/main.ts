import yargs, { type Argv, type CommandModule } from 'yargs';
import { exitCodeFor, GomirrorError, isGomirrorError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { createOutput } from './output.js';

// Each command module prints its own result and sets process.exitCode for
// partial failure; thrown errors are mapped to exit codes here, in one place.
// Commands load on demand: a nightly `gomirror sync` does not pay for
// loading bundle, publish or doctor (start-up is a large part of a no-op run).
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  sync: async () => (await import('./commands/sync.js')).syncCommand as unknown as CommandModule,
  nginx: async () => (await import('./commands/nginx.js')).nginxCommand as unknown as CommandModule,
  'client-config': async () => (await import('./commands/client-config.js')).clientConfigCommand as unknown as CommandModule,
  bundle: async () => (await import('./commands/bundle.js')).bundleCommand,
  keygen: async () => (await import('./commands/keygen.js')).keygenCommand as unknown as CommandModule,
  publish: async () => (await import('./commands/publish.js')).publishCommand as unknown as CommandModule,
  verify: async () => (await import('./commands/verify.js')).verifyCommand as unknown as CommandModule,
  prune: async () => (await import('./commands/prune.js')).pruneCommand as unknown as CommandModule,
  catalog: async () => (await import('./commands/catalog.js')).catalogCommand as unknown as CommandModule,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand as unknown as CommandModule,
  audit: async () => (await import('./commands/audit.js')).auditCommand as unknown as CommandModule,
};

/** Commands that create files in a tree (keygen keeps its private key 0600 by an explicit mode). */
const TREE_WRITERS = new Set(['sync', 'bundle', 'verify', 'prune']);

/** The named command only, or every command for top-level help and unknown names. */
async function loadCommands(argv: string[]): Promise<CommandModule[]> {
  const first = argv[0];
  const one = first !== undefined ? COMMANDS[first] : undefined;
  if (one) return [await one()];
  return Promise.all(Object.values(COMMANDS).map((load) => load()));
}

/** A reader that went away (`gomirror ... | head`) is not an error of ours. */
function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (process.stdout.listenerCount('error') === 0) exitQuietlyOnEpipe(process.stdout);
  if (process.stderr.listenerCount('error') === 0) exitQuietlyOnEpipe(process.stderr);
  process.exitCode = undefined;
  // The tree is served by another user (nginx's): whatever umask cron or a
  // systemd unit hands us (077 is common), commands that write the tree make
  // its files 0644 and directories 0755, or nginx would answer 404 for them.
  if (argv[0] !== undefined && TREE_WRITERS.has(argv[0])) process.umask(0o022);
  let usageError: string | undefined;
  const jsonLogs = argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
  const out = createOutput(jsonLogs ? 'json' : 'text');
  let cli: Argv = yargs(argv)
    .scriptName('gomirror')
    .usage('$0 <command> [options]\n\nA static, verified Go module proxy for firewalled and air-gapped networks.')
    .version(TOOL_VERSION)
    .strict()
    .demandCommand(1, 'Name a command: gomirror <command> --help tells more')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue('Exit codes: 0 success, 1 something failed, 2 usage or input error, 3 another run holds the lock, 143 stopped by SIGTERM.')
    .fail((msg, err) => {
      if (err) throw err;
      usageError = msg;
    });
  for (const c of await loadCommands(argv)) cli = cli.command(c);
  try {
    await cli.parseAsync();
    if (usageError !== undefined) {
      throw new GomirrorError('E_USAGE', usageError, { hint: 'Run gomirror --help, or gomirror <command> --help' });
    }
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    return code;
  } catch (err) {
    const code = exitCodeFor(err);
    out.fatal(isGomirrorError(err) ? err : (err as Error), code);
    if (!isGomirrorError(err) && process.env.GOMIRROR_DEBUG) console.error(err);
    return code;
  } finally {
    out.finish();
    process.exitCode = undefined;
  }
}
