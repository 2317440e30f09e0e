/**
 * Renders the Nginx config from the view-model with the handlebars templates
 * in the package's top-level templates/nginx/ directory.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Handlebars from 'handlebars';

import type { NginxViewModel } from './view-model.js';
import { GomirrorError } from '../errors.js';

/**
 * templates/nginx/ of this package. The module sits two levels below the
 * package root both as src/nginx/render.ts and as dist/nginx/render.js, and
 * package.json ships templates/ next to dist/ in an npm install.
 */
export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/nginx');

type Template = (data: NginxViewModel) => string;

let compiled: { server: Template; standalone: Template } | undefined;

/** Renders a `server { }` block (for conf.d/) or, for a standalone view-model, a whole nginx.conf. */
export function renderNginxConfig(model: NginxViewModel): string {
  compiled ??= compileTemplates(TEMPLATES_DIR);
  const text = (model.standalone ? compiled.standalone : compiled.server)(model);
  // Indented partials leave spaces on their blank lines.
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n');
}

/** Compiles the two top-level templates and registers every file in partials/ as a partial. */
export function compileTemplates(dir: string): { server: Template; standalone: Template } {
  const hbs = Handlebars.create();
  hbs.registerHelper('q', quoteNginxString);
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // A module's catalog page is `/_catalog/m/<escaped path>/@index.html`: the module's regex, moved under it.
  hbs.registerHelper('catalogPage', (regex: string) => regex.replace(/^\^\//, '^/_catalog/m/'));
  const partialsDir = path.join(dir, 'partials');
  for (const file of readdirSync(partialsDir)) {
    if (file.endsWith('.hbs')) hbs.registerPartial(file.slice(0, -'.hbs'.length), read(path.join(partialsDir, file)));
  }
  // noEscape: the output is an Nginx config, not HTML; `q` does the quoting that matters.
  // strict: a misspelt field in a template fails loudly instead of rendering as nothing.
  const compile = (name: string): Template =>
    hbs.compile<NginxViewModel>(read(path.join(dir, name)), { noEscape: true, strict: true });
  return { server: compile('server.conf.hbs'), standalone: compile('standalone.conf.hbs') };
}

/**
 * Double-quotes a value for the Nginx config. The view-model has refused
 * anything unsafe already (checkConfigPath); this guards the templates.
 */
export function quoteNginxString(value: unknown): string {
  const text = String(value);
  // eslint-disable-next-line no-control-regex
  if (/["\\$\u0000-\u001f\u007f]/.test(text.replace(/\\[.]/g, ''))) {
    throw new GomirrorError('E_INTERNAL', `refusing to put ${JSON.stringify(text)} into the Nginx config`);
  }
  return `"${text}"`;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new GomirrorError('E_INTERNAL', `cannot read the Nginx template ${file}`, {
      cause: err,
      hint: 'The templates/ directory of the gomirror package is missing; reinstall gomirror.',
    });
  }
}
