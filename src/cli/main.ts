import yargs, { type Argv, type CommandModule } from 'yargs';
import { exitCodeFor, GomirrorError, isGomirrorError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { createOutput } from './output.js';
import { clientConfigCommand } from './commands/client-config.js';
import { doctorCommand } from './commands/doctor.js';
import { nginxCommand } from './commands/nginx.js';
import { pruneCommand } from './commands/prune.js';
import { syncCommand } from './commands/sync.js';
import { bundleCommand } from './commands/bundle.js';
import { keygenCommand } from './commands/keygen.js';
import { publishCommand } from './commands/publish.js';
import { verifyCommand } from './commands/verify.js';

// Each command module prints its own result and sets process.exitCode for
// partial failure; thrown errors are mapped to exit codes here, in one place.
const COMMANDS: CommandModule[] = [
  syncCommand as unknown as CommandModule,
  nginxCommand as unknown as CommandModule,
  clientConfigCommand as unknown as CommandModule,
  bundleCommand,
  keygenCommand as unknown as CommandModule,
  publishCommand as unknown as CommandModule,
  verifyCommand as unknown as CommandModule,
  pruneCommand as unknown as CommandModule,
  doctorCommand as unknown as CommandModule,
];

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
    .epilogue('Exit codes: 0 success, 1 something failed, 2 usage or input error, 3 another run holds the lock.')
    .fail((msg, err) => {
      if (err) throw err;
      usageError = msg;
    });
  for (const c of COMMANDS) cli = cli.command(c);
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
