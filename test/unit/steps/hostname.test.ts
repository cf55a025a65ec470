// These tests never change this machine's name: the step runs in check mode only, and the
// script's acting paths run against stand-in `hostname`/`hostnamectl` commands (inside a private
// UTS namespace when one can be made, so even a mistake could not rename the machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import { shq } from '../../../interpreter/connect/types.js';
import { hostname, hostnameRequest, hostnameResult, hostnameScript } from '../../../interpreter/steps/hostname.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

const etcHostname = () => {
  try {
    return readFileSync('/etc/hostname', 'utf8').trim();
  } catch {
    return '';
  }
};

test('check mode: the current name is ok (when /etc/hostname agrees), another name would change', async () => {
  const cur = osHostname();
  const perm = etcHostname();
  const same = await hostname.run(sysContext({ check: true }), { name: cur });
  assert.is(same.failed, undefined, String(same.msg));
  assert.is(same.changed, perm !== cur);
  assert.equal(same.before, { current: cur, permanent: perm });
  const other = await hostname.run(sysContext({ check: true }), { name: 'kubexm-test-node.example.org' });
  assert.is(other.changed, true);
  assert.equal((other.ansible_facts as Record<string, string>).ansible_hostname, 'kubexm-test-node');
  assert.equal((other.ansible_facts as Record<string, string>).ansible_domain, 'example.org');
  assert.is(osHostname(), cur);
  assert.is(etcHostname(), perm);
});

async function stubs() {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'bin'));
  await mkdir(path.join(dir, 'booted'));
  await writeFile(path.join(dir, 'cur'), 'old-name\n');
  await writeFile(path.join(dir, 'hostname'), '# managed\nold-name\n');
  await writeFile(path.join(dir, 'bin/hostname'), `#!/bin/sh\nif [ $# -eq 0 ]; then cat "${dir}/cur"; else echo "$1" > "${dir}/cur"; echo "hostname $1" >> "${dir}/log"; fi\n`);
  await writeFile(path.join(dir, 'bin/hostnamectl'), `#!/bin/sh\n[ "$1" = set-hostname ] && echo "$2" > "${dir}/cur" && echo "$2" > "${dir}/hostname" && echo "hostnamectl $2" >> "${dir}/log"\n`);
  await chmod(path.join(dir, 'bin/hostname'), 0o755);
  await chmod(path.join(dir, 'bin/hostnamectl'), 0o755);
  const ctx = sysContext({ env: { PATH: `${dir}/bin:${process.env.PATH}` } });
  const isolated = (await ctx.sh('unshare -u true')).rc === 0;
  const resolved = (await ctx.sh('command -v hostname; command -v hostnamectl')).stdout.trim().split('\n');
  assert.equal(resolved, [`${dir}/bin/hostname`, `${dir}/bin/hostnamectl`], 'the stand-ins are the commands the script finds');
  return {
    dir,
    async run(name: string, opts: { systemd?: boolean; check?: boolean; use?: 'generic' | 'systemd' } = {}) {
      const r = hostnameRequest({ name, use: opts.use });
      const script = hostnameScript(r, { check: !!opts.check, tag: 'T', hostnameFile: path.join(dir, 'hostname'), bootedDir: path.join(dir, opts.systemd ? 'booted' : 'none') });
      const out = await ctx.sh(isolated ? `unshare -u sh -c ${shq(script)}` : script);
      return hostnameResult(name, { tag: 'T', host: 'h', check: !!opts.check }, out.stdout, out.stderr);
    },
    read: async (f: string) => (await readFile(path.join(dir, f), 'utf8').catch(() => '')).trim(),
  };
}

test('without systemd: writes /etc/hostname and sets the running name, then ok', async () => {
  const s = await stubs();
  try {
    const c = await s.run('node-1', { check: true });
    assert.equal(c.actions, ['file', 'running']);
    assert.is(await s.read('cur'), 'old-name');
    const r = await s.run('node-1');
    assert.is(r.changed, true);
    assert.equal(r.before, { current: 'old-name', permanent: 'old-name' });
    assert.is(await s.read('hostname'), 'node-1');
    assert.is(await s.read('cur'), 'node-1');
    assert.is((await s.run('node-1')).changed, false);
    assert.is(await s.read('log'), 'hostname node-1');
  } finally {
    await cleanup(s.dir);
  }
});

test('with systemd: hostnamectl once, then ok; use: systemd without it fails', async () => {
  const s = await stubs();
  try {
    const r = await s.run('node-2', { systemd: true });
    assert.equal(r.actions, ['hostnamectl']);
    assert.is((await s.run('node-2', { systemd: true })).changed, false);
    assert.is(await s.read('log'), 'hostnamectl node-2');
    const n = await s.run('node-3', { use: 'systemd' });
    assert.is(n.failed, true);
    assert.match(String(n.msg), /systemd is not running/);
  } finally {
    await cleanup(s.dir);
  }
});

test('names are checked; schema', async () => {
  assert.is((await hostname.run(sysContext({ check: true }), { name: 'bad name' })).failed, true);
  assert.is((await hostname.run(sysContext({ check: true }), { name: '-x' })).failed, true);
  assert.equal(schemaErrors(hostname, { name: 'n1', use: 'systemd' }), []);
  assert.ok(schemaErrors(hostname, { name: 'n1', use: 'windows' }).length > 0);
});

test.run();
