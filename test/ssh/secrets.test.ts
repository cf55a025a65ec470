// Secrets never leave kubexm: a cluster run as the fleet's `secure` user (password login, sudo that
// asks for the password) with registry auths in cluster.yaml, at -vvv with --diff, human and JSON.
// While it runs, the command line and environment of every process on this machine and the
// argument lists of every process on the host (OpenSSH's ssh, `ps -eo args`) are sampled; then the
// output, every sample, every file under the work dir and HOME, and the files kubexm may leave on
// the host are searched for each secret. Only cheap os tasks run: nothing is installed.
//
// Runs where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; skipped otherwise.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { FLEET_USERS } from '../fleet/index.js';
import { fleetHosts, fleetSuite, inventory, kubexmEnv, onHost, repoRoot, run, writeFile, type Proc, trustFleetHostKeys } from './harness.js';

const { test, env, ready } = fleetSuite('ssh: secrets never in output, files or process arguments', 1);

const NAME = 'secrets';
const LOGIN_PASSWORD = FLEET_USERS.secure.password;
const REGISTRY_PASSWORD = 'kxm-Reg1stry-S3cret-7f2a';
const SECRETS = [LOGIN_PASSWORD, REGISTRY_PASSWORD];
// The os tasks that change files on the host (so --diff has something to show) and need sudo.
const TAGS = 'os-hostname,os-hosts,os-sysctl,os-record';

let clusterFile = '';
let playbookArgs: string[] = [];

test.before(() => {
  if (!ready()) return;
  const e = env();
  trustFleetHostKeys(e);
  const h = e.host(1);
  const spec = {
    // No key: the login is by password, and sudo asks for the same password.
    hosts: [{ name: h.name, address: h.address, port: h.port, user: 'secure', password: LOGIN_PASSWORD, roles: ['master', 'worker', 'etcd'] }],
    registry: {
      type: 'external',
      privateRegistry: 'registry.kubexm.local:5000',
      auths: { 'registry.kubexm.local:5000': { username: 'puller', password: REGISTRY_PASSWORD } },
    },
    extra: { resolves: [{ address: e.fleet.gateway }] },
  };
  // The same user through an inventory, for a playbook run with --diff (create cluster has none):
  // a file changed in the open, and one holding the registry auth under no_log.
  const inv = inventory(e, 'secure', fleetHosts(e, 1), {
    ansible_user: 'secure',
    ansible_ssh_private_key_file: undefined,
    ansible_password: LOGIN_PASSWORD,
    ansible_become_password: LOGIN_PASSWORD,
    registry_password: REGISTRY_PASSWORD,
  });
  const playbook = writeFile(
    e,
    'secrets.yaml',
    `- hosts: all
  become: true
  gather_facts: true
  tasks:
    - name: A file changed in the open
      copy: {content: "run {{ stamp }}\\n", dest: /etc/kubexm-secrets-open.txt}
    - name: The registry auth, hidden
      copy: {content: '{"auths": {"r": {"password": "{{ registry_password }}"}}}', dest: /etc/kubexm-secrets-auth.json, mode: '0600'}
      no_log: true
    - name: Sudo again, by command
      command: id -u
`,
  );
  playbookArgs = ['run', playbook, '-i', inv, '-vvvv', '--diff'];
  clusterFile = writeFile(e, 'cluster.yaml', stringify({ apiVersion: 'kubexm.io/v1alpha1', kind: 'Cluster', metadata: { name: NAME }, spec }));
});

