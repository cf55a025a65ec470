// The benchmark's work: one playbook of file-managing steps under ROOT on every host, the files
// and templates it uses, an inventory of fleet hosts and an ansible.cfg. The same files serve
// both tools, so they do exactly the same work.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FleetHost } from '../test/fleet/index.js';

/** Where the playbook writes on each host; removed before every first run. */
export const ROOT = '/tmp/kubexm-bench';

export interface Workload {
  dir: string;
  playbook: string;
  /** The one-step playbook: what a run costs besides its steps (start, load, connect, close). */
  oneStep: string;
  inventory: string;
  ansibleCfg: string;
  forks: number;
  /** Tasks in the playbook, each one step on each host. */
  steps: number;
  /** Steps per module, for the report. */
  mix: Record<string, number>;
}

export interface FleetAccess {
  keyPath: string;
  knownHostsPath: string;
}

// File sizes for copy from the control node: a config-sized file up to a small binary.
const COPY_SIZES = [512, 4096, 32 * 1024, 128 * 1024];

/** Deterministic bytes (text lines) of a given size, different for each seed. */
function filler(size: number, seed: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const line = `${seed}:${i.toString().padStart(6, '0')} ${'abcdefghijklmnopqrstuvwxyz'.repeat(2)}\n`;
    lines.push(line);
    n += line.length;
  }
  return lines.join('').slice(0, size - 1) + '\n';
}

const TEMPLATES = [
  // plain substitution
  `# {{ app_name }} on {{ inventory_hostname }}\nname = {{ app_name }}\nport = {{ app_port }}\n`,
  // a loop
  `[workers]\n{% for w in workers %}\nworker.{{ w }} = {{ loop.index }}\n{% endfor %}\n`,
  // a condition and filters
  `{% if app_port > 1024 %}\nunprivileged = true\n{% else %}\nunprivileged = false\n{% endif %}\nupper = {{ app_name | upper }}\njoined = {{ workers | join(',') }}\n`,
  // a dict loop, sorted
  `{% for k, v in features | dictsort %}\nfeature.{{ k }} = {{ v }}\n{% endfor %}\n`,
  // defaults and arithmetic
  `missing = {{ not_defined | default('fallback') }}\ndouble = {{ app_port * 2 }}\nhost = {{ inventory_hostname }}\n`,
  // a longer file: a loop over a range
  `{% for i in range(1, 41) %}\nline{{ i }} = {{ app_name }}-{{ i }}-{{ inventory_hostname }}\n{% endfor %}\n`,
  // nested data
  `{% for w in workers %}\n[{{ w }}]\n{% for k, v in features | dictsort %}\n{{ w }}.{{ k }} = {{ v + loop.index }}\n{% endfor %}\n{% endfor %}\n`,
  // whitespace control
  `{%- for w in workers -%}\n{{ w }}{{ ';' if not loop.last else '' }}\n{%- endfor %}\n`,
];

