import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffLines, unifiedDiff } from '../../../interpreter/report/diff.js';

/** Rebuilds both sides from the ops: a diff is correct only if it reproduces them. */
function sides(ops: ReturnType<typeof diffLines>) {
  return { a: ops.filter((o) => o.op !== '+').map((o) => o.line), b: ops.filter((o) => o.op !== '-').map((o) => o.line) };
}

test('diffLines: minimal edit script that reproduces both sides', () => {
  const a = ['a', 'b', 'c', 'd', 'e'];
  const b = ['a', 'x', 'c', 'd', 'y', 'e'];
  const ops = diffLines(a, b);
  assert.equal(sides(ops), { a, b });
  assert.is(ops.filter((o) => o.op !== ' ').length, 3, 'b→x is one removal and one addition, y one addition');
  assert.equal(diffLines([], ['n']), [{ op: '+', line: 'n' }]);
  assert.equal(diffLines(['o'], []), [{ op: '-', line: 'o' }]);
  assert.equal(diffLines(['s'], ['s']), [{ op: ' ', line: 's' }]);
});

test('diffLines: removals come before additions in a changed run', () => {
  const ops = diffLines(['k', '1', '2', 'k'], ['k', 'A', 'B', 'k']);
  assert.equal(ops.map((o) => o.op + o.line), [' k', '-1', '-2', '+A', '+B', ' k']);
});

test('diffLines: a pseudo-random edit keeps the LCS length', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const a = Array.from({ length: 200 }, () => String(Math.floor(rnd() * 10)));
  const b = a.filter(() => rnd() > 0.2).map((x) => (rnd() > 0.9 ? 'new' : x));
  const ops = diffLines(a, b);
  assert.equal(sides(ops), { a, b });
  // Cross-check the number of common lines against a plain LCS.
  const L: number[][] = Array.from({ length: a.length + 1 }, () => Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  assert.is(ops.filter((o) => o.op === ' ').length, L[0][0]);
});

test('unifiedDiff: headers, hunk ranges and 3 lines of context', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const after = before.replace('line 10\n', 'line ten\n');
  assert.equal(unifiedDiff(before, after, { fromLabel: 'before: f', toLabel: 'after: f' }), [
    '--- before: f', '+++ after: f', '@@ -7,7 +7,7 @@',
    ' line 7', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', ' line 13',
  ]);
});

test('unifiedDiff: far-apart changes make separate hunks, near ones merge', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
  const far = [...lines];
  far[1] = 'X';
  far[25] = 'Y';
  const hunks = unifiedDiff(lines.join('\n') + '\n', far.join('\n') + '\n').filter((l) => l.startsWith('@@'));
  assert.equal(hunks, ['@@ -1,5 +1,5 @@', '@@ -23,7 +23,7 @@']);
  const near = [...lines];
  near[1] = 'X';
  near[7] = 'Y';
  assert.equal(unifiedDiff(lines.join('\n') + '\n', near.join('\n') + '\n').filter((l) => l.startsWith('@@')), ['@@ -1,11 +1,11 @@']);
});

test('unifiedDiff: new file, deleted content, equal texts, missing final newline', () => {
  assert.equal(unifiedDiff('', 'a\nb\n'), ['--- before', '+++ after', '@@ -0,0 +1,2 @@', '+a', '+b']);
  assert.equal(unifiedDiff('a\n', ''), ['--- before', '+++ after', '@@ -1 +0,0 @@', '-a']);
  assert.equal(unifiedDiff('same\n', 'same\n'), []);
  assert.equal(unifiedDiff('a\nb', 'a\nb\n'), ['--- before', '+++ after', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+b']);
});

test('unifiedDiff: very large different middles still produce a diff', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n');
  const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join('\n');
  const d = unifiedDiff(a, b);
  assert.is(d.filter((l) => l.startsWith('-') && !l.startsWith('---')).length, 3000);
  assert.is(d.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length, 3000);
});

test.run();
