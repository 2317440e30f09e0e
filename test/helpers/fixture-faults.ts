/**
 * The fixture server's faults: what each does to a response, and the rules
 * that decide, request by request and reproducibly (a seeded PRNG), which
 * fire.
 */

/** What a fault does to the response. */
export type Fault =
  /** Answer this status instead: 5xx, 429 (with retryAfter), or a 404/410 override. */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: string }
  /** TCP reset (RST) after part of the status line (`headers`) or after the headers and half the body (`body`). */
  | { kind: 'reset'; at: 'headers' | 'body' }
  /** Send the true Content-Length but only `sendBytes` (default: half) of the body, then close the connection. */
  | { kind: 'truncate'; sendBytes?: number }
  /** Wait `ms` before the headers (default) or after half the body, then finish normally. */
  | { kind: 'delay'; ms: number; at?: 'headers' | 'body' }
  /** Require these basic-auth credentials; other requests get 401 with WWW-Authenticate. */
  | { kind: 'auth'; username: string; password: string }
  /** Send the body `bytes` at a time, one write every `everyMs` (never silent long, always slow); stops when the client goes away. */
  | { kind: 'trickle'; bytes: number; everyMs: number }
  /** Answer `status` (default 302) with this Location. */
  | { kind: 'redirect'; location: string; status?: number };

/**
 * When a fault fires. Every rule sees every request: it counts the requests
 * whose decoded path matches `match` and fires for the first `first` of them,
 * each with `probability` (seeded PRNG). If several non-auth rules fire, the
 * first one in the list applies; auth rules are checked before it.
 */
export interface FaultRule {
  fault: Fault;
  /** Tested against the percent-decoded path, e.g. `/example.com/!burnt!sushi/toml/@v/list`. Default: all. */
  match?: RegExp;
  /** Fire only for the first N matching requests. Default: all of them. */
  first?: number;
  /** Chance (0–1) of firing for a matching request. Default: 1. */
  probability?: number;
}

/** The fault rules in force: `choose` counts a request against every rule and returns the faults that fire for it. */
export function createFaultRules(initial: FaultRule[], seed: number): { set(faults: FaultRule[]): void; choose(reqPath: string): Fault[] } {
  const random = mulberry32(seed);
  let rules: { rule: FaultRule; seen: number }[] = [];
  const set = (faults: FaultRule[]): void => {
    rules = faults.map((rule) => ({ rule, seen: 0 }));
  };
  set(initial);
  const choose = (reqPath: string): Fault[] =>
    rules
      .filter((state) => {
        const { match, first, probability = 1 } = state.rule;
        if (match && !match.test(reqPath)) return false;
        state.seen++;
        if (first !== undefined && state.seen > first) return false;
        return probability >= 1 || random() < probability;
      })
      .map((state) => state.rule.fault);
  return { set, choose };
}

/** mulberry32: a tiny seeded PRNG, so probabilistic faults replay identically. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
