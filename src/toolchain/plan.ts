/**
 * Which golang.org/toolchain module versions a sync mirrors: the manifest's
 * toolchain queries, the toolchains projects switch to, and the toolchains a
 * go command switches to for dependencies that need a newer Go. Pure: the
 * upstream list is passed in.
 */
import { toolchainModuleVersion, goVersionsOnEveryPlatform } from './dl-version.js';
import { newerToolchain, resolveToolchainQuery, type ToolchainQuery } from './query.js';

/** Something that asks for a toolchain, with where it was asked. */
export type ToolchainRequest =
  /** A manifest `toolchains.versions` entry. */
  | { kind: 'query'; query: ToolchainQuery; text: string; where: string }
  /** A main module's or workspace's go/toolchain line (selectProjectToolchain): that exact version. */
  | { kind: 'project'; go: string; where: string }
  /** A dependency whose go line is `need`: the toolchain a switch picks (newerToolchain). */
  | { kind: 'dependency'; need: string; where: string };

/** One module version to mirror. */
export interface ToolchainPick {
  /** `v0.0.1-go1.23.4.linux-amd64`. */
  version: string;
  /** The Go version, e.g. `1.23.4`. */
  go: string;
  platform: string;
  /** The request that asked, and what it resolved to. */
  where: string;
}

export interface ToolchainPlan {
  picks: ToolchainPick[];
  /** Requests that matched nothing: `where: message`. */
  unmatched: { where: string; message: string }[];
}

/** Whether planning needs the upstream's golang.org/toolchain list. */
export function needsToolchainList(requests: readonly ToolchainRequest[]): boolean {
  return requests.some((r) => r.kind === 'dependency' || (r.kind === 'query' && r.query.kind !== 'exact'));
}

/**
 * Resolves every request to Go versions and expands each to one module
 * version per platform. Queries choose only among Go versions the upstream
 * lists for every platform, so what they pick can be offered by the tree's
 * list; exact versions and project lines are taken as named (a missing one
 * fails at download, as it would for the go command). Picks are in request
 * order, each module version once, naming every request that asked for it.
 */
export function planToolchains(
  requests: readonly ToolchainRequest[],
  platforms: readonly string[],
  upstreamList: readonly string[] | undefined,
): ToolchainPlan {
  const available = upstreamList ? goVersionsOnEveryPlatform(upstreamList, platforms) : [];
  const picks: ToolchainPick[] = [];
  const unmatched: ToolchainPlan['unmatched'] = [];
  const seen = new Map<string, ToolchainPick>();
  const add = (go: string, where: string): void => {
    for (const platform of platforms) {
      const version = toolchainModuleVersion(go, platform);
      const have = seen.get(version);
      if (have) {
        // Every asker is named: the report says which project line wanted it, also when a query did too.
        if (!have.where.split('; ').includes(where)) have.where += `; ${where}`;
        continue;
      }
      const pick = { version, go, platform, where };
      seen.set(version, pick);
      picks.push(pick);
    }
  };
  const onEvery = `on every platform (${platforms.join(', ')})`;
  for (const r of requests) {
    if (r.kind === 'project') {
      add(r.go, `${r.where} (go${r.go})`);
    } else if (r.kind === 'query') {
      if (r.query.kind === 'exact') {
        add(r.query.go, r.where);
        continue;
      }
      const go = resolveToolchainQuery(r.query, available);
      if (go === undefined) {
        const what = r.query.kind === 'latest' ? 'no Go release' : `no go${r.query.lang}.x release`;
        unmatched.push({ where: r.where, message: `${what} in the upstream's golang.org/toolchain list ${onEvery}` });
      } else add(go, `${r.where} (${r.text} = go${go})`);
    } else {
      const go = newerToolchain(r.need, available);
      if (go === undefined) unmatched.push({ where: r.where, message: `no toolchain for go >= ${r.need} in the upstream's list ${onEvery}` });
      else add(go, `${r.where} (go ${r.need}: a switch picks go${go})`);
    }
  }
  return { picks, unmatched };
}
