import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { affectsVersion, canonicalOsvVersion, vulnsAffecting, type OsvAffected, type OsvEntry, type OsvEvent } from '../../../src/vulndb/index.js';

const semver = (...ranges: OsvEvent[][]): OsvAffected => ({
  package: { name: 'example.com/m', ecosystem: 'Go' },
  ranges: ranges.map((events) => ({ type: 'SEMVER', events })),
});

// Each row: events of one module, a Go version, whether affected, the fix that ends its interval.
// The answers follow golang.org/x/vuln's containsSemver: "0" is the beginning,
// events are sorted by version first, a fix ends the interval it is in.
const TWO_INTERVALS = semver([{ introduced: '0' }, { fixed: '1.2.0' }, { introduced: '1.3.0' }, { fixed: '1.3.4' }]);
const SHUFFLED = semver([{ fixed: '1.3.4' }, { introduced: '1.3.0' }, { fixed: '1.2.0' }, { introduced: '0' }]);
const NO_FIX = semver([{ introduced: '1.0.0' }]);
const cases: [name: string, a: OsvAffected, v: string, affected: boolean, fixed?: string | undefined][] = [
  ['from the beginning', TWO_INTERVALS, 'v0.1.0', true, 'v1.2.0'],
  ['pre-release below the fix', TWO_INTERVALS, 'v1.2.0-rc.1', true, 'v1.2.0'],
  ['pseudo-version below the fix', TWO_INTERVALS, 'v1.1.1-0.20240301000000-abcdefabcdef', true, 'v1.2.0'],
  ['the fixed version', TWO_INTERVALS, 'v1.2.0', false],
  ['between the intervals', TWO_INTERVALS, 'v1.2.9', false],
  ['reintroduced', TWO_INTERVALS, 'v1.3.0', true, 'v1.3.4'],
  ['second fix', TWO_INTERVALS, 'v1.3.4', false],
  ['after every fix', TWO_INTERVALS, 'v2.0.0', false],
  ['unsorted events are sorted first', SHUFFLED, 'v1.3.2', true, 'v1.3.4'],
  ['unsorted events, between', SHUFFLED, 'v1.2.5', false],
  ['no fix: below introduced', NO_FIX, 'v0.9.0', false],
  ['no fix: introduced', NO_FIX, 'v1.0.0', true, undefined],
  ['no fix: far later', NO_FIX, 'v9.9.9', true, undefined],
  ['two ranges: the second one', semver([{ introduced: '0' }, { fixed: '0.5.0' }], [{ introduced: '2.0.0' }, { fixed: '2.0.1' }]), 'v2.0.0', true, 'v2.0.1'],
  ['two ranges: neither', semver([{ introduced: '0' }, { fixed: '0.5.0' }], [{ introduced: '2.0.0' }, { fixed: '2.0.1' }]), 'v1.0.0', false],
  ['no ranges: every version', { package: { name: 'example.com/m' }, ranges: [] }, 'v1.0.0', true, undefined],
  ['no SEMVER range: every version', { package: { name: 'example.com/m' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }, { fixed: 'abc' }] }] }, 'v3.0.0', true, undefined],
  [
    'only SEMVER ranges count beside others',
    { package: { name: 'example.com/m' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }, { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] },
    'v1.5.0',
    false,
  ],
  ['a SEMVER range without events: every version', { package: { name: 'example.com/m' }, ranges: [{ type: 'SEMVER', events: [] }] }, 'v1.0.0', true, undefined],
  ['v and go prefixes are tolerated', semver([{ introduced: 'v1.0.0' }, { fixed: 'go1.1.0' }]), 'v1.0.5', true, 'v1.1.0'],
  ['+incompatible: build metadata does not count', semver([{ introduced: '0' }, { fixed: '2.1.0+incompatible' }]), 'v2.1.0+incompatible', false],
  ['+incompatible: below the fix', semver([{ introduced: '0' }, { fixed: '2.1.0+incompatible' }]), 'v2.0.0+incompatible', true, 'v2.1.0+incompatible'],
];

describe('affectsVersion reads OSV SEMVER ranges as Go does', () => {
  for (const [name, a, v, affected, fixed] of cases) {
    test(`${name}: ${v}`, () => {
      const r = affectsVersion(a, v);
      assert.equal(r.affected, affected);
      assert.equal(r.fixed, affected ? fixed : undefined);
    });
  }

  test('canonicalOsvVersion adds the v, and drops a go prefix', () => {
    assert.deepEqual(['1.2.3', 'v1.2.3', 'go1.2.3', '0.0.0-20200124225646-8b5121be2f68'].map(canonicalOsvVersion), [
      'v1.2.3',
      'v1.2.3',
      'v1.2.3',
      'v0.0.0-20200124225646-8b5121be2f68',
    ]);
  });
});

describe('vulnsAffecting', () => {
  const entry = (id: string, extra: Partial<OsvEntry> = {}): OsvEntry => ({
    id,
    modified: '2024-01-01T00:00:00Z',
    aliases: [`CVE-2024-${id.slice(-4)}`],
    summary: `summary of ${id}`,
    affected: [semver([{ introduced: '0' }, { fixed: '1.1.0' }])],
    ...extra,
  });

  test('names the entries that affect the version, with aliases, summary and fix; skips withdrawn ones and other modules', () => {
    const entries = [
      entry('GO-2024-0001'),
      entry('GO-2024-0002', { withdrawn: '2024-02-01T00:00:00Z' }),
      entry('GO-2024-0003', { affected: [{ ...semver([{ introduced: '0' }]), package: { name: 'example.com/other' } }] }),
      entry('GO-2024-0004', { affected: [semver([{ introduced: '2.0.0' }]), semver([{ introduced: '0' }])] }),
    ];
    assert.deepEqual(vulnsAffecting(entries, 'example.com/m', 'v1.0.0'), [
      { id: 'GO-2024-0001', aliases: ['CVE-2024-0001'], summary: 'summary of GO-2024-0001', fixed: 'v1.1.0' },
      // Named in two affected elements: once, by the element that affects the version.
      { id: 'GO-2024-0004', aliases: ['CVE-2024-0004'], summary: 'summary of GO-2024-0004', fixed: undefined },
    ]);
    assert.deepEqual(vulnsAffecting(entries, 'example.com/m', 'v1.1.0').map((v) => v.id), ['GO-2024-0004']);
  });

  test('an entry withdrawn in the future still counts', () => {
    const e = entry('GO-2024-0005', { withdrawn: '2999-01-01T00:00:00Z' });
    assert.equal(vulnsAffecting([e], 'example.com/m', 'v1.0.0').length, 1);
  });
});
