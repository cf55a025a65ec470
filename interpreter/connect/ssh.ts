import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import ssh2, { type AnyAuthMethod, type ClientChannel, type ConnectConfig, type ParsedKey, type SFTPWrapper } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { becomeWrap, checkBecome, envPrefix, SUDO_RETRY } from './become.js';
import { HostKeyError, knownHostsName, preferredHostKeyAlgorithms, verifyHostKey, type HostKeyChecking } from './knownhosts.js';
import { Semaphore } from './semaphore.js';
import { ConnectionLostError, shq, type Become, type Connection, type ExecOptions, type ExecResult, type PutOptions, type PutSource } from './types.js';

// ssh2 is CommonJS: only its default export is reliable under ESM.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

export interface SshOptions {
  address: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  passphrase?: string;
  password?: string;
  /** ssh-agent socket (SSH_AUTH_SOCK by default). */
  agent?: string;
  /** Connect through this host first (ProxyJump); it may have a jump host of its own. */
  jump?: SshOptions;
  hostKeyChecking: HostKeyChecking;
  knownHostsFiles: string[];
  /** accept-new records keys here. */
  acceptFile: string;
  /** TCP connect, key exchange and authentication together. */
  connectTimeoutMs: number;
  /** A keepalive after this much silence; the connection is dead after keepaliveCountMax unanswered ones. */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Session channels open at once, SFTP included (OpenSSH's MaxSessions is 10). */
  maxChannels: number;
}

export function defaultSshOptions(address: string): SshOptions {
  const home = os.homedir();
  return {
    address,
    port: 22,
    user: os.userInfo().username,
    agent: process.env.SSH_AUTH_SOCK || undefined,
    hostKeyChecking: 'strict',
    knownHostsFiles: [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.kubexm', 'known_hosts')],
    acceptFile: path.join(home, '.kubexm', 'known_hosts'),
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 5_000,
    keepaliveCountMax: 3,
    maxChannels: 10,
  };
}

/** The channel could not be opened because the connection is gone: nothing ran, a new connection may be tried. */
class ChannelOpenError extends Error {}
/** The server refused one more channel on a live connection (MaxSessions): wait for one of ours to close. */
class ChannelRefused extends Error {}

/**
 * A timeout the host enforces with timeout(1) (TERM, then KILL 2 s later) where it exists,
 * inside sudo so it acts as the become user: closing a channel does not stop the command it
 * ran, and sshd ignores signal requests once stdin is closed.
 */
function hostTimeout(script: string, timeoutMs: number | undefined): string {
  if (!timeoutMs) return script;
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
  return `if command -v timeout >/dev/null 2>&1; then exec timeout -k 2 ${secs} /bin/sh -c ${shq(script)}; fi\n${script}`;
}

/** ssh2's words for a request that failed because the connection is closed. */
const connectionGone = (e: Error) => /^(No response from server|Not connected)/.test(e.message);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p, or the error `late()` makes once ms have passed. */
function withinMs<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** What an exec channel is fed: a head (sudo's password lines) then bytes or a stream. */
interface Input {
  head?: Buffer;
  body?: Buffer | string | Readable;
  /** sudo reads a password from this input: stop at its first refusal. */
  sudoPassword?: boolean;
}

// Jump hosts are shared: ten hosts behind one bastion use one connection to it.
const jumps = new Map<string, { conn: SshConnection; refs: number }>();
const jumpKey = (o: SshOptions): string => JSON.stringify([o.user, o.address, o.port, o.privateKeyPath ?? '', o.jump ? jumpKey(o.jump) : '']);

function acquireJump(o: SshOptions): SshConnection {
  const key = jumpKey(o);
  let j = jumps.get(key);
  if (!j) {
    j = { conn: new SshConnection(`jump host ${o.user}@${o.address}:${o.port}`, o), refs: 0 };
    jumps.set(key, j);
  }
  j.refs++;
  return j.conn;
}

async function releaseJump(conn: SshConnection): Promise<void> {
  for (const [key, j] of jumps) {
    if (j.conn !== conn) continue;
    if (--j.refs > 0) return;
    jumps.delete(key);
    await conn.close();
  }
}

/**
 * One SSH connection per host, opened on first use and kept for the run. Commands run on
 * multiplexed channels, at most `maxChannels` at once (SFTP counts); the rest queue. A server
 * allowing fewer sessions than that lowers the bound instead of failing the command.
 */
export class SshConnection implements Connection {
  readonly kind = 'ssh' as const;
  private client?: Promise<Client>;
  private jumpConn?: SshConnection;
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly channels: Semaphore;
  private closed = false;
  /** Why the last connection died, when ssh2 said (a keepalive timeout). */
  private lostWhy?: string;

  constructor(
    readonly host: string,
    private readonly o: SshOptions,
    private readonly onRetry?: (why: string) => void,
  ) {
    // One session stays reserved for SFTP, opened on the first upload and kept.
    this.channels = new Semaphore(Math.max(1, o.maxChannels - 1));
  }

  private where(): string {
    return `${this.o.user}@${this.o.address}:${this.o.port}`;
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new UnreachableError(this.host, `${this.host}: connection already closed`));
    if (this.client) return this.client;
    const attempt = this.open(() => {
      if (this.client === attempt) {
        this.client = undefined;
        this.sftpSession = undefined;
      }
    });
    this.client = attempt;
    attempt.catch(() => {
      if (this.client === attempt) this.client = undefined;
    });
    return attempt;
  }

  private auth(): { methods: AnyAuthMethod[]; names: string[] } {
    const o = this.o;
    const methods: AnyAuthMethod[] = [];
    const names: string[] = [];
    if (o.privateKeyPath) {
      let key: ParsedKey | Error;
      try {
        key = utils.parseKey(readFileSync(o.privateKeyPath), o.passphrase);
      } catch (e) {
        throw new UnreachableError(this.host, `${this.host}: cannot read private key ${o.privateKeyPath}: ${(e as Error).message}`);
      }
      if (Array.isArray(key)) key = key[0] as ParsedKey;
      if (key instanceof Error) {
        const hint = /passphrase|encrypted/i.test(key.message) ? ' (set ansible_ssh_private_key_passphrase)' : '';
        throw new UnreachableError(this.host, `${this.host}: cannot use private key ${o.privateKeyPath}: ${key.message}${hint}`);
      }
      methods.push({ type: 'publickey', username: o.user, key });
      names.push(`publickey ${o.privateKeyPath}`);
    }
    if (o.agent) {
      methods.push({ type: 'agent', username: o.user, agent: o.agent });
      names.push('ssh-agent');
    }
    if (o.password !== undefined) {
      const password = o.password;
      methods.push({ type: 'password', username: o.user, password });
      methods.push({
        type: 'keyboard-interactive',
        username: o.user,
        prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : ''))),
      });
      names.push('password');
    }
    if (!methods.length) throw new UnreachableError(this.host, `${this.host}: no way to log in as ${this.where()}: set ansible_ssh_private_key_file or ansible_password, or start ssh-agent`);
    return { methods, names };
  }

  private async open(onLost: () => void): Promise<Client> {
    const o = this.o;
    const name = knownHostsName(o.address, o.port);
    const { methods, names } = this.auth();
    let hostKeyError: HostKeyError | undefined;
    const cfg: ConnectConfig = {
      host: o.address,
      port: o.port,
      username: o.user,
      readyTimeout: o.connectTimeoutMs,
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: o.keepaliveCountMax,
      authHandler: methods,
      hostVerifier: (key: Buffer) => {
        try {
          verifyHostKey({ host: this.host, name, key, mode: o.hostKeyChecking, files: o.knownHostsFiles, acceptFile: o.acceptFile });
          return true;
        } catch (e) {
          hostKeyError = e as HostKeyError;
          return false;
        }
      },
    };
    if (o.hostKeyChecking !== 'off') cfg.algorithms = { serverHostKey: preferredHostKeyAlgorithms(o.knownHostsFiles, name) as never };
    if (o.jump) {
      this.jumpConn ??= acquireJump(o.jump);
      try {
        // The jump host's sshd connects with the kernel's own patience (over two minutes for an
        // address that drops packets): the connect timeout covers that wait too.
        const forwarded = this.jumpConn.forward(o.address, o.port, this.host);
        cfg.sock = await withinMs(forwarded, o.connectTimeoutMs, () => {
          forwarded.then((late) => late.close(), () => undefined);
          return new UnreachableError(this.host, `ssh ${this.where()} via ${o.jump!.address}: no connection within the connect timeout of ${o.connectTimeoutMs / 1000} s`);
        });
      } catch (e) {
        // The jump host's own failure, reported for this host (it is what cannot be reached).
        if (e instanceof UnreachableError && e.host !== this.host) throw new UnreachableError(this.host, `${this.host}: through ${e.message}`);
        throw e;
      }
    }
    const client = new Client();
    client.setMaxListeners(0);
    this.lostWhy = undefined;
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (e: Error & { level?: string }) => {
        if (ready) {
          // A running command learns of it through 'close'; the reason goes into its message.
          if (e.level === 'client-timeout') this.lostWhy = `no answer to ${o.keepaliveCountMax} keepalives sent every ${o.keepaliveIntervalMs / 1000} s`;
          return;
        }
        if (hostKeyError) return reject(hostKeyError);
        const why =
          e.level === 'client-authentication'
            ? `permission denied (tried ${names.join(', ')})`
            : e.level === 'client-timeout'
              ? `no connection within the connect timeout of ${o.connectTimeoutMs / 1000} s (${e.message})`
              : e.message;
        reject(new UnreachableError(this.host, `ssh ${this.where()}${o.jump ? ` via ${o.jump.address}` : ''}: ${why}`));
      });
      client.on('close', () => {
        if (!ready) reject(hostKeyError ?? new UnreachableError(this.host, `ssh ${this.where()}: connection closed during the handshake`));
        onLost();
      });
      client.connect(cfg);
      // Small request packets back to back: Nagle's algorithm against delayed ACKs would add up
      // to 40 ms to every command.
      client.setNoDelay(true);
    });
  }

  /** A TCP stream to address:port opened from this host (ProxyJump). */
  async forward(address: string, port: number, forHost: string): Promise<ClientChannel> {
    const c = await this.connect();
    return new Promise((resolve, reject) => {
      try {
        c.forwardOut('127.0.0.1', 0, address, port, (err, stream) =>
          err ? reject(new UnreachableError(forHost, `${forHost}: ${this.host} cannot reach ${address}:${port}: ${err.message}`)) : resolve(stream),
        );
      } catch (e) {
        reject(new UnreachableError(forHost, `${forHost}: ${this.host}: ${(e as Error).message}`));
      }
    });
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const full = hostTimeout(`${envPrefix(opts.env)}${opts.cwd ? `cd ${shq(opts.cwd)} && ` : ''}${script}`, opts.timeoutMs);
    const w = becomeWrap(full, opts.become, opts.stdin, this.o.user);
    const sudoPassword = w.script !== full && !!opts.become?.password;
    return this.command(w.script, { body: w.stdin, sudoPassword }, opts.timeoutMs).then((r) => checkBecome(r, opts.become, this.o.user, this.host));
  }

  /** Runs a script under /bin/sh whatever the login shell. */
  private command(script: string, input: Input, timeoutMs?: number): Promise<ExecResult> {
    return this.withChannel((c) => this.run(c, `/bin/sh -c ${shq(script)}`, input, timeoutMs));
  }

  /**
   * Runs fn with a channel slot and a live client. A channel that could not be opened because
   * the connection dropped is retried once on a new connection (nothing ran yet); one the server
   * refused waits for another of ours to close, under a lower bound from then on.
   */
  private async withChannel<T>(fn: (c: Client) => Promise<T>, slot = true): Promise<T> {
    let reconnected = false;
    let sftpClosed = false;
    let refused = 0;
    for (;;) {
      let client: Client | undefined;
      const attempt = async () => {
        client = await this.connect();
        return await fn(client);
      };
      try {
        return await (slot ? this.channels.use(attempt) : attempt());
      } catch (e) {
        if (e instanceof ChannelRefused) {
          // sshd frees a session only after the packets that closed it, so an open that follows
          // a close at once is often refused: a few quick retries absorb that. Refused still,
          // the server allows fewer sessions than we use: lower the bound to what is open.
          if (++refused <= 4) {
            await sleep(2 ** refused);
            continue;
          }
          refused = 0;
          if (!slot && this.channels.active > 0) {
            // SFTP refused: every session the server allows runs a command. Give one up for good
            // and wait for it like a command would.
            this.channels.shrink(this.channels.active - 1);
            slot = true;
            continue;
          }
          if (this.channels.active > 0) {
            this.channels.shrink(this.channels.active);
            continue;
          }
          if (slot && this.sftpSession && !sftpClosed) {
            sftpClosed = true;
            await this.closeSftp();
            continue;
          }
          throw new UnreachableError(this.host, `${this.host}: the server refuses to open a session: ${e.message}`);
        }
        if (e instanceof ChannelOpenError) {
          if (!reconnected && !this.closed) {
            reconnected = true;
            this.dropClient(client);
            continue;
          }
          throw new UnreachableError(this.host, `${this.host}: ${e.message}`);
        }
        throw e;
      }
    }
  }

  /** Forgets a client that failed (if it is still the current one), so the next use reconnects. */
  private dropClient(c: Client | undefined): void {
    const current = this.client;
    if (!current || !c) return;
    void current.then((cur) => {
      if (cur === c && this.client === current) {
        this.client = undefined;
        this.sftpSession = undefined;
        c.end();
      }
    }, () => undefined);
  }

  private run(c: Client, cmd: string, input: Input, timeoutMs?: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const opened = (err: (Error & { reason?: number | string }) | undefined, ch: ClientChannel) => {
        if (err) {
          // The server answered (with a reason code; OpenSSH says 2, "open failed", at MaxSessions):
          // the connection is alive. Without one, the connection is gone.
          if (typeof err.reason === 'number' || !connectionGone(err)) return reject(new ChannelRefused(err.message));
          return reject(new ChannelOpenError(`cannot open a channel: ${err.message}`));
        }
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let timedOut = false;
        let lost = false;
        // The host enforces the timeout (hostTimeout); this is the backstop for a host that does
        // not answer once it has passed.
        const timer = timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              ch.close();
              resolve({ rc: 124, stdout: Buffer.concat(out).toString('utf8'), stderr: `${Buffer.concat(errb).toString('utf8')}command timed out after ${timeoutMs} ms\n` });
            }, timeoutMs + 5_000)
          : undefined;
        const onDrop = () => {
          lost = true;
          if (timer) clearTimeout(timer);
          const why = this.lostWhy ? ` (${this.lostWhy})` : '';
          reject(new ConnectionLostError(this.host, `${this.host}: connection to ${this.where()} lost while a command was running${why}`));
        };
        c.once('close', onDrop);
        ch.on('data', (d: Buffer) => out.push(d));
        let settled = false;
        let errHead = '';
        ch.stderr.on('data', (d: Buffer) => {
          errb.push(d);
          if (!input.sudoPassword || settled || errHead.length >= 512) return;
          errHead += d.toString('utf8');
          if (SUDO_RETRY.test(errHead)) {
            // A wrong become password: answer now rather than after sudo's remaining attempts.
            settled = true;
            if (timer) clearTimeout(timer);
            c.off('close', onDrop);
            // sudo ends by itself: its next attempts read the marker line and then end of input.
            ch.close();
            resolve({ rc: 1, stdout: '', stderr: Buffer.concat(errb).toString('utf8') });
          }
        });
        ch.on('error', () => undefined);
        ch.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          c.off('close', onDrop);
          // A command that ended without reading all its input leaves the file stream open.
          if (input.body && typeof input.body === 'object' && !Buffer.isBuffer(input.body)) input.body.destroy();
          if (lost || settled || timedOut) return;
          const stderr = Buffer.concat(errb).toString('utf8');
          const rc = code ?? (signal ? 128 + 9 : 255);
          // 124: timeout(1) stopped it; 137: it had to kill it after the grace period.
          const expired = timeoutMs !== undefined && (rc === 124 || rc === 137);
          resolve({ rc, stdout: Buffer.concat(out).toString('utf8'), stderr: expired ? `${stderr}command timed out after ${timeoutMs} ms\n` : stderr });
        });
        if (input.head) ch.write(input.head);
        const body = input.body;
        if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) ch.end(body ?? '');
        else {
          body.on('error', (e) => {
            errb.push(Buffer.from(`cannot read the local file: ${e.message}\n`));
            ch.close();
          });
          body.pipe(ch);
        }
      };
      try {
        c.exec(cmd, opened);
      } catch (e) {
        reject(new ChannelOpenError((e as Error).message));
      }
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      const s = this.withChannel(
        (c) =>
          new Promise<SFTPWrapper>((resolve, reject) => {
            try {
              c.sftp((err, sftp) => {
                if (err) return reject(typeof (err as Error & { reason?: number }).reason === 'number' ? new ChannelRefused(err.message) : new ChannelOpenError(err.message));
                sftp.on('close', () => {
                  if (this.sftpSession === s) this.sftpSession = undefined;
                });
                resolve(sftp);
              });
            } catch (e) {
              reject(new ChannelOpenError((e as Error).message));
            }
          }),
        false,
      );
      this.sftpSession = s;
      s.catch(() => {
        if (this.sftpSession === s) this.sftpSession = undefined;
      });
    }
    return this.sftpSession;
  }

  private async closeSftp(): Promise<void> {
    const s = this.sftpSession;
    this.sftpSession = undefined;
    (await s?.catch(() => undefined))?.end();
  }

  /**
   * Writes dest atomically: the bytes go to a temp file beside it, which gets its mode and owner
   * and is renamed over dest in one command. As the login user the bytes travel over SFTP; when
   * another user must write (become), they are streamed through sudo on the command's stdin,
   * so no copy waits in /tmp and any become user can write them.
   */
  async put(src: PutSource, dest: string, opts: PutOptions = {}): Promise<void> {
    const viaSudo = !!opts.become && opts.become.user !== this.o.user;
    const tmp = `${path.posix.dirname(dest)}/.${path.posix.basename(dest)}.kubexm-${randomBytes(6).toString('hex')}`;
    const mode = (opts.mode ?? 0o644).toString(8);
    const own = opts.owner || opts.group ? `chown -- ${shq(`${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`)} "$t" && ` : '';
    const finish = `chmod ${mode} "$t" && ${own}mv -f -- "$t" ${shq(dest)}`;
    const fail = (why: string) => new Error(`${this.host}: cannot write ${dest}: ${why}`);
    if (viaSudo) {
      // A connection lost mid-stream ends cat's input early as if it were complete: only the
      // whole length is renamed into place; anything shorter goes with the trap.
      const size = Buffer.isBuffer(src) ? src.length : statSync(src.path).size;
      const script = `t=${shq(tmp)}; trap 'rm -f -- "$t"' EXIT; umask 077; cat > "$t" && [ "$(wc -c < "$t")" -eq ${size} ] && ${finish}`;
      const w = becomeWrap(script, opts.become, undefined, this.o.user);
      const body = Buffer.isBuffer(src) ? src : createReadStream(src.path);
      const input = { head: w.stdin as Buffer | undefined, body, sudoPassword: !!opts.become?.password };
      const r = checkBecome(await this.command(w.script, input), opts.become, this.o.user, this.host);
      if (r.rc !== 0) throw fail(r.stderr.trim());
      return;
    }
    await this.upload(src, tmp).catch((e: Error) => {
      throw e instanceof UnreachableError ? e : fail(e.message);
    });
    const r = await this.exec(`t=${shq(tmp)}; ${finish} || { rc=$?; rm -f -- "$t"; exit $rc; }`);
    if (r.rc !== 0) throw fail(r.stderr.trim());
  }

  /**
   * Runs an SFTP operation; one that fails because the connection went away (between steps,
   * say) is tried once more on a new one: it only ever writes a temp file or reads.
   */
  private async withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const session = this.sftp();
      try {
        return await fn(await session);
      } catch (e) {
        if (e instanceof UnreachableError || !connectionGone(e as Error)) throw e;
        if (this.sftpSession === session) this.sftpSession = undefined;
        if (attempt > 1 || this.closed) throw new UnreachableError(this.host, `${this.host}: connection to ${this.where()} lost during a file transfer`);
        this.onRetry?.(`connection to ${this.where()} lost during a file transfer; reconnected and transferred it again`);
      }
    }
  }

  /** SFTP upload to a new file (mode 0600 until put sets the real one); files from disk in parallel chunks. */
  private upload(src: PutSource, remote: string): Promise<void> {
    return this.withSftp(
      (sftp) =>
        new Promise<void>((resolve, reject) => {
          // ssh2's fastPut never calls back when the connection drops mid-transfer (its error path
          // closes the remote handle on the dead channel and waits for an answer): the session's
          // end settles the upload instead, as a lost connection.
          let settled = false;
          const gone = () => done(new Error('No response from server (the SFTP session ended during the transfer)'));
          const done = (err?: Error | null) => {
            if (settled) return;
            settled = true;
            sftp.off('end', gone).off('close', gone);
            if (err) reject(err);
            else resolve();
          };
          sftp.once('end', gone).once('close', gone);
          if (Buffer.isBuffer(src)) sftp.writeFile(remote, src, { mode: 0o600 }, done);
          else sftp.fastPut(src.path, remote, { mode: 0o600, concurrency: 32, chunkSize: 64 * 1024, fileSize: statSync(src.path).size }, done);
        }),
    );
  }

  async get(src: string, opts: { become?: Become } = {}): Promise<Buffer> {
    if (opts.become && opts.become.user !== this.o.user) {
      const r = await this.exec(`base64 < ${shq(src)}`, { become: opts.become });
      if (r.rc !== 0) throw new Error(`${this.host}: cannot read ${src}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, 'base64');
    }
    try {
      return await this.withSftp(
        (sftp) =>
          new Promise<Buffer>((resolve, reject) => {
            // As for uploads: readFile's error path closes the handle on the dead channel and
            // waits for an answer that never comes; the session's end settles it instead.
            const gone = () => reject(new Error('No response from server (the SFTP session ended during the transfer)'));
            sftp.once('end', gone).once('close', gone);
            sftp.readFile(src, (err, data) => {
              sftp.off('end', gone).off('close', gone);
              if (err) reject(err);
              else resolve(data);
            });
          }),
      );
    } catch (e) {
      throw e instanceof UnreachableError ? e : new Error(`${this.host}: cannot read ${src}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    if (c) (await c.catch(() => undefined))?.end();
    if (this.jumpConn) await releaseJump(this.jumpConn);
    this.jumpConn = undefined;
  }
}
