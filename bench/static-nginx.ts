/**
 * A plain nginx static server for the benchmark's upstream (deliberately not
 * gomirror's own config: the upstream stands for someone else's proxy).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { requireCommand } from '../test/helpers/go-tools.js';

export interface StaticNginx {
  url: string;
  stop(): Promise<void>;
}

export async function startStaticNginx(root: string, prefix: string): Promise<StaticNginx> {
  const bin = await requireCommand('nginx', 'nginx').catch(() => '/usr/sbin/nginx');
  await mkdir(path.join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  await writeFile(
    conf,
    `${user}worker_processes 2;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/client_temp;
  proxy_temp_path ${prefix}/proxy_temp;
  fastcgi_temp_path ${prefix}/fastcgi_temp;
  uwsgi_temp_path ${prefix}/uwsgi_temp;
  scgi_temp_path ${prefix}/scgi_temp;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`,
  );
  const child = spawn(bin, ['-p', prefix, '-c', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${url}/nonexistent`);
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
      if (i === 99) throw new Error(`nginx did not start: ${await readFile(path.join(prefix, 'logs/error.log'), 'utf8').catch(() => '')}`);
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
