/**
 * The upstream the catalog tests mirror: licenses of well-known kinds, a
 * README and go.mod comments with HTML in them, a retraction, a deprecated
 * module, a .mod-only version, requirements on a mirrored and on a missing
 * module, and a few modules more for the search box.
 */
import type { UpstreamSpec, VersionSpec } from './fixture-upstream.js';

export const CAT = {
  lib: 'example.com/lib',
  dep: 'example.com/dep',
  old: 'example.com/Old',
  modOnly: 'example.com/modonly',
  /** Required by lib, never in the upstream. */
  missing: 'example.com/not-mirrored',
} as const;

/** Modules only there to be searched for. */
export const SEARCH_FILLER = ['golang.org/x/text', 'golang.org/x/net', 'github.com/spf13/cobra', 'github.com/spf13/pflag', 'gopkg.in/yaml.v1'];

export const MIT_TEXT =
  'MIT License\n\nCopyright (c) 2024 Fixture\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n' +
  'of this software and associated documentation files (the "Software"), to deal in the Software without restriction.\n\n' +
  'The above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software.\n';
export const APACHE_TEXT = '\n                                 Apache License\n                           Version 2.0, January 2004\n';
export const BSD3_TEXT =
  'Redistribution and use in source and binary forms, with or without modification, are permitted provided that ' +
  'the following conditions are met:\n* Neither the name of the copyright holder nor the names of its contributors may be used to endorse.\n';

/** README of lib's latest version: a script that must never run, and links of both kinds. */
export const HOSTILE_README =
  '# lib\n\n<script>window.__pwned = (window.__pwned || 0) + 1</script>\n\nUse **lib** for everything.\n\n' +
  '<img src="x" onerror="window.__pwned = 2">\n\n[Go](https://go.dev) and [not this](javascript:window.__pwned=3)\n';
export const RETRACT_REASON = '<b>oops</b> published by mistake <script>window.__pwned = 4</script>';
export const DEPRECATION = 'use example.com/lib <img src=x onerror="window.__pwned=5">';

const go = (pkg: string): Record<string, string> => ({ [`${pkg}.go`]: `package ${pkg}\n` });

function v(version: string, time: string, files: Record<string, string>, gomod?: string, extra: Partial<VersionSpec> = {}): VersionSpec {
  return { version, time, files, ...(gomod !== undefined ? { gomod } : {}), ...extra };
}

export function catalogSpec(): UpstreamSpec {
  const libMod = (retract: boolean): string =>
    `module ${CAT.lib}\n\ngo 1.17\n\nrequire (\n\t${CAT.dep} v1.0.0\n\t${CAT.missing} v0.1.0 // indirect\n)\n` +
    (retract ? `\n// ${RETRACT_REASON}\nretract v1.1.0\n` : '');
  return {
    modules: [
      {
        path: CAT.lib,
        versions: [
          v('v1.0.0', '2024-01-10T00:00:00Z', { ...go('lib'), LICENSE: MIT_TEXT }, libMod(false)),
          v('v1.1.0', '2024-02-10T00:00:00Z', { ...go('lib'), LICENSE: MIT_TEXT }, libMod(false)),
          v('v1.2.0', '2024-03-10T00:00:00Z', { ...go('lib'), LICENSE: MIT_TEXT, 'README.md': HOSTILE_README }, libMod(true)),
        ],
      },
      {
        path: CAT.dep,
        versions: [v('v1.0.0', '2024-01-01T00:00:00Z', { ...go('dep'), LICENSE: APACHE_TEXT, 'third_party/x/LICENSE': BSD3_TEXT })],
      },
      {
        path: CAT.old,
        versions: [v('v0.3.0', '2023-06-01T00:00:00Z', go('old'), `// Deprecated: ${DEPRECATION}\nmodule ${CAT.old}\n\ngo 1.17\n`)],
      },
      {
        path: CAT.modOnly,
        versions: [
          v('v1.0.0', '2024-01-05T00:00:00Z', go('modonly')),
          v('v1.1.0', '2024-01-06T00:00:00Z', go('modonly'), undefined, { modOnly: true, listed: false }),
        ],
      },
      ...SEARCH_FILLER.map((p, i) => ({
        path: p,
        versions: [v(p.startsWith('gopkg.in/') ? 'v1.0.0' : `v0.${i + 1}.0`, '2024-04-01T00:00:00Z', go(p.split('/').at(-1)?.replace(/\W/g, '') ?? 'x'))],
      })),
    ],
  };
}
