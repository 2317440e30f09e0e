/**
 * What a failure means and what to do about it (pure): the knowledge a
 * person brings to `curl -v` and `telnet host port` when `go mod tidy` hangs.
 */
import type { CheckResult } from './types.js';

type Stage = 'dns' | 'tcp' | 'tls' | 'http';

/** The detail and fix for a socket or TLS error code at a stage. */
export function adviseNetworkError(stage: Stage, code: string | undefined, target: string, message: string): { detail: string; fix: string } {
  const c = code ?? '';
  const table: Record<string, { detail: string; fix: string }> = {
    ENOTFOUND: {
      detail: `${target}: no such host`,
      fix: 'Check the host name in GOPROXY; check /etc/resolv.conf and that this host can resolve internal names (or use the IP address).',
    },
    EAI_AGAIN: {
      detail: `${target}: the DNS server did not answer`,
      fix: 'The resolver is unreachable or slow: check /etc/resolv.conf and the network path to the DNS server.',
    },
    ECONNREFUSED: {
      detail: `${target}: connection refused (nothing listens there)`,
      fix: 'Start the mirror\'s web server (systemctl status nginx; nginx -t) or fix the port in GOPROXY.',
    },
    ETIMEDOUT: {
      detail: `${target}: no answer (timed out)`,
      fix: 'A firewall drops the packets, or the host is down: ask for the port to be opened from this network, or set HTTPS_PROXY if only a proxy may reach it.',
    },
    EHOSTUNREACH: { detail: `${target}: no route to host`, fix: 'Check the routing and firewall between this host and the mirror.' },
    ENETUNREACH: { detail: `${target}: network unreachable`, fix: 'This host has no route to that network: check its network configuration.' },
    ECONNRESET: {
      detail: `${target}: connection reset`,
      fix: 'Something between here and the mirror cut the connection (a proxy or firewall inspecting traffic, or the server crashed): check its error log.',
    },
    EPROTO: {
      detail: `${target}: the server does not speak TLS here`,
      fix: 'The port serves plain HTTP: use http:// in GOPROXY, or configure TLS on the server.',
    },
    CERT_HAS_EXPIRED: { detail: `${target}: the certificate has expired`, fix: 'Renew the server certificate (certbot renew, or your CA).' },
    DEPTH_ZERO_SELF_SIGNED_CERT: {
      detail: `${target}: self-signed certificate, not trusted`,
      fix: 'Install the certificate (or its CA) in the system trust store (update-ca-certificates), or point SSL_CERT_FILE at a bundle that holds it; the go command reads both.',
    },
    SELF_SIGNED_CERT_IN_CHAIN: {
      detail: `${target}: the chain ends in an untrusted self-signed CA`,
      fix: 'Install the corporate CA in the system trust store (update-ca-certificates) or set SSL_CERT_FILE; a TLS-inspecting proxy needs the same.',
    },
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
      detail: `${target}: the certificate chain is incomplete or from an unknown CA`,
      fix: 'Serve the full chain (nginx: ssl_certificate with the intermediates appended), or trust the CA on this host.',
    },
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
      detail: `${target}: the certificate's issuer is not trusted here`,
      fix: 'Trust the issuing CA on this host (update-ca-certificates, or SSL_CERT_FILE), or serve the full chain.',
    },
    ERR_TLS_CERT_ALTNAME_INVALID: {
      detail: `${target}: the certificate is for another name`,
      fix: 'Use the host name the certificate names in GOPROXY, or get a certificate with this name in its subjectAltName.',
    },
  };
  const known = table[c];
  if (known) return known;
  if (stage === 'tls') {
    return { detail: `${target}: TLS handshake failed: ${message}`, fix: 'Check the server\'s TLS configuration (protocols, ciphers, certificate) and that the port serves HTTPS.' };
  }
  return { detail: `${target}: ${message}${c ? ` (${c})` : ''}`, fix: 'Check the network path to the mirror (try curl -v against the same URL).' };
}

/** The content type a GOPROXY file should have (goproxy-protocol.md §2.3). */
export type FileKind = 'list' | 'info' | 'latest' | 'mod' | 'zip';