/** Everything a process table shows while `work` runs: command lines and environments here, argument lists on the host. */
async function sampled<T>(work: () => Promise<T>): Promise<{ result: T; local: Set<string>; remote: Set<string>; rounds: number }> {
  const local = new Set<string>();
  const remote = new Set<string>();
  let rounds = 0;
  const sampleLocal = setInterval(() => {
    rounds++;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      for (const f of ['cmdline', 'environ']) {
        try {
          local.add(readFileSync(`/proc/${pid}/${f}`).toString('utf8').replace(/\0/g, ' '));
        } catch {
          /* gone, or a kernel thread */
        }
      }
    }
  }, 50);
  // One ssh session that lists the host's processes every 50 ms until it is stopped.
  const h = env().host(1);
  const ssh = spawn('ssh', ['-i', env().fleet.keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${env().fleet.knownHostsPath}`, '-o', 'LogLevel=ERROR', '-p', String(h.port), `root@${h.address}`, 'while :; do ps -eo args; sleep 0.05; done'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let partial = '';
  ssh.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) remote.add(line);
  });
  const sampleRemote = new Promise((r) => ssh.on('close', r));
  await new Promise((r) => setTimeout(r, 1000));
  try {
    const result = await work();
    return { result, local, remote, rounds };
  } finally {
    clearInterval(sampleLocal);
    ssh.kill();
    await sampleRemote;
  }
}

function kubexmRun(args: string[]): Promise<Proc> {
  const e = env();
  return run(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), ...args], { env: kubexmEnv(e), cwd: e.dir, timeoutMs: 300_000 });
}

/** Every regular file under `dir`, with its content. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const f = path.join(d, name);
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else if (st.isFile()) out.push([f, readFileSync(f, 'latin1')]);
    }
  };
  walk(dir);
  return out;
}

function leaks(where: string, text: string): string[] {
  return SECRETS.filter((s) => text.includes(s)).map((s) => `${where}: contains '${s}'`);
}

const RUNS: { name: string; args: () => string[]; diff: boolean }[] = [
  { name: 'create cluster -vvv', args: () => ['create', 'cluster', '-f', clusterFile, '-y', '--tags', TAGS, '-vvv'], diff: false },
  { name: 'run -vvvv --diff (no_log on the auth)', args: () => playbookArgs, diff: true },
];

for (const r of RUNS) for (const output of ['human', 'json'] as const) {
  test(`${r.name} as a sudo-with-password user, --output ${output}: no secret anywhere`, async () => {
    const { result: p, local, remote, rounds } = await sampled(() => kubexmRun([...r.args(), '--output', output, ...(r.diff ? ['-e', `stamp=${Date.now()}`] : [])]));
    assert.is(p.code, 0, `the run failed:\n${p.stdout.slice(-3000)}\n${p.stderr.slice(-3000)}`);
    // The run really used sudo with the password and showed a diff, so there was something to leak.
    assert.ok(rounds > 3, `the process table was sampled ${rounds} times only`);
    if (output === 'human' && r.diff) assert.match(p.stdout, /^\+run /m, 'a diff was shown');
    if (output === 'json') assert.ok(JSON.parse(p.stdout.trim().split('\n').pop()!).tasks.length > 1);
    assert.ok(remote.size > 10, 'the host processes were sampled');
    if (r.diff) assert.match(p.stdout, /"stdout": ?"0"/, 'sudo with the password made the command root');

    const found = [
      ...leaks('stdout', p.stdout),
      ...leaks('stderr', p.stderr),
      ...[...local].flatMap((l) => leaks('a local process command line or environment', l)),
      ...[...remote].flatMap((l) => leaks('a host process argument list', l)),
      ...filesUnder(path.join(env().dir, '.kubexm')).flatMap(([f, t]) => leaks(f, t)),
      ...filesUnder(env().home).flatMap(([f, t]) => leaks(f, t)),
    ];
    // Files kubexm may leave on the host (its own dirs, temp files, the user's home).
    const onHostFiles = await onHost(env(), env().host(1), `grep -rlaF -e '${SECRETS.join("' -e '")}' /etc/kubexm /var/lib/kubexm /run/kubexm /tmp /var/tmp /home/secure /root 2>/dev/null; true`);
    for (const f of onHostFiles.stdout.split('\n').filter(Boolean)) found.push(`on the host: ${f}`);
    const unique = [...new Set(found)];
    assert.equal(unique, [], unique.join('\n'));
  });
}

test.run();
