import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';

/**
 * The go command to drive for direct modules: `--go PATH`, else `go` on
 * $PATH. Checked by running `go version` before any work, so a run that needs
 * it and cannot use it stops with exit 2. Returns the path and its version line.
 */
export async function locateGo(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<{ goBin: string; version: string }> {
  const where = flag ? '--go' : '$PATH';
  const goBin = flag ? path.resolve(flag) : await onPath('go', env.PATH ?? '');
  const missing = (why: string): GomirrorError =>
    new GomirrorError('E_GO_MISSING', `${where}: ${why}; version control ("direct" modules) needs the go command`, {
      hint: 'Install Go (1.19 or later) or name it with --go PATH; or leave "direct" out of upstream, noproxy and private',
    });
  if (!goBin) throw missing('no go command found');
  const version = await new Promise<string | undefined>((resolve) => {
    const child = spawn(goBin, ['version'], { env: { ...env, GOTOOLCHAIN: 'local' }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 && out.startsWith('go version') ? out.trim() : undefined));
  });
  if (!version) throw missing(`${goBin} is not a working go command`);
  return { goBin, version };
}

async function onPath(name: string, pathVar: string): Promise<string | undefined> {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
