/**
 * The setup many e2e suites share: the basic fixture upstream served over
 * HTTP on 127.0.0.1, and a scratch directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixtureServer, type FixtureServer } from './fixture-server.js';
import { basicSpec, buildUpstream, type Upstream } from './fixture-upstream.js';

export interface ServedBasic {
  upstream: Upstream;
  server: FixtureServer;
  /** A fresh directory under the system temp dir. */
  work: string;
  /** Stops the server and removes the upstream and `work`. */
  close(): Promise<void>;
}

export async function serveBasicUpstream(workPrefix: string): Promise<ServedBasic> {
  const upstream = await buildUpstream(basicSpec());
  let server: FixtureServer | undefined;
  try {
    server = await startFixtureServer({ root: upstream.dir });
    const work = await mkdtemp(path.join(tmpdir(), workPrefix));
    const s = server;
    return {
      upstream,
      server: s,
      work,
      async close() {
        await s.close();
        await upstream.cleanup();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server?.close();
    await upstream.cleanup();
    throw err;
  }
}
