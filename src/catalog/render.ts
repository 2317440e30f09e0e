/**
 * Renders catalog pages with the handlebars templates in the package's
 * templates/catalog/ directory. `{{x}}` escapes HTML; the only raw inserts
 * (`{{{x}}}`) are the sanitized README and the generated SVG chart.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import HandlebarsRuntime from 'handlebars/runtime.js';
import { GomirrorError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { COMPILE_OPTIONS, loadPrecompiled, templateTextHash, type PrecompiledTemplates } from './precompiled.js';

/** templates/catalog/ of this package (two levels above src/catalog and dist/catalog). */
export const CATALOG_TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/catalog');

/** Files copied as they are into `_catalog/`. */
export const ASSETS = ['style.css', 'catalog.js'] as const;

export type PageName = 'front' | 'module' | 'health' | 'all';

export interface CatalogRenderer {
  render(page: PageName, data: object): string;
  /** The all-modules page around its list (`view` without `modules`), and the list's rows, rendered a few at a time. */
  allPage(view: object): { head: string; tail: string };
  moduleRows(rows: readonly object[]): string;
  asset(name: (typeof ASSETS)[number]): string;
  /** Changes whenever a template, an asset or the tool version does. */
  readonly key: string;
}

let cached: CatalogRenderer | undefined;

/** handlebars with its compiler (parser, code generator, source maps), loaded only when a template must be compiled here. */
function handlebarsCompiler(): typeof Handlebars {
  return createRequire(import.meta.url)('handlebars') as typeof Handlebars;
}

export function catalogRenderer(): CatalogRenderer {
  cached ??= createRenderer(CATALOG_TEMPLATES_DIR);
  return cached;
}

/** The templates of the `rows` id: the module list alone, for the all-modules page rendered a few rows at a time. */
export const ROWS_TEMPLATE = '{{> module-list}}';

/** Every template's id and source text: `<page>.hbs`, `partials/<name>.hbs`, and `rows`. */
export function catalogTemplateTexts(dir: string): Record<string, string> {
  const texts: Record<string, string> = { rows: ROWS_TEMPLATE };
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.hbs')) texts[f] = readFileSync(path.join(dir, f), 'utf8');
  for (const f of readdirSync(path.join(dir, 'partials')).sort()) if (f.endsWith('.hbs')) texts[`partials/${f}`] = readFileSync(path.join(dir, 'partials', f), 'utf8');
  return texts;
}

/**
 * A renderer of the templates in `dir`. `precompiled` (by default the
 * build's, for the package's own templates) stands in for compiling a
 * template whose text it was made from.
 */
export function createRenderer(dir: string, precompiled: PrecompiledTemplates | undefined = dir === CATALOG_TEMPLATES_DIR ? loadPrecompiled() : undefined): CatalogRenderer {
  const hash = createHash('sha256').update(TOOL_VERSION);
  const read = (file: string): string => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new GomirrorError('E_INTERNAL', `cannot read the catalog template ${file}`, {
        cause: err,
        hint: 'The templates/ directory of the gomirror package is missing; reinstall gomirror.',
      });
    }
    // The name inside the templates directory, not where the package is installed: a reinstall elsewhere renders nothing again.
    hash.update(path.relative(dir, file)).update(text);
    return text;
  };
  // Every text first (the key hashes them in this order), then one way to make them all.
  const partialsDir = path.join(dir, 'partials');
  const partials = readdirSync(partialsDir)
    .sort()
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => ({ name: f.slice(0, -4), id: `partials/${f}`, text: read(path.join(partialsDir, f)) }));
  const pageText = (name: PageName): { id: string; text: string } => ({ id: `${name}.hbs`, text: read(path.join(dir, `${name}.hbs`)) });
  const pageTexts = { front: pageText('front'), module: pageText('module'), health: pageText('health'), all: pageText('all') };
  const all = [...partials, ...Object.values(pageTexts), { id: 'rows', text: ROWS_TEMPLATE }];
  // Compiled at build time, every one of them: handlebars' runtime alone. Otherwise its compiler, for all of them.
  const specs = precompiled && all.every((t) => precompiled[t.id]?.sha256 === templateTextHash(t.text)) ? precompiled : undefined;
  const hbs = specs ? HandlebarsRuntime.create() : handlebarsCompiler().create();
  const make = (t: { id: string; text: string }): ((data: object) => string) =>
    specs ? hbs.template((specs[t.id] as PrecompiledTemplates[string]).spec) : hbs.compile(t.text, COMPILE_OPTIONS);
  for (const p of partials) hbs.registerPartial(p.name, make(p));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (n === 1 ? one : many));
  // Not strict: optional fields (deprecated, readme, lastSync) are simply absent from the view.
  const pages: Record<PageName, (data: object) => string> = {
    front: make(pageTexts.front),
    module: make(pageTexts.module),
    health: make(pageTexts.health),
    all: make(pageTexts.all),
  };
  const rows = make({ id: 'rows', text: ROWS_TEMPLATE });
  // The list's place in the page: a row no module can have (a path never holds "<").
  const marker = { path: '<gomirror-rows>', href: '', latest: '', versions: 0, deprecated: false };
  const assets = new Map(ASSETS.map((a) => [a, read(path.join(dir, a))]));
  return {
    render: (page, data) => pages[page](data),
    allPage: (view) => {
      const page = pages.all({ ...view, modules: [marker] });
      const row = rows({ modules: [marker] });
      const at = page.indexOf(row);
      if (at < 0 || page.indexOf(row, at + 1) >= 0) throw new GomirrorError('E_INTERNAL', 'templates/catalog/all.hbs: the module list must appear once');
      return { head: page.slice(0, at), tail: page.slice(at + row.length) };
    },
    moduleRows: (list) => rows({ modules: list }),
    asset: (name) => assets.get(name) as string,
    key: hash.digest('hex').slice(0, 16),
  };
}
