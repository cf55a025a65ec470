import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostResultEvent, HostStats, RunEvents } from '../../../interpreter/engine/events.js';
import { runPlaybook, type RunOptions } from '../../../interpreter/engine/run.js';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';

/** A temp project: files written from a map, run with the real loader, inventory and engine. */
export class Project {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-engine-'));
  readonly out = path.join(this.dir, 'out');

  constructor(files: Record<string, string>) {
    mkdirSync(this.out);
    for (const [name, text] of Object.entries(files)) {
      const p = path.join(this.dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    if (!files['inventory.ini']) writeFileSync(path.join(this.dir, 'inventory.ini'), 'h1 ansible_connection=local\nh2 ansible_connection=local\n');
  }

  async run(opts: Partial<Omit<RunOptions, 'playbook' | 'inventory' | 'events'>> = {}) {
    const events = new Recorder();
    const summary = await runPlaybook({
      playbook: loadPlaybook(path.join(this.dir, 'playbook.yaml')),
      inventory: loadInventory([path.join(this.dir, 'inventory.ini')]),
      ...opts,
      extraVars: { out: this.out, ...(opts.extraVars ?? {}) },
      events,
    });
    return { ...summary, events };
  }

  read(rel: string): string {
    return readFileSync(path.join(this.out, rel), 'utf8');
  }

  exists(rel: string): boolean {
    return existsSync(path.join(this.out, rel));
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Recorder implements RunEvents {
  results: HostResultEvent[] = [];
  notices: string[] = [];
  warnings: string[] = [];
  tasks: string[] = [];
  playStart() {}
  taskStart(t: { name: string }) {
    this.tasks.push(t.name);
  }
  hostResult(ev: HostResultEvent) {
    this.results.push(ev);
  }
  notice(msg: string) {
    this.notices.push(msg);
  }
  warn(msg: string) {
    this.warnings.push(msg);
  }
  recap(_s: Record<string, HostStats>) {}
}

export function stats(partial: Partial<HostStats>): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...partial };
}
