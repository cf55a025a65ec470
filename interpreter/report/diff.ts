export type DiffOp = { op: ' ' | '-' | '+'; line: string };

/** Above this many table cells the middle of a diff is shown as removed-then-added (memory bound). */
const MAX_CELLS = 4_000_000;

/**
 * A line diff by longest common subsequence. Common head and tail are stripped first, so the
 * usual case (a few edited lines in a big file) stays cheap.
 */
export function diffLines(a: string[], b: string[]): DiffOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: DiffOp[] = a.slice(0, head).map((line) => ({ op: ' ', line }));

  const n = am.length;
  const m = bm.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    ops.push(...am.map((line) => ({ op: '-' as const, line })), ...bm.map((line) => ({ op: '+' as const, line })));
  } else {
    // lcs[i][j] = LCS length of am[i..] and bm[j..], row-major in one typed array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ op: ' ', line: am[i] });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
        ops.push({ op: '+', line: bm[j++] });
      } else {
        ops.push({ op: '-', line: am[i++] });
      }
    }
    // Removals read better before additions within a changed run: reorder each run of edits.
    reorderRuns(ops, head);
  }
  ops.push(...a.slice(a.length - tail).map((line) => ({ op: ' ' as const, line })));
  return ops;
}

function reorderRuns(ops: DiffOp[], from: number): void {
  let k = from;
  while (k < ops.length) {
    if (ops[k].op === ' ') {
      k++;
      continue;
    }
    let end = k;
    while (end < ops.length && ops[end].op !== ' ') end++;
    const run = ops.slice(k, end);
    ops.splice(k, end - k, ...run.filter((o) => o.op === '-'), ...run.filter((o) => o.op === '+'));
    k = end;
  }
}

/** Lines of a text, remembering whether the last one lacked its newline. */
function toLines(text: string): { lines: string[]; noEol: boolean } {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  const noEol = lines.at(-1) !== '';
  if (!noEol) lines.pop();
  return { lines, noEol };
}

function range(start: number, len: number): string {
  if (len === 1) return String(start);
  return len === 0 ? `${start - 1},0` : `${start},${len}`;
}

export interface UnifiedOptions {
  context?: number;
  fromLabel?: string;
  toLabel?: string;
}

/**
 * A unified diff (`---`/`+++` headers, `@@` hunks with `context` lines around changes), as
 * lines without newlines. Empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, opts: UnifiedOptions = {}): string[] {
  if (before === after) return [];
  const context = opts.context ?? 3;
  const a = toLines(before);
  const b = toLines(after);
  // A missing final newline is a difference of its own: compare the last lines with a marker.
  const mark = '\u0000noeol';
  const al = a.noEol ? [...a.lines.slice(0, -1), a.lines.at(-1)! + mark] : a.lines;
  const bl = b.noEol ? [...b.lines.slice(0, -1), b.lines.at(-1)! + mark] : b.lines;
  const ops = diffLines(al, bl);

  const out = [`--- ${opts.fromLabel ?? 'before'}`, `+++ ${opts.toLabel ?? 'after'}`];
  const changed = ops.map((o, i) => (o.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  let idx = 0;
  while (idx < changed.length) {
    // Grow a hunk while the next change is within 2×context of the current end.
    const start = Math.max(0, changed[idx] - context);
    let last = changed[idx];
    while (idx + 1 < changed.length && changed[idx + 1] - last <= 2 * context) last = changed[++idx];
    idx++;
    const end = Math.min(ops.length, last + context + 1);

    let aStart = 1;
    let bStart = 1;
    for (let k = 0; k < start; k++) {
      if (ops[k].op !== '+') aStart++;
      if (ops[k].op !== '-') bStart++;
    }
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of hunk) {
      if (o.line.endsWith(mark)) out.push(o.op + o.line.slice(0, -mark.length), '\\ No newline at end of file');
      else out.push(o.op + o.line);
    }
  }
  return out;
}
