import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JournalData } from '../engine/journal.js';
import { UserError } from '../errors.js';

/** Run journals of one cluster: `<workDir>/runs/<yyyymmddTHHMMSSZ>-<verb-noun>.json`. */
export function runsDir(workDir: string): string {
  return path.join(workDir, 'runs');
}

/**
 * A new journal's path. Names sort by time: a run starting within the second of the previous
 * one waits for the next second (the run lock makes runs sequential, so this is rare and short).
 */
export function newJournalFile(workDir: string, verb: string, now: () => Date = () => new Date()): string {
  const name = (d: Date) => path.join(runsDir(workDir), `${d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${verb.replace(/ /g, '-')}.json`);
  for (let tries = 0; tries < 3; tries++) {
    const d = now();
    const file = name(d);
    if (!existsSync(file)) return file;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1001 - d.getUTCMilliseconds());
  }
  throw new UserError(`cannot name a new run journal in ${runsDir(workDir)}: ${path.basename(name(now()))} exists (is the clock going backwards?)`);
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every journal that parses, oldest first. */
export function readJournals(workDir: string): JournalData[] {
  const dir = runsDir(workDir);
  if (!existsSync(dir)) return [];
  const all: JournalData[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      const j = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as JournalData;
      if (j.version === 1 && Array.isArray(j.tasks) && typeof j.started === 'string') all.push(j);
    } catch {
      // A file that is not a journal (or no longer one) is not a run to resume.
    }
  }
  return all.sort((a, b) => a.started.localeCompare(b.started) || a.id.localeCompare(b.id));
}

export interface ResumeRequest {
  verb: string;
  workDir: string;
  clusterFile: string;
  clusterSha256: string;
  playbook: string;
  tags: string[];
  skipTags: string[];
  /** Resume even though cluster.yaml changed. */
  force: boolean;
}

const tagList = (tags: string[], skip: string[]) =>
  [tags.length ? `--tags ${tags.join(',')}` : '', skip.length ? `--skip-tags ${skip.join(',')}` : ''].filter(Boolean).join(' ') || 'no tags';
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/**
 * The journal `--resume` continues: the cluster's last run, which must be of this verb and not
 * done, with the same pipeline and tags, and (unless --force) the same cluster.yaml. Any other
 * case is a UserError (exit 1) raised before any host is contacted.
 */
export function journalToResume(r: ResumeRequest): JournalData {
  const all = readJournals(r.workDir);
  const last = all.at(-1);
  const again = `run 'kubexm ${r.verb} -f ${r.clusterFile}' without --resume`;
  if (!last) throw new UserError(`nothing to resume: no run journal in ${runsDir(r.workDir)}; ${again}`);
  if (last.verb !== r.verb) {
    throw new UserError(`nothing to resume: the cluster's last run was '${last.verb}' (${last.id}), not '${r.verb}'; ${again}`);
  }
  if (last.status === 'done') throw new UserError(`nothing to resume: the last '${r.verb}' run (${last.id}) completed`);
  if (last.playbook !== r.playbook) {
    throw new UserError(`cannot resume ${last.id}: it ran the pipeline ${last.playbook}, not ${r.playbook}`);
  }
  if (!sameSet(last.tags, r.tags) || !sameSet(last.skipTags, r.skipTags)) {
    throw new UserError(`cannot resume ${last.id}: it ran with ${tagList(last.tags, last.skipTags)}, this run has ${tagList(r.tags, r.skipTags)}; resume with the same tags`);
  }
  if (last.clusterSha256 !== r.clusterSha256 && !r.force) {
    throw new UserError(`cannot resume ${last.id}: ${r.clusterFile} changed since that run; pass --force to resume with the file as it is now, or ${again}`);
  }
  return last;
}
