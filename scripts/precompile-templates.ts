/**
 * `npm run build`, part of the second step (scripts/bundle.ts runs it):
 * compiles the catalog's handlebars templates into
 * dist/catalog/templates.precompiled.cjs, which the renderer uses instead of
 * compiling them on every run (src/catalog/precompiled.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogTemplateTexts } from '../src/catalog/render.js';
import { PRECOMPILED_FILE, precompiledModule } from '../src/catalog/precompiled.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function writePrecompiledTemplates(): Promise<void> {
  const texts = catalogTemplateTexts(path.join(root, 'templates', 'catalog'));
  await writeFile(path.join(root, 'dist', 'catalog', PRECOMPILED_FILE), precompiledModule(texts));
}
