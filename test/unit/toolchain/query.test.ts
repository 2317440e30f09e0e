/**
 * Toolchain queries, golang.org/toolchain versions and platforms, what a
 * project's go/toolchain lines switch to, and the plan a sync makes of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isGomirrorError } from '../../../src/errors.js';
import { goPlatformOf, goVersionsOnEveryPlatform, listableToolchainVersions, parseToolchainModuleVersion, parseToolchainQuery, planToolchains, resolveToolchainQuery, selectProjectToolchain, toolchainModuleVersion, toolchainPlatforms, type ToolchainRequest } from '../../../src/toolchain/index.js';

const dl = (go: string, p: string): string => `v0.0.1-go${go}.${p}`;
/** A golang.org/toolchain list as proxy.golang.org serves it: every release on every platform. */
const listFor = (gos: string[], platforms: string[]): string[] => gos.flatMap((g) => platforms.map((p) => dl(g, p)));

describe('golang.org/toolchain module versions (Go: dlToGo, goToDL)', () => {
  it('split into Go version and platform', () => {
    assert.deepEqual(parseToolchainModuleVersion('v0.0.1-go1.19.7.windows-amd64'), { go: '1.19.7', platform: 'windows-amd64' });
    assert.deepEqual(parseToolchainModuleVersion('v0.0.1-go1.24rc1.darwin-arm64'), { go: '1.24rc1', platform: 'darwin-arm64' });
    assert.deepEqual(parseToolchainModuleVersion('v0.0.1-go1.21.1-bigcorp.linux-amd64'), { go: '1.21.1-bigcorp', platform: 'linux-amd64' });
    // No platform suffix (the last dot-field must hold a dash): not a toolchain.
    assert.equal(parseToolchainModuleVersion('v0.0.1-go1.22.0'), undefined);
    assert.equal(parseToolchainModuleVersion('v1.0.0'), undefined);
  });
  it('are built from Go version and platform', () => {
    assert.equal(toolchainModuleVersion('1.23.4', 'linux-amd64'), 'v0.0.1-go1.23.4.linux-amd64');
    assert.equal(toolchainModuleVersion('go1.24rc1', 'windows-arm64'), 'v0.0.1-go1.24rc1.windows-arm64');
  });
  it('a Go version counts only when every configured platform has it', () => {
    const list = [...listFor(['1.22.0', '1.23.0'], ['linux-amd64', 'darwin-arm64']), dl('1.23.1', 'linux-amd64'), 'v0.0.1-junk'];
    assert.deepEqual(goVersionsOnEveryPlatform(list, ['linux-amd64', 'darwin-arm64']).sort(), ['1.22.0', '1.23.0']);
    assert.deepEqual(goVersionsOnEveryPlatform(list, ['linux-amd64']).sort(), ['1.22.0', '1.23.0', '1.23.1']);
    assert.deepEqual(listableToolchainVersions(list, ['linux-amd64', 'darwin-arm64']), [
      ...listFor(['1.22.0', '1.23.0'], ['linux-amd64', 'darwin-arm64']),
      'v0.0.1-junk',
    ]);
  });
});

describe('parseToolchainQuery', () => {
  it('reads exact versions, language versions and latest, with or without "go"', () => {
    assert.deepEqual(parseToolchainQuery('latest'), { kind: 'latest' });
    assert.deepEqual(parseToolchainQuery('go1.23.4'), { kind: 'exact', go: '1.23.4' });
    assert.deepEqual(parseToolchainQuery('1.23.4'), { kind: 'exact', go: '1.23.4' });
    assert.deepEqual(parseToolchainQuery('go1.22'), { kind: 'lang', lang: '1.22' });
    assert.deepEqual(parseToolchainQuery('go1.24rc1'), { kind: 'exact', go: '1.24rc1' });
    // Before Go 1.21, 1.N is the release 1.N.0 (gover.IsLang).
    assert.deepEqual(parseToolchainQuery('go1.20'), { kind: 'exact', go: '1.20' });
  });
  it('refuses what is no Go version, with E_QUERY', () => {
    for (const bad of ['go1.22.x', 'v1.22.0', 'go', 'go1.21RC1', '>=go1.22', 'go1.21.0-bigcorp']) {
      assert.throws(() => parseToolchainQuery(bad), (e: unknown) => isGomirrorError(e) && e.code === 'E_QUERY' && e.message.includes(bad), bad);
    }
  });
});

