/**
 * The service behind `gomirror nginx`: checks the files the config will name,
 * renders it, and writes it to `--out` (atomically) or hands the text back.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { NginxOptions } from './options.js';
import { renderNginxConfig } from './render.js';
import { buildNginxViewModel, type NginxViewModel } from './view-model.js';
import { GomirrorError } from '../errors.js';

/** The file-system access the service needs, injectable for tests. */
export interface NginxIo {
  cwd: string;
  /** Whether `file` is a regular file this process can read. */
  isReadableFile(file: string): Promise<boolean>;
  /** Whether `dir` is a directory. */
  isDirectory(dir: string): Promise<boolean>;
  /** Writes `text` to `file` so that readers see the old or the new content, never a part. */
  writeFileAtomic(file: string, text: string): Promise<void>;
}

/** What `gomirror nginx` produced. */
export interface NginxConfigResult {
  /** The rendered config. */
  text: string;
  /** The absolute file written (`--out`), if any. */
  outFile: string | undefined;
  /** Things that work but are probably not what the user wants. */
  warnings: string[];
  model: NginxViewModel;
}

/** Node's file system, relative to the current directory. */
export const nodeNginxIo: NginxIo = {
  get cwd() {
    return process.cwd();
  },
  async isReadableFile(file) {
    try {
      await access(file, constants.R_OK);
      return (await stat(file)).isFile();
    } catch {
      return false;
    }
  },
  async isDirectory(dir) {
    try {
      return (await stat(dir)).isDirectory();
    } catch {
      return false;
    }
  },
  async writeFileAtomic(file, text) {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, text, { flag: 'wx' });
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `the directory ${path.dirname(file)} does not exist` : (err as Error).message;
      throw new GomirrorError('E_FS', `--out ${file}: cannot write: ${reason}`, {
        hint: 'Does the directory exist, and is the drive mounted? Create it (mkdir -p) or name another --out.',
        cause: err,
      });
    }
  },
};

/**
 * Renders the Nginx config for `options` and writes it to `out` when given.
 * Throws GomirrorError E_USAGE for bad options and for TLS or htpasswd files
 * that do not exist or cannot be read.
 */
export async function generateNginxConfig(
  options: NginxOptions,
  out: string | undefined,
  io: NginxIo = nodeNginxIo,
): Promise<NginxConfigResult> {
  const model = buildNginxViewModel(options, io.cwd);
  const warnings: string[] = [];

  const files: [string, string][] = [];
  if (model.tls) files.push(['--tls-cert', model.tls.certificate], ['--tls-key', model.tls.certificateKey]);
  for (const loc of model.authLocations) files.push(['--auth', loc.userFile]);
  for (const [flag, file] of files) {
    if (!(await io.isReadableFile(file))) {
      throw new GomirrorError('E_USAGE', `${flag}: ${file} is not a readable file`, {
        hint: flag === '--auth' ? 'Create it with `htpasswd -c FILE USER` (apache2-utils).' : undefined,
      });
    }
  }

  // The tree may live on another host than the one generating the config.
  if (!(await io.isDirectory(model.root))) {
    warnings.push(`--root: ${model.root} is not a directory here; Nginx will answer 404 until it exists`);
  }
  if (model.authLocations.length > 0 && !model.tls) {
    warnings.push(
      '--auth without --tls-cert/--tls-key: the go command sends .netrc credentials only over https, ' +
        'so protected modules need an HTTPS listener (or TLS in front of this server)',
    );
  }

  const text = renderNginxConfig(model);
  let outFile: string | undefined;
  if (out !== undefined) {
    outFile = path.resolve(io.cwd, out);
    await io.writeFileAtomic(outFile, text);
  }
  return { text, outFile, warnings, model };
}
