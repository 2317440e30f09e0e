/**
 * A gomirror CLI whose commands are fakes, run as its own process by
 * main.test.ts: the exit-code plumbing of cli/main.ts (run, main, the
 * command registration) with nothing else behind it.
 */
import { registerCommand, type GomirrorCommand } from '../../../src/cli/command.js';
import { run } from '../../../src/cli/main.js';
import { GomirrorError } from '../../../src/errors.js';

const THROWN = ['E_USAGE', 'E_LOCKED', 'E_NETWORK'] as const;

interface ExitArgs {
  code: number;
  throw: (typeof THROWN)[number] | undefined;
}

const exitCommand: GomirrorCommand<ExitArgs> = {
  command: 'exit',
  describe: 'Return --code, or throw a GomirrorError with code --throw',
  builder: (y) =>
    y
      .option('code', { type: 'number', demandOption: true, describe: 'The exit code the handler returns' })
      .option('throw', { choices: THROWN, describe: 'Throw a GomirrorError with this code instead' }),
  handler: async (argv) => {
    await Promise.resolve();
    if (argv.throw !== undefined) throw new GomirrorError(argv.throw, `thrown ${argv.throw}`);
    process.stdout.write(`handler returns ${argv.code}\n`);
    return argv.code;
  },
};

interface SpewArgs {
  lines: number;
}

const spewCommand: GomirrorCommand<SpewArgs> = {
  command: 'spew',
  describe: 'Write many lines to stdout, then return 0',
  builder: (y) => y.option('lines', { type: 'number', default: 100_000, describe: 'How many lines' }),
  handler: async (argv) => {
    for (let i = 0; i < argv.lines; i++) {
      if (!process.stdout.write(`line ${i} ${'x'.repeat(100)}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    return 0;
  },
};

// tsx puts an 'error' listener on stdout; bin/gomirror.js runs with none, and
// main.ts adds its EPIPE handling only to a stream that has none.
process.stdout.removeAllListeners('error');
process.stderr.removeAllListeners('error');

await run(process.argv.slice(2), {
  exit: async () => registerCommand(exitCommand),
  spew: async () => registerCommand(spewCommand),
});
