import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

/** What a lock file holds: enough to tell whether its run still lives and whom to ask. */
export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
  /** Tells our own lock from one that replaced it (a pid can be reused). */
  token: string;
}

export interface RunLock {
  file: string;
  info: LockInfo;
  /** A stale lock this one replaced, if any. */
  tookOver?: LockInfo;
  /** Removes the lock if it is still ours, then the dirs taking it created if they are empty. Idempotent. */
  release(): void;
}

export const LOCK_NAME = 'run.lock';

/** The lock file of a cluster's work dir. */
export function lockFile(workDir: string): string {
  return path.join(workDir, LOCK_NAME);
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run on this machine whose pid no longer exists is gone. A lock written on another machine
 * (a work dir on a shared filesystem) cannot be checked from here and counts as live.
 */
export function lockIsLive(info: LockInfo): boolean {
  if (info.host !== os.hostname()) return true;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(info: LockInfo): string {
  return `pid ${info.pid} on ${info.host}, started ${info.started}: ${info.command}`;
}

function create(file: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes `<workDir>/run.lock` with an exclusive create, or throws a UserError naming the run that
 * holds it. A lock whose run is gone (its pid no longer exists) is taken over: it is renamed away
 * first, so of two runs taking over the same stale lock only one wins. The lock is also removed
 * when the process exits without releasing it (a second Ctrl-C ends the process at once).
 */
export function acquireRunLock(workDir: string, command: string): RunLock {
  const firstMade = mkdirSync(workDir, { recursive: true });
  const file = lockFile(workDir);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command, token: randomBytes(8).toString('hex') };
  const body = JSON.stringify(info) + '\n';
  let tookOver: LockInfo | undefined;
  for (let attempt = 0; !create(file, body); attempt++) {
    const held = readLock(file);
    if (attempt >= 3 || (held && lockIsLive(held))) {
      throw new UserError(
        held
          ? `another kubexm run holds this cluster (${describe(held)}); wait for it to finish, or remove ${file} if that run is gone`
          : `cannot take the lock ${file}: it exists but cannot be read; remove it if no kubexm run is using this cluster`,
      );
    }
    if (!held) {
      // Being written right now by a run that just created it: look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    const aside = `${file}.stale-${info.token}`;
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = readLock(aside);
    if (moved?.token !== held.token) {
      // Another run replaced the stale lock between our read and our rename: put its lock back.
      try {
        linkSync(aside, file);
      } catch {
        /* a third run took the lock meanwhile; ours is refused below either way */
      }
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
    tookOver = held;
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    if (readLock(file)?.token === info.token) unlinkSync(file);
    // A dry run against a new cluster leaves no work dir behind.
    if (firstMade) {
      for (let dir = workDir; dir.length >= firstMade.length; dir = path.dirname(dir)) {
        try {
          rmdirSync(dir);
        } catch {
          break;
        }
      }
    }
  };
  process.on('exit', release);
  return { file, info, ...(tookOver ? { tookOver } : {}), release };
}

export function tookOverMessage(lock: RunLock): string | undefined {
  return lock.tookOver && `taking over the lock of a run that is gone (${describe(lock.tookOver)}): ${lock.file}`;
}
