import { Journal, type JournalData, type JournalHeader } from '../engine/journal.js';
import { journalToResume, newJournalFile, sha256File } from '../cluster/journal.js';
import { shq } from '../connect/types.js';
import { UsageError } from './args.js';
import type { Io } from './io.js';

/** What of a cluster request the journal needs. */
export interface JournalRequest {
  action: 'create' | 'delete';
  file: string;
  dryRun: boolean;
  tags?: string[];
  skipTags?: string[];
  resume?: boolean;
  force?: boolean;
}

/** What the run's journal will be, decided before the confirmation question. */
export interface JournalPlan {
  header: JournalHeader;
  resume?: JournalData;
  /** Unset for a dry run: its journal stays in memory, only to show where a resume would start. */
  workDir?: string;
}

/**
 * With --resume, the journal it continues is chosen and checked here: a refusal is a UserError
 * before any host is contacted (and before the question). A dry run without --resume has none.
 */
export function planJournal(req: JournalRequest, workDir: string, playbook: string): JournalPlan | undefined {
  if (req.force && !req.resume) throw new UsageError('--force goes with --resume (it resumes although cluster.yaml changed)', req.action);
  if (req.dryRun && !req.resume) return undefined;
  const verb = `${req.action} cluster`;
  const header = {
    verb,
    playbook,
    clusterFile: req.file,
    clusterSha256: sha256File(req.file),
    tags: req.tags ?? [],
    skipTags: req.skipTags ?? [],
  };
  const resume = req.resume ? journalToResume({ ...header, workDir, force: !!req.force }) : undefined;
  return { header, resume, ...(req.dryRun ? {} : { workDir }) };
}

/** The journal itself, once the run goes ahead: its file is written at once (status running). */
export function startJournal(p: JournalPlan | undefined, io: Io): Journal | undefined {
  if (!p) return undefined;
  const warn = (msg: string) => io.err.write(io.errColor.yellow(`[WARNING]: ${msg}`) + '\n');
  return new Journal({ file: p.workDir ? newJournalFile(p.workDir, p.header.verb) : undefined, header: p.header, resume: p.resume, warn });
}

/** The command that resumes this run, as the last line of a failed or interrupted one says. */
export function resumeCommand(req: JournalRequest): string {
  const tags = [req.tags?.length ? ` --tags ${req.tags.join(',')}` : '', req.skipTags?.length ? ` --skip-tags ${req.skipTags.join(',')}` : ''].join('');
  return `kubexm ${req.action} cluster -f ${shq(req.file)}${tags} --resume`;
}

/**
 * After the run: a failed or interrupted one says how to resume it; a resume that found nothing
 * left says so. JSON output has no progress lines, so there stderr says where a resume started.
 */
export function afterRun(journal: Journal | undefined, req: JournalRequest & { output?: string }, exitCode: number, io: Io): void {
  if (!journal?.file) return;
  const at = journal.resumedAt;
  if (req.output === 'json' && at) io.err.write(`resumed ${journal.data.resumedFrom} at ${at.name} (${at.where})\n`);
  if (exitCode !== 0) io.err.write(`resume with: ${resumeCommand(req)}\n`);
  else if (journal.data.resumedFrom && !journal.resumedAt) io.err.write(`resumed ${journal.data.resumedFrom}: every task had completed\n`);
}
