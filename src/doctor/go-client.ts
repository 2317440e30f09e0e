/**
 * What doctor needs of the local go command and project for the toolchain
 * check: `go env` (run so that it never switches or downloads anything) and
 * the go.work or go.mod the go command would read here.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseGoMod, parseGoWork } from '../modfile/index.js';
import type { DoctorGoClient, DoctorProject } from './toolchain.js';

const run = promisify(execFile);

/**
 * The local go command's version, platform and GOTOOLCHAIN, or undefined
 * when there is no go command. `go env GOTOOLCHAIN` alone is always answered
 * by the local go (Go: toolchain.Select); the rest runs with GOTOOLCHAIN=local
 * outside any module.
 */
export async function readGoClient(env: NodeJS.ProcessEnv): Promise<DoctorGoClient | undefined> {
  try {
    const { stdout: gotoolchain } = await run('go', ['env', 'GOTOOLCHAIN'], { env, cwd: tmpdir() });
    const { stdout } = await run('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH'], { env: { ...env, GOTOOLCHAIN: 'local' }, cwd: tmpdir() });
    const [version = '', goos = '', goarch = ''] = stdout.trim().split('\n');
    // Before Go 1.21 there is no GOTOOLCHAIN: an empty answer.
    return { version, platform: `${goos}-${goarch}`, gotoolchain: gotoolchain.trim() || 'local' };
  } catch {
    return undefined;
  }
}

/**
 * The file the go command reads its go and toolchain lines from: `file`
 * when given, else the nearest go.work, else the nearest go.mod, from `dir`
 * up. undefined when there is none; throws E_GOMOD for a malformed file.
 */
export async function readDoctorProject(file: string | undefined, dir: string): Promise<DoctorProject | undefined> {
  const found = file ? path.resolve(file) : await nearest(dir);
  if (!found) return undefined;
  const text = await readFile(found, 'utf8');
  const parsed = path.basename(found) === 'go.work' ? parseGoWork(text, found) : parseGoMod(text, found, { lax: false });
  return {
    file: found,
    ...(parsed.go !== undefined ? { go: parsed.go } : {}),
    ...(parsed.toolchain !== undefined ? { toolchain: parsed.toolchain } : {}),
    ...(parsed.lines ? { lines: parsed.lines } : {}),
  };
}

async function nearest(dir: string): Promise<string | undefined> {
  for (const name of ['go.work', 'go.mod']) {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      const f = path.join(d, name);
      if (await readFile(f).then(() => true, () => false)) return f;
      if (path.dirname(d) === d) break;
    }
  }
  return undefined;
}
