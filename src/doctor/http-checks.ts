import { escapePath, escapeVersion, isValidSemver, parseVersionQuery, selectVersions } from '../module/index.js';
import { parseInfo } from '../mirror/index.js';
import { adviseNetworkError, adviseStatus, judgeContentType, type FileKind } from './advice.js';
import type { CheckResult, DoctorProbes, HttpAnswer } from './types.js';

export interface HttpCheckContext {
  base: string;
  probes: DoctorProbes;
  timeoutMs: number;
  via?: string;
  authorization?: string;
}

/** GETs one URL and turns every way it can go wrong into a check result. */
async function fetchChecked(
  ctx: HttpCheckContext,
  id: string,
  title: string,
  url: string,
  maxBytes: number,
): Promise<{ check: CheckResult; answer?: HttpAnswer }> {
  try {
    const answer = await ctx.probes.get(url, {
      timeoutMs: ctx.timeoutMs,
      maxBytes,
      ...(ctx.via ? { via: ctx.via } : {}),
      ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
    });
    return { check: { id, title, status: 'ok', detail: `HTTP ${answer.status}`, ms: answer.ttfbMs }, answer };
  } catch (err) {
    const e = err as Error & { code?: string };
    const advice = adviseNetworkError('http', e.code, url, e.message);
    return { check: { id, title, status: 'fail', ...advice } };
  }
}

/**
 * A module the mirror cannot have must get 404 or 410: anything else
 * (403, 500, a 200 catch-all page) stops the go command from trying the
 * next GOPROXY entry and breaks its probing of path prefixes.
 */
export async function checkNotFound(ctx: HttpCheckContext): Promise<CheckResult> {
  const url = `${ctx.base}/gomirror-doctor.invalid/no-such-module/@v/list`;
  const { check, answer } = await fetchChecked(ctx, 'http-notfound', 'not-found answer', url, 4096);
  if (!answer) return check;
  if (answer.status === 404 || answer.status === 410) {
    return { ...check, detail: `HTTP ${answer.status} for a module it does not have` };
  }
  if (answer.status === 200) {
    return {
      ...check,
      status: 'fail',
      detail: `HTTP 200 (${answer.contentType ?? 'no content type'}) for a module that cannot exist`,
      fix: 'A catch-all (an index page, try_files fallback, SPA rewrite) answers every path: missing files must get 404.',
    };
  }
  const advice = adviseStatus(answer.status, 'a missing module');
  return {
    ...check,
    status: 'fail',
    detail: `${advice.detail}; the go command needs 404 or 410 here to move on to the next GOPROXY entry`,
    fix: answer.status === 401 ? advice.fix : 'Answer 404 for files the mirror does not have (never 403 or 5xx).',
  };
}

/**
 * Fetches list, .info, .mod and .zip of module (at `version`, else the
 * version `latest` selects from the list, else `@latest`) and checks status,
 * content type and that each body is what it claims to be.
 */
