// Every built-in step over real SSH on a fleet host: the first run changes the host, the second
// finds nothing to do, and the host is checked with OpenSSH's ssh afterwards.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fleetHosts, fleetSuite, hostOut, inventory, kubexm, onHost, report, writeFile, type JsonRun } from './harness.js';

const { test, env, ready, atEnd } = fleetSuite('ssh: every step over SSH', 1);

const id = randomBytes(4).toString('hex');
const base = `/srv/kxt-${id}`;
const repo = `/srv/kxrepo-${id}`;
const unit = `kxt-${id}.service`;
const newName = `kxt-${id}`;

// Task name → status of the first run and of the second.
const EXPECT: Record<string, [string, string]> = {
  'file directory': ['changed', 'ok'],
  'command creates': ['changed', 'ok'],
  'shell creates': ['changed', 'ok'],
  'copy content': ['changed', 'ok'],
  'copy src': ['changed', 'ok'],
  'copy large file': ['changed', 'ok'],
  template: ['changed', 'ok'],
  'file link': ['changed', 'ok'],
  lineinfile: ['changed', 'ok'],
  blockinfile: ['changed', 'ok'],
  stat: ['ok', 'ok'],
  fetch: ['changed', 'ok'],
  get_url: ['changed', 'ok'],
  unarchive: ['changed', 'ok'],
  'repo deb': ['changed', 'ok'],
  'repo index': ['changed', 'ok'],
  'apt source': ['changed', 'ok'],
  'package from the local repo': ['changed', 'ok'],
  'package already present': ['ok', 'ok'],
  'unit file': ['changed', 'ok'],
  systemd: ['changed', 'ok'],
  'sysctl netns': ['changed', 'ok'],
  'sysctl kernel': ['skipped', 'skipped'],
  modprobe: ['skipped', 'skipped'],
  hostname: ['changed', 'ok'],
  uri: ['ok', 'ok'],
  'wait_for port': ['ok', 'ok'],
  'wait_for path': ['ok', 'ok'],
  set_fact: ['ok', 'ok'],
  debug: ['ok', 'ok'],
  assert: ['ok', 'ok'],
};

// What the steps change outside their own paths, as a fresh boot has it (a reused host may not).
const RESET = "dpkg -r kxm-hello >/dev/null 2>&1; sysctl -qw net.ipv4.ip_forward=0; sed -i '/^net.ipv4.ip_forward=/d; /^vm.swappiness=/d' /etc/sysctl.conf; true";

let server: Server;
let port = 0;
let big: Buffer;
let runs: JsonRun[] = [];
let inv = '';
let pb = '';

