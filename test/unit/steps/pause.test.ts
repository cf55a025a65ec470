import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pause } from '../../../interpreter/steps/pause.js';
import { schemaErrors, sysContext } from './sys-context.js';

test('pause waits the given seconds', async () => {
  const t0 = Date.now();
  const r = await pause.run(sysContext(), { seconds: '0.3' });
  const took = Date.now() - t0;
  assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
  assert.is(r.changed, false);
  assert.is(r.stdout, 'Paused for 0.3 seconds');
  assert.is(r.failed, undefined);
});

test('pause without a duration fails instead of prompting', async () => {
  const r = await pause.run(sysContext(), {});
  assert.is(r.failed, true);
  assert.match(String(r.msg), /seconds or minutes/);
  assert.ok(schemaErrors(pause, {}).length > 0);
  assert.ok(schemaErrors(pause, { prompt: 'Continue?' }).length > 0);
  assert.ok(schemaErrors(pause, { seconds: 1, minutes: 1 }).length > 0);
  assert.equal(schemaErrors(pause, { minutes: 2 }), []);
  assert.is((await pause.run(sysContext(), { seconds: 'soon' })).failed, true);
});

test.run();
