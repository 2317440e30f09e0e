/**
 * The shape of a gomirror command and the one generic function that puts it
 * on a yargs instance. A command's options are typed by its builder, its
 * handler gets them typed and returns the exit code; main.ts turns that code
 * into the process's.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';

/** One command: `A` is what its builder's options parse into. */
export interface GomirrorCommand<A> {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  /** Prints the command's result and returns the exit code (0 ok, 1 something failed); throws for what errors.ts maps. */
  handler: (argv: ArgumentsCamelCase<A>) => Promise<number>;
}

/** A command that only groups subcommands (`gomirror bundle export|import`). */
export interface GomirrorCommandGroup {
  command: string;
  describe: string;
  subcommands: readonly CommandRegistration[];
  /** The usage error when no subcommand is named. */
  demand: string;
}

/** Receives the exit code of the handler that ran. */
export type ExitCodeSink = (code: number) => void;

/** A command ready to be added to a yargs instance, its handler's exit code going to `exit`. */
export type CommandRegistration = (y: Argv, exit: ExitCodeSink) => Argv;

/** Wraps a command for yargs; yargs ignores what a handler returns, so the code goes to the sink. */
export function registerCommand<A>(cmd: GomirrorCommand<A> | GomirrorCommandGroup): CommandRegistration {
  if ('subcommands' in cmd) {
    return (y, exit) =>
      y.command(cmd.command, cmd.describe, (sub: Argv) => cmd.subcommands.reduce((acc, add) => add(acc, exit), sub).demandCommand(1, cmd.demand));
  }
  return (y, exit) =>
    y.command(cmd.command, cmd.describe, cmd.builder, async (argv) => {
      exit(await cmd.handler(argv));
    });
}
