import type { GomirrorError } from '../errors.js';
import type { LogFields, Logger, Progress } from '../logger.js';
import { redactKnownSecrets, registerEnvSecrets } from '../secrets.js';

export type OutputFormat = 'text' | 'json';

export interface Output extends Logger {
  /** The final result line(s), on stdout. */
  result(text: string, data?: unknown): void;
  /**
   * A piece of a result too large to build whole, written to stdout as it is:
   * the caller has passed its text through redactSecrets and ends the line.
   */
  resultRaw(text: string): void;
  /** A fatal error, with its code and hint. */
  fatal(err: GomirrorError | Error, exitCode: number): void;
  /** Clears any status line before the process exits. */
  finish(): void;
}

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/**
 * The only place that formats what users see. Text mode: plain lines on
 * stderr, and on a terminal a status line with progress, rate and ETA
 * instead of one line per fetched version. JSON mode (`--log-format json`):
 * one JSON object per line on stderr, the result as JSON on stdout.
 */
export function createOutput(format: OutputFormat, streams: Streams = process, now: () => number = Date.now): Output {
  const tty = format === 'text' && Boolean(streams.stderr.isTTY);
  registerEnvSecrets(process.env);
  const started = now();
  let status = '';
  let lastDraw = 0;
  let lastProgressLog = 0;

  const clear = (): void => {
    if (status !== '') {
      streams.stderr.write('\r\x1b[K');
      status = '';
    }
  };
  // Every line passes through redactSecrets: no credential reaches a log, whatever a message carries.
  const line = (level: string, message: string, fields?: LogFields): void => {
    if (format === 'json') {
      const record = { time: new Date(now()).toISOString(), level, msg: redactSecrets(message), ...clean(fields) };
      streams.stderr.write(JSON.stringify(record) + '\n');
      return;
    }
    clear();
    const hint = fields?.hint ? `\n  hint: ${redactSecrets(String(fields.hint))}` : '';
    streams.stderr.write(`${level === 'info' ? '' : `${level}: `}${redactSecrets(message)}${hint}\n`);
  };

  return {
    info(message, fields) {
      // On a terminal the status line says this; in cron one line per item is the log.
      if (tty) return;
      line('info', message, fields);
    },
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    progress(p: Progress) {
      const t = now();
      if (tty) {
        if (t - lastDraw < 100 && p.done < p.total) return;
        lastDraw = t;
        // A pty without a size reports 0 columns.
        status = formatStatus(p, (t - started) / 1000, streams.stderr.columns || 80);
        streams.stderr.write(`\r\x1b[K${status}`);
      } else if (format === 'json' && t - lastProgressLog >= 10_000) {
        lastProgressLog = t;
        line('info', 'progress', { ...p });
      }
    },
    result(text, data) {
      clear();
      if (format === 'json') streams.stdout.write(redactSecrets(JSON.stringify(data ?? { msg: text })) + '\n');
      else streams.stdout.write(redactSecrets(text) + '\n');
    },
    resultRaw(text) {
      clear();
      streams.stdout.write(text);
    },
    fatal(err, exitCode) {
      const e = err as Partial<GomirrorError>;
      line('error', err.message, { code: e.code ?? 'E_INTERNAL', exitCode, hint: e.hint });
    },
    finish: clear,
  };
}

function clean(fields?: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v !== undefined) out[k] = typeof v === 'string' ? redactSecrets(v) : v;
  }
  return out;
}

/**
 * Masks credentials anywhere in a text: every secret value this process
 * knows (.netrc passwords, credential variables, URL passwords: see
 * secrets.ts), URL userinfo (`https://user:pw@host`, also inside a longer
 * message or a proxy variable's value) and Authorization header values.
 * Words such as "password" are left alone, so help text stays readable.
 */
export function redactSecrets(text: string): string {
  return redactKnownSecrets(text)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1***@')
    .replace(/\b(authorization:?\s*"?(?:basic|bearer|token)\s+)[^\s",;]+/gi, '$1***');
}

/** `[=====>    ] 120/600 versions, 2 failed, 48.1 MiB, 12.0 MiB/s, ETA 9s` */
export function formatStatus(p: Progress, seconds: number, columns: number): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const width = 20;
  const filled = Math.round(frac * width);
  const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
  const rate = seconds > 0 ? p.bytes / seconds : 0;
  // Versions still to resolve are not in total yet, so the ETA is a lower bound early in a run.
  const eta = p.done > 0 && p.total > p.done ? formatEta((seconds / p.done) * (p.total - p.done)) : '-';
  const text =
    `[${bar}] ${p.done}/${p.total} ${p.unit ?? 'versions'}` +
    (p.failed ? `, ${p.failed} failed` : '') +
    `, ${(p.bytes / 1048576).toFixed(1)} MiB, ${(rate / 1048576).toFixed(1)} MiB/s, ETA ${eta}`;
  return text.slice(0, Math.max(20, columns - 1));
}

/** `9s`, `4m05s`, `2h03m`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
