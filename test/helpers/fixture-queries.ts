/**
 * A fixture upstream for version queries: basicSpec() plus the modules whose
 * answers depend on go.mod contents, where a mirror is most likely to
 * disagree with the go command: +incompatible versions next to a compatible
 * version with or without a go.mod, and retractions.
 */
import { basicSpec, nameSource, type ModuleSpec, type UpstreamSpec, type VersionSpec } from './fixture-upstream.js';

/** Module paths added by querySpec(). */
export const QUERY_MODULES = {
  /** v1.0.0 and v1.1.0-rc.1 with go.mod, then v2.0.0+incompatible and v3.0.0+incompatible: latest stays v1.0.0. */
  modded: 'example.com/modded',
  /** v1.0.0 without go.mod, v2.1.0+incompatible: latest is v2.1.0+incompatible (Go issue 34165). */
  legacy2: 'example.com/legacy2',
  /** v1.0.0, v1.1.0, v1.2.0 whose go.mod retracts [v1.1.0, v1.2.0], v1.3.0-rc.1. */
  retracted: 'example.com/retracted',
  /** v1.0.0 and v1.1.0, whose go.mod retracts both. */
  allRetracted: 'example.com/allretracted',
} as const;

/** The versions each module's own go.mod retracts, as querySpec() writes them. */
export const QUERY_RETRACTED: Readonly<Record<string, readonly string[]>> = {
  [QUERY_MODULES.retracted]: ['v1.1.0', 'v1.2.0'],
  [QUERY_MODULES.allRetracted]: ['v1.0.0', 'v1.1.0'],
};

function version(modPath: string, v: string, gomod: string | null | undefined, day: number): VersionSpec {
  const pkg = modPath.split('/').at(-1) as string;
  return {
    version: v,
    time: `2024-02-${String(day).padStart(2, '0')}T00:00:00Z`,
    files: { [`${pkg}.go`]: nameSource(pkg, `${modPath}@${v}`) },
    ...(gomod === undefined ? {} : { gomod }),
  };
}

function queryModules(): ModuleSpec[] {
  const { modded, legacy2, retracted, allRetracted } = QUERY_MODULES;
  const real = (p: string, extra = ''): string => `module ${p}\n\ngo 1.17\n${extra}`;
  return [
    {
      path: modded,
      versions: [
        version(modded, 'v1.0.0', real(modded), 1),
        version(modded, 'v1.1.0-rc.1', real(modded), 2),
        version(modded, 'v2.0.0+incompatible', null, 3),
        version(modded, 'v3.0.0+incompatible', null, 4),
      ],
    },
    {
      path: legacy2,
      versions: [version(legacy2, 'v1.0.0', null, 1), version(legacy2, 'v2.1.0+incompatible', null, 2)],
    },
    {
      path: retracted,
      versions: [
        version(retracted, 'v1.0.0', real(retracted), 1),
        version(retracted, 'v1.1.0', real(retracted), 2),
        version(retracted, 'v1.2.0', real(retracted, '\n// Broken.\nretract [v1.1.0, v1.2.0]\n'), 3),
        version(retracted, 'v1.3.0-rc.1', real(retracted), 4),
      ],
    },
    {
      path: allRetracted,
      versions: [
        version(allRetracted, 'v1.0.0', real(allRetracted), 1),
        version(allRetracted, 'v1.1.0', real(allRetracted, '\nretract [v1.0.0, v1.1.0]\n'), 2),
      ],
    },
  ];
}

/** basicSpec() plus QUERY_MODULES. */
export function querySpec(): UpstreamSpec {
  return { modules: [...basicSpec().modules, ...queryModules()] };
}
