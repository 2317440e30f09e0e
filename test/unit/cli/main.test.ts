/**
 * cli/main.ts: a handler's returned exit code becomes the process's, usage
 * errors exit 2, thrown errors map through errors.ts, a closed stdout is no
 * error, and yargs does not lay out help text on a run that prints none.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Argv } from 'yargs';
import { registerCommand, type GomirrorCommand } from '../../../src/cli/command.js';
import { buildCli, skipHelpCache } from '../../../src/cli/main.js';

const FAKE_CLI = path.join(import.meta.dirname, 'fake-cli.ts');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs fake-cli.ts with args as its own process; closeStdoutEarly destroys the pipe at the first output. */
function runFake(args: string[], opts: { closeStdoutEarly?: boolean } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', FAKE_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '100' } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    if (opts.closeStdoutEarly) child.stdout.destroy();
  });
  child.stderr.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

const describeRun = (r: Run): string => `exit ${r.code} (${r.signal})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describe('the exit code of a gomirror process', () => {
  for (const code of [0, 1, 3]) {
    it(`is what the handler returned: ${code}`, async () => {
      const r = await runFake(['exit', '--code', String(code)]);
      assert.equal(r.code, code, describeRun(r));
      assert.equal(r.stdout, `handler returns ${code}\n`);
      assert.equal(r.stderr, '');
    });
  }

  // Before: yargs ran the handler after a failed validation (main's fail() only notes the
  // message), so `gomirror nginx --out FILE --bogus` wrote FILE and then exited 2.
  it('is 2 for a usage error, and the handler does not run', async () => {
    for (const args of [['exit', '--code', '0', '--bogus'], ['exit'], ['nosuch'], []]) {
      const r = await runFake(args);
      assert.equal(r.code, 2, describeRun(r));
      assert.equal(r.stdout, '', 'the handler did not run');
      assert.match(r.stderr, /^error: .+\n {2}hint: Run gomirror --help, or gomirror <command> --help\n$/, describeRun(r));
    }
  });

  it('maps a thrown error by its kind: input 2, lock 3, failure 1', async () => {
    for (const [thrown, want] of [['E_USAGE', 2], ['E_LOCKED', 3], ['E_NETWORK', 1]] as const) {
      const r = await runFake(['exit', '--code', '0', '--throw', thrown]);
      assert.equal(r.code, want, describeRun(r));
      assert.match(r.stderr, new RegExp(`thrown ${thrown}`));
    }
  });

  it('is 0 with the help text for --help', async () => {
    const r = await runFake(['exit', '--help']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /--code +The exit code the handler returns/);
  });

  it('a reader that goes away (gomirror ... | head) ends the process quietly', async () => {
    const r = await runFake(['spew'], { closeStdoutEarly: true });
    assert.equal(r.signal, null, describeRun(r));
    assert.equal(r.code, 0, describeRun(r));
    assert.doesNotMatch(r.stderr, /EPIPE|Error/, describeRun(r));
  });
});

/** yargs' usage instance, reached as main.ts reaches it: false when yargs has no help text laid out and kept. */
function hasCachedHelp(cli: Argv): boolean {
  const internals: unknown = 'getInternalMethods' in cli && typeof cli.getInternalMethods === 'function' ? cli.getInternalMethods() : undefined;
  assert.ok(typeof internals === 'object' && internals !== null && 'getUsageInstance' in internals && typeof internals.getUsageInstance === 'function');
  const usage: unknown = internals.getUsageInstance();
  assert.ok(typeof usage === 'object' && usage !== null && 'hasCachedHelpMessage' in usage && typeof usage.hasCachedHelpMessage === 'function');
  return usage.hasCachedHelpMessage() === true;
}

describe('help text on a normal run', () => {
  const command: GomirrorCommand<{ n: number }> = {
    command: 'count',
    describe: 'Count to --n',
    builder: (y) => y.option('n', { type: 'number', default: 3, describe: 'How far '.repeat(20) }),
    handler: async (argv) => Promise.resolve(argv.n),
  };

  it('is not laid out by yargs after the handler starts (it is printed only for --help)', async () => {
    let code: number | undefined;
    const cli = buildCli(['count', '--n', '4'], [registerCommand(command)], { exit: (c) => (code = c), usageFailed: () => false }, assert.fail);
    await cli.parseAsync();
    assert.equal(code, 4);
    assert.equal(hasCachedHelp(cli), false);
  });

  it('is laid out by yargs without skipHelpCache (what the test above guards against)', async () => {
    const { default: yargs } = await import('yargs');
    let code: number | undefined;
    const plain = registerCommand(command)(yargs(['count']), { exit: (c) => (code = c), usageFailed: () => false });
    await plain.parseAsync();
    assert.equal(code, 3);
    assert.equal(hasCachedHelp(plain), true);
    const skipped = yargs(['count']);
    skipHelpCache(skipped);
    await registerCommand(command)(skipped, { exit: () => undefined, usageFailed: () => false }).parseAsync();
    assert.equal(hasCachedHelp(skipped), false);
  });
});
