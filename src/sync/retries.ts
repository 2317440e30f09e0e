import { unescapePath } from '../module/index.js';

/** The module a proxy URL is about (`<base>/<escaped path>/@v/...` or `/@latest`), for per-module retry counts. */
export function moduleOfUrl(url: string, bases: readonly string[]): string | undefined {
  const base = bases.find((b) => url.startsWith(`${b}/`));
  if (base === undefined) return undefined;
  const rest = url.slice(base.length + 1);
  const end = rest.search(/\/@(v\/|latest$)/);
  if (end <= 0) return undefined;
  try {
    return unescapePath(decodeURIComponent(rest.slice(0, end)));
  } catch {
    return undefined;
  }
}
