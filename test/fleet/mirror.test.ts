// The local mirror seen from a fleet host: every artifact at its upstream path with the checksum
// of checksums.json and the upstream layout, the flat apt repository installing the load balancer
// and registry packages with nothing else in the sources, the server reachable on the bridge only.
// Runs like the fleet tests (CI=true or KUBEXM_FLEET=1, as root).
import * as assert from 'uvu/assert';
import { createConnection } from 'node:net';
import { fleetRestart, mirrorDown, mirrorUp, type Mirror } from './index.js';
import { fleetSuite, onHost, type Proc } from '../ssh/harness.js';

const { test, env, ready, foundUp, atEnd } = fleetSuite('fleet: the local mirror', 1);

const GH = 'github.com';
// Upstream URL path → what its archive holds (upstream's layout).
const ARTIFACTS: { path: string; file: string; list?: string[] }[] = [
  { path: `${GH}/etcd-io/etcd/releases/download/v3.4.23`, file: 'etcd-v3.4.23-linux-amd64.tar.gz', list: ['etcd-v3.4.23-linux-amd64/etcd', 'etcd-v3.4.23-linux-amd64/etcdctl'] },
  {
    path: `${GH}/containerd/containerd/releases/download/v1.6.20`,
    file: 'containerd-1.6.20-linux-amd64.tar.gz',
    list: ['bin/containerd', 'bin/containerd-shim', 'bin/containerd-shim-runc-v1', 'bin/containerd-shim-runc-v2', 'bin/ctr'],
  },
  { path: `${GH}/opencontainers/runc/releases/download/v1.1.5`, file: 'runc.amd64' },
  { path: `${GH}/containernetworking/plugins/releases/download/v1.1.1`, file: 'cni-plugins-linux-amd64-v1.1.1.tgz', list: ['./bridge', './host-local', './loopback', './portmap'] },
];

let mirror: Mirror | undefined;
let setupError: unknown;

test.before(async () => {
  if (!ready()) return;
  try {
    mirror = await mirrorUp(env().fleet);
  } catch (e) {
    setupError = e;
  }
});
test.before.each(() => {
  if (setupError) throw setupError;
});
atEnd(async () => {
  await mirrorDown(env().fleet);
  // The host installed packages: give a fleet that was already up its clean host back.
  if (foundUp()) await fleetRestart(1);
});

const on = (command: string, timeoutMs = 120_000): Promise<Proc> => onHost(env(), env().host(1), command, { timeoutMs });

test('mirrorUp serves on the gateway address, with the checksums of the four artifacts', () => {
  const e = env();
  assert.match(mirror!.url, new RegExp(`^http://${e.fleet.gateway.replace(/\./g, '\\.')}:\\d+$`));
  assert.is(mirror!.aptUrl, `${mirror!.url}/apt`);
  assert.equal(Object.keys(mirror!.checksums).sort(), ARTIFACTS.map((a) => a.file).sort());
  for (const v of Object.values(mirror!.checksums)) assert.match(v, /^sha256:[0-9a-f]{64}$/);
});

test('a host fetches every artifact at its upstream path, with its checksum and upstream layout', async () => {
  for (const a of ARTIFACTS) {
    const url = `${mirror!.url}/${a.path}/${a.file}`;
    const r = await on(`set -e; cd "$(mktemp -d)"; curl -fsS -o f ${url}; sha256sum f | cut -d' ' -f1; ${a.list ? 'tar -tzf f' : 'chmod +x f; ./f --version'}`);
    assert.is(r.code, 0, `${url}: ${r.stderr}`);
    const [sum, ...rest] = r.stdout.trim().split('\n');
    assert.is(`sha256:${sum}`, mirror!.checksums[a.file], a.file);
    if (a.list) for (const entry of a.list) assert.ok(rest.includes(entry), `${a.file} holds ${entry}: ${rest.join(' ')}`);
    else assert.match(rest.join('\n'), /runc version 1\.1\.5/);
  }
});

test('apt installs haproxy, keepalived, nginx, docker-registry and chrony from the flat repository alone', async () => {
  const r = await on(
    [
      'set -e',
      `echo 'deb [trusted=yes] ${mirror!.aptUrl} ./' >/etc/apt/sources.list`,
      'rm -f /etc/apt/sources.list.d/*',
      'apt-get update -q',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy keepalived nginx libnginx-mod-stream docker-registry chrony',
      'haproxy -v',
      'keepalived --version 2>&1',
      'systemctl is-active docker-registry',
    ].join('\n'),
    300_000,
  );
  assert.is(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-2000));
  assert.match(r.stdout, /HAProxy version 2\.6\./);
  assert.match(r.stdout, /Keepalived v2\.2\.7/);
  assert.match(r.stdout, /^active$/m);
});

test('the server answers on the gateway only and refuses paths outside its root', async () => {
  const port = Number(new URL(mirror!.url).port);
  const refused = await new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.on('connect', () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(true));
  });
  assert.ok(refused, `127.0.0.1:${port} must not answer`);
  const r = await on(`curl -s -o /dev/null -w '%{http_code}' --path-as-is ${mirror!.url}/../../../etc/passwd`);
  assert.ok(['403', '404'].includes(r.stdout), `got ${r.stdout}`);
});

test('mirrorDown stops the server', async () => {
  await mirrorDown(env().fleet);
  const r = await on(`curl -s -o /dev/null --max-time 5 ${mirror!.url}/checksums.json; echo $?`);
  assert.is(r.stdout.trim(), '7', 'curl: connection refused');
});

test.run();
