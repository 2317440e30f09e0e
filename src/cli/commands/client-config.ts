/** `gomirror client-config`: print the go command settings for clients of the mirror. */
import type { Argv } from 'yargs';

import { buildClientConfig } from '../../client-config/index.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface ClientConfigArgs {
  url: string;
  private: string[] | undefined;
  sumdb: string;
  'netrc-login': string | undefined;
  env: string[] | undefined;
  vulndb: boolean;
}

export const clientConfigCommand: GomirrorCommand<ClientConfigArgs> = {
  command: 'client-config',
  describe: 'Print the go env settings (and .netrc entry) that point the go command at the mirror',
  builder: (y: Argv) =>
    y
      .option('url', { type: 'string', demandOption: true, describe: 'Base URL of the mirror (GOPROXY=URL,off)' })
      .option('private', {
        type: 'string',
        array: true,
        describe: 'GOPRIVATE patterns served by the mirror (comma-separated or repeated); sets GONOPROXY=none',
      })
      .option('sumdb', {
        type: 'string',
        default: 'sum.golang.org',
        describe: 'GOSUMDB: off, NAME, NAME+KEY or "NAME+KEY URL"',
      })
      .option('netrc-login', {
        type: 'string',
        describe: 'Also print the .netrc entry for this login (the mirror uses --auth)',
      })
      .option('env', {
        type: 'string',
        array: true,
        describe: 'Another NAME=VALUE for the same go env -w line (e.g. GOFLAGS=-mod=mod); repeatable',
      })
      .option('vulndb', {
        type: 'boolean',
        default: true,
        describe: 'Also print the govulncheck -db URL/vulndb line for the mirror\'s vulnerability database (--no-vulndb to leave it out)',
      }),
  handler: async (argv) => {
    const config = buildClientConfig({
      url: argv.url,
      private: argv.private,
      sumdb: argv.sumdb,
      netrcLogin: argv.netrcLogin,
      extraEnv: argv.env,
      env: process.env,
      vulndb: argv.vulndb,
    });
    const out = createOutput('text');
    for (const w of config.warnings) out.warn(w);
    out.result(config.text.replace(/\n$/, ''));
    return 0;
  },
};
