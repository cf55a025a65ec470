import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Semaphore } from '../../../interpreter/connect/semaphore.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('never more than the bound at once; every caller runs, in order', async () => {
  const s = new Semaphore(3);
  let now = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      s.use(async () => {
        order.push(i);
        peak = Math.max(peak, ++now);
        await tick();
        now--;
      }),
    ),
  );
  assert.is(peak, 3);
  assert.equal(order, Array.from({ length: 20 }, (_, i) => i));
  assert.is(s.active, 0);
});

test('a failing user releases its slot', async () => {
  const s = new Semaphore(1);
  await assert.not.throws(async () => undefined);
  await s.use(async () => Promise.reject(new Error('x'))).catch(() => undefined);
  assert.is(await s.use(async () => 'next'), 'next');
});

test('shrink lowers the bound for new users; holders finish', async () => {
  const s = new Semaphore(4);
  let now = 0;
  let peakAfter = 0;
  let shrunk = false;
  await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      s.use(async () => {
        now++;
        if (i === 3) {
          s.shrink(2);
          shrunk = true;
        } else if (shrunk) peakAfter = Math.max(peakAfter, now);
        await tick();
        now--;
      }),
    ),
  );
  assert.is(s.limit, 2);
  assert.ok(peakAfter <= 4);
  // once the holders of the old bound are gone, at most 2 run
  let n = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 8 }, () => s.use(async () => { peak = Math.max(peak, ++n); await tick(); n--; })));
  assert.is(peak, 2);
  s.shrink(0);
  assert.is(s.limit, 1, 'never below 1');
});

test.run();