const EXPECTED_TYPE: Record<FileKind, string> = {
  list: 'text/plain',
  mod: 'text/plain',
  info: 'application/json',
  latest: 'application/json',
  zip: 'application/zip',
};

/**
 * Judges a Content-Type on a 200 answer. The go command ignores it, so a
 * mismatch is a warning; but text/html on a 200 almost always means a login
 * page, a captive portal or a catch-all index answered instead of the file.
 */
export function judgeContentType(kind: FileKind, contentType: string | undefined): Pick<CheckResult, 'status' | 'detail' | 'fix'> {
  const want = EXPECTED_TYPE[kind];
  const got = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (got === want || (kind === 'zip' && got === 'application/octet-stream')) return { status: 'ok', detail: contentType ?? '' };
  if (got === 'text/html') {
    return {
      status: 'fail',
      detail: `Content-Type ${contentType}: an HTML page answered instead of the ${kind} file`,
      fix: 'A login page, captive portal or catch-all index is in the way: check the server\'s routing (gomirror nginx renders a config that serves each file as is).',
    };
  }
  return {
    status: 'warn',
    detail: `Content-Type ${contentType ?? '(none)'}, expected ${want}`,
    fix: `The go command ignores it, but a proxy or cache may not: serve .${kind === 'latest' ? 'info/@latest' : kind} as ${want} (gomirror nginx sets the types).`,
  };
}

/** The meaning of a non-200 answer for a file the mirror should have. */
export function adviseStatus(status: number, what: string): { detail: string; fix: string } {
  if (status === 404 || status === 410) {
    return {
      detail: `${what}: HTTP ${status}, not on this mirror (or not readable by the web server)`,
      fix:
        'If the file is in the tree, the web server cannot read it: check permissions and nginx\'s error.log. ' +
        'Otherwise mirror it (add it to the manifest and run gomirror sync), or check the module path and version.',
    };
  }
  if (status === 401 || status === 407) {
    return {
      detail: `${what}: HTTP ${status}, credentials required`,
      fix:
        status === 407
          ? 'The HTTP proxy wants credentials: put them in HTTPS_PROXY (http://user:pass@proxy:3128).'
          : 'Put the credentials in ~/.netrc (machine HOST login USER password PASS); the go command sends them only over https.',
    };
  }
  if (status === 403) {
    return { detail: `${what}: HTTP 403, forbidden`, fix: 'Check the server\'s access rules (allow/deny, file permissions of the tree: nginx must be able to read it).' };
  }
  if (status >= 500) {
    return { detail: `${what}: HTTP ${status}, server error`, fix: 'Look at the server\'s error log (nginx: /var/log/nginx/error.log); an upstream proxy_pass target may be down.' };
  }
  return { detail: `${what}: HTTP ${status}`, fix: 'Only 200 counts as success for the go command: serve the file with status 200.' };
}

/**
 * The HTTP proxy the go command would use for `url` (Go's httpproxy rules):
 * HTTPS_PROXY or HTTP_PROXY by scheme, unless NO_PROXY matches the host
 * (`*`, a host and its subdomains, or `.domain` for subdomains only,
 * optionally with `:port`).
 * Requests to localhost and loopback addresses never go through a proxy.
 */
export function proxyForUrl(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || /^127\./.test(host) || host === '::1') return undefined;
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const proxy = url.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy') : pick('HTTP_PROXY', 'http_proxy');
  if (!proxy) return undefined;
  const noProxy = pick('NO_PROXY', 'no_proxy') ?? '';
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (raw === '*') return undefined;
    const m = /^(.*?)(?::(\d+))?$/.exec(raw);
    const [pattern = '', p] = [m?.[1], m?.[2]];
    if (p !== undefined && p !== port) continue;
    // Go: `y.com` matches y.com and its subdomains, `.y.com` (or `*.y.com`) only the subdomains.
    const dotted = pattern.replace(/^\*\./, '.');
    if (dotted.startsWith('.') ? host.endsWith(dotted) : host === dotted || host.endsWith(`.${dotted}`)) return undefined;
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
