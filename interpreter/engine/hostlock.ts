// A lock file on each host while a run lives, so two runs from two copies of cluster.yaml never
// change the same host at once (the local run lock only covers one work dir). As k0sctl does it:
// /run/kubexm/lock (tmpfs: a reboot clears it) is created without clobbering at the first contact,
// touched every 10 s while the run lives and removed at the end. Another run's file fresher than
// 30 s refuses this run on that host; an older one belongs to a run that is gone and is taken over.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { UnreachableError } from '../errors.js';
import { shq, type Become, type Connection, type ExecOptions, type ExecResult, type PutOptions, type PutSource } from '../connect/types.js';

export const HOST_LOCK_FILE = '/run/kubexm/lock';

/** The lock's path on hosts; KUBEXM_HOST_LOCK_FILE moves it (a test knob, like the timings). */
export const lockFile = (): string => process.env.KUBEXM_HOST_LOCK_FILE || HOST_LOCK_FILE;

/** Seconds after its last refresh that a lock counts as abandoned; the refresh period. Test knobs: env. */
export function lockTimings(): { staleS: number; refreshS: number } {
  const num = (v: string | undefined, d: number) => (v !== undefined && Number(v) > 0 ? Number(v) : d);
  return { staleS: num(process.env.KUBEXM_HOST_LOCK_STALE_S, 30), refreshS: num(process.env.KUBEXM_HOST_LOCK_REFRESH_S, 10) };
}

/** The control machine's id (the host name where there is none, as in some containers). */
function machineId(): string {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim() || os.hostname();
  } catch {
    return os.hostname();
  }
}

/** This run's id: the control machine's id and the process id (as k0sctl's). */
export function hostLockId(): string {
  return `${machineId()}-${process.pid}`;
}

