/**
 * The I/O around the pure parts: the source database read through the
 * shared upstream transport (http, https or file://), and the tree's copy
 * under `<root>/vulndb/`.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { writeFileAtomic } from '../tree/index.js';
import { redactUrl } from '../upstream/index.js';
import type { Transport } from '../upstream/index.js';
import { VULNDB_DIR } from './layout.js';
import type { VulnDbSource, VulnDbStore } from './mirror.js';

/**
 * Checks a `vulndb` setting: `off`, or the http(s):// or file:// URL of a
 * database in the v1 schema. Returns the URL without a trailing slash, or
 * undefined for `off`. Throws E_USAGE naming `where`.
 */
export function parseVulnDbSetting(value: string, where: string): string | undefined {
  const v = value.trim();
  if (v === 'off') return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new GomirrorError('E_USAGE', `${where}: "${redactUrl(v)}" is not a URL`, {
      hint: 'Give off, https://vuln.go.dev, another mirror\'s https://HOST/vulndb, or file:///path/to/vulndb',
    });
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
    throw new GomirrorError('E_USAGE', `${where}: "${redactUrl(v)}" must be an http://, https:// or file:// URL`);
  }
  if (url.search !== '' || url.hash !== '') throw new GomirrorError('E_USAGE', `${where}: "${redactUrl(v)}" must not have a query or fragment`);
  return v.replace(/\/+$/, '');
}

export function createVulnDbSource(url: string, transport: Transport): VulnDbSource {
  const base = url.replace(/\/+$/, '');
  return { name: redactUrl(base), get: (rel, maxBytes) => transport.getBuffer(`${base}/${rel}`, maxBytes) };
}

/** The tree's copy at `<root>/vulndb/`. */
export function createVulnDbStore(root: string): VulnDbStore {
  const dir = path.join(path.resolve(root), VULNDB_DIR);
  const file = (rel: string): string => path.join(dir, ...rel.split('/'));
  return {
    async read(rel) {
      try {
        return await readFile(file(rel));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async exists(rel) {
      try {
        await access(file(rel));
        return true;
      } catch {
        return false;
      }
    },
    // writeFileAtomic creates missing directories.
    write: (rel, data) => writeFileAtomic(file(rel), data),
  };
}
