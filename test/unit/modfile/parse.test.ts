/**
 * go.mod / go.work parsing, judged against golang.org/x/mod/modfile (the
 * modparse fixture) for every case x/mod v0.7.0 understands, plus exact
 * expectations for messages and for syntax newer than that x/mod.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { findRetraction, goVersionAtLeast, parseGoMod, parseGoWork, isDirectoryPath } from '../../../src/modfile/index.js';
import { goTool } from '../../helpers/go-tools.js';

type Kind = 'mod' | 'lax' | 'work';
interface Case {
  name: string;
  kind: Kind;
  text: string;
}

const CASES: Case[] = [
  { name: 'minimal', kind: 'mod', text: 'module example.com/m\n' },
  { name: 'quoted module', kind: 'mod', text: 'module "example.com/quoted"\n\ngo 1.16\n' },
  { name: 'escapes in quotes', kind: 'mod', text: 'module "example.com/\\x61b\\u0063"\n' },
  { name: 'raw string module', kind: 'mod', text: 'module `example.com/raw`\n' },
  {
    name: 'require single and block, indirect forms',
    kind: 'mod',
    text:
      'module example.com/m\n\ngo 1.17\n\nrequire example.com/a v1.0.0\n\nrequire (\n' +
      '\texample.com/b v1.2.3 // indirect\n\texample.com/c v0.0.0-20240102030405-0123456789ab //indirect\n' +
      '\texample.com/d v2.0.0+incompatible // indirect; reason\n\texample.com/e/v3 v3.1.0 // not indirect\n' +
      '\t"example.com/f" "v1.0.0"\n\tgopkg.in/yaml.v2 v2.4.0\n)\n',
  },
  { name: 'shorthand versions are canonicalized', kind: 'mod', text: 'module m\nrequire example.com/a v1.2\nexclude example.com/b v1\n' },
  { name: 'empty block', kind: 'mod', text: 'module m\nrequire ()\n' },
  {
    name: 'exclude and replace forms',
    kind: 'mod',
    text:
      'module m\n\nexclude example.com/a v1.1.0\nexclude (\n\texample.com/b v0.1.0\n)\n' +
      'replace example.com/c => example.com/c-fork v1.0.1\nreplace example.com/d v1.0.0 => example.com/d v1.0.1\n' +
      'replace (\n\texample.com/e => ./local/e\n\texample.com/f v1.2.0 => ../f\n\texample.com/g => /abs/g\n\texample.com/h => C:/h\n)\n',
  },
  {
    name: 'retract forms and rationales',
    kind: 'mod',
    text:
      'module example.com/m\n\n// Published by mistake.\nretract v1.0.0\n\nretract [v1.1.0, v1.2.0] // broken build\n\n' +
      '// Block comment.\nretract (\n\t// First.\n\n\t// Second.\n\tv1.3.0\n\tv1.4.0 // suffix\n\t[v1.5.0, v1.5.9]\n)\n',
  },
  { name: 'comments everywhere', kind: 'mod', text: '// head\nmodule m // trailing\n\n// lone\n\ngo 1.17 // go\nrequire x.com/a v1.0.0 // indirect\n' },
  { name: 'CRLF line ends', kind: 'mod', text: 'module m\r\n\r\ngo 1.17\r\nrequire x.com/a v1.0.0 // indirect\r\n' },
  { name: 'no trailing newline', kind: 'mod', text: 'module m\nrequire x.com/a v1.0.0' },
  // Errors in a main module.
  { name: 'bad version', kind: 'mod', text: 'module m\nrequire example.com/a 1.0.0\n' },
  { name: 'branch name version', kind: 'mod', text: 'module m\n\nrequire (\n\texample.com/a master\n)\n' },
  { name: 'major mismatch', kind: 'mod', text: 'module m\nrequire example.com/a v2.0.0\n' },
  { name: 'major mismatch v2 path', kind: 'mod', text: 'module m\nrequire example.com/a/v2 v1.0.0\n' },
  { name: 'bad path suffix', kind: 'mod', text: 'module m\nrequire example.com/a/v1 v1.0.0\n' },
  { name: 'require arity', kind: 'mod', text: 'module m\nrequire example.com/a\n' },
  { name: 'repeated module', kind: 'mod', text: 'module m\nmodule n\n' },
  { name: 'repeated go', kind: 'mod', text: 'module m\ngo 1.16\ngo 1.17\n' },
  { name: 'bad go version', kind: 'mod', text: 'module m\ngo 1.17beta\n' },
  { name: 'unknown directive', kind: 'mod', text: 'module m\nfrobnicate x\n' },
  { name: 'unknown block', kind: 'mod', text: 'module m\nfrobnicate (\n\tx\n)\n' },
  { name: 'replace without version to module path', kind: 'mod', text: 'module m\nreplace example.com/a => example.com/b\n' },
  { name: 'replace with path@version', kind: 'mod', text: 'module m\nreplace example.com/a => example.com/b@v1.0.0\n' },
  { name: 'replace directory with version', kind: 'mod', text: 'module m\nreplace example.com/a => ./b v1.0.0\n' },
  { name: 'replace to a Windows path', kind: 'mod', text: 'module m\nreplace example.com/a => C:\\a\n' },
  { name: 'replace arity', kind: 'mod', text: 'module m\nreplace example.com/a v1.0.0 v1.1.0\n' },
  { name: 'retract bad interval', kind: 'mod', text: 'module m\nretract [v1.0.0 v1.1.0]\n' },
  { name: 'retract trailing token', kind: 'mod', text: 'module m\nretract v1.0.0 extra\n' },
  { name: 'unterminated block', kind: 'mod', text: 'module m\nrequire (\n\tx.com/a v1.0.0\n' },
  { name: 'unterminated string', kind: 'mod', text: 'module "m\n' },
  { name: 'block comment syntax', kind: 'mod', text: 'module m /* no */\n' },
  { name: 'single quotes', kind: 'mod', text: "module 'm'\n" },
  // The lexer's character classes at the edges of printable ASCII, and beyond it.
  { name: 'control character', kind: 'mod', text: 'module m\x01\n' },
  { name: 'DEL character', kind: 'mod', text: 'module m\x7f\n' },
  { name: 'tilde and printable ASCII', kind: 'lax', text: 'module example.com/a~!#$%&*+-.:;<=>?@^_|\n' },
  { name: 'non-ASCII letters', kind: 'lax', text: 'module example.com/é\nrequire example.com/ü v1.0.0\n' },
  { name: 'no-break space', kind: 'mod', text: 'module m\u00a0x\n' },
  { name: 'comment right after a word', kind: 'lax', text: 'module m// c\ngo 1.17//d\n' },
  { name: 'several errors', kind: 'mod', text: 'module m\nrequire a.com/x v1\nrequire b.com/y nope\nexclude c.com/z bad\n' },
  // Dependencies: lax.
  { name: 'lax ignores replace, exclude and unknown', kind: 'lax', text: 'module m\ngo 1.17\nreplace a.com/x => ./x\nexclude a.com/y v1.0.0\nfrobnicate\nfoo (\n\tbar\n)\nrequire a.com/z v1.0.0\n' },
  { name: 'lax go version', kind: 'lax', text: 'module m\ngo 1.17-custom\n' },
  { name: 'lax v-prefixed go version', kind: 'lax', text: 'module m\ngo v1.18.2\n' },
  { name: 'lax bad retract skipped', kind: 'lax', text: 'module m\nretract [v1.0.0 v1.1.0]\nretract v1.2.0 extra\nretract v1.3.0\n' },
  { name: 'lax still checks requires', kind: 'lax', text: 'module m\nrequire a.com/x latest\n' },
  { name: 'synthesized go.mod', kind: 'lax', text: 'module example.com/legacy\n' },
  { name: 'no module line', kind: 'lax', text: 'go 1.17\nrequire a.com/x v1.0.0\n' },
  // go.work.
  { name: 'work', kind: 'work', text: 'go 1.18\n\nuse ./a\nuse (\n\t./b\n\t"./c d"\n)\n\nreplace example.com/x => example.com/y v1.0.0\n' },
  { name: 'work unknown directive', kind: 'work', text: 'go 1.18\nrequire a.com/x v1.0.0\n' },
  { name: 'work use arity', kind: 'work', text: 'go 1.18\nuse ./a ./b\n' },
];

