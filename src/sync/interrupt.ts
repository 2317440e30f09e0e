/**
 * What a sync does when cron, systemd or a person stops it (SIGTERM, SIGINT,
 * SIGHUP): say so in the log, leave the report and the metrics of the run so
 * far (with `gomirror_sync_fatal{code="E_INTERRUPTED"}`, so a monitoring rule
 * sees the cut-short night), release the lock, and exit 128 + the signal
 * number, as a process killed by that signal would.
 */
import { constants } from 'node:os';

export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** 143 for SIGTERM, 130 for SIGINT, 129 for SIGHUP. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

/**
 * Runs `onSignal` once when one of the signals arrives, then exits. A second
 * signal while it runs exits at once (the operator insists). Returns the
 * function that removes the handlers.
 */
export function onInterrupt(onSignal: (signal: NodeJS.Signals) => Promise<void>, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let running = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (running) {
      exit(exitCodeForSignal(signal));
      return;
    }
    running = true;
    void onSignal(signal)
      .catch(() => undefined)
      .finally(() => exit(exitCodeForSignal(signal)));
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of INTERRUPT_SIGNALS) process.off(s, handler);
  };
}
