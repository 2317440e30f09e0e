/**
 * Catalog templates compiled at build time. Compiling the pages and their
 * partials took longer than rendering every page of a small sync, on every
 * sync; `npm run build` (scripts/precompile-templates.ts) writes their
 * compiled form beside the renderer, and the renderer uses an entry only
 * while its source text is byte for byte the one it was compiled from, so
 * an edited template (or a checkout running from src/) compiles as before.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';

/** Written by the build next to dist/catalog/render.js. */
export const PRECOMPILED_FILE = 'templates.precompiled.cjs';

/** The options every catalog template is compiled with, at build time or run time. */
export const COMPILE_OPTIONS: CompileOptions = { strict: false };

export interface PrecompiledTemplate {
  /** sha256 of the source text it was compiled from. */
  sha256: string;
  spec: TemplateSpecification;
}

/** Template id (its path under templates/catalog/, or `rows`) → its compiled form. */
export type PrecompiledTemplates = Readonly<Record<string, PrecompiledTemplate>>;

export function templateTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The build's compiled templates beside this file; undefined when there are none (running from src/). */
export function loadPrecompiled(): PrecompiledTemplates | undefined {
  try {
    return createRequire(import.meta.url)(`./${PRECOMPILED_FILE}`) as PrecompiledTemplates;
  } catch {
    return undefined;
  }
}

type CompileOptions = Parameters<typeof Handlebars.precompile>[1];
type TemplateSpecification = Parameters<typeof Handlebars.template>[0];
