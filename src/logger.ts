/**
 * The seam between services and the terminal: services report what happens
 * through this; only cli/output.ts decides how it looks (text, progress bar,
 * JSON lines).
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Progress {
  done: number;
  total: number;
  failed: number;
  bytes: number;
  /** What done and total count (default `versions`). */
  unit?: string;
}

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Work done so far; a terminal shows it as a status line, logs ignore most of it. */
  progress(p: Progress): void;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  progress: () => undefined,
};