export async function checkModuleFiles(ctx: HttpCheckContext, module: string, version?: string): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const mod = `${ctx.base}/${wire(escapePath(module))}`;
  const list = await checkFile(ctx, 'list', `${mod}/@v/list`, `${module} list`, (body) => {
    const bad = body
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter((v) => v !== '' && !isValidSemver(v));
    return bad.length > 0 ? `lines that are not versions: ${bad.slice(0, 3).join(', ')}` : undefined;
  });
  checks.push(list.check);
  let v = version;
  if (v === undefined && list.answer?.status === 200) {
    const versions = list.answer.body.toString('utf8').split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((x) => isValidSemver(x));
    v = selectVersions(module, parseVersionQuery('latest'), versions).at(-1);
    if (v !== undefined) list.check.detail += `, ${versions.length} versions, latest ${v}`;
  }
  if (v === undefined) {
    const latest = await checkFile(ctx, 'latest', `${mod}/@latest`, `${module}@latest`, (body) => infoProblem(body));
    checks.push(latest.check);
    if (latest.answer?.status === 200) v = tryVersion(latest.answer.body);
    if (v === undefined) return checks;
  }
  const at = `${mod}/@v/${wire(escapeVersion(v))}`;
  const wanted = v;
  checks.push((await checkFile(ctx, 'info', `${at}.info`, `${module}@${v}.info`, (body) => infoProblem(body, wanted))).check);
  checks.push(
    (await checkFile(ctx, 'mod', `${at}.mod`, `${module}@${v}.mod`, (body) => (/^\s*module\s/m.test(body.toString('utf8')) ? undefined : 'no module line: not a go.mod file'))).check,
  );
  checks.push(
    (await checkFile(ctx, 'zip', `${at}.zip`, `${module}@${v}.zip`, (body) => (body.subarray(0, 4).equals(ZIP_MAGIC) ? undefined : 'does not start like a zip file'))).check,
  );
  return checks;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function checkFile(
  ctx: HttpCheckContext,
  kind: FileKind,
  url: string,
  what: string,
  bodyProblem: (body: Buffer) => string | undefined,
): Promise<{ check: CheckResult; answer?: HttpAnswer }> {
  // A zip is judged by its first bytes; nothing else is large.
  const got = await fetchChecked(ctx, kind, what, url, kind === 'zip' ? 65_536 : 1 << 20);
  const { check, answer } = got;
  if (!answer) return got;
  if (answer.status !== 200) return { check: { ...check, status: 'fail', ...adviseStatus(answer.status, what), http: answer.status }, answer };
  const type = judgeContentType(kind, answer.contentType);
  const problem = bodyProblem(answer.body);
  const size = answer.contentLength !== undefined ? `, ${answer.contentLength} bytes` : '';
  if (problem !== undefined) {
    const html = type.status === 'fail' ? ` (${type.detail})` : '';
    return {
      check: { ...check, status: 'fail', detail: `HTTP 200 but the body is wrong: ${problem}${html}`, fix: type.fix ?? 'Serve the file itself, unchanged.' },
      answer,
    };
  }
  const detail = `HTTP 200, ${answer.contentType ?? 'no content type'}${size}`;
  if (type.status !== 'ok') return { check: { ...check, status: type.status, detail: `${detail}: ${type.detail}`, ...(type.fix ? { fix: type.fix } : {}) }, answer };
  return { check: { ...check, detail }, answer };
}

function infoProblem(body: Buffer, wanted?: string): string | undefined {
  try {
    parseInfo(body, 'info', wanted);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^info: /, '');
  }
}

function tryVersion(body: Buffer): string | undefined {
  try {
    return parseInfo(body, '@latest').Version;
  } catch {
    return undefined;
  }
}

/** `!` travels as %21, as the go command sends it. */
function wire(escaped: string): string {
  return escaped.replaceAll('!', '%21');
}

/** `/sumdb/<name>/supported`: 200 sends every checksum lookup to the mirror; 404/410 sends the go command to the database itself. */
export async function checkSumdb(ctx: HttpCheckContext, name: string): Promise<CheckResult[]> {
  const { check, answer } = await fetchChecked(ctx, 'sumdb', `sumdb ${name}`, `${ctx.base}/sumdb/${name}/supported`, 4096);
  if (!answer) return [check];
  if (answer.status === 404 || answer.status === 410) {
    return [
      {
        ...check,
        status: 'warn',
        http: answer.status,
        detail: `HTTP ${answer.status}: the mirror does not serve the checksum database; the go command contacts https://${name} directly for hashes missing from go.sum, which hangs behind a firewall`,
        fix: `Mirror it (gomirror sync --sumdb ${name}), or set GONOSUMDB for private modules / GOSUMDB=off where go.sum files are trusted`,
      },
    ];
  }
  if (answer.status !== 200) {
    return [{ ...check, status: 'fail', detail: `HTTP ${answer.status}: any answer but 200, 404 or 410 makes every checksum lookup fail`, fix: adviseStatus(answer.status, 'supported').fix }];
  }
  // 200 commits the go command to the mirror for every lookup: the signed tree head must be there too.
  const latest = await fetchChecked(ctx, 'sumdb-latest', `sumdb ${name} latest`, `${ctx.base}/sumdb/${name}/latest`, 1 << 16);
  const ok: CheckResult = { ...check, detail: 'HTTP 200: checksum lookups go to the mirror' };
  if (!latest.answer) return [ok, latest.check];
  if (latest.answer.status !== 200) {
    return [ok, { ...latest.check, status: 'fail', detail: `HTTP ${latest.answer.status}: supported says yes, but there is no signed tree head`, fix: `Run gomirror sync --sumdb ${name} again, or remove sumdb/${name}/supported` }];
  }
  const text = latest.answer.body.toString('utf8');
  // A signed note: `go.sum database tree\n<size>\n<hash>\n\n— <name> <signature>`.
  const signed = text.startsWith('go.sum database tree\n') && text.includes(`\n\n— ${name} `);
  return [ok, signed ? { ...latest.check, detail: 'a signed tree head' } : { ...latest.check, status: 'fail', detail: 'not a signed note', fix: `Run gomirror sync --sumdb ${name} again` }];
}
