import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { UnreachableError } from '../errors.js';
import { becomeWrap, checkBecome } from './become.js';
import { shq, type Become, type Connection, type ExecOptions, type ExecResult, type PutOptions, type PutSource } from './types.js';

const currentUser = userInfo().username;

/** Runs on the control node itself (`ansible_connection: local`). */
export class LocalConnection implements Connection {
  readonly kind = 'local' as const;
  constructor(readonly host: string) {}

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.spawn(script, opts).then((r) => checkBecome(r, opts.become, currentUser, this.host));
  }

  private spawn(script: string, opts: ExecOptions): Promise<ExecResult> {
    const wrapped = becomeWrap(script, opts.become, opts.stdin, currentUser);
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', wrapped.script], {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(new UnreachableError(this.host, `cannot start /bin/sh: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({
          rc: code ?? (signal ? 128 + 9 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: timedOut ? `${stderr}command timed out after ${opts.timeoutMs} ms\n` : stderr,
        });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(wrapped.stdin ?? '');
    });
  }

  async put(src: PutSource, dest: string, opts: PutOptions = {}): Promise<void> {
    const data = Buffer.isBuffer(src) ? src : await fs.readFile(src.path);
    const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.kubexm-${process.pid}-${Date.now()}`);
    if (opts.become && opts.become.user !== currentUser) {
      const mode = opts.mode !== undefined ? ` && chmod ${opts.mode.toString(8)} ${shq(tmp)}` : '';
      const own = opts.owner || opts.group ? ` && chown ${shq(`${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`)} ${shq(tmp)}` : '';
      const r = await this.exec(`cat > ${shq(tmp)}${mode}${own} && mv -f ${shq(tmp)} ${shq(dest)}`, { stdin: data, become: opts.become });
      if (r.rc !== 0) throw new Error(`cannot write ${dest}: ${r.stderr.trim()}`);
      return;
    }
    try {
      await fs.writeFile(tmp, data, { mode: opts.mode ?? 0o644 });
      if (opts.mode !== undefined) await fs.chmod(tmp, opts.mode);
      if (opts.owner || opts.group) {
        const r = await this.exec(`chown ${shq(`${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`)} ${shq(tmp)}`);
        if (r.rc !== 0) throw new Error(r.stderr.trim());
      }
      await fs.rename(tmp, dest);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw new Error(`cannot write ${dest}: ${(e as Error).message}`);
    }
  }

  async get(src: string, opts: { become?: Become } = {}): Promise<Buffer> {
    if (opts.become && opts.become.user !== currentUser) {
      const r = await this.exec(`base64 < ${shq(src)}`, { become: opts.become });
      if (r.rc !== 0) throw new Error(`cannot read ${src}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, 'base64');
    }
    return fs.readFile(src);
  }

  async close(): Promise<void> {}
}
