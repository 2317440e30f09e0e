/** `--delete-after` values, nginx style (pure): `90`, `30s`, `15m`, `24h`, `7d`, or combined `1d12h`. */
import { GomirrorError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds; a bare number is seconds. Throws E_USAGE naming `flag`. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const parts = [...t.matchAll(/(\d+)([smhd])/g)];
  if (t === '' || parts.map((p) => p[0]).join('') !== t) {
    throw new GomirrorError('E_USAGE', `${flag}: "${text}" is not a duration`, { hint: 'Write it like 0, 90s, 30m, 24h or 7d' });
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
}