interface GoAnswer {
  error?: string;
  module?: string;
  go?: string;
  require: { path: string; version: string; indirect: boolean }[];
  exclude: { path: string; version: string }[];
  replace: { old: { path: string; version?: string }; new: { path: string; version?: string } }[];
  retract: { low: string; high: string; rationale: string }[];
  use: string[];
}

async function askXmod(cases: Case[]): Promise<GoAnswer[]> {
  const bin = await goTool('modparse');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`modparse exited ${code}: ${Buffer.concat(err).toString()}`));
      else resolve(JSON.parse(Buffer.concat(out).toString()) as GoAnswer[]);
    });
    child.stdin.end(JSON.stringify(cases.map((c) => ({ ...c, name: 'go.mod' }))));
  });
}

function ours(c: Case): GoAnswer {
  try {
    if (c.kind === 'work') {
      const w = parseGoWork(c.text, 'go.mod');
      return {
        ...(w.go ? { go: w.go } : {}),
        require: [],
        exclude: [],
        replace: w.replace.map((r) => ({ old: r.old, new: r.new })),
        retract: [],
        use: w.use.map((u) => u.dir),
      };
    }
    const f = parseGoMod(c.text, 'go.mod', { lax: c.kind === 'lax' });
    return {
      ...(f.module !== undefined ? { module: f.module } : {}),
      ...(f.go ? { go: f.go } : {}),
      require: f.require.map((r) => ({ path: r.path, version: r.version, indirect: r.indirect })),
      exclude: f.exclude.map((x) => ({ path: x.path, version: x.version })),
      replace: f.replace.map((r) => ({ old: r.old, new: r.new })),
      retract: f.retract.map((r) => ({ low: r.low, high: r.high, rationale: r.rationale })),
      use: [],
    };
  } catch (err) {
    if (!(err instanceof GomirrorError)) throw err;
    assert.equal(err.code, 'E_GOMOD');
    return { error: err.message, require: [], exclude: [], replace: [], retract: [], use: [] };
  }
}