function playbook(gateway: string): string {
  const url = `http://${gateway}:${port}`;
  return `
- hosts: all
  gather_facts: false
  vars:
    base: ${base}
  tasks:
    - name: file directory
      file: { path: "{{ base }}", state: directory, mode: "0755" }
    - name: command creates
      command: touch {{ base }}/cmd-made
      args: { creates: "{{ base }}/cmd-made" }
    - name: shell creates
      shell: echo "made by $(id -un)" > {{ base }}/sh-made
      args: { creates: "{{ base }}/sh-made" }
    - name: copy content
      copy: { content: "key=value\\n# end\\n", dest: "{{ base }}/copied.txt", mode: "0640" }
    - name: copy src
      copy: { src: files/small.txt, dest: "{{ base }}/small.txt", mode: "0600" }
    - name: copy large file
      copy: { src: files/big.bin, dest: "{{ base }}/big.bin" }
    - name: template
      template: { src: tpl.j2, dest: "{{ base }}/rendered.txt" }
    - name: file link
      file: { src: "{{ base }}/small.txt", dest: "{{ base }}/link", state: link }
    - name: lineinfile
      lineinfile: { path: "{{ base }}/conf.txt", regexp: "^key=", line: "key=changed", create: true, mode: "0640" }
    - name: blockinfile
      blockinfile: { path: "{{ base }}/conf.txt", block: "alpha\\nbeta" }
    - name: stat
      stat: { path: "{{ base }}/big.bin", checksum_algorithm: sha256 }
      register: big_stat
    - name: fetch
      fetch: { src: "{{ base }}/rendered.txt", dest: "${env().dir}/fetched/" }
    - name: get_url
      get_url: { url: "${url}/file.txt", dest: "{{ base }}/dl.txt", mode: "0644" }
    - name: unarchive
      unarchive: { src: files/archive.tar.gz, dest: "{{ base }}" }
    - name: repo deb
      copy: { src: files/kxm-hello_1.0_all.deb, dest: "${repo}/" }
    - name: repo index
      copy: { src: files/Packages, dest: "${repo}/Packages" }
    - name: apt source
      copy: { content: "deb [trusted=yes] file:${repo} ./\\n", dest: /etc/apt/sources.list }
    - name: package from the local repo
      package: { name: kxm-hello, state: present, update_cache: true }
    - name: package already present
      package: { name: openssh-server, state: present }
    - name: unit file
      copy:
        dest: /etc/systemd/system/${unit}
        content: |
          [Unit]
          Description=kubexm test unit
          [Service]
          ExecStart=/bin/sleep infinity
          [Install]
          WantedBy=multi-user.target
    - name: systemd
      systemd: { name: ${unit}, state: started, enabled: true, daemon_reload: true }
    - name: sysctl netns
      sysctl: { name: net.ipv4.ip_forward, value: "1", sysctl_set: true }
    - name: sysctl kernel
      sysctl: { name: vm.swappiness, value: "7", sysctl_set: true }
    - name: modprobe
      modprobe: { name: dummy, state: present }
    - name: hostname
      hostname: { name: ${newName} }
    - name: uri
      uri: { url: "${url}/api", return_content: true }
      register: api
    - name: wait_for port
      wait_for: { host: 127.0.0.1, port: 22, timeout: 10 }
    - name: wait_for path
      wait_for: { path: "{{ base }}/conf.txt", timeout: 10 }
    - name: set_fact
      set_fact: { answer: "{{ api.json.answer }}" }
    - name: debug
      debug: { msg: "answer {{ answer }}" }
    - name: assert
      assert:
        that:
          - answer | int == 42
          - big_stat.stat.exists
          - big_stat.stat.size == ${20 << 20}
`;
}

function sha256(b: Buffer | string) {
  return createHash('sha256').update(b).digest('hex');
}