/** The playbook's tasks as YAML lines (2-space indented list items). */
function tasks(): { yaml: string[]; mix: Record<string, number> } {
  const out: string[] = [];
  const mix: Record<string, number> = {};
  const task = (module: string, name: string, body: string[], extra: string[] = []) => {
    mix[module] = (mix[module] ?? 0) + 1;
    out.push(`    - name: ${name}`, `      ${module}:`, ...body.map((l) => `        ${l}`), ...extra.map((l) => `      ${l}`));
  };

  // directories
  task('file', 'root directory', ['path: "{{ root }}"', 'state: directory', "mode: '0755'"]);
  for (const [d, m] of [['etc', '0755'], ['data', '0750'], ['bin', '0755'], ['log', '0700']] as const) {
    task('file', `directory ${d}`, [`path: "{{ root }}/${d}"`, 'state: directory', `mode: '${m}'`]);
  }
  // inline content; the last one seeds a file that the line edits below change (force: false
  // leaves it alone once it exists, so both stay idempotent)
  for (let i = 1; i <= 7; i++) {
    task('copy', `content c${i}.conf`, [
      `dest: "{{ root }}/etc/c${i}.conf"`,
      `content: "key${i}=value${i}\\nhost={{ inventory_hostname }}\\nmode=${i % 2 ? 'odd' : 'even'}\\n"`,
      `mode: '${i === 7 ? '0600' : '0644'}'`,
    ]);
  }
  task('copy', 'seed edit.conf', [
    `dest: "{{ root }}/etc/edit.conf"`,
    'content: "key1=value1\\nhost={{ inventory_hostname }}\\nmode=odd\\nport = 8080\\n"',
    "mode: '0644'",
    'force: false',
  ]);
  // control-node files
  COPY_SIZES.forEach((_, j) => {
    const i = j + 1;
    task('copy', `file f${i}.txt`, [`src: f${i}.txt`, `dest: "{{ root }}/data/f${i}.txt"`, "mode: '0644'"]);
  });
  // templates
  TEMPLATES.forEach((_, j) => {
    const i = j + 1;
    task('template', `template t${i}.cfg`, [`src: t${i}.j2`, `dest: "{{ root }}/etc/t${i}.cfg"`, "mode: '0644'"]);
  });
  // line edits: replace, append, insertafter, insertbefore, remove, create, backrefs
  const edit = 'path: "{{ root }}/etc/edit.conf"';
  task('lineinfile', 'replace key1', [edit, "regexp: '^key1='", 'line: key1=changed']);
  task('lineinfile', 'append a line', [edit, 'line: appended=yes']);
  task('lineinfile', 'insert after host', [edit, "insertafter: '^host='", 'line: after_host=1']);
  task('lineinfile', 'insert before first', [edit, 'insertbefore: BOF', "line: '# first line'"]);
  task('lineinfile', 'remove mode line', [edit, "regexp: '^mode='", 'state: absent']);
  task('lineinfile', 'replace port', [edit, "regexp: '^port ='", "line: 'port = 9090'"]);
  task('lineinfile', 'backrefs edit', [edit, "regexp: '^host=(.*)$'", "line: 'hostname=\\1'", 'backrefs: true']);
  task('lineinfile', 'create new file', [`path: "{{ root }}/etc/new.conf"`, 'line: created=1', 'create: true', "mode: '0640'"]);
  // commands: made idempotent the usual ways (creates, changed_when)
  task('command', 'command with creates', [`cmd: touch "{{ root }}/data/cmd1"`, `creates: "{{ root }}/data/cmd1"`]);
  task('command', 'command copies a file', [`cmd: cp "{{ root }}/etc/c6.conf" "{{ root }}/data/c6.copy"`, `creates: "{{ root }}/data/c6.copy"`]);
  task('command', 'read-only command', [`cmd: cat "{{ root }}/etc/c7.conf"`], ['changed_when: false']);
  task('command', 'another read-only command', ['cmd: uname -r'], ['changed_when: false']);
  // links and attributes
  task('file', 'link l1', [`path: "{{ root }}/bin/l1"`, 'src: ../etc/c1.conf', 'state: link']);
  task('file', 'link l2', [`path: "{{ root }}/bin/l2"`, `src: "{{ root }}/data/f1.txt"`, 'state: link']);
  task('file', 'mode of c6.copy', [`path: "{{ root }}/data/c6.copy"`, "mode: '0600'"]);
  task('file', 'mode of cmd1', [`path: "{{ root }}/data/cmd1"`, 'state: file', "mode: '0640'"]);
  return { yaml: out, mix };
}

function inventoryYaml(hosts: FleetHost[], fleet: FleetAccess): string {
  const lines = ['all:', '  children:', '    bench:', '      hosts:'];
  for (const h of hosts) lines.push(`        ${h.name}:`, `          ansible_host: ${h.address}`, `          ansible_port: ${h.port}`);
  lines.push(
    '      vars:',
    '        ansible_user: root',
    `        ansible_ssh_private_key_file: ${fleet.keyPath}`,
    `        ansible_ssh_common_args: '-o UserKnownHostsFile=${fleet.knownHostsPath} -o StrictHostKeyChecking=yes'`,
    '        ansible_python_interpreter: /usr/bin/python3',
  );
  return lines.join('\n') + '\n';
}

