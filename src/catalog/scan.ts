/**
 * Reading the tree for the catalog: which modules it holds, a cheap stamp
 * that changes whenever a module's files do, and everything a module page
 * shows (version files, the latest go.mod, README and license files from the
 * latest zip). Reads only.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { unescapePath, unescapeVersion } from '../module/index.js';
import { fitsInMemory, inflateEntry, localDataStart, ZipSource } from '../modzip/index.js';
import { STATE_DIR, TEMP_FILE_PATTERN, treeLayout } from '../tree/index.js';
import { isLicenseFile } from './license.js';
import { CATALOG_DIR, pickLatest, type ModuleData, type VersionData } from './module-view.js';

/** Top-level directories that hold no modules (a module path's first element contains a dot; these are kept apart anyway). */
const NOT_MODULES = new Set([STATE_DIR, CATALOG_DIR, 'sumdb']);

/** Every module path with an `@v` directory in the tree, sorted. */
export async function findModules(root: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(dir: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (rel === '' && NOT_MODULES.has(e.name)) continue;
      if (e.name === '@v') {
        try {
          out.push(unescapePath(rel));
        } catch {
          // Not an escaped module path: nothing the catalog can name.
        }
        continue;
      }
      await visit(path.join(dir, e.name), rel === '' ? e.name : `${rel}/${e.name}`);
    }
  }
  await visit(path.resolve(root), '');
  return out.sort();
}

/**
 * A stamp of a module's `@v` directory, or undefined when it is gone. Every
 * file that appears, is renamed in or removed changes the directory's
 * modification time; the catalog reads a module again only when it changed.
 * Synchronous: thousands of stats cost less than as many thread-pool trips.
 */
