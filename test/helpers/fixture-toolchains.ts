/**
 * Fixture Go toolchains: golang.org/toolchain module versions written by
 * test/fixtures/mktoolchain in the layout of a real Go release (nested go.mod
 * files renamed _go.mod, no root go.mod, executables), checked with
 * golang.org/x/mod/zip and hashed with golang.org/x/mod/sumdb/dirhash. Each
 * bin/go is a shell script answering `go version` like the real one, so a Go
 * 1.21+ client that switches to it prints the fixture's version.
 */
import { spawn } from 'node:child_process';

import { goTool } from './go-tools.js';

/** One toolchain module version: a Go version on one platform. */
export interface ToolchainSpec {
  /** `1.23.4`, `1.24rc1`. */
  go: string;
  /** `linux-amd64`. */
  platform: string;
  time?: string;
  /** Adds lib/blob.bin of this many incompressible bytes (stored, streamed). */
  sizeBytes?: number;
  /** A zip with src/go.mod instead of src/_go.mod, which the module zip rules refuse. */
  nestedGoMod?: boolean;
  /** Leave it out of @v/list. */
  unlisted?: boolean;
}

/** `v0.0.1-go1.23.4.linux-amd64`. */
export const dlVersion = (go: string, platform: string): string => `v0.0.1-go${go}.${platform}`;

/**
 * Writes the toolchains into the GOPROXY tree at `dir` (beside whatever is
 * there; an existing golang.org/toolchain list is extended) and returns the
 * go.sum lines of what was written.
 */
export async function writeToolchains(dir: string, toolchains: ToolchainSpec[]): Promise<string> {
  const bin = await goTool('mktoolchain');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-spec', '-', '-out', dir, '-hashes', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`mktoolchain exited ${code}:\n${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(JSON.stringify({ toolchains }));
  });
}
