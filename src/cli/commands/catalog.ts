/** `gomirror catalog`: regenerate the static catalog (index.html, _catalog/) of a tree. */
import type { Argv } from 'yargs';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface CatalogArgs {
  root: string;
  full: boolean;
  'log-format': string;
}

export const catalogCommand: GomirrorCommand<CatalogArgs> = {
  command: 'catalog',
  describe: 'Regenerate the static catalog people browse (index.html, _catalog/: module pages, health, index.jsonl feed)',
  builder: (y: Argv) =>
    y
      .option('root', { type: 'string', demandOption: true, describe: 'Root directory of the tree' })
      .option('full', { type: 'boolean', default: false, describe: 'Read every module and render every page (the feed keeps its arrival order)' })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'text for people, json for log shippers' })
      .example('$0 catalog --root /srv/goproxy', 'Bring the catalog up to date (sync, bundle import and prune do this too)')
      .epilogue(
        'Only modules whose files changed since the last run are read again (.gomirror/catalog.json). ' +
          'Takes the tree lock: exit 3 while a sync, import or prune runs.',
      ),
  handler: async (argv) => {
    const { catalogTree, describeCatalog } = await import('../../catalog/index.js');
    const out = createOutput(argv['log-format'] === 'json' ? 'json' : 'text');
    const started = performance.now();
    const r = await catalogTree(argv.root, { full: argv.full }, out);
    out.result(describeCatalog(r, (performance.now() - started) / 1000), argv['log-format'] === 'json' ? { ...r } : undefined);
    out.finish();
    return 0;
  },
};
