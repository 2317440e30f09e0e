import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerSecret } from '../secrets.js';

/** Credentials for one host from a .netrc file. */
export interface NetrcEntry {
  login: string;
  password: string;
}

// Go's strings.Fields separators (unicode.IsSpace); JavaScript's \s differs (U+0085, U+FEFF).
const FIELD_SEP = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * Parses .netrc text exactly as the go command does (cmd/go/internal/auth
 * parseNetrc), so gomirror sends credentials where `go` would and nowhere
 * else: tokens pair up within a line; `machine` starts an entry, which counts
 * only once it has a login and a password; `macdef` skips the following lines
 * up to an empty one; a line ending in an unpaired `default` stops the
 * parse, and `default` credentials are never used. Returns machine name →
 * entry, the first entry for a machine winning.
 */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const out = new Map<string, NetrcEntry>();
  let machine = '';
  let login = '';
  let password = '';
  let inMacro = false;
  for (const line of text.split('\n')) {
    if (inMacro) {
      if (line === '') inMacro = false;
      continue;
    }
    const f = line.split(FIELD_SEP).filter((w) => w !== '');
    let i = 0;
    for (; i < f.length - 1; i += 2) {
      const value = f[i + 1] as string;
      switch (f[i]) {
        case 'machine':
          [machine, login, password] = [value, '', ''];
          break;
        case 'login':
          login = value;
          break;
        case 'password':
          password = value;
          break;
        case 'macdef':
          inMacro = true;
          break;
      }
      if (machine !== '' && login !== '' && password !== '') {
        if (!out.has(machine)) out.set(machine, { login, password });
        [machine, login, password] = ['', '', ''];
      }
    }
    if (i < f.length && f[i] === 'default') break;
  }
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

/** The Authorization header value for a host the netrc names (Go: no `default` fallback). */
export function basicAuthFor(netrc: Map<string, NetrcEntry>, hostname: string): string | undefined {
  const e = netrc.get(hostname);
  if (!e) return undefined;
  return 'Basic ' + Buffer.from(`${e.login}:${e.password}`).toString('base64');
}
