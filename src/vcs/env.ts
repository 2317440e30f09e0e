import path from 'node:path';

/** Where the go command keeps its repositories and module cache: kept between runs. */
export function vcsDirs(root: string): { base: string; gopath: string; modcache: string; gocache: string; work: string } {
  const base = path.join(root, '.gomirror', 'vcs');
  return {
    base,
    gopath: path.join(base, 'gopath'),
    modcache: path.join(base, 'modcache'),
    gocache: path.join(base, 'gocache'),
    // An empty directory outside any module, so `go` runs in module mode without a main module.
    work: path.join(base, 'work'),
  };
}

export interface GoEnvOptions {
  root: string;
  private: readonly string[];
  noproxy: readonly string[];
  nosumdb: readonly string[];
}

/**
 * The environment of every go command gomirror runs: version control only
 * (GOPROXY=direct), the installed toolchain, a cache under the tree, and never
 * a prompt. Credentials (.netrc, git's credential helpers, insteadOf rules in
 * the git config, SSH agents) reach git through the inherited environment.
 * GOSUMDB is off for the child because gomirror checks the checksum database
 * itself, with the tree's own nosumdb rules, for every version it writes.
 */
export function goEnv(base: NodeJS.ProcessEnv, options: GoEnvOptions): NodeJS.ProcessEnv {
  const dirs = vcsDirs(options.root);
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of Object.keys(env)) {
    // A go.work or a toolchain switch from the caller's shell must not steer the child.
    if (k === 'GOWORK' || k === 'GOTOOLCHAIN' || k === 'GOFLAGS' || k === 'GO111MODULE') delete env[k];
  }
  return {
    ...env,
    GO111MODULE: 'on',
    GOWORK: 'off',
    GOPROXY: 'direct',
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod -modcacherw',
    GOTOOLCHAIN: 'local',
    GOPATH: dirs.gopath,
    GOMODCACHE: dirs.modcache,
    GOCACHE: dirs.gocache,
    GOPRIVATE: options.private.join(','),
    GONOPROXY: options.noproxy.join(','),
    GONOSUMDB: options.nosumdb.join(','),
    GIT_TERMINAL_PROMPT: '0',
  };
}
