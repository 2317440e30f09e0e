/**
 * Secrets known to this process, redacted from every line of output by
 * value. Redacting by value (rather than by words such as "password") keeps
 * help text intact — `machine HOST login USER password PASS`, the
 * `YOUR-PASSWORD` placeholder — while a real password or token never appears,
 * wherever a message happens to quote it.
 */

const secrets = new Set<string>();

/**
 * Values shorter than this are not redacted: masking every "a" or "12" in
 * every line would garble output and protect nothing (such a value is not a
 * secret worth the name).
 */
const MIN_SECRET_LENGTH = 4;

/** Remembers a secret value (a .netrc password, a token) so output never shows it. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length >= MIN_SECRET_LENGTH) secrets.add(v);
  // A URL-encoded copy shows up when the value travels inside a URL.
  const enc = encodeURIComponent(v);
  if (enc !== v && enc.length >= MIN_SECRET_LENGTH) secrets.add(enc);
}

/** Environment variables whose value is a credential, by name. */
const SECRET_ENV = /(?:^|_)(?:PASSWORD|PASSWD|PASS|TOKEN|SECRET|SECRET_ACCESS_KEY|SESSION_TOKEN|API_KEY|CREDENTIALS?)$/i;

/** Registers the values of credential variables (`RSYNC_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `*_TOKEN`, ...). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && SECRET_ENV.test(name)) registerSecret(value);
  }
  // URL userinfo in proxy variables: the password by value too, in case it is
  // quoted outside its URL.
  for (const name of ['GOPROXY', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
    for (const part of (env[name] ?? '').split(/[,|]/)) {
      const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]*)@/i.exec(part.trim());
      const userinfo = m?.[1];
      if (userinfo === undefined) continue;
      const colon = userinfo.indexOf(':');
      if (colon >= 0) registerSecret(safeDecode(userinfo.slice(colon + 1)));
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Replaces every registered secret in text with `***`, longest first (one secret may contain another). */
export function redactKnownSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}
