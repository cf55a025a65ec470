import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Vars } from '../../../interpreter/load/types.js';
import { pkgRoot } from '../../../interpreter/paths.js';
import { loadModule as loadRole, tasksOf, layerProblems } from './harness.js';
import '../../../interpreter/steps/index.js';
import { Templar } from '../../../interpreter/template/index.js';

const TEMPLATES = path.join(pkgRoot, 'templates');

const loadModule = () => loadRole('registry');
const mainTasks = () => tasksOf(loadModule().plays[0].roles.flatMap((r) => r.block));
const defaults = () => loadModule().plays[0].roles[0].role!.defaults;

function varsFor(host: string, registry: Record<string, unknown>, extra: Vars = {}): Vars {
  return {
    ...defaults(),
    inventory_hostname: host,
    ansible_os_family: 'Debian',
    groups: { all: ['n1', 'n2'], registry: ['n2'], master: ['n1'] },
    cluster: { registry: { type: 'registry', privateRegistry: 'dockerhub.kubexm.local', auths: {}, ...registry } },
    kubexm_templates: TEMPLATES,
    ansible_managed: 'Managed by kubexm: local changes will be overwritten',
    ...extra,
  };
}
const templar = new Templar();
const value = (expr: string, vars: Vars) => templar.render(`{{ ${expr} }}`, vars);
const render = (file: string, vars: Vars) => templar.renderText(readFileSync(path.join(TEMPLATES, 'registry', file), 'utf8'), vars);

test('the module keeps the layer rule', () => {
  assert.equal(layerProblems('registry'), []);
});

test('main and delete load and validate', () => {
  const files = [...new Set(mainTasks().map((t) => path.basename(t.pos.file)))];
  assert.equal(files, ['check.yaml', 'packages.yaml', 'storage.yaml', 'auth.yaml', 'config.yaml', 'service.yaml', 'verify.yaml', 'harbor.yaml']);
  const del = tasksOf(loadModule().plays[1].tasks);
  assert.ok(del.length > 8 && del.every((t) => path.basename(t.pos.file) === 'delete.yaml'));
});

test('only registry hosts work, and only for the types kubexm deploys', () => {
  const on = (type: string) => ['n1', 'n2'].map((h) => value('registry_on_host', varsFor(h, { type })));
  assert.equal(on('registry'), [false, true]);
  assert.equal(on('harbor'), [false, true]);
  assert.equal(on('external'), [false, false]);
  assert.equal(on('none'), [false, false]);
});

test('the port comes from privateRegistry, else 5000 (registry) or 80 (harbor)', () => {
  assert.is(value('registry_port', varsFor('n2', {})), 5000);
  assert.is(value('registry_port', varsFor('n2', { privateRegistry: 'reg.example:5443' })), 5443);
  assert.is(value('registry_domain', varsFor('n2', { privateRegistry: 'reg.example:5443' })), 'reg.example');
  assert.is(value('registry_domain', varsFor('n2', { privateRegistry: '' })), 'n2');
  assert.is(value('registry_port', varsFor('n2', { type: 'harbor' })), 80);
  assert.is(value('registry_port', varsFor('n2', { type: 'harbor', privateRegistry: 'h.example:8443' })), 8443);
});

test('config.yml: storage, port, htpasswd only with credentials from auths', () => {
  const plain = render('config.yml.j2', varsFor('n2', { privateRegistry: 'reg.example:5443' }));
  assert.match(plain, /rootdirectory: \/data\/docker_registry\n/);
  assert.match(plain, /addr: :5443\n/);
  assert.not.match(plain, /htpasswd/);
  for (const key of ['reg.example:5443', 'reg.example']) {
    const v = varsFor('n2', { privateRegistry: 'reg.example:5443', auths: { [key]: { username: 'u', password: 'p' } } });
    assert.is(value('registry_auth_enabled', v), true, key);
    assert.match(render('config.yml.j2', v), /auth:\n {2}htpasswd:\n {4}realm: reg\.example\n {4}path: \/etc\/kubexm\/registry\/htpasswd\n/);
  }
  assert.is(value('registry_auth_enabled', varsFor('n2', { auths: { other: { username: 'u', password: 'p' } } })), false);
  const dropin = render('docker-registry.service.d.conf.j2', varsFor('n2', {}));
  assert.match(dropin, /^ExecStart=\n^ExecStart=\/usr\/bin\/docker-registry serve \/etc\/kubexm\/registry\/config\.yml$/m);
});

test('credentials stay out of output: the htpasswd and harbor.yml tasks are no_log', () => {
  const secret = mainTasks().filter((t) => /htpasswd|harbor\.yml/.test(t.name ?? ''));
  assert.equal(secret.map((t) => [t.name, t.no_log]), [
    ['Write the registry htpasswd file', true],
    ['Render harbor.yml', true],
  ]);
  const write = secret[0];
  // The password reaches the host on stdin, never in the command line.
  assert.not.match(JSON.stringify(write.args.argv), /registry_auth/);
  assert.match(String(write.args.stdin), /registry_auth\.password/);
});

const python = spawnSync('python3', ['-c', 'import crypt; assert crypt.crypt("x", crypt.mksalt(crypt.METHOD_BLOWFISH)).startswith("$2")'], { stdio: 'ignore' });
test('the htpasswd script writes a bcrypt hash once and keeps it while the password matches', () => {
  if (python.status !== 0) return console.log('  (python3 with bcrypt crypt not available: skipped)');
  const argv = mainTasks().find((t) => t.name === 'Write the registry htpasswd file')!.args.argv as string[];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kxm-reg-'));
  try {
    const file = path.join(dir, 'htpasswd');
    const run = (pw: string) => {
      const r = spawnSync(argv[0], [argv[1], argv[2], file, 'root'], { input: `admin\n${pw}`, encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.is(run('first secret'), 'written');
    const hash = readFileSync(file, 'utf8');
    assert.match(hash, /^admin:\$2b\$12\$[./A-Za-z0-9]{53}\n$/);
    assert.is(run('first secret'), 'unchanged');
    assert.is(readFileSync(file, 'utf8'), hash);
    assert.is(run('second secret'), 'written');
    assert.is.not(readFileSync(file, 'utf8'), hash);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
