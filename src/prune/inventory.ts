import { stat } from 'node:fs/promises';
import { checkModuleVersion, unescapePath, unescapeVersion } from '../module/index.js';
import { parseInfo } from '../mirror/index.js';
import type { TreeStore } from '../tree/index.js';
import { scanTree } from '../verify/index.js';
import type { ModuleOnDisk, VersionOnDisk } from './plan.js';

/**
 * Every module version on disk, with its files, newest mtime and size. Names
 * that are not valid escaped module paths or versions are left out: prune
 * never deletes what it does not understand (verify reports them).
 */
export async function readModulesOnDisk(store: TreeStore): Promise<ModuleOnDisk[]> {
  const scan = await scanTree(store.layout.root);
  const out: ModuleOnDisk[] = [];
  for (const dir of scan.modules) {
    let module: string;
    try {
      module = unescapePath(dir.escaped);
    } catch {
      continue;
    }
    const byVersion = new Map<string, VersionOnDisk>();
    for (const name of dir.names) {
      const m = /^(.+)\.(info|mod|zip)$/.exec(name);
      if (!m) continue;
      let version: string;
      try {
        version = unescapeVersion(m[1] ?? '');
        checkModuleVersion(module, version);
      } catch {
        continue;
      }
      const st = await stat(store.layout.versionFile(module, version, m[2] as 'info')).catch(() => undefined);
      if (!st) continue;
      const v = byVersion.get(version) ?? { version, files: [], mtimeMs: 0, bytes: 0 };
      v.files.push(m[2] as 'info' | 'mod' | 'zip');
      v.mtimeMs = Math.max(v.mtimeMs, st.mtimeMs);
      v.bytes += st.size;
      byVersion.set(version, v);
    }
    const entry: ModuleOnDisk = { module, versions: [...byVersion.values()] };
    if (dir.hasLatest) {
      const data = await store.read(store.layout.latestFile(module));
      try {
        entry.latest = data === undefined ? null : parseInfo(data, '@latest').Version;
      } catch {
        entry.latest = null;
      }
    }
    out.push(entry);
  }
  return out;
}
