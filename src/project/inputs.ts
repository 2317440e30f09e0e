/**
 * Reads the project files a sync mirrors for: go.mod files (main modules),
 * go.work files (a file named `go.work` given as a gomod input: every module
 * it uses is a main module) and go.sum files (every line a version to
 * mirror, every hash one the download must match).
 */
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { MainModuleInput, ModuleVersion, WorkspaceInput } from '../graph/index.js';
import { readInputFile } from '../manifest/index.js';
import { parseGoMod, parseGoWork } from '../modfile/index.js';
import { parseGoSum } from '../gosum/index.js';
import { describeUnstorable } from '../tree/index.js';

export interface ProjectInputs {
  mains: MainModuleInput[];
  workspaces: WorkspaceInput[];
  /**
   * Every go.sum line. `ownedByProject`: the go.sum sits beside one of the
   * go.mod (or go.work) inputs, whose module graph already holds its versions.
   */
  gosum: { module: ModuleVersion; goMod: boolean; where: string; ownedByProject: boolean }[];
  /** go.sum hashes by `"<path> <version>[/go.mod]"`. */
  expected: Map<string, string>;
}

/** Reads and validates every input file; throws E_GOMOD / E_GOSUM (input errors) naming file and line. */
export async function readProjectInputs(gomodFiles: readonly string[], gosumFiles: readonly string[]): Promise<ProjectInputs> {
  const out: ProjectInputs = { mains: [], workspaces: [], gosum: [], expected: new Map() };
  for (const file of gomodFiles) {
    if (path.basename(file) === 'go.work') out.workspaces.push(await readWorkspace(file));
    else out.mains.push(await readMainModule(file));
  }
  const projectDirs = new Set([
    ...out.mains.map((m) => path.dirname(m.file)),
    ...out.workspaces.flatMap((w) => [path.dirname(w.file), ...w.modules.map((m) => path.dirname(m.file))]),
  ]);
  for (const file of gosumFiles) {
    const ownedByProject = projectDirs.has(path.dirname(path.resolve(file)));
    const text = await readInput(file, 'E_GOSUM', 'go.sum');
    for (const line of parseGoSum(text, file)) {
      const key = `${line.path} ${line.version}${line.goMod ? '/go.mod' : ''}`;
      const unstorable = describeUnstorable(line.path, line.version);
      if (unstorable) throw new GomirrorError('E_GOSUM', `${file}:${line.line}: ${line.path.slice(0, 80)}${line.path.length > 80 ? '…' : ''}: ${unstorable}`);
      const have = out.expected.get(key);
      if (have && have !== line.hash) {
        throw new GomirrorError('E_GOSUM', `${file}:${line.line}: ${key} has two different hashes in the go.sum inputs`);
      }
      out.expected.set(key, line.hash);
      out.gosum.push({ module: { path: line.path, version: line.version }, goMod: line.goMod, where: `${file}:${line.line}`, ownedByProject });
    }
  }
  return out;
}

async function readMainModule(file: string): Promise<MainModuleInput> {
  return mainModuleFrom(await readInput(file, 'E_GOMOD', 'go.mod'), file);
}

function mainModuleFrom(text: string, file: string): MainModuleInput {
  const gomod = parseGoMod(text, file);
  if (gomod.module === undefined) {
    throw new GomirrorError('E_GOMOD', `${file}: missing module declaration`, { hint: 'A main module go.mod starts with `module <path>`' });
  }
  return { file, gomod };
}

async function readWorkspace(file: string): Promise<WorkspaceInput> {
  const work = parseGoWork(await readInput(file, 'E_GOMOD', 'go.work'), file);
  const modules: MainModuleInput[] = [];
  for (const u of work.use) {
    const gomodFile = path.resolve(path.dirname(file), u.dir, 'go.mod');
    let text: string;
    try {
      text = await readInputFile(gomodFile);
    } catch (err) {
      throw new GomirrorError('E_GOMOD', `${file}:${u.line}: use ${u.dir}: cannot read ${gomodFile}: ${(err as Error).message}`);
    }
    modules.push(mainModuleFrom(text, gomodFile));
  }
  return { file, work, modules };
}

async function readInput(file: string, code: 'E_GOMOD' | 'E_GOSUM', kind: string): Promise<string> {
  try {
    return await readInputFile(file);
  } catch (err) {
    throw new GomirrorError(code, `${file}: cannot read ${kind}: ${(err as Error).message}`);
  }
}
