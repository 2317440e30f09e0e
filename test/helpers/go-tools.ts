/**
 * Builds the Go fixture programs under test/fixtures/<name>/ with the Go team's
 * own golang.org/x/mod from Debian's golang-golang-x-mod-dev, in GOPATH mode,
 * so that tests judge our code by an implementation we did not write.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN_DIR = path.join(REPO_ROOT, 'test/fixtures/bin');
const XMOD_GOPATH = '/usr/share/gocode';

const built = new Map<string, Promise<string>>();

/** Fails (never skips) with the install command when a system tool is missing. */
export async function requireCommand(cmd: string, debianPackage: string): Promise<string> {
  try {
    const { stdout } = await run('sh', ['-c', `command -v ${cmd}`]);
    return stdout.trim();
  } catch {
    throw new Error(`${cmd} is not installed: run \`apt-get install -y ${debianPackage}\` (or bash .ci/run)`);
  }
}

/** Go 1.22 (Debian golang-1.22-go): Unicode 15.0 tables, like every go command since 1.21. */
export const GO_1_22 = '/usr/lib/go-1.22/bin/go';

/**
 * Builds test/fixtures/<name> once per process and returns the binary's path;
 * with `go`, by that go command (e.g. GO_1_22), into `<name>-<go version dir>`.
 */
export function goTool(name: string, go = 'go'): Promise<string> {
  const key = `${name} ${go}`;
  let p = built.get(key);
  if (!p) {
    p = buildGoTool(name, go);
    built.set(key, p);
  }
  return p;
}

async function buildGoTool(name: string, go: string): Promise<string> {
  if (go === 'go') await requireCommand('go', 'golang-go');
  else if (!existsSync(go)) throw new Error(`${go} is missing: run \`apt-get install -y golang-1.22-go\` (or bash .ci/run)`);
  if (!existsSync(path.join(XMOD_GOPATH, 'src/golang.org/x/mod'))) {
    throw new Error('golang.org/x/mod is missing: run `apt-get install -y golang-golang-x-mod-dev`');
  }
  await mkdir(BIN_DIR, { recursive: true });
  const out = path.join(BIN_DIR, go === 'go' ? name : `${name}-${path.basename(path.dirname(path.dirname(go)))}`);
  // Test files run in parallel processes: build aside and rename, so no
  // process ever runs a half-written binary.
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await run(go, ['build', '-o', tmp, `./test/fixtures/${name}`], {
      cwd: REPO_ROOT,
      env: { ...process.env, GO111MODULE: 'off', GOPATH: XMOD_GOPATH, GOFLAGS: '', CGO_ENABLED: '0' },
    });
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`building test/fixtures/${name} failed:\n${e.stderr ?? String(err)}`);
  }
  await rename(tmp, out);
  return out;
}
