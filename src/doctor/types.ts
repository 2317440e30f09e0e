/** ok: fine · warn: works, but worth a look · fail: the go command will fail or hang · skip: not run. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the checklist. */
export interface CheckResult {
  /** Stable id for JSON consumers: `env`, `dns`, `tcp`, `tls`, `http-notfound`, `list`, `info`, `mod`, `zip`, `latest`, `sumdb`, `latency`. */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
  /** Time taken, when it was measured. */
  ms?: number;
  /** The HTTP status the mirror answered, for checks of a file. */
  http?: number;
}

/** The whole checklist and its verdict. */
export interface DoctorReport {
  proxy: string;
  module?: string;
  checks: CheckResult[];
  ok: boolean;
  failures: number;
  warnings: number;
}

/** A socket-level failure as probes report it: the errno-like code and its message. */
export interface ProbeError extends Error {
  code?: string;
}

export interface TlsInfo {
  ms: number;
  protocol: string;
  authorized: boolean;
  /** Node's/OpenSSL's code when the chain or name did not verify, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  authorizationError?: string;
  subject: string;
  issuer: string;
  validTo: Date;
  altNames: string;
}

export interface HttpAnswer {
  status: number;
  contentType: string | undefined;
  /** The first bytes of the body (up to the probe's limit). */
  body: Buffer;
  contentLength: number | undefined;
  /** Time to the response headers. */
  ttfbMs: number;
}

/**
 * The network, injected so the checks can be tested without sockets. Each
 * probe throws a ProbeError (with `code`) on failure, and honours timeoutMs.
 */
export interface DoctorProbes {
  lookup(host: string, timeoutMs: number): Promise<{ addresses: string[]; ms: number }>;
  connect(host: string, port: number, timeoutMs: number): Promise<{ ms: number }>;
  tls(host: string, port: number, servername: string | undefined, timeoutMs: number): Promise<TlsInfo>;
  /** GET through the HTTP proxy `via` when given (as the go command would), reading at most maxBytes of the body. */
  get(url: string, options: { timeoutMs: number; maxBytes: number; via?: string; authorization?: string }): Promise<HttpAnswer>;
}
