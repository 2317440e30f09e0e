/**
 * `npm run build`, second step: bundles the compiled CLI (dist/cli/main.js and
 * everything it imports, dependencies included) into dist/app/, one file
 * per lazily loaded part, so a command starts by reading a few files instead
 * of a few hundred (module resolution and loading were most of a no-op
 * sync's start-up). bin/gomirror.js runs the bundle; tests of single
 * modules keep using dist/ and src/.
 *
 * Every `import.meta.url` is rewritten to the URL of the file it was written
 * in, so paths found relative to a module (templates, package.json, the
 * staging worker, yargs' locales) resolve exactly as they do unbundled.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writePrecompiledTemplates } from './precompile-templates.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Not dist/bundle: that is where tsc puts the `gomirror bundle` command's folder.
const outdir = path.join(root, 'dist', 'app');

/** `import.meta.url` → the original file's URL, relative to the bundle. */
const originalMetaUrl: Plugin = {
  name: 'original-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// Beside dist/catalog/render.js, where the renderer (bundled or not) looks for it.
await writePrecompiledTemplates();
// Chunk names change with their content: nothing of an earlier build may stay behind.
await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // Loaded only by `publish` to S3, and large: left to Node's own loader.
  external: ['@aws-sdk/*'],
  // CommonJS dependencies inside an ES module bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __gomirrorRequire } from 'node:module'; const require = __gomirrorRequire(import.meta.url);" },
  plugins: [originalMetaUrl],
  logLevel: 'warning',
  legalComments: 'none',
});

// The staging worker (dist/mirror/stage-worker.js, started by file URL from
// stage-pool.js) is bundled in place into one file too: loading it module
// by module, yauzl through the CommonJS loader, cost each sync ~100 ms of CPU
// and ~250 ms before the first zip could be checked.
const worker = path.join(root, 'dist', 'mirror', 'stage-worker.js');
await build({
  absWorkingDir: root,
  entryPoints: [worker],
  outfile: worker,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: "import { createRequire as __gomirrorRequire } from 'node:module'; const require = __gomirrorRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
