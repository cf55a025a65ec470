import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fail } from '../../../interpreter/steps/fail.js';
import { schemaErrors, sysContext } from './sys-context.js';

test('fail fails with its message or the default', async () => {
  assert.equal(await fail.run(sysContext(), {}), { changed: false, failed: true, msg: 'Failed as requested from task' });
  assert.equal(await fail.run(sysContext(), { msg: 'stop here' }), { changed: false, failed: true, msg: 'stop here' });
  assert.ok(schemaErrors(fail, { message: 'x' }).length > 0);
});

test.run();
