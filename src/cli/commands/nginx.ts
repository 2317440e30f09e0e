/** `gomirror nginx`: print or write the Nginx config that serves a tree. */
import type { Argv } from 'yargs';

import { DEFAULT_LIST_MAX_AGE, generateNginxConfig } from '../../nginx/index.js';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface NginxArgs {
  root: string;
  listen: string | undefined;
  'tls-listen': string | undefined;
  'server-name': string[] | undefined;
  out: string | undefined;
  standalone: boolean;
  'tls-cert': string | undefined;
  'tls-key': string | undefined;
  auth: string[] | undefined;
  autoindex: boolean;
  'list-max-age': string;
  'access-log': string | undefined;
}

export const nginxCommand: GomirrorCommand<NginxArgs> = {
  command: 'nginx',
  describe: 'Print (or write with --out) an Nginx config that serves the tree to the go command',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'Tree to serve (made absolute)' })
      .option('listen', {
        type: 'string',
        describe: 'HTTP listener, [HOST:]PORT (default 80; 8080 with --standalone)',
      })
      .option('server-name', { type: 'string', array: true, describe: 'server_name; repeatable (default _ = any)' })
      .option('out', { type: 'string', describe: 'Write the config to FILE (atomically) instead of stdout' })
      .option('standalone', {
        type: 'boolean',
        default: false,
        describe: 'A whole nginx.conf that any user can run with `nginx -p DIR -c FILE`',
      })
      .option('tls-cert', { type: 'string', describe: 'Certificate (PEM, with chain) for an HTTPS listener' })
      .option('tls-key', { type: 'string', describe: 'Private key (PEM) for --tls-cert' })
      .option('tls-listen', {
        type: 'string',
        describe: 'HTTPS listener, [HOST:]PORT (default 443; 8443 with --standalone)',
      })
      .option('auth', {
        type: 'string',
        array: true,
        describe:
          'PATTERN[,PATTERN]=HTPASSWD: HTTP basic auth for modules matching GOPRIVATE-style patterns ' +
          '(corp.example.com/*); repeatable; /sumdb/ stays open',
      })
      .option('autoindex', { type: 'boolean', default: false, describe: 'Allow directory listings (URLs ending in /)' })
      .option('list-max-age', {
        type: 'string',
        default: String(DEFAULT_LIST_MAX_AGE),
        describe: 'Cache max-age of list, @latest and other changing files: seconds or 30s/5m/1h/1d',
      })
      .option('access-log', {
        type: 'string',
        describe: 'Access log file (JSON lines) or off (default /var/log/nginx/gomirror.access.log; access.log under the prefix with --standalone)',
      }),
  handler: async (argv) => {
    const result = await generateNginxConfig(
      {
        root: argv.root,
        listen: argv.listen,
        tlsListen: argv.tlsListen,
        serverNames: argv.serverName,
        standalone: argv.standalone,
        tlsCert: argv.tlsCert,
        tlsKey: argv.tlsKey,
        auth: argv.auth,
        autoindex: argv.autoindex,
        listMaxAge: argv.listMaxAge,
        accessLog: argv.accessLog,
      },
      argv.out,
    );
    const out = createOutput('text');
    for (const w of result.warnings) out.warn(w);
    if (result.outFile === undefined) out.result(result.text.replace(/\n$/, ''));
    else out.result(`wrote ${result.outFile}`);
    return 0;
  },
};
