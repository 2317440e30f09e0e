/** `gomirror doctor`: check a mirror from where the go command runs, with a verdict and fixes. */
import type { Argv } from 'yargs';
import { GomirrorError } from '../../errors.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface DoctorArgs {
  proxy: string;
  module: string | undefined;
  sumdb: string | undefined;
  gomod: string | undefined;
  timeout: number;
  'log-format': string;
}

export const doctorCommand: GomirrorCommand<DoctorArgs> = {
  command: 'doctor',
  describe: 'Check a mirror the way you would by hand when `go mod tidy` times out, and say how to fix what fails',
  builder: (y: Argv) =>
    y
      .option('proxy', { type: 'string', demandOption: true, describe: 'The mirror\'s URL, as it stands in GOPROXY' })
      .option('module', { type: 'string', describe: 'PATH[@VERSION]: also fetch its list, .info, .mod and .zip (default version: latest)' })
      .option('sumdb', { type: 'string', describe: 'Checksum database to look for, or off (default: GOSUMDB from the environment or go env, sum.golang.org)' })
      .option('gomod', {
        type: 'string',
        describe: 'go.mod or go.work whose go/toolchain lines to check (default: the nearest go.work, else go.mod, from here up): would the local go switch toolchains, and does the mirror hold that toolchain?',
      })
      .option('timeout', { type: 'number', default: 5, describe: 'Seconds to wait for each step' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 doctor --proxy https://goproxy.corp.example --module golang.org/x/text', 'Check the mirror and one module')
      .epilogue(
        'Checks, each only when the one before passed: Go and proxy settings (the environment over what go env -w wrote), DNS, TCP connect time, TLS ' +
          'handshake and certificate, a 404 for a missing module, status, content type and body of list/.info/.mod/.zip, ' +
          '/sumdb/<name>/supported, the toolchain a project\'s go line makes the local go switch to, latency. Exit 1 when any check fails.',
      ),
  handler: async (argv) => {
    const { createDoctorProbes, formatDoctorReport, goTrustedCa, runDoctor, loadGoEnv, readDoctorProject, readGoClient } = await import('../../doctor/index.js');
    const { loadNetrc } = await import('../../upstream/index.js');
    const timeout = argv.timeout ?? 5;
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 300) {
      throw new GomirrorError('E_USAGE', `--timeout: must be from 0 to 300 seconds, not ${argv.timeout}`);
    }
    const json = argv['log-format'] === 'json';
    const out = createOutput(json ? 'json' : 'text');
    const ca = goTrustedCa(process.env);
    const probes = createDoctorProbes(ca ? { ca } : {});
    try {
      const project = await readDoctorProject(argv.gomod, process.cwd()).catch((err: unknown) => {
        throw new GomirrorError('E_USAGE', `--gomod: ${(err as Error).message}`, { cause: err });
      });
      const client = project ? await readGoClient(process.env) : undefined;
      const report = await runDoctor(
        {
          proxy: argv.proxy ?? '',
          ...(argv.module ? { module: argv.module } : {}),
          ...(argv.sumdb ? { sumdb: argv.sumdb } : {}),
          timeoutMs: timeout * 1000,
          // What the go command would use: the environment over the go env file (go env -w).
          ...(await loadGoEnv(process.env).then((g) => ({ env: g.env, envSource: g.source }))),
          netrc: await loadNetrc(process.env),
          ...(project && client ? { toolchain: { project, client } } : {}),
        },
        probes,
      );
      out.result(formatDoctorReport(report).join('\n'), json ? report : undefined);
      out.finish();
      return report.ok ? 0 : 1;
    } finally {
      await probes.close();
    }
  },
};
