import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerSecret } from '../secrets.js';

/** Credentials for one host from a .netrc file. */
export interface NetrcEntry {
  login: string;
  password: string;
}

/**
 * Parses .netrc text like the go command's web package: `machine`, `login`,
 * `password` and `default` tokens; `macdef` blocks are skipped. The first
 * entry for a machine wins. Returns machine name → entry ('' is `default`).
 */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const out = new Map<string, NetrcEntry>();
  const lines = text.split('\n');
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words[0] === 'macdef') {
      // A macro runs to the next blank line.
      while (i + 1 < lines.length && (lines[i + 1] ?? '').trim() !== '') i++;
      continue;
    }
    tokens.push(...words);
  }
  let machine: string | undefined;
  let login = '';
  let password = '';
  const flush = (): void => {
    if (machine !== undefined && !out.has(machine)) out.set(machine, { login, password });
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine' || t === 'default') {
      flush();
      machine = t === 'default' ? '' : (tokens[++i] ?? '');
      login = '';
      password = '';
    } else if (t === 'login') {
      login = tokens[++i] ?? '';
    } else if (t === 'password') {
      password = tokens[++i] ?? '';
    }
  }
  flush();
  return out;
}

/** Loads $NETRC, else ~/.netrc; a missing file means no credentials. */
export async function loadNetrc(env: NodeJS.ProcessEnv = process.env): Promise<Map<string, NetrcEntry>> {
  const file = env.NETRC && env.NETRC !== '' ? env.NETRC : path.join(env.HOME ?? os.homedir(), '.netrc');
  try {
    const entries = parseNetrc(await readFile(file, 'utf8'));
    // Whatever a later message quotes, these passwords never reach the output.
    for (const e of entries.values()) registerSecret(e.password);
    return entries;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

/** The Authorization header value for a host, if the netrc has one. */
export function basicAuthFor(netrc: Map<string, NetrcEntry>, hostname: string): string | undefined {
  const e = netrc.get(hostname) ?? netrc.get('');
  if (!e || e.login === '') return undefined;
  return 'Basic ' + Buffer.from(`${e.login}:${e.password}`).toString('base64');
}
