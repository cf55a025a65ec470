import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/template.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const template = getStep('template')!;
let dir = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
  await fs.mkdir(path.join(dir, 'templates'));
  await fs.writeFile(
    path.join(dir, 'templates', 'app.conf.j2'),
    '# {{ ansible_managed }}\nname={{ app.name }}\n{% for p in ports %}port={{ p }}\n{% endfor %}',
  );
});
test.after.each(async () => {
  await cleanup();
});

const vars = { app: { name: 'kx' }, ports: [80, 443] };
const ctx = (o: TestContextOptions = {}) => makeContext({ base: dir, vars, ...o });
const EXPECTED = '# Managed by kubexm: local changes will be overwritten\nname=kx\nport=80\nport=443\n';

test('renders with host vars and ansible_managed; second run ok in one round trip', async () => {
  const dest = path.join(dir, 'app.conf');
  const r = await template.run(ctx(), { src: 'app.conf.j2', dest, mode: '0640' });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(dest, 'utf8'), EXPECTED);
  assert.is(r.mode, '0640');
  assert.is(r.src, path.join(dir, 'templates', 'app.conf.j2'));
  const c = ctx();
  const r2 = await template.run(c, { src: 'app.conf.j2', dest, mode: '0640' });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
  const r3 = await template.run(ctx({ vars: { ...vars, ports: [80] } }), { src: 'app.conf.j2', dest, mode: '0640' });
  assert.is(r3.changed, true);
});

test('ansible_managed from vars; template_path available', async () => {
  await fs.writeFile(path.join(dir, 'templates', 't.j2'), '{{ ansible_managed }} {{ template_path | basename }}\n');
  const dest = path.join(dir, 't');
  await template.run(ctx({ vars: { ansible_managed: 'ours' } }), { src: 't.j2', dest });
  assert.is(await fs.readFile(dest, 'utf8'), 'ours t.j2\n');
});

test('check mode and diff', async () => {
  const dest = path.join(dir, 'app.conf');
  await fs.writeFile(dest, 'old\n');
  const r = await template.run(ctx({ check: true, diff: true }), { src: 'app.conf.j2', dest });
  assert.is(r.changed, true);
  assert.equal(r.diff, [{ path: dest, before: 'old\n', after: EXPECTED }]);
  assert.is(await fs.readFile(dest, 'utf8'), 'old\n');
});

test('into a directory under the template name; newline_sequence', async () => {
  const out = path.join(dir, 'out');
  await fs.mkdir(out);
  const r = await template.run(ctx(), { src: 'app.conf.j2', dest: out, newline_sequence: '\r\n' });
  assert.is(r.dest, path.join(out, 'app.conf.j2'));
  assert.is(await fs.readFile(path.join(out, 'app.conf.j2'), 'utf8'), EXPECTED.replace(/\n/g, '\r\n'));
});

test('backup and undo', async () => {
  const dest = path.join(dir, 'app.conf');
  await fs.writeFile(dest, 'old\n');
  const c = ctx();
  const r = await template.run(c, { src: 'app.conf.j2', dest, backup: true });
  assert.type(r.backup_file, 'string');
  await template.undo!(c, {}, r);
  assert.is(await fs.readFile(dest, 'utf8'), 'old\n');
});

test('failures: missing template, undefined variable, missing dest dir', async () => {
  let r = await template.run(ctx(), { src: 'none.j2', dest: path.join(dir, 'x') });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /none\.j2/);
  r = await template.run(makeContext({ base: dir, vars: { ports: [] } }), { src: 'app.conf.j2', dest: path.join(dir, 'x') });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /app/);
  assert.not.ok(await fs.stat(path.join(dir, 'x')).catch(() => undefined));
  r = await template.run(ctx(), { src: 'app.conf.j2', dest: path.join(dir, 'no', 'x') });
  assert.is(r.failed, true);
  r = await template.run(ctx(), { src: 'app.conf.j2' });
  assert.is(r.failed, true);
});

test.run();
