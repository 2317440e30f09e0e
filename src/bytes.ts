/**
 * Byte counts for people: 12 B, 1.5 KiB, 320.0 MiB. `round` drops the decimal
 * at 10 and above (320 MiB), for the catalog's tables and chart labels where
 * width matters more than the tenth.
 */
export function formatBytes(n: number, opts: { round?: boolean } = {}): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${opts.round === true && v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