describe('resolveToolchainQuery (Go: go get go@<query>)', () => {
  const available = ['1.21.0', '1.21.13', '1.22rc1', '1.22rc2', '1.22.0', '1.22.9', '1.23rc1', '1.23.0', '1.23.4', '1.24rc1', '1.24rc2'];
  const cases: [string, string | undefined][] = [
    ['latest', '1.23.4'],
    ['go1.22', '1.22.9'],
    ['go1.21', '1.21.13'],
    ['go1.23.0', '1.23.0'],
    // Release candidates only when named.
    ['go1.24rc1', '1.24rc1'],
    ['go1.24', undefined],
    ['go1.22rc2', '1.22rc2'],
    ['go1.25', undefined],
    ['go1.23.9', undefined],
  ];
  for (const [q, want] of cases) it(q, () => assert.equal(resolveToolchainQuery(parseToolchainQuery(q), available), want));
  it('latest falls back to the newest pre-release when there is no release at all', () => {
    assert.equal(resolveToolchainQuery({ kind: 'latest' }, ['1.24rc1', '1.24rc2', '1.24beta1']), '1.24rc2');
  });
});

describe('selectProjectToolchain (Go: toolchain.Select, GOTOOLCHAIN=auto)', () => {
  const cases: [string | undefined, string | undefined, { go: string; line: 'go' | 'toolchain'; value: string } | undefined][] = [
    ['1.23.4', undefined, { go: '1.23.4', line: 'go', value: '1.23.4' }],
    // A language version needs its first release (golang.org/issue/62278).
    ['1.22', undefined, { go: '1.22.0', line: 'go', value: '1.22' }],
    ['1.21', undefined, { go: '1.21.0', line: 'go', value: '1.21' }],
    ['1.21rc2', undefined, { go: '1.21rc2', line: 'go', value: '1.21rc2' }],
    // No client that can switch is older than these.
    ['1.20', undefined, undefined],
    ['1.17', undefined, undefined],
    [undefined, undefined, undefined],
    // The toolchain line wins unless the go line is newer.
    ['1.22.0', 'go1.23.4', { go: '1.23.4', line: 'toolchain', value: 'go1.23.4' }],
    ['1.23', 'go1.23.0', { go: '1.23.0', line: 'toolchain', value: 'go1.23.0' }],
    ['1.23.5', 'go1.23.4', { go: '1.23.5', line: 'go', value: '1.23.5' }],
    ['1.23.4', 'go1.23.4', { go: '1.23.4', line: 'toolchain', value: 'go1.23.4' }],
    // default: only the local toolchain runs.
    ['1.23.4', 'default', undefined],
    // A custom toolchain is looked up in PATH; the go line still counts.
    ['1.22.1', 'go1.23.4-bigcorp', { go: '1.22.1', line: 'go', value: '1.22.1' }],
  ];
  for (const [go, tc, want] of cases) {
    it(`go ${go ?? '(none)'} toolchain ${tc ?? '(none)'}`, () => assert.deepEqual(selectProjectToolchain(go, tc), want));
  }
});

