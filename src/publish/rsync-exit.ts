/**
 * What an rsync exit status means (rsync(1) "EXIT VALUES"), and what to do
 * about it. Pure; the text goes into E_RSYNC messages.
 */
const MEANINGS: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  4: 'requested action not supported',
  5: 'error starting the client-server protocol (wrong rsync:// module, or not an rsync daemon?)',
  6: 'daemon unable to append to its log file',
  10: 'error in socket I/O (host unreachable or connection refused?)',
  11: 'error in file I/O (destination full or not writable?)',
  12: 'error in the rsync protocol data stream (connection lost?)',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  20: 'interrupted by a signal',
  21: 'some error returned by waitpid()',
  22: 'error allocating core memory buffers',
  23: 'partial transfer due to error',
  24: 'partial transfer due to vanished source files',
  25: 'the --max-delete limit stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for the daemon connection',
  255: 'ssh failed (host unreachable, or authentication refused?)',
};

/** A short description of rsync exit status `code`. */
export function describeRsyncExit(code: number | undefined, message = ''): string {
  if (code === undefined) return 'rsync was killed';
  if (/@ERROR: auth failed/i.test(message)) return `rsync exited ${code}: the daemon refused the login (wrong password, or a bad secrets file?)`;
  return `rsync exited ${code}: ${MEANINGS[code] ?? 'unknown error'}`;
}

/**
 * What to try next for exit status `code`. rsync's own message decides when
 * the status alone is ambiguous: exit 5 is both a refused login and an
 * unknown module.
 */
export function hintForRsyncExit(code: number | undefined, message = ''): string {
  if (/@ERROR: auth failed/i.test(message)) {
    return (
      'The daemon refused the login: check the rsync password (RSYNC_PASSWORD) and the daemon\'s secrets file ' +
      '(one user:password line per user, mode 600, owned by the user the daemon runs as; rsyncd.log says why).'
    );
  }
  if (/@ERROR: Unknown module/i.test(message)) {
    return 'The daemon has no such module: rsync rsync://host/ lists the modules it offers.';
  }
  switch (code) {
    case 5:
    case 10:
    case 35:
      return 'Check that the host is reachable and runs an rsync daemon with that module (rsync rsync://host/ lists them).';
    case 255:
      return 'Check that `ssh -o BatchMode=yes HOST true` works for this user (keys, known_hosts).';
    case 11:
    case 3:
      return 'Check that the destination exists or can be created, is writable and has space.';
    case 30:
      return 'The connection stalled; run publish again (it resumes: finished files are not sent twice).';
    default:
      return 'See rsync\'s message above; run publish again once the cause is fixed.';
  }
}
