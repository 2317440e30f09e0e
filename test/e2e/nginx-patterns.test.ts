/**
 * The `--auth` pattern regexes judged by the Go team's code: for every pair
 * of pattern and module path below, Nginx's regex on the escaped request URI
 * (module.EscapePath from golang.org/x/mod) must agree with
 * module.MatchPrefixPatterns, which is what GOPRIVATE uses. Patterns that
 * path.Match calls malformed must be refused; patterns refused for other
 * reasons must be ones that match no valid module path.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { requireCommand } from '../helpers/go-tools.js';
import { compileModulePattern } from '../../src/module/index.js';

const run = promisify(execFile);
const XMOD_GOPATH = '/usr/share/gocode';

/** Reads {patterns, paths} on stdin; prints escaped paths, Go's answers and malformed patterns. */
const GO_PROGRAM = `package main

import (
	"encoding/json"
	"os"
	"path"

	"golang.org/x/mod/module"
)

func main() {
	var in struct{ Patterns, Paths []string }
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := struct {
		Escaped   map[string]string
		Matches   map[string]map[string]bool
		Malformed map[string]bool
	}{map[string]string{}, map[string]map[string]bool{}, map[string]bool{}}
	for _, p := range in.Paths {
		e, err := module.EscapePath(p)
		if err != nil {
			panic(err)
		}
		out.Escaped[p] = e
	}
	for _, pat := range in.Patterns {
		out.Matches[pat] = map[string]bool{}
		for _, p := range in.Paths {
			out.Matches[pat][p] = module.MatchPrefixPatterns(pat, p)
		}
		_, err := path.Match(pat, "")
		out.Malformed[pat] = err != nil
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;

const PATTERNS = [
  'corp.example.com/*', '*.corp.example.com', 'corp.example.com', 'github.com/BurntSushi', 'github.com/burntsushi',
  'github.com/*b', 'github.com/*B', 'github.com/[A-C]*', 'github.com/[^a-z]*', 'github.com/[a-cX-Z]?*',
  'github.com/[^A-Z]*', 'github.com/\\Azure', 'github.com/[0-9]*', 'example.com/a?c', 'example.com/a\\.c',
  'example.com/a.c', 'example.com/a~b_c', 'golang.org/x', '*', '*/*', '*/*/*', '*/*/*/*', 'gopkg.in/yaml.v?',
  'github.com/*/go-*', 'github.com/**', '?ithub.com', 'github.com/[Aa]zure',
  // Refused by compileModulePattern:
  'github.com/[', 'github.com/[]a]', 'github.com/[a-]', 'github.com/[-a]', 'github.com/[z-a]', 'github.com/x\\',
  'github.com//x', '/github.com', 'github.com/x y', 'github.com/x!y', 'github.com/\\*', 'github.com/[.-0]',
];

const PATHS = [
  'corp.example.com', 'corp.example.com/foo', 'corp.example.com/Foo/Bar', 'git.corp.example.com/team/svc',
  'corp.example.community/x', 'github.com/BurntSushi/toml', 'github.com/burntsushi/toml', 'github.com/Azure/go-autorest',
  'github.com/azure/go-autorest', 'github.com/ab', 'github.com/aB', 'github.com/Ab', 'github.com/AB', 'github.com/9lives',
  'github.com/Xylophone/x', 'github.com/b~c', 'example.com/abc', 'example.com/aBc', 'example.com/ac', 'example.com/a.c',
  'example.com/a~b_c/d', 'golang.org/x', 'golang.org/x/text', 'golang.org/xerrors', 'gopkg.in/yaml.v2', 'gopkg.in/yaml.v3',
];

let work: string;
let bin: string;

before(async () => {
  await requireCommand('go', 'golang-go');
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-patterns-'));
  const src = path.join(work, 'src', 'matchpatterns');
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, 'main.go'), GO_PROGRAM);
  bin = path.join(work, 'matchpatterns');
  // GOPATH mode: x/mod from Debian's golang-golang-x-mod-dev, plus our program.
  await run('go', ['build', '-o', bin, 'matchpatterns'], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH: `${work}:${XMOD_GOPATH}`, GOFLAGS: '', GOCACHE: path.join(work, 'cache') },
  }).catch((err: { stderr?: string }) => {
    throw new Error(`building the pattern checker failed (apt-get install -y golang-golang-x-mod-dev?):\n${err.stderr ?? String(err)}`);
  });
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface GoAnswers {
  Escaped: Record<string, string>;
  Matches: Record<string, Record<string, boolean>>;
  Malformed: Record<string, boolean>;
}

async function askGo(): Promise<GoAnswers> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as GoAnswers)));
    child.stdin?.end(JSON.stringify({ Patterns: PATTERNS, Paths: PATHS }));
  });
}

test('compiled --auth regexes agree with module.MatchPrefixPatterns on escaped URIs', async () => {
  const go = await askGo();
  let compared = 0;
  for (const pattern of PATTERNS) {
    let regex: RegExp | undefined;
    try {
      regex = new RegExp(compileModulePattern(pattern, '--auth'), 'i');
    } catch {
      // Refused: fine for malformed patterns and for ones Go matches against no valid module path.
      assert.ok(
        go.Malformed[pattern] || PATHS.every((p) => !go.Matches[pattern]?.[p]),
        `${pattern} was refused but Go accepts it and it matches a module path`,
      );
      continue;
    }
    assert.equal(go.Malformed[pattern], false, `${pattern} is malformed for path.Match but was compiled`);
    for (const modulePath of PATHS) {
      const escaped = go.Escaped[modulePath] as string;
      for (const uri of [`/${escaped}/@v/list`, `/${escaped}/@v/v1.0.0.zip`, `/${escaped}/@latest`]) {
        assert.equal(regex.test(uri), go.Matches[pattern]?.[modulePath], `${pattern} on ${modulePath} (${uri})`);
        compared++;
      }
    }
  }
  assert.ok(compared > 1000, `only ${compared} comparisons`);
});