/** The line numbers an error list names, in order (`go.mod:3:` or `go.mod:3:5:`). */
const errorLines = (msg: string): number[] => [...msg.matchAll(/go\.mod:(\d+):/g)].map((m) => Number(m[1]));

describe('parseGoMod / parseGoWork agree with golang.org/x/mod/modfile', () => {
  it('accepts, rejects and reads every case as x/mod does', async () => {
    const answers = await askXmod(CASES);
    CASES.forEach((c, i) => {
      const want = answers[i] as GoAnswer;
      const got = ours(c);
      if (want.error !== undefined) {
        assert.ok(got.error !== undefined, `${c.name}: x/mod rejects (${want.error}) but we accept`);
        assert.deepEqual(errorLines(got.error), errorLines(want.error), `${c.name}: we say\n${got.error}\nx/mod says\n${want.error}`);
        return;
      }
      assert.equal(got.error, undefined, `${c.name}: x/mod accepts but we reject: ${got.error}`);
      const norm = (a: GoAnswer): GoAnswer => ({
        ...a,
        replace: a.replace.map((r) => ({
          old: { path: r.old.path, ...(r.old.version ? { version: r.old.version } : {}) },
          new: { path: r.new.path, ...(r.new.version ? { version: r.new.version } : {}) },
        })),
      });
      assert.deepEqual(norm(got), norm(want), c.name);
    });
  });
});

