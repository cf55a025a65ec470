// Where a kubexm run spends its CPU: self time from a V8 .cpuprofile, by area (interpreter
// folder, dependency, Node internals, GC, idle) and by function.

import { promises as fs } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  byArea: [string, number][];
  byFunction: [string, number][];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  const own = /dist\/(interpreter\/[^/]+|bench|bin)/.exec(url) ?? /\/(bin)\//.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

export async function summarizeProfile(file: string, top = 12): Promise<ProfileSummary> {
  const p = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, ms] of self) {
    const cf = byId.get(id)!.callFrame;
    const a = area(cf.url, cf.functionName);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const where = cf.url ? `${cf.url.replace(/^.*?(node_modules\/|dist\/)/, '$1')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: (p.endTime - p.startTime) / 1000, byArea: sorted(areas).slice(0, top), byFunction: sorted(fns).slice(0, top) };
}
