import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Vars } from '../../../interpreter/load/types.js';
import { pkgRoot } from '../../../interpreter/paths.js';
import { loadModule as loadRole, tasksOf, layerProblems } from './harness.js';
import '../../../interpreter/steps/index.js';
import { Templar } from '../../../interpreter/template/index.js';

const TEMPLATES = path.join(pkgRoot, 'templates');

const loadModule = () => loadRole('loadbalancer');

const ADDR: Record<string, string> = { m1: '10.9.0.11', m2: '10.9.0.12', w1: '10.9.0.21', lb1: '10.9.0.31', lb2: '10.9.0.32' };

/** Variables as a cluster play gives them to `host`: role defaults (raw, templated lazily), the cluster, the inventory, facts. */
function varsFor(host: string, defaults: Vars, lb: Record<string, unknown>, extra: Vars = {}): Vars {
  const groups = { all: Object.keys(ADDR), master: ['m1', 'm2'], worker: ['w1', 'lb1'], etcd: ['m1'], loadbalancer: ['lb1', 'lb2'], registry: ['m1'] };
  const hostvars: Record<string, Vars> = {};
  for (const [h, a] of Object.entries(ADDR)) {
    hostvars[h] = {
      inventory_hostname: h,
      internal_address: a,
      ansible_os_family: 'Debian',
      ansible_interfaces: ['lo', 'ens-3'],
      ansible_lo: { device: 'lo', ipv4: { address: '127.0.0.1' } },
      ansible_ens_3: { device: 'ens-3', ipv4: { address: a, prefix: '24' } },
    };
  }
  const cluster = {
    controlPlaneEndpoint: { domain: 'lb.kubexm.local', address: '', port: 7443 },
    loadBalancer: { mode: 'external', external: { type: 'kubexm-kh' }, internal: { type: 'haproxy' }, vip: '10.9.0.100', interface: '', ...lb },
  };
  return {
    ...defaults,
    ...hostvars[host],
    cluster,
    groups,
    hostvars,
    kubexm_templates: TEMPLATES,
    ansible_managed: 'Managed by kubexm: local changes will be overwritten',
    ...extra,
  };
}

const templar = new Templar();
const render = (file: string, vars: Vars) => templar.renderText(readFileSync(path.join(TEMPLATES, 'loadbalancer', file), 'utf8'), vars);
const value = (expr: string, vars: Vars) => templar.render(`{{ ${expr} }}`, vars);

test('the module keeps the layer rule: main.yaml imports its own task files, task files hold steps', () => {
  assert.equal(layerProblems('loadbalancer'), []);
});

test('main and delete load and validate; every task carries the module tag', () => {
  const pb = loadModule();
  const main = tasksOf(pb.plays[0].roles.flatMap((r) => r.block));
  const del = tasksOf(pb.plays[1].tasks);
  assert.ok(main.length > 15, `main has ${main.length} tasks`);
  assert.ok(del.length > 8, `delete has ${del.length} tasks`);
  const files = [...new Set(main.map((t) => path.basename(t.pos.file)))];
  assert.equal(files, ['check.yaml', 'packages.yaml', 'originals.yaml', 'haproxy.yaml', 'nginx.yaml', 'keepalived.yaml', 'services.yaml', 'verify.yaml', 'internal-proxy.yaml', 'kube-vip.yaml']);
  assert.ok(del.every((t) => path.basename(t.pos.file) === 'delete.yaml'));
  const defaults = pb.plays[0].roles[0].role!.defaults;
  for (const k of ['loadbalancer_vip', 'loadbalancer_interface', 'loadbalancer_priority', 'loadbalancer_record']) assert.ok(k in defaults, k);
});

test('configs are validated before they replace the current ones', () => {
  const main = tasksOf(loadModule().plays[0].roles.flatMap((r) => r.block));
  const validate = Object.fromEntries(main.filter((t) => t.action === 'template' && t.args.validate).map((t) => [t.args.dest, t.args.validate]));
  assert.equal(validate, {
    '/etc/haproxy/haproxy.cfg': 'haproxy -c -q -f %s',
    '/etc/nginx/nginx.conf': 'nginx -t -q -c %s',
    '/etc/keepalived/keepalived.conf': 'keepalived -t -f %s',
  });
});

test('each mode picks its hosts', () => {
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const on = (mode: string, type: Record<string, unknown>) =>
    Object.keys(ADDR).map((h) => {
      const v = varsFor(h, d, { mode, ...type });
      return [h, value('loadbalancer_on_lb_host', v), value('loadbalancer_on_worker_proxy', v), value('loadbalancer_on_kube_vip', v)];
    });
  assert.equal(on('external', { external: { type: 'kubexm-kn' } }), [
    ['m1', false, false, false], ['m2', false, false, false], ['w1', false, false, false], ['lb1', true, false, false], ['lb2', true, false, false],
  ]);
  // internal haproxy: workers that are not masters (lb1 is also a worker here).
  assert.equal(on('internal', {}).map((r) => r[2]), [false, false, true, true, false]);
  assert.equal(on('internal', { internal: { type: 'kube-vip' } }).map((r) => r[3]), [true, true, false, false, false]);
  assert.equal(on('external', { external: { type: 'external' } }).flatMap((r) => r.slice(1)).filter(Boolean), []);
  assert.equal(on('none', {}).flatMap((r) => r.slice(1)).filter(Boolean), []);
});