/** The id of a run of this machine whose process is gone: its lock need not wait to go stale. */
function deadHere(info: string | undefined): string | undefined {
  try {
    const o = JSON.parse(info ?? '') as { id?: unknown; pid?: unknown };
    const id = String(o.id);
    const pid = Number(o.pid);
    if (id !== `${machineId()}-${pid}` || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    try {
      process.kill(pid, 0);
      return undefined; // alive (or its pid reused): the lock goes stale the usual way
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH' ? id : undefined;
    }
  } catch {
    return undefined;
  }
}

/** Another live run holds the lock: this host fails (not unreachable: it answered). */
export class HostLockedError extends Error {}

export interface HostLockInfo {
  id: string;
  /** What the refusal of a second run tells its user about this one. */
  command?: string;
}

const LOCK_SCRIPT = `d=\${f%/*}
mkdir -p "$d" && chmod 0700 "$d" || exit 3
age() { echo $(( $(date +%s) - $(stat -c %Y "$1" 2>/dev/null || date +%s) )); }
n=0; took=
while [ $n -lt 100 ]; do
  n=$((n + 1))
  if (set -C; printf '%s\\n%s\\n' "$id" "$info" > "$f") 2>/dev/null; then printf '%s' "$took"; echo acquired; exit 0; fi
  holder=$(sed -n 1p "$f" 2>/dev/null) || continue
  if [ "$holder" = "$id" ]; then touch "$f"; echo acquired; exit 0; fi
  a=$(age "$f")
  if [ "$a" -le "$stale" ] && [ "$holder" != "$dead" ]; then echo "held $a"; sed -n 2p "$f"; exit 1; fi
  # Abandoned. It is removed under a mutex (mkdir), after a second look, so two runs taking it
  # over cannot remove each other's new file; whoever then creates it first (set -C) has it.
  m="$d/.takeover"
  if mkdir "$m" 2>/dev/null; then
    if [ "$(sed -n 1p "$f" 2>/dev/null)" = "$holder" ] && { [ "$(age "$f")" -gt "$stale" ] || [ "$holder" = "$dead" ]; }; then
      if [ "$holder" = "$dead" ]; then w=dead; else w=stale; fi
      took="$w $(age "$f")
$(sed -n 2p "$f")
"
      rm -f "$f"
    fi
    rmdir "$m"
  else
    # A run killed while it held the mutex leaves it behind: an old one is cleared.
    [ "$(age "$m")" -gt 10 ] && rmdir "$m" 2>/dev/null
    sleep 0.1
  fi
done
echo busy; exit 1`;

const REFRESH_SCRIPT = `[ "$(sed -n 1p "$f" 2>/dev/null)" = "$id" ] && touch "$f" && echo held || echo lost`;
const RELEASE_SCRIPT = `[ "$(sed -n 1p "$f" 2>/dev/null)" = "$id" ] && rm -f "$f"; true`;

export interface HostLockHooks {
  warn(msg: string): void;
  /** The host was lost: releasing would only wait for a connect timeout; the file goes stale. */
  gone(): boolean;
}

/** "id …, host …, pid …, started …" out of the JSON a lock file's second line holds. */
function describe(line: string | undefined): string {
  try {
    const o = JSON.parse(line ?? '') as Record<string, unknown>;
    return `run ${String(o.id)} (host ${String(o.host)}, pid ${String(o.pid)}, started ${String(o.started)}${o.command ? `, ${String(o.command)}` : ''})`;
  } catch {
    return 'a run that left no details';
  }
}

/**
 * A host's connection that takes the host lock on its first use (with the become settings the
 * host's vars give, since /run/kubexm needs root) and keeps it fresh. Every use waits for the
 * lock; a refusal fails every use.
 */
export class LockedConnection implements Connection {
  readonly host: string;
  readonly kind: Connection['kind'];
  private taken?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private refreshing = false;
  private held = false;
  private readonly started = new Date().toISOString();

  constructor(
    readonly inner: Connection,
    private readonly lock: HostLockInfo,
    private readonly become: Become | undefined,
    private readonly hooks: HostLockHooks,
  ) {
    this.host = inner.host;
    this.kind = inner.kind;
  }

  private env(dead = ''): Record<string, string> {
    const info = JSON.stringify({ id: this.lock.id, host: os.hostname(), pid: process.pid, started: this.started, command: this.lock.command });
    return { f: lockFile(), id: this.lock.id, info, stale: String(lockTimings().staleS), dead };
  }

  private script(body: string, vars: Record<string, string>): string {
    return `${Object.entries(vars).map(([k, v]) => `${k}=${shq(v)}`).join('; ')}\n${body}`;
  }

  private acquire(): Promise<void> {
    if (!this.taken) {
      const t = this.take();
      this.taken = t;
      // A host that could not be reached is tried again on its next use; a refusal stands.
      t.catch((e) => {
        if (e instanceof UnreachableError && this.taken === t) this.taken = undefined;
      });
    }
    return this.taken;
  }

  private async take(): Promise<void> {
    const { staleS, refreshS } = lockTimings();
    const attempt = (dead?: string) => this.inner.exec(this.script(LOCK_SCRIPT, this.env(dead)), { become: this.become, timeoutMs: 30_000 });
    let r = await attempt();
    let [head = '', detail] = r.stdout.split('\n');
    // A run of this machine that no longer exists (killed, crashed): no need to wait 30 s for it.
    const dead = head.startsWith('held ') ? deadHere(detail) : undefined;
    if (dead) {
      r = await attempt(dead);
      [head = '', detail] = r.stdout.split('\n');
    }
    if (r.rc === 0 && /acquired$/.test(r.stdout.trim())) {
      if (head.startsWith('stale ')) {
        this.hooks.warn(`[${this.host}]: took over the host lock ${lockFile()} of ${describe(detail)}, not refreshed for ${head.slice(6)} s (over ${staleS} s: that run is gone)`);
      }
      if (head.startsWith('dead ')) {
        this.hooks.warn(`[${this.host}]: took over the host lock ${lockFile()} of ${describe(detail)}, a run of this machine whose process is gone`);
      }
      this.held = true;
      this.timer = setInterval(() => void this.refresh(), refreshS * 1000);
      this.timer.unref();
      return;
    }
    if (head.startsWith('held ')) {
      throw new HostLockedError(
        `${this.host}: another kubexm run holds the host lock ${lockFile()}: ${describe(detail)}, refreshed ${head.slice(5)} s ago. ` +
          `Wait for it to end; a lock not refreshed for ${staleS} s (its run is gone) is taken over.`,
      );
    }
    if (head === 'busy') throw new HostLockedError(`${this.host}: the host lock ${lockFile()} kept changing hands: another kubexm run is starting there`);
    throw new HostLockedError(`${this.host}: cannot take the host lock ${lockFile()} (rc ${r.rc}): ${r.stderr.trim() || r.stdout.trim()}`);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || !this.held) return;
    if (this.hooks.gone()) {
      // A lost host: each refresh would only wait for a connect timeout; the lock goes stale.
      clearInterval(this.timer);
      return;
    }
    this.refreshing = true;
    try {
      const r = await this.inner.exec(this.script(REFRESH_SCRIPT, { f: lockFile(), id: this.lock.id }), { become: this.become, timeoutMs: lockTimings().refreshS * 1000 });
      if (r.stdout.trim() === 'lost') {
        this.held = false;
        if (this.timer) clearInterval(this.timer);
        this.hooks.warn(`[${this.host}]: the host lock ${lockFile()} was taken over by another run (this run did not refresh it for ${lockTimings().staleS} s)`);
      }
    } catch {
      // An unreachable host: the step that needs it says so; the lock goes stale on its own.
    } finally {
      this.refreshing = false;
    }
  }

  /** Removes the lock if this run still holds it; bounded, never throws (the run is ending). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.held) return;
    this.held = false;
    if (this.hooks.gone()) return;
    try {
      await this.inner.exec(this.script(RELEASE_SCRIPT, { f: lockFile(), id: this.lock.id }), { become: this.become, timeoutMs: 10_000 });
    } catch {
      // Gone with the host: the file goes stale and the next run takes it over.
    }
  }

  async exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    await this.acquire();
    return this.inner.exec(script, opts);
  }

  async put(src: PutSource, dest: string, opts?: PutOptions): Promise<void> {
    await this.acquire();
    return this.inner.put(src, dest, opts);
  }

  async get(src: string, opts?: { become?: Become }): Promise<Buffer> {
    await this.acquire();
    return this.inner.get(src, opts);
  }

  async close(): Promise<void> {
    await this.release();
    await this.inner.close();
  }
}