describe('toolchainPlatforms', () => {
  it('always holds linux-amd64; defaults to it and the host', () => {
    assert.deepEqual(toolchainPlatforms(undefined, 'darwin-arm64'), ['darwin-arm64', 'linux-amd64']);
    assert.deepEqual(toolchainPlatforms(undefined, 'linux-amd64'), ['linux-amd64']);
    assert.deepEqual(toolchainPlatforms(['windows-amd64'], 'darwin-arm64'), ['linux-amd64', 'windows-amd64']);
    assert.deepEqual(toolchainPlatforms([], 'darwin-arm64'), ['linux-amd64']);
  });
  it("names the host as Go does", () => {
    assert.equal(goPlatformOf('linux', 'x64'), 'linux-amd64');
    assert.equal(goPlatformOf('darwin', 'arm64'), 'darwin-arm64');
    assert.equal(goPlatformOf('win32', 'x64'), 'windows-amd64');
    assert.equal(goPlatformOf('linux', 'mips'), undefined);
  });
});

describe('planToolchains', () => {
  const platforms = ['darwin-arm64', 'linux-amd64'];
  const upstream = [...listFor(['1.22.8', '1.22.9', '1.23.4', '1.24rc1'], platforms), dl('1.23.5', 'linux-amd64')];
  it('queries pick among Go versions on every platform; project lines and exact versions are taken as named', () => {
    const requests: ToolchainRequest[] = [
      { kind: 'query', query: { kind: 'latest' }, text: 'latest', where: 'm.json: toolchains.versions[0]' },
      { kind: 'project', go: '1.23.4', where: 'go.mod:3: go 1.23.4' },
      { kind: 'query', query: { kind: 'exact', go: '1.24rc1' }, text: 'go1.24rc1', where: 'm.json: toolchains.versions[1]' },
      { kind: 'dependency', need: '1.22.1', where: 'example.com/m@v1.0.0 go.mod: go 1.22.1' },
    ];
    const plan = planToolchains(requests, platforms, upstream);
    assert.deepEqual(plan.unmatched, []);
    assert.deepEqual(
      plan.picks.map((p) => [p.version, p.where]),
      [
        [dl('1.23.4', 'darwin-arm64'), 'm.json: toolchains.versions[0] (latest = go1.23.4); go.mod:3: go 1.23.4 (go1.23.4)'],
        [dl('1.23.4', 'linux-amd64'), 'm.json: toolchains.versions[0] (latest = go1.23.4); go.mod:3: go 1.23.4 (go1.23.4)'],
        [dl('1.24rc1', 'darwin-arm64'), 'm.json: toolchains.versions[1]'],
        [dl('1.24rc1', 'linux-amd64'), 'm.json: toolchains.versions[1]'],
        // newerToolchain: the newest 1.22.x before the newest family.
        [dl('1.22.9', 'darwin-arm64'), 'example.com/m@v1.0.0 go.mod: go 1.22.1 (go 1.22.1: a switch picks go1.22.9)'],
        [dl('1.22.9', 'linux-amd64'), 'example.com/m@v1.0.0 go.mod: go 1.22.1 (go 1.22.1: a switch picks go1.22.9)'],
      ],
    );
  });
  it('says which request found nothing', () => {
    const plan = planToolchains(
      [
        { kind: 'query', query: { kind: 'lang', lang: '1.25' }, text: 'go1.25', where: 'w0' },
        { kind: 'dependency', need: '1.24.1', where: 'w1' },
        // As Go does, a switch takes a release candidate when it is the only toolchain new enough.
        { kind: 'dependency', need: '1.23.5', where: 'w2' },
      ],
      platforms,
      upstream,
    );
    assert.deepEqual(plan.picks.map((p) => p.version), [dl('1.24rc1', 'darwin-arm64'), dl('1.24rc1', 'linux-amd64')]);
    assert.deepEqual(plan.unmatched, [
      { where: 'w0', message: "no go1.25.x release in the upstream's golang.org/toolchain list on every platform (darwin-arm64, linux-amd64)" },
      { where: 'w1', message: "no toolchain for go >= 1.24.1 in the upstream's list on every platform (darwin-arm64, linux-amd64)" },
    ]);
  });
});
