import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressBar } from '../../../interpreter/artifacts/progress.js';

const stream = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { s: { isTTY, write: (c: string) => chunks.push(c) } as unknown as NodeJS.WriteStream, chunks };
};

test('a bar is drawn on a terminal and cleared at the end', () => {
  const { s, chunks } = stream(true);
  const bar = progressBar('etcd.tar.gz', 2 * 1048576, s);
  bar.update(1048576);
  bar.done();
  assert.match(chunks[0], /^\retcd\.tar\.gz \[#{15}\.{15}\] 1\.0 MiB\/2\.0 MiB 50%$/);
  assert.is(chunks.at(-1), '\r\x1b[K');
});

test('nothing is written when the stream is not a terminal', () => {
  const { s, chunks } = stream(false);
  const bar = progressBar('x', 10, s);
  bar.update(5);
  bar.done();
  assert.equal(chunks, []);
});

test.run();
