/**
 * The module graphs of test/e2e/deps.test.ts: one fixture upstream (built
 * with golang.org/x/mod by buildUpstream) and the projects that use it. Every
 * module's root package exports `Name() string` and calls its imports, so a
 * build really compiles every module a project needs.
 */
import { nameSource, type ModuleSpec, type UpstreamSpec, type VersionSpec } from '../helpers/fixture-upstream.js';

const LICENSE = 'Fixture license.\n';
export const PSEUDO = 'v0.0.0-20240301000000-aaaaaaaaaaaa';

/** A version whose package `pkg` imports `imports` (module path → package name) and calls them. */
function version(
  modPath: string,
  v: string,
  opts: { pkg: string; go?: string | null; require?: string[]; imports?: string[]; extra?: Partial<VersionSpec>; testImports?: string[] },
): VersionSpec {
  const imports = opts.imports ?? [];
  const body = imports.length === 0 ? JSON.stringify(`${modPath}@${v}`) : `${JSON.stringify(`${modPath}@${v}(`)} + ${imports.map((i) => `${alias(i)}.Name()`).join(' + "," + ')} + ")"`;
  const files: Record<string, string> = {
    LICENSE,
    [`${opts.pkg}.go`]: nameSource(opts.pkg, `${modPath}@${v}`, { imports: imports.map((i) => `${alias(i)} ${JSON.stringify(i)}`), body }),
  };
  if (opts.testImports?.length) {
    files[`${opts.pkg}_test.go`] =
      `package ${opts.pkg}\n\nimport (\n\t"testing"\n\n${opts.testImports.map((i) => `\t${alias(i)} ${JSON.stringify(i)}\n`).join('')})\n\n` +
      `func TestName(t *testing.T) {\n${opts.testImports.map((i) => `\t_ = ${alias(i)}.Name()\n`).join('')}}\n`;
  }
  const gomod =
    opts.go === null
      ? null
      : `module ${modPath}\n\ngo ${opts.go ?? '1.17'}\n` + (opts.require?.length ? `\nrequire (\n${opts.require.map((r) => `\t${r}\n`).join('')})\n` : '');
  return { version: v, files, gomod, ...opts.extra };
}

/** A Go identifier for an import path. */
export function alias(importPath: string): string {
  return 'm_' + importPath.replace(/[^A-Za-z0-9]/g, '_');
}

const mod = (path: string, versions: VersionSpec[], extra: Partial<ModuleSpec> = {}): ModuleSpec => ({ path, versions, ...extra });

/** Paths of the fixture modules. */
export const M = {
  app: 'example.com/app',
  left: 'example.com/left',
  leftFork: 'example.com/leftfork',
  right: 'example.com/right',
  shared: 'example.com/shared',
  testdep: 'example.com/testdep',
  deeptest: 'example.com/deeptest',
  majorV2: 'example.com/major/v2',
  legacy: 'example.com/legacy',
  pseudo: 'example.com/pseudo',
  deep: 'example.com/deep',
  modonly: 'example.com/modonly',
  cycA: 'example.com/cyca',
  cycB: 'example.com/cycb',
  retracted: 'example.com/retracted',
} as const;

/** The fixture upstream. */
export function depsSpec(): UpstreamSpec {
  return {
    modules: [
      // Diamond: left and right both need shared; MVS picks right's v1.2.0.
      mod(M.app, [
        version(M.app, 'v1.0.0', {
          pkg: 'app',
          imports: [M.left, M.right],
          require: [`${M.left} v1.0.0`, `${M.right} v1.0.0`, `${M.legacy} v2.1.0+incompatible // indirect`, `${M.majorV2} v2.0.0 // indirect`, `${M.shared} v1.2.0 // indirect`],
        }),
      ]),
      mod(M.left, [version(M.left, 'v1.0.0', { pkg: 'left', imports: [M.shared, M.majorV2], require: [`${M.majorV2} v2.0.0`, `${M.shared} v1.1.0`] })]),
      // A fork published under its own path that keeps the original module line, as forks do.
      mod(M.leftFork, [
        {
          ...version(M.leftFork, 'v1.0.1', { pkg: 'left', imports: [M.shared, M.majorV2] }),
          gomod: `module ${M.left}\n\ngo 1.17\n\nrequire (\n\t${M.majorV2} v2.0.0\n\t${M.shared} v1.1.0\n)\n`,
        },
      ]),
      mod(M.right, [
        version(M.right, 'v1.0.0', { pkg: 'right', imports: [M.shared, M.legacy], require: [`${M.legacy} v2.1.0+incompatible`, `${M.shared} v1.2.0`] }),
      ]),
      mod(M.shared, [
        version(M.shared, 'v1.1.0', { pkg: 'shared' }),
        // Its test needs testdep: a requirement no consumer build needs, but the go 1.16 graph holds.
        version(M.shared, 'v1.2.0', { pkg: 'shared', require: [`${M.testdep} v1.0.0`], testImports: [M.testdep] }),
      ]),
      // Two levels below what any build needs: only the go 1.16 graph (tidy -compat=1.16) reaches deeptest.
      mod(M.testdep, [version(M.testdep, 'v1.0.0', { pkg: 'testdep', require: [`${M.deeptest} v1.0.0`], testImports: [M.deeptest] })]),
      mod(M.deeptest, [version(M.deeptest, 'v1.0.0', { pkg: 'deeptest' })]),
      mod(M.majorV2, [version(M.majorV2, 'v2.0.0', { pkg: 'major' })]),
      // No go.mod at all: a v1 and a +incompatible v2.
      mod(M.legacy, [version(M.legacy, 'v1.0.0', { pkg: 'legacy', go: null }), version(M.legacy, 'v2.1.0+incompatible', { pkg: 'legacy', go: null })]),
      // go 1.16 (unpruned) chain reached through a pseudo-version.
      mod(M.pseudo, [version(M.pseudo, PSEUDO, { pkg: 'pseudo', go: '1.16', imports: [M.deep], require: [`${M.deep} v1.0.0`] })]),
      mod(M.deep, [version(M.deep, 'v1.0.0', { pkg: 'deep', go: '1.16', imports: [M.modonly], require: [`${M.modonly} v1.0.0`] })]),
      // v1.0.0 was only ever published as a go.mod (no zip); v1.1.0 is complete.
      mod(M.modonly, [
        version(M.modonly, 'v1.0.0', { pkg: 'modonly', go: '1.16', extra: { modOnly: true } }),
        version(M.modonly, 'v1.1.0', { pkg: 'modonly', go: '1.16' }),
      ]),
      // A module cycle: cyca requires cycb, which requires a newer cyca.
      mod(M.cycA, [
        version(M.cycA, 'v1.0.0', { pkg: 'cyca', go: '1.16', imports: [M.cycB], require: [`${M.cycB} v1.0.0`] }),
        version(M.cycA, 'v1.1.0', { pkg: 'cyca', go: '1.16', imports: [M.cycB], require: [`${M.cycB} v1.0.0`] }),
      ]),
      mod(M.cycB, [version(M.cycB, 'v1.0.0', { pkg: 'cycb', go: '1.16', require: [`${M.cycA} v1.1.0`] })]),
      // v1.2.0 retracts itself and v1.1.0, so `latest` is v1.0.0.
      mod(M.retracted, [
        version(M.retracted, 'v1.0.0', { pkg: 'retracted' }),
        version(M.retracted, 'v1.1.0', { pkg: 'retracted' }),
        {
          ...version(M.retracted, 'v1.2.0', { pkg: 'retracted' }),
          gomod: `module ${M.retracted}\n\ngo 1.17\n\n// Broken builds.\nretract [v1.1.0, v1.2.0]\n`,
        },
      ]),
    ],
  };
}

/** main.go (and main_test.go) of a project importing `imports` (module paths). */
export function projectSources(imports: string[]): Record<string, string> {
  const list = imports.map((i) => `\t${alias(i)} ${JSON.stringify(i)}\n`).join('');
  const calls = imports.map((i) => `\tfmt.Println(${alias(i)}.Name())\n`).join('');
  return {
    'main.go': `package main\n\nimport (\n\t"fmt"\n\n${list})\n\nfunc main() {\n${calls}}\n`,
    'main_test.go': `package main\n\nimport "testing"\n\nfunc TestRun(t *testing.T) {\n\tmain()\n}\n`,
  };
}

/** A package `pkg` of module `modPath` whose Name() calls each import's Name(). */
export function nameSourceFor(pkg: string, modPath: string, imports: string[]): string {
  const body = `${JSON.stringify(`${modPath}(`)} + ${imports.map((i) => `${alias(i)}.Name()`).join(' + "," + ')} + ")"`;
  return nameSource(pkg, modPath, { imports: imports.map((i) => `${alias(i)} ${JSON.stringify(i)}`), body });
}