/**
 * ansible.cfg as the comparison asks for: pipelining, SSH connection reuse, enough forks, no
 * facts, host keys checked against the fleet's known_hosts (through the inventory's ssh args),
 * and only changes, failures and the recap on the screen.
 */
export function ansibleCfg(dir: string, forks: number, controlPathDir: string): string {
  return [
    '[defaults]',
    `forks = ${forks}`,
    'gathering = explicit',
    'host_key_checking = True',
    'stdout_callback = default',
    'display_ok_hosts = False',
    'display_skipped_hosts = False',
    'retry_files_enabled = False',
    'interpreter_python = /usr/bin/python3',
    'nocows = 1',
    `local_tmp = ${path.join(dir, 'ansible-tmp')}`,
    '',
    '[ssh_connection]',
    'pipelining = True',
    'ssh_args = -o ControlMaster=auto -o ControlPersist=60s',
    `control_path_dir = ${controlPathDir}`,
    '',
  ].join('\n');
}

/** Writes the playbook, its files and templates, the inventory and ansible.cfg into dir. */
export async function writeWorkload(dir: string, hosts: FleetHost[], fleet: FleetAccess): Promise<Workload> {
  await fs.mkdir(path.join(dir, 'files'), { recursive: true });
  await fs.mkdir(path.join(dir, 'templates'), { recursive: true });
  for (const [j, size] of COPY_SIZES.entries()) await fs.writeFile(path.join(dir, 'files', `f${j + 1}.txt`), filler(size, j + 1));
  for (const [j, text] of TEMPLATES.entries()) await fs.writeFile(path.join(dir, 'templates', `t${j + 1}.j2`), text);

  const head = [
    '- name: kubexm benchmark',
    '  hosts: bench',
    '  gather_facts: false',
    '  vars:',
    `    root: ${ROOT}`,
    '    app_name: bench',
    '    app_port: 8080',
    '    workers: [alpha, beta, gamma]',
    '    features: {x: 1, y: 2, z: 3}',
    '  tasks:',
  ];
  const t = tasks();
  const playbook = path.join(dir, 'playbook.yaml');
  await fs.writeFile(playbook, [...head, ...t.yaml].join('\n') + '\n');
  const oneStep = path.join(dir, 'one-step.yaml');
  await fs.writeFile(
    oneStep,
    [...head, '    - name: one step', '      command:', '        cmd: "true"', '      changed_when: false'].join('\n') + '\n',
  );
  const inventory = path.join(dir, 'inventory.yaml');
  await fs.writeFile(inventory, inventoryYaml(hosts, fleet));
  const cfg = path.join(dir, 'ansible.cfg');
  await fs.writeFile(cfg, ansibleCfg(dir, Math.max(hosts.length, 5), path.join(dir, 'cp')));
  await fs.mkdir(path.join(dir, 'cp'), { recursive: true, mode: 0o700 });
  const steps = Object.values(t.mix).reduce((a, b) => a + b, 0);
  return { dir, playbook, oneStep, inventory, ansibleCfg: cfg, forks: Math.max(hosts.length, 5), steps, mix: t.mix };
}

/**
 * Points ansible at a new ControlPath directory: its next run opens fresh SSH connections (a
 * first run starts cold, like kubexm's), and the run after it reuses them (ControlPersist).
 */
export async function freshControlPath(w: Workload, name: string): Promise<void> {
  const cp = path.join(w.dir, name);
  await fs.mkdir(cp, { recursive: true, mode: 0o700 });
  await fs.writeFile(w.ansibleCfg, ansibleCfg(w.dir, w.forks, cp));
}
