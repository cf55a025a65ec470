// A real HTTP server on 127.0.0.1 for the artifact tests: serves fixed bodies by path, can reset
// the first request of a path (a flaky network), fail with a status, or redirect.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body?: string | Buffer;
  status?: number;
  /** Reset the connection on the first N requests of this path. */
  resetFirst?: number;
  redirect?: string;
}

export interface TestServer {
  base: string;
  routes: Map<string, Route>;
  /** Every path requested, in order. */
  hits: string[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const hits: string[] = [];
  const resets = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const p = req.url ?? '';
    hits.push(p);
    const r = routes.get(p);
    if (!r) return void res.writeHead(404).end('not found');
    const done = resets.get(p) ?? 0;
    if (r.resetFirst && done < r.resetFirst) {
      resets.set(p, done + 1);
      return void req.socket.destroy();
    }
    if (r.redirect) return void res.writeHead(302, { location: r.redirect }).end();
    if (r.status && r.status !== 200) return void res.writeHead(r.status).end('error');
    const body = r.body ?? '';
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
