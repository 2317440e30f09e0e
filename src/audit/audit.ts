/**
 * `gomirror audit`: every version the tree holds that a known vulnerability
 * affects, judged by the tree's own copy of the Go vulnerability database
 * (sync --vulndb) the way Go's tools read OSV ranges. Reads only.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { compareSemver, isValidPathPattern, matchPrefixPatterns } from '../module/index.js';
import { createTreeStore } from '../tree/index.js';
import { openVulnDbCopy, type VersionVuln } from '../vulndb/index.js';

export interface AuditOptions {
  root: string;
  /** GOPRIVATE-style glob list (`--module`): only modules it matches (the path or a prefix of it). */
  module?: string;
}

/** One vulnerability of a finding (the `--json` shape). */
export interface AuditVuln {
  id: string;
  /** Other names of it: CVE, GHSA. */
  aliases: string[];
  summary: string;
  /** The version that fixes it for this version's line, or null when there is no fix. */
  fixed: string | null;
  /** Whether the tree holds that fixed version, or a later one this vulnerability does not affect. */
  fixedInMirror: boolean;
}

/** One affected version (the `--json` shape). */
export interface AuditFinding {
  module: string;
  version: string;
  vulns: AuditVuln[];
}

export interface AuditResult {
  root: string;
  /** `modified` of the database copy that was used. */
  modified: string;
  /** Modules of the tree that the database names (after --module), and their versions checked. */
  modules: number;
  versions: number;
  findings: AuditFinding[];
}

export async function auditTree(opts: AuditOptions): Promise<AuditResult> {
  const root = path.resolve(opts.root);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new GomirrorError('E_USAGE', `--root ${root}: not a directory`, { hint: 'Name the tree that gomirror sync --out wrote' });
  const pattern = opts.module;
  if (pattern !== undefined) {
    const bad = pattern.split(',').find((p) => p !== '' && !isValidPathPattern(p.replace(/\/$/, '')));
    if (pattern.trim() === '' || bad !== undefined) {
      throw new GomirrorError('E_USAGE', `--module: "${bad ?? pattern}" is not a module path pattern`, {
        hint: 'Give a module path or a glob as in GOPRIVATE, e.g. example.com/m or "*.corp.example.com"',
      });
    }
  }
  const copy = await openVulnDbCopy(root);
  if (!copy) {
    throw new GomirrorError('E_USAGE', `--root ${root}: the tree holds no vulnerability database (no vulndb/index/db.json)`, {
      hint: 'Mirror one first: gomirror sync --vulndb https://vuln.go.dev (or a file:// copy), or import a bundle that carries vulndb/',
    });
  }
  const store = createTreeStore(root);
  const findings: AuditFinding[] = [];
  let modules = 0;
  let versions = 0;
  for (const module of [...copy.modules].sort()) {
    if (pattern !== undefined && !matchPrefixPatterns(pattern, module)) continue;
    let held: string[];
    try {
      held = await store.completeVersions(module);
    } catch {
      continue; // not a module path this tree can hold (`stdlib`, `toolchain`)
    }
    if (held.length === 0) continue;
    modules++;
    versions += held.length;
    held.sort(compareSemver);
    const byVersion = new Map<string, VersionVuln[]>();
    for (const v of held) byVersion.set(v, await copy.vulnsFor(module, v));
    const fixedInMirror = (id: string, fixed: string | undefined): boolean =>
      fixed !== undefined && held.some((w) => compareSemver(w, fixed) >= 0 && !(byVersion.get(w) ?? []).some((x) => x.id === id));
    for (const v of held) {
      const found = byVersion.get(v) ?? [];
      if (found.length === 0) continue;
      findings.push({
        module,
        version: v,
        vulns: found.map((x) => ({
          id: x.id,
          aliases: x.aliases,
          summary: x.summary,
          fixed: x.fixed ?? null,
          fixedInMirror: fixedInMirror(x.id, x.fixed),
        })),
      });
    }
  }
  return { root, modified: copy.modified, modules, versions, findings };
}

/** The text report: one line per affected version and vulnerability, then a summary. */
export function formatAudit(r: AuditResult): string[] {
  const lines: string[] = [];
  for (const f of r.findings) {
    for (const v of f.vulns) {
      const aliases = v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : '';
      const fix = v.fixed === null ? 'no fix yet' : `fixed in ${v.fixed}${v.fixedInMirror ? ', which the mirror holds' : ', not in the mirror'}`;
      lines.push(`${f.module}@${f.version}: ${v.id}${aliases}${v.summary ? `: ${v.summary}` : ''}; ${fix}`);
    }
  }
  const ids = new Set(r.findings.flatMap((f) => f.vulns.map((v) => v.id)));
  lines.push(
    `${r.findings.length} affected versions (${ids.size} vulnerabilities) among ${r.versions} versions of ${r.modules} modules ` +
      `the database names; vulnerability database modified ${r.modified}`,
  );
  return lines;
}
