import { GomirrorError } from '../errors.js';

/**
 * One entry of a GOPROXY list, as the go command reads it (protocol doc §2.1).
 * `fallBackOnAnyError` is set by a `|` after the entry: then any error moves on
 * to the next entry; after `,` (or at the end) only "not found" (404/410) does.
 */
export type ProxyEntry =
  | { kind: 'url'; url: string; fallBackOnAnyError: boolean }
  | { kind: 'off' }
  | { kind: 'direct' };

/**
 * Parses a GOPROXY value. Scheme-less entries get `https://` the way the go
 * command adds it; `off` and `direct` end the list. Throws E_UPSTREAM_SPEC.
 */
export function parseProxyList(spec: string, where = 'upstream'): ProxyEntry[] {
  const entries: ProxyEntry[] = [];
  let rest = spec;
  while (rest !== '') {
    const i = rest.search(/[,|]/);
    const raw = (i < 0 ? rest : rest.slice(0, i)).trim();
    const sep = i < 0 ? '' : rest[i];
    rest = i < 0 ? '' : rest.slice(i + 1);
    if (raw === '') continue;
    if (raw === 'off') {
      entries.push({ kind: 'off' });
      break;
    }
    if (raw === 'direct') {
      // Go: everything after "direct" is ignored.
      entries.push({ kind: 'direct' });
      break;
    }
    entries.push({ kind: 'url', url: normalizeProxyUrl(raw, where), fallBackOnAnyError: sep === '|' });
  }
  if (entries.length === 0) {
    throw new GomirrorError('E_UPSTREAM_SPEC', `${where}: GOPROXY list "${spec}" names no proxy`, {
      hint: 'Give at least one proxy URL, e.g. https://proxy.golang.org',
    });
  }
  return entries;
}

function normalizeProxyUrl(raw: string, where: string): string {
  let text = raw;
  const looksLikeHost = /[.:/]/.test(raw) && !raw.includes(':/') && !raw.startsWith('/');
  if (looksLikeHost) text = `https://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GomirrorError('E_UPSTREAM_SPEC', `${where}: invalid proxy URL "${raw}": missing scheme`, {
      hint: 'Use https://host/path, http://host/path or file:///absolute/dir',
    });
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' || url.search !== '' || url.hash !== '') {
      throw new GomirrorError('E_UPSTREAM_SPEC', `${where}: file URL "${raw}" must be file:///absolute/path only`);
    }
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GomirrorError('E_UPSTREAM_SPEC', `${where}: unsupported scheme in proxy URL "${redactUrl(raw)}"`, {
      hint: 'Allowed schemes are https, http and file',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new GomirrorError('E_UPSTREAM_SPEC', `${where}: proxy URL "${redactUrl(raw)}" carries credentials`, {
      hint: 'Put credentials in ~/.netrc (or the file named by $NETRC), never in the URL',
    });
  }
  return url.href.replace(/\/+$/, '');
}

/** Removes user:password from a URL before it reaches any message or log. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
