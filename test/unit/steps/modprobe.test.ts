// Loading modules needs a kernel of our own: on this machine and in CI containers the step can
// only report that honestly (skipped or failed, never a false success). Persistence files are
// checked in a temp dir; real loading is covered on fleet hosts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { modprobe, modprobeRequest, modprobeResult, modprobeScript, type ModprobeParams } from '../../../interpreter/steps/modprobe.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

const NOPE = 'kubexm_no_such_module';

async function runIn(etc: string, p: ModprobeParams, check = false) {
  const r = modprobeRequest(p);
  const out = await sysContext().sh(modprobeScript(r, { check, tag: 'T1', etc }));
  return modprobeResult(r, { tag: 'T1', host: 'h', check }, out.stdout, out.stderr);
}

test('a module that is not loaded: skipped in a container, failed elsewhere, never a false success', async () => {
  const r = await modprobe.run(sysContext(), { name: NOPE });
  assert.is(r.changed, false);
  if (r.skipped) assert.match(String(r.msg), /^cannot load kernel module kubexm_no_such_module: the host is a container \(\w+\)/);
  else {
    assert.is(r.failed, true, JSON.stringify(r));
    assert.match(String(r.msg), /kubexm_no_such_module/);
  }
});

test('absent for a module that is not loaded is ok everywhere', async () => {
  const r = await modprobe.run(sysContext(), { name: NOPE, state: 'absent' });
  assert.equal([r.changed, r.failed, r.skipped], [false, undefined, undefined]);
});

test('persistence files: written once, left alone, removed; check mode writes nothing', async () => {
  const etc = await tempDir();
  try {
    const load = path.join(etc, 'modules-load.d', `${NOPE}.conf`);
    const opts = path.join(etc, 'modprobe.d', `${NOPE}.conf`);
    const c = await runIn(etc, { name: NOPE, state: 'absent', persistent: 'present', params: 'a=1 b="x y"' }, true);
    assert.is(c.changed, true);
    assert.not.ok(existsSync(load));
    const r = await runIn(etc, { name: NOPE, state: 'absent', persistent: 'present', params: 'a=1 b="x y"' });
    assert.is(r.changed, true);
    assert.equal(r.created, [load, opts]);
    assert.is(await readFile(load, 'utf8'), `${NOPE}\n`);
    assert.is(await readFile(opts, 'utf8'), `options ${NOPE} a=1 b=x y\n`);
    const again = await runIn(etc, { name: NOPE, state: 'absent', persistent: 'present', params: 'a=1 b="x y"' });
    assert.is(again.changed, false);
    const noParams = await runIn(etc, { name: NOPE, state: 'absent', persistent: 'present' });
    assert.is(noParams.changed, true);
    assert.not.ok(existsSync(opts));
    const gone = await runIn(etc, { name: NOPE, state: 'absent', persistent: 'absent' });
    assert.is(gone.changed, true);
    assert.not.ok(existsSync(load));
  } finally {
    await cleanup(etc);
  }
});

test('params and schema', async () => {
  assert.is((await modprobe.run(sysContext(), { name: 'a b' })).failed, true);
  assert.is((await modprobe.run(sysContext(), { name: 'x', persistent: 'yes' as never })).failed, true);
  assert.equal(modprobeRequest({ name: 'br_netfilter', params: 'x=1 y=2' }).params, ['x=1', 'y=2']);
  assert.equal(schemaErrors(modprobe, { name: 'br_netfilter', state: 'present', persistent: 'present' }), []);
  assert.ok(schemaErrors(modprobe, { state: 'present' }).length > 0);
  const s = modprobeScript(modprobeRequest({ name: 'm', params: "a='$(id)'" }), { check: false, tag: 'T' });
  assert.ok(s.includes(`modprobe -- "$N" 'a=$(id)'`), 'params are quoted');
});

test.run();
