import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '../../../interpreter/steps/wait_for.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

async function listen(onConn?: (s: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn?.(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function freePort(): Promise<number> {
  const l = await listen();
  await l.close();
  return l.port;
}

test('path: waits for a file to appear, for a regex in it, and for it to go', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 'ready');
    setTimeout(() => void writeFile(f, 'booting\n'), 1200);
    setTimeout(() => void writeFile(f, 'booting\nlistening on 6443\n'), 2200);
    const r = await waitFor.run(sysContext(), { path: f, sleep: 0.2, timeout: 20 });
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.changed, false);
    assert.ok((r.elapsed as number) >= 1, `elapsed ${r.elapsed}`);
    const g = await waitFor.run(sysContext(), { path: f, search_regex: 'listening on [0-9]+', sleep: 0.2, timeout: 20 });
    assert.is(g.failed, undefined, String(g.msg));
    setTimeout(() => void rm(f), 1000);
    const a = await waitFor.run(sysContext({ check: true }), { path: f, state: 'absent', sleep: 0.2, timeout: 20 });
    assert.is(a.failed, undefined, 'wait_for runs in check mode too');
  } finally {
    await cleanup(dir);
  }
});

test('path: timeout fails with Ansible’s message and the elapsed time', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 'never');
    const r = await waitFor.run(sysContext(), { path: f, timeout: 1, sleep: 0.3 });
    assert.is(r.failed, true);
    assert.is(r.msg, `Timeout when waiting for file ${f}`);
    assert.ok((r.elapsed as number) >= 1);
    const m = await waitFor.run(sysContext(), { path: f, timeout: 0, msg: 'no luck' });
    assert.is(m.msg, 'no luck');
  } finally {
    await cleanup(dir);
  }
});

test('port: started, stopped, timeout on stop', async () => {
  const l = await listen();
  try {
    const r = await waitFor.run(sysContext(), { port: l.port, timeout: 10 });
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.elapsed, 0);
    const s = await waitFor.run(sysContext(), { port: l.port, state: 'stopped', timeout: 1, sleep: 0.3 });
    assert.is(s.failed, true);
    assert.is(s.msg, `Timeout when waiting for 127.0.0.1:${l.port} to stop.`);
  } finally {
    await l.close();
  }
  const closed = await freePort();
  assert.is((await waitFor.run(sysContext(), { port: closed, state: 'stopped', timeout: 5 })).failed, undefined);
  const t = await waitFor.run(sysContext(), { host: '127.0.0.1', port: closed, timeout: 1, sleep: 0.3, connect_timeout: 1 });
  assert.is(t.failed, true);
  assert.is(t.msg, `Timeout when waiting for 127.0.0.1:${closed}`);
});

test('port: a port that starts listening later', async () => {
  const port = await freePort();
  let l: Awaited<ReturnType<typeof listen>> | undefined;
  const later = new Promise<void>((res) =>
    setTimeout(async () => {
      const sockets = new Set<Socket>();
      const server = createServer((s) => sockets.add(s));
      server.listen(port, '127.0.0.1', () => res());
      l = { server, port, close: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); } };
    }, 1200),
  );
  try {
    const r = await waitFor.run(sysContext(), { port, timeout: 15, sleep: 0.3 });
    assert.is(r.failed, undefined, String(r.msg));
    assert.ok((r.elapsed as number) >= 1);
  } finally {
    await later;
    await l?.close();
  }
});

test('port: search_regex in what the server sends', async () => {
  const l = await listen((s) => s.write('SSH-2.0-kubexm-test\r\n'));
  try {
    const r = await waitFor.run(sysContext(), { port: l.port, search_regex: '^SSH-2\\.0', timeout: 10, connect_timeout: 2 });
    assert.is(r.failed, undefined, String(r.msg));
    const n = await waitFor.run(sysContext(), { port: l.port, search_regex: 'OpenSSH', timeout: 1, connect_timeout: 1, sleep: 0.3 });
    assert.is(n.failed, true);
    assert.is(n.msg, `Timeout when waiting for search string OpenSSH in 127.0.0.1:${l.port}`);
  } finally {
    await l.close();
  }
});

test('drained: no active connections passes, an open connection times out', async () => {
  const l = await listen();
  try {
    assert.is((await waitFor.run(sysContext(), { port: l.port, state: 'drained', timeout: 5 })).failed, undefined);
    const c = createConnection(l.port, '127.0.0.1');
    await new Promise((r) => c.on('connect', r));
    const d = await waitFor.run(sysContext(), { port: l.port, state: 'drained', timeout: 1, sleep: 0.3 });
    c.destroy();
    assert.is(d.failed, true);
    assert.is(d.msg, `Timeout when waiting for 127.0.0.1:${l.port} to drain`);
  } finally {
    await l.close();
  }
});

test('neither port nor path: waits the timeout and succeeds', async () => {
  const t0 = Date.now();
  const r = await waitFor.run(sysContext(), { timeout: 1 });
  assert.is(r.failed, undefined);
  assert.ok(Date.now() - t0 >= 950);
});

test('params and schema', async () => {
  assert.is((await waitFor.run(sysContext(), { port: 1, path: '/x' })).failed, true);
  assert.is((await waitFor.run(sysContext(), { port: 70000 })).failed, true);
  assert.is((await waitFor.run(sysContext(), { path: '/x', state: 'drained' })).failed, true);
  assert.is((await waitFor.run(sysContext(), { host: 'a;b', port: 1 })).failed, true);
  assert.equal(schemaErrors(waitFor, { host: 'h', port: 6443, timeout: 60, delay: 2, state: 'started' }), []);
  assert.ok(schemaErrors(waitFor, { port: 1, path: '/x' }).length > 0);
  assert.ok(schemaErrors(waitFor, { state: 'up' }).length > 0);
});

test.run();
