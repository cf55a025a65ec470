import path from 'node:path';
import { formatPos, type Pos, type Problem } from '../errors.js';
import type { RoleInfo, TaskNode } from './types.js';
import { readYaml, type ParsedYaml } from './yaml.js';

/** What a play collects while its tasks and roles load: handlers and the notify names to check against them. */
export interface PlayScope {
  /** Handlers of the roles in `roles:`. */
  handlers: TaskNode[];
  /** Handlers of roles brought in by import_role. */
  importHandlers: TaskNode[];
  /** Handler names known only by name: handlers of statically named include_role targets. */
  extraHandlerNames: Set<string>;
  /** notify entries, checked once the whole play is loaded. */
  notifies: { name: string; pos: Pos; label: string }[];
  /** A dynamic include_role or a templated handler name: notify targets cannot all be known now. */
  openEnded: boolean;
  /** roles: and dependencies already in the play (Ansible runs a role once per play unless params differ). */
  seenRoles: Set<string>;
}

export function newPlayScope(): PlayScope {
  return { handlers: [], importHandlers: [], extraHandlerNames: new Set(), notifies: [], openEnded: false, seenRoles: new Set() };
}

/** Where tasks are being loaded from. */
export interface Scope {
  /** The file holding these entries: import_tasks paths are relative to its directory first. */
  file: string;
  role?: RoleInfo;
  section: 'tasks' | 'handlers';
}

/** State of one load (a playbook, a task file or a role): problems, parsed files, import chain. */
export class LoadContext {
  readonly problems: Problem[] = [];
  private readonly files = new Map<string, ParsedYaml>();
  /** Files being imported right now (cycle detection). */
  readonly chain: string[] = [];
  /** Role dirs being loaded right now, for dependency cycles. */
  readonly roleChain: string[] = [];
  play?: PlayScope;

  constructor(readonly playbookDir: string, readonly roleDirs: string[]) {}

  add(pos: Pos | undefined, message: string): void {
    this.problems.push({ pos, message });
  }

  /** Parses a file once per load; its YAML problems are reported once. */
  yaml(file: string, ref?: Pos): ParsedYaml {
    const abs = path.resolve(file);
    let r = this.files.get(abs);
    if (!r) {
      r = readYaml(abs, this.problems, ref);
      this.files.set(abs, r);
    }
    return r;
  }

  /**
   * The problems, each once (a file loaded for two role instances reports its problems once),
   * in reading order: files in the order they were opened, then by line and column.
   */
  uniqueProblems(): Problem[] {
    const seen = new Set<string>();
    const fileOrder = new Map<string, number>([...this.files.keys()].map((f, i) => [f, i]));
    const unique = this.problems.filter((p) => {
      const k = `${formatPos(p.pos)}\u0000${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      if (p.pos && !fileOrder.has(p.pos.file)) fileOrder.set(p.pos.file, fileOrder.size);
      return true;
    });
    const rank = (p: Problem) => [p.pos ? (fileOrder.get(p.pos.file) ?? fileOrder.size) : -1, p.pos?.line ?? 0, p.pos?.col ?? 0];
    return unique
      .map((p, i) => ({ p, i, r: rank(p) }))
      .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.r[2] - b.r[2] || a.i - b.i)
      .map((x) => x.p);
  }
}
