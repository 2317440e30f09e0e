import yargs, { type Argv } from 'yargs';
import { exitCodeFor, GomirrorError, isGomirrorError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { registerCommand, type CommandRegistration, type CommandRun } from './command.js';
import { createOutput } from './output.js';

// Each command prints its own result and returns its exit code; thrown errors
// are mapped to exit codes here, in one place, and run() hands the code to the process.
// Commands load on demand: a nightly `gomirror sync` does not pay for
// loading bundle, publish or doctor (start-up is a large part of a no-op run),
// and most command files import their service only when the handler runs, so
// `gomirror --help` lists them without loading every folder.
export type CommandTable = Readonly<Record<string, () => Promise<CommandRegistration>>>;

const COMMANDS: CommandTable = {
  sync: async () => registerCommand((await import('./commands/sync.js')).syncCommand),
  nginx: async () => registerCommand((await import('./commands/nginx.js')).nginxCommand),
  'client-config': async () => registerCommand((await import('./commands/client-config.js')).clientConfigCommand),
  bundle: async () => registerCommand((await import('./commands/bundle.js')).bundleCommand),
  keygen: async () => registerCommand((await import('./commands/keygen.js')).keygenCommand),
  publish: async () => registerCommand((await import('./commands/publish.js')).publishCommand),
  verify: async () => registerCommand((await import('./commands/verify.js')).verifyCommand),
  prune: async () => registerCommand((await import('./commands/prune.js')).pruneCommand),
  catalog: async () => registerCommand((await import('./commands/catalog.js')).catalogCommand),
  doctor: async () => registerCommand((await import('./commands/doctor.js')).doctorCommand),
  audit: async () => registerCommand((await import('./commands/audit.js')).auditCommand),
};

/** Commands that create files in a tree (keygen keeps its private key 0600 by an explicit mode). */
const TREE_WRITERS = new Set(['sync', 'bundle', 'verify', 'prune']);

/** The named command only, none for `--version`, or every command for top-level help and unknown names. */
async function loadCommands(argv: readonly string[], commands: CommandTable): Promise<CommandRegistration[]> {
  if (argv.length === 1 && argv[0] === '--version') return [];
  const first = argv[0];
  const one = first !== undefined && Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (one) return [await one()];
  return Promise.all(Object.values(commands).map((load) => load()));
}

/** A reader that went away (`gomirror ... | head`) is not an error of ours: exit with the code run() set, if any. */
function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit();
    throw err;
  });
}

/**
 * yargs lays out the whole help text (cliui, wrap-ansi, string-width: most
 * of the start-up of a no-op sync) right after it starts any command's
 * handler, in case the handler later calls showHelp (command.js calls
 * usage.cacheHelpMessage). No handler of ours does: help is printed only for
 * --help, before any handler runs, and usage errors print none. The cache is
 * reached through yargs' internal methods, which its types do not declare;
 * should they change, help is laid out as before, only slower.
 */
export function skipHelpCache(cli: Argv): void {
  const internals: unknown = 'getInternalMethods' in cli && typeof cli.getInternalMethods === 'function' ? cli.getInternalMethods() : undefined;
  const usage: unknown =
    typeof internals === 'object' && internals !== null && 'getUsageInstance' in internals && typeof internals.getUsageInstance === 'function'
      ? internals.getUsageInstance()
      : undefined;
  if (typeof usage === 'object' && usage !== null && 'cacheHelpMessage' in usage && typeof usage.cacheHelpMessage === 'function') {
    usage.cacheHelpMessage = () => undefined;
  }
}

/**
 * The yargs instance for argv, with the given commands. `run.exit` receives
 * the exit code of the handler that ran; `fail` gets each usage error yargs
 * finds (all of them: the last one is the most specific, e.g. bundle's
 * "Name a subcommand" after the missing positional).
 */
export function buildCli(argv: readonly string[], commands: readonly CommandRegistration[], run: CommandRun, fail: (msg: string) => void): Argv {
  const cli = yargs([...argv])
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
      fail(msg);
    });
  skipHelpCache(cli);
  return commands.reduce((y, add) => add(y, run), cli);
}

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], commands: CommandTable = COMMANDS): Promise<number> {
  if (process.stdout.listenerCount('error') === 0) exitQuietlyOnEpipe(process.stdout);
  if (process.stderr.listenerCount('error') === 0) exitQuietlyOnEpipe(process.stderr);
  // The tree is served by another user (nginx's): whatever umask cron or a
  // systemd unit hands us (077 is common), commands that write the tree make
  // its files 0644 and directories 0755, or nginx would answer 404 for them.
  if (argv[0] !== undefined && TREE_WRITERS.has(argv[0])) process.umask(0o022);
  let usageError: string | undefined;
  let code = 0;
  const jsonLogs = argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
  const out = createOutput(jsonLogs ? 'json' : 'text');
  try {
    const run: CommandRun = { exit: (c) => (code = c), usageFailed: () => usageError !== undefined };
    const cli = buildCli(argv, await loadCommands(argv, commands), run, (msg) => (usageError = msg));
    await cli.parseAsync();
    if (usageError !== undefined) {
      throw new GomirrorError('E_USAGE', usageError, { hint: 'Run gomirror --help, or gomirror <command> --help' });
    }
    return code;
  } catch (err) {
    const failed = exitCodeFor(err);
    out.fatal(isGomirrorError(err) ? err : (err as Error), failed);
    if (!isGomirrorError(err) && process.env.GOMIRROR_DEBUG) console.error(err);
    return failed;
  } finally {
    out.finish();
  }
}

/**
 * The one place a command's exit code becomes the process's (bin/gomirror.js).
 * Signals are the exception: a stopped sync exits 128 + the signal number
 * from its handler (sync/interrupt.ts), as a killed process would.
 */
export async function run(argv: readonly string[], commands: CommandTable = COMMANDS): Promise<void> {
  process.exitCode = await main(argv, commands);
}
