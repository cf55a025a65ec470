// Loaded into a kubexm run with `node --import dist/bench/instrument.js` by `npm run bench`: counts
// the SSH work each step does, without touching the product. Every step handler's run is wrapped
// to remember which step is running (AsyncLocalStorage); ssh2's exec, sftp and SFTP requests are
// wrapped to count under that step and to time each command channel. At exit the counts go, as
// JSON, to $KUBEXM_BENCH_COUNT_FILE; with $KUBEXM_BENCH_CAPTURE_FILE set, every command (host,
// step, command line, stdin) is kept there too, so the bench can replay exactly those commands
// over a bare ssh2 connection and see what the same remote work costs without kubexm around it.

import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import '../interpreter/steps/index.js';
import { getStep, stepNames } from '../interpreter/steps/registry.js';

export interface StepCounts {
  /** handler.run calls (one per step, host and loop item) */
  runs: number;
  /** command channels (Client.exec) */
  execs: number;
  /** SFTP sessions opened */
  sftpSessions: number;
  /** SFTP requests (open, write, close, stat, …), each one round trip unless pipelined */
  sftpRequests: number;
  /** channel open → channel close, per command, ms */
  execMs: number[];
}

const require = createRequire(import.meta.url);
const ssh2 = require('ssh2') as typeof import('ssh2');
const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as { SFTP: { prototype: Record<string, unknown> } };

export interface Captured {
  host: string;
  step: string;
  cmd: string;
  stdin: string;
}

const current = new AsyncLocalStorage<string>();
const captured: Captured[] = [];
const capture = !!process.env.KUBEXM_BENCH_CAPTURE_FILE;
const counts = new Map<string, StepCounts>();
const of = (name = current.getStore() ?? '(outside a step)') => {
  let c = counts.get(name);
  if (!c) counts.set(name, (c = { runs: 0, execs: 0, sftpSessions: 0, sftpRequests: 0, execMs: [] }));
  return c;
};

for (const name of stepNames()) {
  const h = getStep(name)!;
  if ((h as { __counted?: boolean }).__counted) continue; // aliases share a handler
  (h as { __counted?: boolean }).__counted = true;
  const run = h.run;
  h.run = (ctx, p) => {
    of(h.name).runs++;
    return current.run(h.name, () => run.call(h, ctx, p));
  };
}

type Fn = (...a: unknown[]) => unknown;
interface Channel {
  once(e: string, f: () => void): void;
  write: Fn;
  end: Fn;
}
const proto = ssh2.Client.prototype as unknown as Record<string, Fn>;

const exec = proto.exec;
proto.exec = function (this: unknown, ...args: unknown[]) {
  const c = of();
  c.execs++;
  const t0 = performance.now();
  const i = args.findIndex((a) => typeof a === 'function');
  const cb = args[i] as Fn;
  const entry: Captured = { host: String((this as { config?: { host?: string } }).config?.host), step: current.getStore() ?? '', cmd: String(args[0]), stdin: '' };
  if (capture) captured.push(entry);
  args[i] = (err: unknown, ch: Channel | undefined) => {
    ch?.once('close', () => c.execMs.push(performance.now() - t0));
    if (ch && capture) {
      const { write, end } = ch;
      const keep = (d: unknown) => {
        if (typeof d === 'string' || Buffer.isBuffer(d)) entry.stdin += d.toString();
      };
      ch.write = (d: unknown, ...rest: unknown[]) => (keep(d), write.call(ch, d, ...rest));
      ch.end = (d?: unknown, ...rest: unknown[]) => (keep(d), end.call(ch, d, ...rest));
    }
    return cb(err, ch);
  };
  return exec.apply(this, args);
};

const sftp = proto.sftp;
proto.sftp = function (this: unknown, ...args: unknown[]) {
  of().sftpSessions++;
  return sftp.apply(this, args);
};

// The methods that put one request on the wire (the others, such as fchmod or writeFile, call these).
// Their callbacks run from socket events, outside the step's async context: binding them to the
// caller's context keeps a chain of requests (open → write → close) counted under its step.
const REQUESTS = ['open', 'close', 'read', 'write', 'fstat', 'stat', 'lstat', 'setstat', 'fsetstat', 'unlink', 'rename', 'mkdir', 'rmdir', 'readdir', 'opendir', 'readlink', 'symlink', 'realpath'];
for (const m of REQUESTS) {
  const orig = SFTP.prototype[m] as Fn;
  SFTP.prototype[m] = function (this: unknown, ...args: unknown[]) {
    of().sftpRequests++;
    return orig.apply(this, args.map((a) => (typeof a === 'function' ? AsyncResource.bind(a as Fn) : a)));
  };
}

process.on('exit', () => {
  const file = process.env.KUBEXM_BENCH_COUNT_FILE;
  if (file) writeFileSync(file, JSON.stringify(Object.fromEntries(counts)));
  if (capture) writeFileSync(process.env.KUBEXM_BENCH_CAPTURE_FILE!, JSON.stringify(captured));
});