test.before(async () => {
  if (!ready()) return;
  const e = env();
  server = createServer((req, res) => {
    if (req.url === '/file.txt') res.end('downloaded over http\n');
    else if (req.url === '/api') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ answer: 42 }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  // Bound to the bridge address only: the fleet hosts reach it, nothing else does.
  await new Promise<void>((r) => server.listen(0, e.fleet.gateway, r));
  port = (server.address() as { port: number }).port;

  big = randomBytes(20 << 20);
  writeFile(e, 'files/big.bin', big);
  writeFile(e, 'files/small.txt', 'small file\n');
  writeFile(e, 'tpl.j2', 'host {{ inventory_hostname }} port {{ ansible_port | default(22) }}\n');
  writeFile(e, 'src/a.txt', 'member a\n');
  writeFile(e, 'src/sub/b.txt', 'member b\n');
  execFileSync('tar', ['-czf', path.join(e.dir, 'files/archive.tar.gz'), '-C', path.join(e.dir, 'src'), '.']);
  // A real .deb and a flat repository index, for apt on a host without internet.
  writeFile(e, 'deb/DEBIAN/control', 'Package: kxm-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: kubexm tests <tests@kubexm.invalid>\nDescription: kubexm test package\n');
  writeFile(e, 'deb/usr/share/kxm-hello/README', 'hello\n');
  const deb = path.join(e.dir, 'files/kxm-hello_1.0_all.deb');
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', path.join(e.dir, 'deb'), deb], { stdio: 'ignore' });
  const bytes = readFileSync(deb);
  const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' }).trimEnd();
  writeFile(e, 'files/Packages', `${control}\nFilename: ./kxm-hello_1.0_all.deb\nSize: ${bytes.length}\nSHA256: ${sha256(bytes)}\n\n`);

  inv = inventory(e, 'steps', fleetHosts(e, 1));
  pb = writeFile(e, 'site.yaml', playbook(e.fleet.gateway));
  // A host reused from an earlier run may have the package already.
  await onHost(e, e.host(1), RESET);
});

test.after(() => {
  server?.close();
});

atEnd(async () => {
  const e = env();
  // Leave the host as a fresh boot would have it, for whatever runs next on a reused fleet.
  await onHost(e, e.host(1), `hostname ${e.host(1).name}; hostnamectl set-hostname ${e.host(1).name} 2>/dev/null; systemctl disable --now ${unit} 2>/dev/null; rm -rf ${base} ${repo} /etc/systemd/system/${unit}; ${RESET}`);
});

test('first run: every step changes the host (or reports ok/skipped where that is the truth)', async () => {
  const r = await kubexm(env(), ['run', pb, '-i', inv, '--output', 'json']);
  const rep = report(r);
  runs.push(rep);
  const node = env().host(1).name;
  const got = Object.fromEntries(rep.tasks.map((t) => [t.name, t.hosts[node]?.status]));
  const want = Object.fromEntries(Object.entries(EXPECT).map(([k, v]) => [k, v[0]]));
  assert.equal(got, want, JSON.stringify(rep.tasks.filter((t) => t.hosts[node]?.status === 'failed').map((t) => [t.name, t.hosts[node].msg, t.hosts[node].stderr])));
  assert.is(r.code, 0, r.stderr);
});

test('second run: nothing to do', async () => {
  const r = await kubexm(env(), ['run', pb, '-i', inv, '--output', 'json']);
  const rep = report(r);
  runs.push(rep);
  const node = env().host(1).name;
  const got = Object.fromEntries(rep.tasks.map((t) => [t.name, t.hosts[node]?.status]));
  const want = Object.fromEntries(Object.entries(EXPECT).map(([k, v]) => [k, v[1]]));
  assert.equal(got, want);
  assert.is(rep.recap[node].changed, 0);
  assert.is(r.code, 0);
});

test('the host holds what the steps said they did', async () => {
  const e = env();
  const h = e.host(1);
  const sh = (cmd: string) => hostOut(e, h, cmd);
  assert.is((await sh(`sha256sum ${base}/big.bin`)).split(' ')[0], sha256(big), 'the 20 MiB file arrived intact');
  assert.is(await sh(`stat -c '%a %U' ${base}/copied.txt ${base}/small.txt ${base}/big.bin ${base}/conf.txt`), '640 root\n600 root\n644 root\n640 root\n');
  assert.is(await sh(`cat ${base}/copied.txt`), 'key=value\n# end\n');
  assert.is(await sh(`cat ${base}/conf.txt`), 'key=changed\n# BEGIN ANSIBLE MANAGED BLOCK\nalpha\nbeta\n# END ANSIBLE MANAGED BLOCK\n');
  assert.is(await sh('sysctl -n net.ipv4.ip_forward'), '1\n');
  assert.is(await sh(`cat ${base}/rendered.txt`), `host ${h.name} port 22\n`);
  assert.is(await sh(`readlink ${base}/link`), `${base}/small.txt\n`);
  assert.is(await sh(`cat ${base}/sh-made ${base}/dl.txt ${base}/a.txt ${base}/sub/b.txt`), 'made by root\ndownloaded over http\nmember a\nmember b\n');
  assert.ok((await sh(`ls ${base}`)).includes('cmd-made'));
  assert.is(await sh(`dpkg-query -W -f='\${Status} \${Version}' kxm-hello`), 'install ok installed 1.0');
  assert.is(await sh(`systemctl is-active ${unit}; systemctl is-enabled ${unit}`), 'active\nenabled\n');
  assert.is(await sh('hostname; cat /etc/hostname'), `${newName}\n${newName}\n`);
  const fetched = path.join(e.dir, 'fetched', h.name, base.slice(1), 'rendered.txt');
  assert.ok(existsSync(fetched), fetched);
  assert.is(readFileSync(fetched, 'utf8'), `host ${h.name} port 22\n`);
});

test('steps that cannot act in a container say why instead of pretending', () => {
  const node = env().host(1).name;
  for (const name of ['sysctl kernel', 'modprobe']) {
    const t = runs[0].tasks.find((x) => x.name === name)!;
    assert.match(String(t.hosts[node].msg), /container/i, `${name}: ${JSON.stringify(t.hosts[node])}`);
  }
  const dbg = runs[0].tasks.find((x) => x.name === 'debug')!;
  assert.match(JSON.stringify(dbg.hosts[node]), /answer 42/);
});

test.run();
