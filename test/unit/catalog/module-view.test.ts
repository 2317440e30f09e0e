import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { buildModuleView, modulePagePath, type ModuleData } from '../../../src/catalog/index.js';
import { parseGoMod } from '../../../src/modfile/index.js';

const MOD = `// Deprecated: use example.com/new <b>instead</b>.
module example.com/Old

go 1.17

require (
\texample.com/dep v1.2.0
\texample.com/absent v0.1.0 // indirect
)

// Published by mistake <script>x</script>
retract v1.1.0

retract [v0.9.0, v0.9.5] // broken build
`;

const data: ModuleData = {
  path: 'example.com/Old',
  versions: [
    { version: 'v1.0.0', time: '2024-01-02T03:04:05Z', zipBytes: 2048, bytes: 2200, writtenMs: 1 },
    { version: 'v1.1.0', time: '2024-02-01T00:00:00Z', zipBytes: 1000, bytes: 1100, writtenMs: 2 },
    { version: 'v1.2.0', time: '2024-03-01T00:00:00Z', zipBytes: 5 * 1024 * 1024, bytes: 5 * 1024 * 1024 + 100, writtenMs: 3 },
    { version: 'v0.9.1', time: '2023-01-01T00:00:00Z', bytes: 90, writtenMs: 4 },
    { version: 'v1.3.0-rc.1', bytes: 90, zipBytes: 10, writtenMs: 5 },
  ],
  latest: 'v1.2.0',
  latestMod: MOD,
  zip: { version: 'v1.2.0', licenses: [{ name: 'LICENSE', text: 'Apache License\nVersion 2.0, January 2004' }, { name: 'x/COPYING', text: '?' }], readme: { name: 'README.md', text: '# Old\n\n<script>bad()</script>' } },
};

describe('buildModuleView', () => {
  const view = buildModuleView(data, (p) => p === 'example.com/dep');

  test('versions newest first, with date, zip size, .mod-only, pre-release and retractions from the latest go.mod', () => {
    assert.deepEqual(
      view.versions.map((v) => [v.version, v.date, v.size, v.modOnly, v.prerelease, v.retracted, v.rationale]),
      [
        ['v1.3.0-rc.1', '', '10 B', false, true, false, ''],
        ['v1.2.0', '2024-03-01', '5.0 MiB', false, false, false, ''],
        ['v1.1.0', '2024-02-01', '1000 B', false, false, true, 'Published by mistake <script>x</script>'],
        ['v1.0.0', '2024-01-02', '2.0 KiB', false, false, false, ''],
        ['v0.9.1', '2023-01-01', '', true, false, true, 'broken build'],
      ],
    );
  });

  test('deprecation, go get line, requirements linked only when mirrored, licenses, sanitized README', () => {
    assert.equal(view.deprecated, 'use example.com/new <b>instead</b>.');
    assert.equal(view.goGet, 'go get example.com/Old@v1.2.0');
    assert.equal(view.base, '../../../../');
    assert.deepEqual(view.requires, [
      { path: 'example.com/dep', version: 'v1.2.0', indirect: false, href: '../../../../_catalog/m/example.com/dep/@index.html' },
      { path: 'example.com/absent', version: 'v0.1.0', indirect: true },
    ]);
    assert.deepEqual(view.licenses, [{ name: 'LICENSE', kinds: 'Apache-2.0' }, { name: 'x/COPYING', kinds: 'not recognised' }]);
    assert.equal(view.readme?.html.includes('<script>'), false);
    assert.match(view.readme?.html ?? '', /<h1>Old<\/h1>/);
  });

  test('page paths are case-escaped and cannot meet a module directory', () => {
    assert.equal(modulePagePath('example.com/Old'), '_catalog/m/example.com/!old/@index.html');
    assert.equal(modulePagePath('example.com/x/index.html'), '_catalog/m/example.com/x/index.html/@index.html');
  });

  test('a go.mod that does not parse is named, not fatal', () => {
    const v = buildModuleView({ ...data, latestMod: 'module example.com/Old\nrequire (\n' }, () => false);
    assert.match(v.modError ?? '', /go.mod/);
    assert.equal(v.versions.length, 5);
  });
});

describe('parseGoMod: deprecation (Go: modfile parseDeprecation)', () => {
  const cases: [text: string, want: string | undefined][] = [
    ['// Deprecated: use v2.\nmodule m.example/a\n', 'use v2.'],
    ['module m.example/a // Deprecated: suffix form\n', 'suffix form'],
    ['// Some words.\n//\n// Deprecated: in a later paragraph\n// over two lines.\n//\n// Trailing.\nmodule m.example/a\n', 'in a later paragraph\nover two lines.'],
    ['// Not Deprecated: mid-sentence\nmodule m.example/a\n', undefined],
    ['module m.example/a\n', undefined],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.equal(parseGoMod(text, 'go.mod').deprecated, want));
  }
});