describe('parseGoMod messages and details', () => {
  const fails = (text: string, message: string, lax = false): void => {
    assert.throws(() => parseGoMod(text, 'dir/go.mod', { lax }), (err: unknown) => {
      assert.ok(err instanceof GomirrorError);
      assert.equal(err.code, 'E_GOMOD');
      assert.equal(err.message, message);
      return true;
    });
  };

  it('names file and line for every problem', () => {
    fails('module m\nrequire example.com/a 1.0.0\n', 'dir/go.mod:2: require example.com/a: version "1.0.0" invalid: must be of the form v1.2.3');
    fails('module m\nrequire example.com/a v2.0.0\n', 'dir/go.mod:2: require example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2');
    fails('module m\n\nrequire (\n\tx.com/a v1.0.0\n\tx.com/b\n)\n', 'dir/go.mod:5: usage: require module/path v1.2.3');
    fails('module m\nreplace a.com/x => b.com/y\n', 'dir/go.mod:2: replacement module without version must be directory path (rooted or starting with ./ or ../)');
    fails('module m\nretract [v1.0.0 v1.1.0]\n', "dir/go.mod:2: expected ',' after version");
    fails('module m\nfrobnicate\n', 'dir/go.mod:2: unknown directive: frobnicate');
    fails('module m\nrequire a.com/x v1\nrequire b.com/y nope\n', 'dir/go.mod:3: require b.com/y: version "nope" invalid: must be of the form v1.2.3');
    fails('module m\nrequire a.com/x nope\nexclude b.com/y nope\n', 'dir/go.mod:2: require a.com/x: version "nope" invalid: must be of the form v1.2.3\ndir/go.mod:3: exclude b.com/y: version "nope" invalid: must be of the form v1.2.3');
    fails('module "m\n', 'dir/go.mod:2:1: unexpected newline in string'.replace('2:1', '1:10'));
    fails('module m\nrequire (\n\tx.com/a v1.0.0\n', 'dir/go.mod:4:1: syntax error (unterminated block started at dir/go.mod:2:1)');
  });

  it('accepts directives newer than go 1.19 (toolchain, godebug, go 1.21.0 form)', () => {
    const f = parseGoMod(
      'module m\n\ngo 1.22.3\n\ntoolchain go1.22.4\n\ngodebug (\n\tpanicnil=1\n)\ngodebug asynctimerchan=1\n\nrequire a.com/x v1.0.0\n',
      'go.mod',
    );
    assert.equal(f.go, '1.22.3');
    assert.deepEqual(f.require.map((r) => r.path), ['a.com/x']);
    assert.equal(parseGoMod('module m\ngo 1.21rc1\n', 'go.mod').go, '1.21rc1');
  });

  it('keeps line numbers of directives', () => {
    const f = parseGoMod('module m\n\nrequire (\n\ta.com/x v1.0.0\n\n\tb.com/y v1.0.0\n)\nexclude c.com/z v1.0.0\n', 'go.mod');
    assert.deepEqual(f.require.map((r) => r.line), [4, 6]);
    assert.equal(f.exclude[0]?.line, 8);
  });

  it('answers retraction and go-version questions', () => {
    const f = parseGoMod('module m\nretract [v1.1.0, v1.2.0-0]\nretract v1.5.0 // oops\n', 'go.mod');
    assert.equal(findRetraction('v1.0.0', f.retract), undefined);
    assert.equal(findRetraction('v1.1.0', f.retract)?.high, 'v1.2.0-0');
    assert.equal(findRetraction('v1.1.9', f.retract)?.low, 'v1.1.0');
    assert.equal(findRetraction('v1.2.0', f.retract), undefined);
    assert.equal(findRetraction('v1.5.0', f.retract)?.rationale, 'oops');
    assert.equal(goVersionAtLeast('1.17', '1.17'), true);
    assert.equal(goVersionAtLeast('1.16', '1.17'), false);
    assert.equal(goVersionAtLeast('1.21.0', '1.17'), true);
    assert.equal(goVersionAtLeast('2.0', '1.17'), true);
    assert.equal(goVersionAtLeast(undefined, '1.17'), false);
  });

  it('tells directories from module paths on every OS', () => {
    for (const p of ['./x', '../x', '/x', '.\\x', '..\\x', '\\x', 'C:\\x', 'c:/x', '.', '..']) assert.equal(isDirectoryPath(p), true, p);
    for (const p of ['example.com/x', 'x', '.x', '..x']) assert.equal(isDirectoryPath(p), false, p);
  });
});
