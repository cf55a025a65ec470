// The preflight role: it loads and validates, keeps the layer rule, and its real checks run on a
// local host: a port held by a foreign process fails with the port, the process and its PID, the
// same port held by a service kubexm owns passes (a rerun); the clock check passes on one machine
// and fails past its limit; a host name with an underscore fails with what to do.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { pkgRoot } from '../../../interpreter/paths.js';
import { cli, writeIn, layerProblems } from './harness.js';

let dir = '';
let server: Server;
let port = 0;
test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-role-preflight-'));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
test.after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});


const write = (name: string, text: string) => writeIn(dir, name, text);

const inventory = (host: string) =>
  write('hosts.yaml', `all:\n  vars: {ansible_connection: local}\n  hosts:\n    ${host}: {ansible_host: 127.0.0.1, internal_address: 127.0.0.1}\n  children:\n    master: {hosts: {${host}: {}}}\n    loadbalancer: {hosts: {${host}: {}}}\n`);

const VARS = `
cluster_name: demo
cluster:
  controlPlaneEndpoint: {port: 6443}
  registry: {type: none}
  kubernetes: {proxyMode: iptables}
  extra: {hosts: [], resolves: []}
`;

/** Runs one preflight task file on a local host; extra vars as JSON. */
async function check(file: string, extra: Record<string, unknown> = {}, host = 'node1') {
  const pb = write('check.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - import_role: {name: preflight, tasks_from: ${file}}\n`);
  return cli('run', pb, '-i', inventory(host), '-e', `@${write('vars.yaml', VARS)}`, '-e', JSON.stringify(extra));
}

test('preflight and its delete load, validate and keep the layer rule', async () => {
  const pb = write('site.yaml', '- hosts: all\n  roles:\n    - {role: preflight, tags: [preflight]}\n- hosts: all\n  tasks:\n    - import_role: {name: preflight, tasks_from: delete}\n');
  const r = await cli('validate', pb);
  assert.is(r.code, 0, r.out + r.err);
  assert.equal(layerProblems('preflight'), []);
  const tasks = parse(readFileSync(path.join(pkgRoot, 'roles/preflight/tasks/main.yaml'), 'utf8')) as Record<string, unknown>[];
  assert.equal(
    tasks.map((t) => t.import_tasks),
    ['connectivity.yaml', 'os.yaml', 'hardware.yaml', 'kernel.yaml', 'hostname.yaml', 'time.yaml', 'existing.yaml', 'ports.yaml', 'resolv.yaml', 'warnings.yaml'],
  );
});

test('ports: a foreign process fails the check with port, name and PID; kubexm’s own service passes', async () => {
  const foreign = await check('ports', { preflight_ports: { master: [{ port, owners: ['etcd'] }] } });
  assert.is(foreign.code, 2, foreign.out + foreign.err);
  assert.ok(
    foreign.out.includes(`Node node1 (127.0.0.1): port ${port} is in use by process 'node (PID:${process.pid})'. Free the port.`),
    foreign.out,
  );
  const own = await check('ports', { preflight_ports: { master: [{ port, owners: ['etcd', 'node'] }] } });
  assert.is(own.code, 0, own.out + own.err);
  // A port two of the host's roles need may be held by the service of either.
  const shared = await check('ports', { preflight_ports: { master: [{ port, owners: ['etcd'] }], loadbalancer: [{ port, owners: ['node'] }] } });
  assert.is(shared.code, 0, shared.out + shared.err);
  // A port for a role this host does not have is not looked at.
  const other = await check('ports', { preflight_ports: { etcd: [{ port, owners: [] }] } });
  assert.is(other.code, 0, other.out + other.err);
});

test('time: one machine has no clock difference; a limit below it fails with the difference', async () => {
  const ok = await check('time');
  assert.is(ok.code, 0, ok.out + ok.err);
  const tight = await check('time', { preflight_max_time_skew: -1 });
  assert.is(tight.code, 2, tight.out + tight.err);
  assert.match(tight.out, /Node node1 \(127\.0\.0\.1\): its clock differs from the control node's by -?\d+\.\d s \(more than -1 s\)/);
});

test('hostname: a name with an underscore fails with what to do', async () => {
  const r = await check('hostname', {}, 'bad_name');
  assert.is(r.code, 2, r.out + r.err);
  assert.ok(r.out.includes("Node bad_name (127.0.0.1): host name 'bad_name' is not valid"), r.out);
  assert.ok(r.out.includes("make sure /etc/hosts has the entry '127.0.0.1 bad_name'"), r.out);
});

test.run();
