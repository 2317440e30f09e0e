import type { CheckStatus, DoctorReport } from './types.js';

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** The checklist and verdict as text lines (pure). */
export function formatDoctorReport(r: DoctorReport): string[] {
  const width = Math.max(...r.checks.map((c) => c.title.length));
  const lines = [`gomirror doctor ${r.proxy}${r.module ? ` --module ${r.module}` : ''}`];
  for (const c of r.checks) lines.push(`  ${MARK[c.status]} ${c.title.padEnd(width)}  ${c.detail}`);
  lines.push('');
  const failed = r.checks.filter((c) => c.status === 'fail');
  const warned = r.checks.filter((c) => c.status === 'warn');
  if (failed.length === 0) {
    lines.push(
      `verdict: OK, the go command can use this mirror` +
        (warned.length > 0 ? ` (${warned.length} warning${warned.length > 1 ? 's' : ''} below)` : ''),
    );
  } else {
    lines.push(`verdict: ${failed.length} check${failed.length > 1 ? 's' : ''} failed; the go command will fail or hang against this mirror`);
  }
  for (const c of [...failed, ...warned]) {
    lines.push(`  ${MARK[c.status]} ${c.title}: ${c.detail}`);
    if (c.fix) lines.push(`    fix: ${c.fix}`);
  }
  return lines;
}
