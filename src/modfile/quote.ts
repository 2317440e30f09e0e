/**
 * Go's double-quoted string literals as go.mod allows them (modfile
 * parseString → strconv.Unquote). Pure.
 */

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Unquotes a `"..."` token; undefined when it is not a valid Go string literal. */
export function unquoteGoString(token: string): string | undefined {
  if (token.length < 2 || !token.startsWith('"') || !token.endsWith('"')) return undefined;
  const body = Array.from(token.slice(1, -1));
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const hexLen = HEX_DIGITS[e];
    if (hexLen !== undefined) {
      const digits = body.slice(i + 1, i + 1 + hexLen).join('');
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) return undefined;
      const n = parseInt(digits, 16);
      i += hexLen;
      if (e === 'x') {
        // Go: \x is a byte; only ASCII survives as text in a module path anyway.
        if (n > 0x7f) return undefined;
        out += String.fromCharCode(n);
      } else {
        if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
        out += String.fromCodePoint(n);
      }
      continue;
    }
    if (e >= '0' && e <= '7') {
      const digits = body.slice(i, i + 3).join('');
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const n = parseInt(digits, 8);
      if (n > 0x7f) return undefined;
      out += String.fromCharCode(n);
      i += 2;
      continue;
    }
    return undefined;
  }
  return out;
}
