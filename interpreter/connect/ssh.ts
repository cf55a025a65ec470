import { createReadStream, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { UnreachableError, UserError } from '../errors.js';
import { becomeWrap, envPrefix } from './become.js';
import { knownHostsName, verifyHostKey, type HostKeyChecking } from './knownhosts.js';
import { Semaphore } from './semaphore.js';
import { shq, type Become, type Connection, type ExecOptions, type ExecResult, type PutOptions, type PutSource } from './types.js';

export interface SshOptions {
  address: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  passphrase?: string;
  password?: string;
  /** Use the ssh-agent at SSH_AUTH_SOCK when set. */
  agent?: string;
  /** Connect through this host first (ProxyJump). */
  jump?: SshOptions;
  hostKeyChecking: HostKeyChecking;
  knownHostsFiles: string[];
  /** accept-new records keys here. */
  acceptFile: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Channels open at once (OpenSSH's MaxSessions is 10; SFTP takes one). */
  maxChannels: number;
}

export function defaultSshOptions(address: string): SshOptions {
  const home = os.homedir();
  return {
    address,
    port: 22,
    user: os.userInfo().username,
    agent: process.env.SSH_AUTH_SOCK,
    hostKeyChecking: 'strict',
    knownHostsFiles: [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.kubexm', 'known_hosts')],
    acceptFile: path.join(home, '.kubexm', 'known_hosts'),
    connectTimeoutMs: 20_000,
    keepaliveIntervalMs: 10_000,
    keepaliveCountMax: 3,
    maxChannels: 8,
  };
}

/**
 * One SSH connection per host, opened on first use and kept for the run. Commands run on
 * multiplexed channels, at most `maxChannels` at once; the rest queue.
 */
export class SshConnection implements Connection {
  readonly kind = 'ssh' as const;
  private client?: Promise<Client>;
  private jumpConn?: SshConnection;
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly channels: Semaphore;
  private closed = false;

  constructor(readonly host: string, private readonly o: SshOptions) {
    this.channels = new Semaphore(Math.max(1, o.maxChannels - 1));
  }

  private connect(): Promise<Client> {
    if (this.client) return this.client;
    const attempt = this.open();
    this.client = attempt;
    attempt.catch(() => {
      if (this.client === attempt) this.client = undefined;
    });
    return attempt;
  }

  private async open(): Promise<Client> {
    const o = this.o;
    const cfg: ConnectConfig = {
      host: o.address,
      port: o.port,
      username: o.user,
      readyTimeout: o.connectTimeoutMs,
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: o.keepaliveCountMax,
      agent: o.agent,
      password: o.password,
      passphrase: o.passphrase,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        try {
          verifyHostKey({ host: this.host, name: knownHostsName(o.address, o.port), key, mode: o.hostKeyChecking, files: o.knownHostsFiles, acceptFile: o.acceptFile });
          verify(true);
        } catch (e) {
          this.hostKeyError = e as Error;
          verify(false);
        }
      },
    } as ConnectConfig;
    if (o.privateKeyPath) {
      try {
        cfg.privateKey = readFileSync(o.privateKeyPath);
      } catch (e) {
        throw new UserError(`host ${this.host}: cannot read private key ${o.privateKeyPath}: ${(e as Error).message}`);
      }
    }
    if (o.jump) {
      this.jumpConn ??= new SshConnection(`${this.host} (via ${o.jump.address})`, o.jump);
      cfg.sock = await this.jumpConn.forward(o.address, o.port);
    }
    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (e) => {
        if (!ready) reject(this.hostKeyError ?? new UnreachableError(this.host, `ssh ${o.user}@${o.address}:${o.port}: ${e.message}`));
      });
      client.on('close', () => {
        if (this.client && ready) {
          this.client = undefined;
          this.sftpSession = undefined;
        }
      });
      client.connect(cfg);
    });
  }
  private hostKeyError?: Error;

  /** A TCP stream to address:port opened from this host (ProxyJump). */
  async forward(address: string, port: number): Promise<ClientChannel> {
    const c = await this.connect();
    return new Promise((resolve, reject) =>
      c.forwardOut('127.0.0.1', 0, address, port, (err, stream) => (err ? reject(new UnreachableError(this.host, `jump to ${address}:${port}: ${err.message}`)) : resolve(stream))),
    );
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const full = `${envPrefix(opts.env)}${opts.cwd ? `cd ${shq(opts.cwd)} && ` : ''}${script}`;
    const w = becomeWrap(full, opts.become, opts.stdin, this.o.user);
    return this.channels.use(() => this.withReconnect((c) => this.run(c, `/bin/sh -c ${shq(w.script)}`, w.stdin, opts.timeoutMs)));
  }

  /** A channel that cannot be opened on a dropped connection is retried once on a new one: nothing ran yet. */
  private async withReconnect<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.connect();
    try {
      return await fn(c);
    } catch (e) {
      if (!(e instanceof ChannelOpenError) || this.closed) throw e instanceof ChannelOpenError ? new UnreachableError(this.host, e.message) : e;
      this.client = undefined;
      try {
        return await fn(await this.connect());
      } catch (e2) {
        throw e2 instanceof ChannelOpenError ? new UnreachableError(this.host, e2.message) : e2;
      }
    }
  }

  private run(c: Client, cmd: string, stdin: string | Buffer | undefined, timeoutMs?: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      c.exec(cmd, (err, ch) => {
        if (err) return reject(new ChannelOpenError(`${this.host}: cannot open a channel: ${err.message}`));
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let timedOut = false;
        const timer = timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              ch.close();
            }, timeoutMs)
          : undefined;
        const onDrop = () => reject(new UnreachableError(this.host, `connection to ${this.host} lost while a command was running`));
        c.once('close', onDrop);
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errb.push(d));
        ch.on('close', (code: number | null) => {
          if (timer) clearTimeout(timer);
          c.off('close', onDrop);
          const stderr = Buffer.concat(errb).toString('utf8');
          resolve({
            rc: timedOut ? 124 : code ?? 255,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: timedOut ? `${stderr}command timed out after ${timeoutMs} ms\n` : stderr,
          });
        });
        ch.end(stdin ?? '');
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      const s = this.withReconnect(
        (c) => new Promise<SFTPWrapper>((resolve, reject) => c.sftp((err, sftp) => (err ? reject(new ChannelOpenError(err.message)) : resolve(sftp)))),
      );
      this.sftpSession = s;
      s.catch(() => {
        if (this.sftpSession === s) this.sftpSession = undefined;
      });
    }
    return this.sftpSession;
  }

  /**
   * Uploads to a temp file next to dest (or in /tmp when another user must own the result),
   * then sets mode/owner and renames in one command, so readers never see a partial file.
   */
  async put(src: PutSource, dest: string, opts: PutOptions = {}): Promise<void> {
    const viaSudo = !!opts.become && opts.become.user !== this.o.user;
    const tmp = viaSudo ? `/tmp/.kubexm-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` : `${path.posix.dirname(dest)}/.${path.posix.basename(dest)}.kubexm-${Date.now()}`;
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => {
      const ws = sftp.createWriteStream(tmp, { mode: 0o600 });
      ws.on('error', (e: Error) => reject(new Error(`${this.host}: cannot write ${tmp}: ${e.message}`)));
      ws.on('close', () => resolve());
      if (Buffer.isBuffer(src)) ws.end(src);
      else createReadStream(src.path).on('error', reject).pipe(ws);
    });
    const mode = opts.mode !== undefined ? opts.mode.toString(8) : '644';
    const owner = opts.owner || opts.group ? `chown ${shq(`${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`)} ${shq(tmp)} && ` : '';
    const r = await this.exec(`chmod ${mode} ${shq(tmp)} && ${owner}mv -f ${shq(tmp)} ${shq(dest)} || { rc=$?; rm -f ${shq(tmp)}; exit $rc; }`, { become: opts.become });
    if (r.rc !== 0) throw new Error(`${this.host}: cannot write ${dest}: ${r.stderr.trim()}`);
  }

  async get(src: string, opts: { become?: Become } = {}): Promise<Buffer> {
    if (opts.become && opts.become.user !== this.o.user) {
      const r = await this.exec(`base64 < ${shq(src)}`, { become: opts.become });
      if (r.rc !== 0) throw new Error(`${this.host}: cannot read ${src}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, 'base64');
    }
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.readFile(src, (err, data) => (err ? reject(new Error(`${this.host}: cannot read ${src}: ${err.message}`)) : resolve(data))));
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) (await c.catch(() => undefined))?.end();
    await this.jumpConn?.close();
  }
}

class ChannelOpenError extends Error {}
