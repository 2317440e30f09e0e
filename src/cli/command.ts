/**
 * The shape of a gomirror command and the one generic function that puts it
 * on a yargs instance. A command's options are typed by its builder, its
 * handler gets them typed and returns the exit code; main.ts turns that code
 * into the process's.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { tightenHeapGrowth } from '../heap-growth.js';

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

/** What a registered command reports to main.ts, and asks of it. */
export interface CommandRun {
  /** Receives the exit code the handler returned. */
  exit(code: number): void;
  /**
   * Whether yargs found a usage error. yargs goes on to run the handler after
   * a failed validation (its fail() callback only notes the message), and bad
   * input must stop before any work.
   */
  usageFailed(): boolean;
}

/** A command ready to be added to a yargs instance. */
export type CommandRegistration = (y: Argv, run: CommandRun) => Argv;

/** Wraps a command for yargs; yargs ignores what a handler returns, so the code goes to `run.exit`. */
export function registerCommand<A>(cmd: GomirrorCommand<A> | GomirrorCommandGroup): CommandRegistration {
  if ('subcommands' in cmd) {
    return (y, run) =>
      y.command(cmd.command, cmd.describe, (sub: Argv) => cmd.subcommands.reduce((acc, add) => add(acc, run), sub).demandCommand(1, cmd.demand));
  }
  return (y, run) =>
    y.command(cmd.command, cmd.describe, cmd.builder, async (argv) => {
      if (run.usageFailed()) return;
      // Before the command reads its input (a sync's 25,000-module manifest alone grew V8's young generation to its largest).
      tightenHeapGrowth();
      run.exit(await cmd.handler(argv));
    });
}
