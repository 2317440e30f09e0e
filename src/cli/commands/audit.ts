/** `gomirror audit`: list the mirrored versions that known vulnerabilities affect. */
import type { Argv } from 'yargs';

import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface AuditArgs {
  root: string;
  json: boolean;
  module: string | undefined;
  fail: boolean;
}

export const auditCommand: GomirrorCommand<AuditArgs> = {
  command: 'audit',
  describe: "List every mirrored version a known vulnerability affects, by the tree's copy of the Go vulnerability database",
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'Root directory of the tree (synced with --vulndb)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print a JSON array, one object per affected version: {module, version, vulns: [{id, aliases, summary, fixed, fixedInMirror}]}',
      })
      .option('module', { type: 'string', describe: 'Only modules matching this GOPRIVATE-style glob list (a path matches its own prefixes too)' })
      .option('fail', { type: 'boolean', default: false, describe: 'Exit 1 when any version is affected (for CI)' })
      .example('$0 audit --root /srv/goproxy', 'Which mirrored versions have known vulnerabilities')
      .example("$0 audit --root /srv/goproxy --module 'golang.org/x/*' --json --fail", 'Machine-readable, failing the job on findings')
      .epilogue(
        'Affected ranges are OSV SEMVER events read as Go\'s tools read them; withdrawn entries are ignored. "fixed" is the ' +
          "version that ends the affected range of that version (null: no fix); fixedInMirror says whether the tree holds it or a " +
          'later version the vulnerability does not affect. Exit 0 (also with findings unless --fail), 1 with findings and --fail, ' +
          '2 when the tree holds no vulnerability database.',
      ),
  handler: async (argv) => {
    const { auditTree, formatAudit } = await import('../../audit/index.js');
    const out = createOutput('text');
    const result = await auditTree({ root: argv.root, ...(argv.module !== undefined ? { module: argv.module } : {}) });
    if (argv.json) out.result(JSON.stringify(result.findings, null, 2));
    else for (const line of formatAudit(result)) out.result(line);
    out.finish();
    return argv.fail && result.findings.length > 0 ? 1 : 0;
  },
};
