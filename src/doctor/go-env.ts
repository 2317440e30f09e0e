/**
 * The Go settings the go command would use on this machine: the process
 * environment over the file `go env -w` writes. With the go command on PATH,
 * `go env -json` answers (it knows every rule); without it, gomirror reads the
 * file itself: `$GOENV`, else `os.UserConfigDir()/go/env`, as the go command
 * locates it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The go env variables doctor looks at. */
export const GO_ENV_KEYS = ['GOPROXY', 'GONOPROXY', 'GOPRIVATE', 'GOSUMDB', 'GONOSUMDB', 'GOFLAGS', 'GOINSECURE'] as const;

export interface GoEnvResult {
  /** `env` with the go settings filled in from `go env` or the go env file. */
  env: NodeJS.ProcessEnv;
  /** Where the settings came from: `go env`, the file, or the environment alone. */
  source: string;
}

/** `os.UserConfigDir()` of Go: $XDG_CONFIG_HOME or $HOME/.config; Application Support on macOS; %AppData% on Windows. */
export function userConfigDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') return env.AppData || undefined;
  if (platform === 'darwin') return env.HOME ? path.join(env.HOME, 'Library/Application Support') : undefined;
  if (env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)) return env.XDG_CONFIG_HOME;
  return env.HOME ? path.join(env.HOME, '.config') : undefined;
}

/** The go env file: $GOENV (`off` for none), else userConfigDir()/go/env. */
export function goEnvFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.GOENV !== undefined && env.GOENV !== '') return env.GOENV === 'off' ? undefined : env.GOENV;
  const dir = userConfigDir(env, platform);
  return dir ? path.join(dir, 'go/env') : undefined;
}

/** Parses the go env file (`KEY=VALUE` lines, as `go env -w` writes them). Pure. */
export function parseGoEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (line === '' || line.startsWith('#') || eq <= 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The settings from `go env -json`, or undefined when there is no go command. */
async function fromGoCommand(env: NodeJS.ProcessEnv): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    execFile('go', ['env', '-json', ...GO_ENV_KEYS], { env, timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as Record<string, string>);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * The effective go settings. A variable set in the environment wins over the
 * file, as for the go command; `go env` already applies that rule.
 */
export async function loadGoEnv(env: NodeJS.ProcessEnv, options: { useGoCommand?: boolean } = {}): Promise<GoEnvResult> {
  const fromGo = options.useGoCommand === false ? undefined : await fromGoCommand(env);
  if (fromGo) {
    const merged: NodeJS.ProcessEnv = { ...env };
    for (const k of GO_ENV_KEYS) if (fromGo[k] !== undefined && fromGo[k] !== '') merged[k] = fromGo[k];
    return { env: merged, source: 'go env' };
  }
  const file = goEnvFile(env);
  const text = file ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
  if (!file || text === undefined) return { env, source: 'the environment (no go command, no go env file)' };
  const values = parseGoEnvFile(text);
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const k of GO_ENV_KEYS) {
    if ((env[k] === undefined || env[k] === '') && values[k] !== undefined) merged[k] = values[k];
  }
  return { env: merged, source: file };
}

