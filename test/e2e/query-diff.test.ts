/**
 * Differential: for every fixture module and every query form, the versions
 * gomirror would mirror (runSync, dry run, against the fixture upstream over
 * HTTP) agree with what the real go command resolves with
 * `go list -m M@Q` (GOPROXY = the same upstream, GOSUMDB=off, fresh caches),
 * and when one refuses the other does too.
 *
 * How the answers are compared:
 * - `latest`, prefixes (`v1`, `v1.2`) and exact versions: gomirror picks
 *   exactly one version, the one go picks.
 * - One comparison (`<v`, `<=v`, `>v`, `>=v`): gomirror mirrors every version
 *   the comparison admits (retracted ones included), go picks one. Take
 *   gomirror's set without the retracted versions: go's answer is its highest
 *   (for `<`, `<=`) or lowest (for `>`, `>=`) version, releases before
 *   pre-releases; go refuses exactly when that set is empty.
 * - `all` (gomirror only): the same set as `go list -m -versions -retracted`;
 *   where go lists nothing, gomirror reports that nothing matches.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pLimit from 'p-limit';
import { isGomirrorError } from '../../src/errors.js';
import { compareSemver, parseVersionQuery, semverPrerelease } from '../../src/module/index.js';
import { runSync } from '../../src/sync/run.js';
import { createTreeStore } from '../../src/tree/store.js';
import { openSumStore } from '../../src/gosum/sums.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { parseProxyList } from '../../src/upstream/proxy-list.js';
import { createTransport, type Transport } from '../../src/upstream/transport.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { QUERY_MODULES, QUERY_RETRACTED, querySpec } from '../helpers/fixture-queries.js';
import { BASIC, BASIC_PSEUDO, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { goEnv, runGo, type GoEnv } from '../helpers/go-client.js';

const FORMS = ['latest', 'v0', 'v1', 'v1.0', 'v1.1', 'v1.2', 'v2', 'v2.1', '<v1.1.0', '<=v1.1.0', '>v1.0.0', '>=v1.1.0', '<v2', '<v3.0.0', '>=v2.0.0', '>v2.0.0'];

/** Exact versions to ask for besides the listed ones. */
const EXTRA_EXACT: Record<string, string[]> = { [BASIC.alpha]: [BASIC_PSEUDO.alpha] };

type Answer = { versions: string[] } | { refused: string };

function pick(versions: readonly string[], lowest: boolean): string | undefined {
  const releases = versions.filter((v) => semverPrerelease(v) === '');
  const pool = [...(releases.length > 0 ? releases : versions)].sort(compareSemver);
  return lowest ? pool[0] : pool.at(-1);
}