test('haproxy.cfg: the endpoint port in front, every master on the apiserver port behind', () => {
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const cfg = render('haproxy.cfg.j2', varsFor('lb1', d, {}, { loadbalancer_static_pod: false }));
  assert.match(cfg, /^# kubexm-managed: loadbalancer$/m);
  assert.match(cfg, /^frontend kube-apiserver\n {4}bind \*:7443$/m);
  assert.equal(cfg.match(/^ {4}server .*$/gm), [
    '    server m1 10.9.0.11:6443 check check-ssl verify none',
    '    server m2 10.9.0.12:6443 check check-ssl verify none',
  ]);
  assert.match(cfg, /chroot \/var\/lib\/haproxy/);
  const pod = render('haproxy.cfg.j2', varsFor('w1', d, { mode: 'internal' }, { loadbalancer_static_pod: true }));
  assert.match(pod, /bind 127\.0\.0\.1:7443/);
  assert.not.match(pod, /chroot/);
});

test('nginx.conf: a stream upstream of every master, the stream module loaded', () => {
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const cfg = render('nginx.conf.j2', varsFor('lb2', d, { external: { type: 'kubexm-kn' } }, { loadbalancer_static_pod: false }));
  assert.match(cfg, /^load_module \/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;$/m);
  assert.match(cfg, /^user www-data;$/m);
  assert.equal(cfg.match(/^ +server 10\S+/gm), ['        server 10.9.0.11:6443', '        server 10.9.0.12:6443']);
  assert.match(cfg, /listen 7443;/);
  assert.not.match(cfg, /\bhttp\s*\{/);
});

test('keepalived.conf: the VIP on the interface holding the internal address, distinct priorities, unicast peers on demand', () => {
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const one = render('keepalived.conf.j2', varsFor('lb1', d, {}));
  const two = render('keepalived.conf.j2', varsFor('lb2', d, {}));
  assert.match(one, /^ {4}interface ens-3$/m);
  assert.match(one, /^ {8}10\.9\.0\.100\/32 dev ens-3$/m);
  assert.match(one, /virtual_router_id 101\n/);
  assert.match(one, /script "\/etc\/keepalived\/kubexm-check-apiserver-lb\.sh"/);
  const prio = (s: string) => Number(/priority (\d+)/.exec(s)![1]);
  assert.ok(prio(one) > prio(two), `${prio(one)} > ${prio(two)}`);
  assert.not.match(one, /unicast_peer/);
  const uni = render('keepalived.conf.j2', varsFor('lb1', d, { interface: 'bond0' }, { loadbalancer_keepalived_unicast: 'true' }));
  assert.match(uni, /unicast_src_ip 10\.9\.0\.31\n {4}unicast_peer \{\n {8}10\.9\.0\.32\n {4}\}/);
  assert.match(uni, /interface bond0/);
  const script = render('check-apiserver-lb.sh.j2', varsFor('lb1', d, {}));
  assert.match(script, /systemctl is-active --quiet haproxy \|\| exit 1/);
  assert.match(script, /\/dev\/tcp\/127\.0\.0\.1\/7443/);
});

test('kube-vip manifest: VIP and interface', () => {
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const pod = render('kube-vip-static-pod.yaml.j2', varsFor('m1', d, { mode: 'internal', internal: { type: 'kube-vip' } }));
  assert.match(pod, /\{name: address, value: "10\.9\.0\.100"\}/);
  assert.match(pod, /\{name: vip_interface, value: "ens-3"\}/);
});

test('check.yaml refuses a missing VIP and a host that is both master and balancer on the apiserver port', () => {
  const main = tasksOf(loadModule().plays[0].roles.flatMap((r) => r.block));
  const d = loadModule().plays[0].roles[0].role!.defaults;
  const checks = main.filter((t) => path.basename(t.pos.file) === 'check.yaml');
  const holds = (vars: Vars) => checks.every((t) => (t.args.that as string[]).every((c) => templar.isTrue(c, vars)));
  assert.ok(holds(varsFor('lb1', d, {})));
  assert.not.ok(holds(varsFor('lb1', d, { vip: '' })));
  assert.not.ok(holds(varsFor('lb1', d, { vip: '10.9.0.300' })));
  const both = varsFor('m1', d, {});
  (both.groups as Record<string, string[]>).loadbalancer = ['m1', 'lb2'];
  assert.ok(holds(both), 'endpoint port 7443 differs from the apiserver port');
  both.cluster = { ...(both.cluster as Vars), controlPlaneEndpoint: { port: 6443 } };
  assert.not.ok(holds(both));
});

test.run();
