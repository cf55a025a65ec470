// The differential suite over SSH: a case under test/diff/fleet-cases runs with ansible-playbook and
// then with kubexm against the same fleet hosts. Each tool's result is its exit code, its recap and
// the final state of the hosts: every path under the case's directory on each host (type, mode,
// owner, contents), read back with OpenSSH's ssh, plus what it wrote on the control node. Between
// the two tools the case's directories are removed from the hosts; nothing is rebooted.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FleetHost } from '../fleet/index.js';
import { onHost, vacantAddress, type Env } from '../ssh/harness.js';
import { ansibleRecap, exec, kubexmRecap, repoRoot, snapshot, toolCommand, toolEnv, type CaseSpec, type Entry, type Run } from './harness.js';

export const fleetCasesDir = path.join(repoRoot, 'test/diff/fleet-cases');

/** Where a case writes on every host: `out` in its playbook. */
export const remoteOut = (name: string) => `/var/tmp/kubexm-diff/${name}`;

/**
 * The case's inventory with the fleet filled in: `@node1@`… become the hosts' addresses,
 * `@vacant@` an address on the fleet's subnet where no machine answers; the login settings both
 * tools read (root by the fleet key, host keys pinned to the fleet's known_hosts) are appended.
 */
export function fleetInventory(env: Env, caseDir: string): string {
  let text = readFileSync(path.join(caseDir, 'inventory'), 'utf8');
  env.fleet.hosts.forEach((h, i) => (text = text.split(`@node${i + 1}@`).join(h.address)));
  text = text.split('@vacant@').join(vacantAddress(env));
  const args = `-o UserKnownHostsFile=${env.fleet.knownHostsPath} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`;
  return `${text.trimEnd()}\n\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file=${env.fleet.keyPath}\nansible_ssh_common_args='${args}'\n`;
}

// Prints one JSON list of [path, type, mode, owner, contents or link target] under a directory.
const LIST = `import json, os, pwd, grp, stat, sys
root = sys.argv[1]
out = []
for d, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        st = os.lstat(p)
        who = pwd.getpwuid(st.st_uid).pw_name + ':' + grp.getgrgid(st.st_gid).gr_name
        if stat.S_ISLNK(st.st_mode): out.append([os.path.relpath(p, root), 'link', '', who, os.readlink(p)])
        elif stat.S_ISDIR(st.st_mode): out.append([os.path.relpath(p, root), 'dir', '%04o' % (st.st_mode & 0o7777), who, None])
        else: out.append([os.path.relpath(p, root), 'file', '%04o' % (st.st_mode & 0o7777), who, open(p, encoding='utf-8', errors='replace').read()])
print(json.dumps(out))
`;

/** Every path under `dir` on the host, as entries named `<host>/<path>`; the owner is part of the mode. */
export async function hostTree(env: Env, h: FleetHost, dir: string): Promise<Entry[]> {
  const r = await onHost(env, h, `test -d ${dir} || exit 0; python3 - ${dir}`, { input: LIST });
  if (r.code !== 0) throw new Error(`reading ${dir} on ${h.name}: ${r.stderr}`);
  if (!r.stdout.trim()) return [];
  const rows = JSON.parse(r.stdout) as [string, Entry['type'], string, string, string | null][];
  return rows.map(([p, type, mode, who, text]) => {
    const e: Entry = { path: `${h.name}/${p}`, type, mode: type === 'link' ? who : `${mode} ${who}` };
    if (type === 'link') e.target = text ?? '';
    else if (type === 'file') e.content = text ?? '';
    return e;
  });
}

/** Removes the case's directory from every host and makes it again, empty (mode 0755, root's). */
export async function resetHosts(env: Env, name: string): Promise<void> {
  const dir = remoteOut(name);
  await Promise.all(
    env.fleet.hosts.map(async (h) => {
      const r = await onHost(env, h, `rm -rf ${dir} && mkdir -p -m 0755 ${dir}`);
      if (r.code !== 0) throw new Error(`resetting ${dir} on ${h.name}: ${r.stderr}`);
    }),
  );
}

/** Removes what the suite left on the hosts. */
export async function cleanHosts(env: Env): Promise<void> {
  await Promise.all(env.fleet.hosts.map((h) => onHost(env, h, `rm -rf ${path.dirname(remoteOut('x'))}`)));
}

/**
 * One tool on one case: a fresh copy of the case and a HOME of its own under `base`, the hosts'
 * case directory emptied first. `local` (on the control node) is where delegate_to: localhost and
 * fetch write.
 */
export async function runFleetTool(env: Env, tool: Run['tool'], name: string, spec: CaseSpec, base: string): Promise<Run> {
  const work = path.join(base, tool);
  const caseCopy = path.join(work, 'case');
  const local = path.join(work, 'local');
  const home = path.join(work, 'home');
  await fs.cp(path.join(fleetCasesDir, name), caseCopy, { recursive: true });
  await fs.rm(path.join(caseCopy, 'case.json'));
  await fs.writeFile(path.join(caseCopy, 'inventory'), fleetInventory(env, path.join(fleetCasesDir, name)));
  await fs.mkdir(home, { recursive: true });
  await fs.mkdir(local, { recursive: true, mode: 0o755 });
  await fs.chmod(local, 0o755);
  await resetHosts(env, name);

  const out = remoteOut(name);
  const args = ['playbook.yaml', '-i', 'inventory', '-e', `out=${out}`, '-e', `local=${local}`, ...(spec.args ?? [])];
  // Pipelining and a persistent master connection: ansible's fastest SSH settings.
  const r = await exec(...toolCommand(tool, args), caseCopy, toolEnv(home, { ANSIBLE_PIPELINING: '1', ANSIBLE_FORKS: '10' }), 300_000);
  const recap = tool === 'ansible' ? ansibleRecap(r.stdout) : kubexmRecap(r.stdout);
  const tree: Entry[] = [];
  for (const h of env.fleet.hosts) tree.push(...(await hostTree(env, h, out)));
  const localTree = await snapshot(local, [[local, '<local>'], [caseCopy, '<case>'], [home, '<home>']]);
  tree.push(...localTree.map((e) => ({ ...e, path: `local/${e.path}` })));
  return { tool, ...r, recap, tree, out: work };
}