describe('version queries: gomirror against go list -m', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let transport: Transport;
  let go: GoEnv;
  let work: string;

  before(async () => {
    upstream = await buildUpstream(querySpec());
    server = await startFixtureServer({ root: upstream.dir });
    transport = createTransport({ concurrency: 4 });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-query-diff-'));
    go = await goEnv({ goproxy: server.url, gosumdb: 'off' });
    await writeFile(path.join(work, 'go.mod'), 'module example.com/consumer\n\ngo 1.17\n');
  });
  after(async () => {
    await transport?.close();
    await server?.close();
    await upstream?.cleanup();
    await go?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function gomirror(module: string, text: string): Promise<Answer> {
    let query;
    try {
      query = parseVersionQuery(text);
    } catch (err) {
      if (isGomirrorError(err)) return { refused: err.message };
      throw err;
    }
    const root = await mkdtemp(path.join(work, 'tree-'));
    const store = createTreeStore(root);
    const outcomes = await runSync({
      targets: [{ module, queries: [{ text, query, where: 'diff' }] }],
      upstream: createUpstreamClient({ entries: parseProxyList(server.url), transport }),
      store,
      sums: await openSumStore(store.layout.sumsFile()),
      concurrency: 2,
      dryRun: true,
    });
    const outcome = outcomes.find((o) => o.module === module);
    if (outcome && outcome.errors.length > 0) return { refused: outcome.errors.map((e) => e.message).join('; ') };
    return { versions: (outcome?.plan ?? []).map((e) => e.version) };
  }

  async function goList(args: string[]): Promise<Answer> {
    const r = await runGo(['list', '-m', ...args], { cwd: work, env: go.env });
    if (r.code !== 0) return { refused: r.stderr.trim() };
    return { versions: r.stdout.trim().split(/\s+/).filter((v) => v !== '') };
  }

  it('agrees on every module and query form', async () => {
    const modules = querySpec().modules;
    const limit = pLimit(4);
    const failures: string[] = [];
    let compared = 0;
    const check = async (module: string, text: string): Promise<void> => {
      const retracted = new Set(QUERY_RETRACTED[module] ?? []);
      const mine = await gomirror(module, text);
      const theirs = text === 'all' ? await goList(['-versions', '-retracted', '-f', '{{join .Versions " "}}', module]) : await goList(['-f', '{{.Version}}', `${module}@${text}`]);
      compared++;
      const say = (why: string): void => void failures.push(`${module}@${text}: ${why}\n  gomirror: ${JSON.stringify(mine)}\n  go:       ${JSON.stringify(theirs)}`);
      if (text === 'all' && 'refused' in mine) {
        // An empty `all` is a problem worth reporting for a mirror; go just lists nothing.
        if (!('versions' in theirs && theirs.versions.length === 0)) say('gomirror refuses all, go lists versions');
        return;
      }
      if ('refused' in mine || 'refused' in theirs) {
        // Comparisons: gomirror's set may hold only retracted versions, which go does not pick.
        const mineEmpty = 'refused' in mine || (/^[<>]/.test(text) && mine.versions.every((v) => retracted.has(v)));
        if (!(mineEmpty && 'refused' in theirs)) say('one refuses, the other does not');
        return;
      }
      if (text === 'all') {
        if ([...mine.versions].sort().join() !== [...theirs.versions].sort().join()) say('different sets');
        return;
      }
      if (/^[<>]/.test(text)) {
        const want = pick(mine.versions.filter((v) => !retracted.has(v)), text.startsWith('>'));
        if (want !== theirs.versions[0]) say(`go's answer is not the ${text.startsWith('>') ? 'lowest' : 'highest'} of gomirror's set`);
        return;
      }
      if (mine.versions.join() !== theirs.versions.join()) say('different versions');
    };
    const jobs: Promise<void>[] = [];
    for (const m of modules) {
      const listed = m.versions.filter((v) => v.listed !== false && !/-\d{14}-/.test(v.version)).map((v) => v.version);
      const exact = [...new Set([...listed.slice(0, 1), ...listed.slice(-1), ...(EXTRA_EXACT[m.path] ?? [])])];
      for (const text of [...FORMS, 'all', ...exact]) jobs.push(limit(() => check(m.path, text)));
    }
    await Promise.all(jobs);
    assert.deepEqual(failures, [], `${failures.length} of ${compared} answers differ:\n${failures.join('\n')}`);
    // Every module and form was really asked, both ways.
    assert.ok(compared >= modules.length * (FORMS.length + 2), String(compared));
  });

  it('covers the +incompatible and retraction cases (issue 11 items 1 and 2)', async () => {
    const cases: [string, string, Answer][] = [
      [BASIC.legacy, 'latest', { versions: ['v2.1.0+incompatible'] }],
      [QUERY_MODULES.legacy2, 'latest', { versions: ['v2.1.0+incompatible'] }],
      [QUERY_MODULES.modded, 'latest', { versions: ['v1.0.0'] }],
      [QUERY_MODULES.retracted, 'latest', { versions: ['v1.0.0'] }],
      [QUERY_MODULES.retracted, 'v1.1', { refused: '' }],
      [QUERY_MODULES.allRetracted, 'v1', { refused: '' }],
    ];
    for (const [module, text, want] of cases) {
      const got = await gomirror(module, text);
      if ('refused' in want) assert.ok('refused' in got, `${module}@${text}: ${JSON.stringify(got)}`);
      else assert.deepEqual(got, want, `${module}@${text}`);
    }
  });
});