export function moduleStamp(root: string, modulePath: string): string | undefined {
  try {
    const st = statSync(treeLayout(root).versionDir(modulePath), { bigint: true });
    return st.isDirectory() ? `${st.mtimeNs}.${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes of a README or license text the page shows at most. */
const MAX_TEXT = 256 * 1024;

/**
 * Reads what a module's page shows, except the texts of its latest zip
 * (README, licenses): those are the bulk of it, so they are read by
 * withZipTexts just before the page is rendered and dropped after.
 */
export async function readModule(root: string, modulePath: string): Promise<ModuleData> {
  const layout = treeLayout(root);
  const dir = layout.versionDir(modulePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  const have = new Set(names.filter((n) => !TEMP_FILE_PATTERN.test(n)));
  const versions: VersionData[] = [];
  for (const n of have) {
    if (!n.endsWith('.info')) continue;
    const base = n.slice(0, -'.info'.length);
    if (!have.has(`${base}.mod`)) continue;
    let version: string;
    try {
      version = unescapeVersion(base);
    } catch {
      continue;
    }
    versions.push(readVersion(dir, base, version, have.has(`${base}.zip`)));
  }
  const latest = pickLatest(modulePath, versions);
  const latestMod = latest === undefined ? undefined : await readFile(layout.versionFile(modulePath, latest, 'mod'), 'utf8').catch(() => undefined);
  return {
    path: modulePath,
    versions,
    ...(latest !== undefined ? { latest } : {}),
    ...(latestMod !== undefined ? { latestMod } : {}),
  };
}

/** `d` with the README and license texts of its latest version's zip, when that version has one. */
export async function withZipTexts(root: string, d: ModuleData): Promise<ModuleData> {
  const latest = d.latest === undefined ? undefined : d.versions.find((v) => v.version === d.latest);
  if (latest?.zipBytes === undefined) return d;
  const file = treeLayout(root).versionFile(d.path, latest.version, 'zip');
  return { ...d, zip: await readZipTexts(file, d.path, latest.version) };
}

/**
 * One version's files: the .info read through the descriptor it is stat'ed
 * by, the .mod and .zip stat'ed. Synchronous, like moduleStamp: three small
 * local calls cost less than as many thread-pool trips and their promises.
 */
function readVersion(dir: string, base: string, version: string, hasZip: boolean): VersionData {
  let info = '';
  let infoStat: Stats | undefined;
  try {
    const fd = openSync(path.join(dir, `${base}.info`), 'r');
    try {
      infoStat = fstatSync(fd);
      const buf = Buffer.allocUnsafe(Math.min(infoStat.size, MAX_INFO));
      info = buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable: the page shows no date.
  }
  const modStat = statSync(path.join(dir, `${base}.mod`), { throwIfNoEntry: false });
  const zipStat = hasZip ? statSync(path.join(dir, `${base}.zip`), { throwIfNoEntry: false }) : undefined;
  let time: string | undefined;
  try {
    const t = (JSON.parse(info) as { Time?: unknown }).Time;
    if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) time = t;
  } catch {
    // A damaged .info is verify's business; the page shows no date.
  }
  // A version is complete when its last file arrived: the zip for a full version.
  const writtenMs = Math.max(infoStat?.mtimeMs ?? 0, modStat?.mtimeMs ?? 0, zipStat?.mtimeMs ?? 0);
  return {
    version,
    ...(time !== undefined ? { time } : {}),
    ...(zipStat ? { zipBytes: zipStat.size } : {}),
    bytes: (infoStat?.size ?? 0) + (modStat?.size ?? 0) + (zipStat?.size ?? 0),
    writtenMs: Math.floor(writtenMs),
  };
}

/** An .info file is a small JSON object; a bigger one is damaged and read no further. */
const MAX_INFO = 64 * 1024;

/** The README at the module root that a page shows, by preference. */
const README_NAMES = ['readme.md', 'readme.markdown', 'readme', 'readme.txt', 'readme.rst'];

/**
 * The README at the module root and every license file in a module zip.
 * The zip passed the module zip checks when it was mirrored; a zip that
 * cannot be read now only leaves the page without them.
 */
async function readZipTexts(file: string, modulePath: string, version: string): Promise<NonNullable<ModuleData['zip']>> {
  const prefix = `${modulePath}@${version}/`;
  const licenses: { name: string; text: string }[] = [];
  let readme: { name: string; text: string; rank: number } | undefined;
  let source: ZipSource | undefined;
  try {
    // Through the zip check's reader: its first read takes the file's tail,
    // which holds the whole central directory of nearly every module zip, so
    // listing the entries costs one read instead of one or two per entry.
    const src = (source = await ZipSource.open(file));
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.fromRandomAccessReader(src, src.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, z) => (err ? reject(err) : resolve(z))),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('error', reject);
        zip.on('end', () => resolve());
        zip.on('entry', (e: Entry) => {
          const name = e.fileName.startsWith(prefix) ? e.fileName.slice(prefix.length) : '';
          const rank = name.includes('/') ? -1 : README_NAMES.indexOf(name.toLowerCase());
          const isLicense = name !== '' && !name.endsWith('/') && isLicenseFile(name);
          if ((rank < 0 || (readme && readme.rank <= rank)) && !isLicense) {
            zip.readEntry();
            return;
          }
          readEntryText(zip, src, e)
            .then((text) => {
              if (isLicense) licenses.push({ name, text });
              if (rank >= 0 && (!readme || rank < readme.rank)) readme = { name, text, rank };
              zip.readEntry();
            })
            .catch(reject);
        });
        zip.readEntry();
      });
    } finally {
      zip.close();
    }
  } catch {
    return { version, licenses: [] };
  } finally {
    await source?.release().catch(() => undefined);
  }
  licenses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version, licenses, ...(readme ? { readme: { name: readme.name, text: readme.text } } : {}) };
}

/**
 * An entry's text (its first MAX_TEXT bytes). A small entry (nearly all
 * READMEs and licenses) is read and inflated in one call, as the zip check
 * reads entries: a read stream per entry cost most of the catalog's time
 * reading zips.
 */
async function readEntryText(zip: ZipFile, source: ZipSource, e: Entry): Promise<string> {
  if (!fitsInMemory(e) || (e.compressionMethod !== 0 && e.compressionMethod !== 8)) return streamEntryText(zip, e);
  const data = inflateEntry(e, await source.bytesAt(await localDataStart(zip, e), e.compressedSize));
  // As yauzl's validateEntrySizes: a size that disagrees makes the zip unreadable here.
  if (data.length !== e.uncompressedSize) throw new Error(`${e.fileName}: ${data.length} bytes, ${e.uncompressedSize} declared`);
  return data.subarray(0, MAX_TEXT).toString('utf8');
}

function streamEntryText(zip: ZipFile, e: Entry): Promise<string> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(e, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (b: Buffer) => {
        if (size < MAX_TEXT) chunks.push(b);
        size += b.length;
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_TEXT).toString('utf8')));
    });
  });
}
