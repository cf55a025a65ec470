// A reproducible corpus of hostile inputs, made by mutating valid files the project ships or tests
// with. A small seeded PRNG (mulberry32) picks offsets and lines, so every run builds the same set.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SEED = 0x5eed2026;

/** mulberry32: tiny, fast, good enough to pick offsets; the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'cluster' | 'playbook' | 'inventory';

export interface Case {
  name: string;
  kind: Kind;
  /** File name to write (the extension decides how an inventory is read). */
  file: string;
  data: Buffer;
  /**
   * true: the mutation is certain to break the file, so loading must fail.
   * false: a random mutation that may leave a valid file; the test counts those as skipped.
   */
  mustFail: boolean;
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');

export interface Source {
  label: string;
  kind: Kind;
  file: string;
  text: string;
}

export function sources(): Source[] {
  return [
    { label: 'examples/cluster.yaml', kind: 'cluster', file: 'cluster.yaml', text: read('examples/cluster.yaml') },
    { label: 'examples/demo/cluster.yaml', kind: 'cluster', file: 'cluster.yaml', text: read('examples/demo/cluster.yaml') },
    { label: 'block_rescue_always', kind: 'playbook', file: 'playbook.yaml', text: read('test/diff/cases/block_rescue_always/playbook.yaml') },
    { label: 'copy_file', kind: 'playbook', file: 'playbook.yaml', text: read('test/diff/cases/copy_file/playbook.yaml') },
    { label: 'flush_handlers', kind: 'playbook', file: 'playbook.yaml', text: read('test/diff/cases/flush_handlers/playbook.yaml') },
    { label: 'inventory.yaml', kind: 'inventory', file: 'hosts.yaml', text: INVENTORY },
  ];
}

/** A YAML inventory in the shape Ansible documents (groups, children, host and group vars). */
export const INVENTORY = `all:
  vars:
    ansible_connection: local
  children:
    web:
      hosts:
        h1:
          http_port: 80
        h2:
    db:
      hosts:
        h3:
          ansible_host: 192.0.2.3
`;

const lines = (t: string) => t.split('\n');
/** Lines holding `key: value` with a scalar value (not comments, not list/mapping openers). */
const scalarLines = (t: string) =>
  lines(t)
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => /^\s*(?:- )?[A-Za-z_][\w-]*:\s+[^\s#[{|>&*][^#]*$/.test(l));
const indentedLines = (t: string) =>
  lines(t)
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => /^ +[^\s#]/.test(l));

const NON_SCALARS = ['[a, b]', '{x: 1}', '[]', '{}'];

/** The mutations that apply to any source; each returns one case. */
export function mutate(src: Source, rnd: () => number): Case[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out: Case[] = [];
  const add = (what: string, data: string | Buffer, mustFail: boolean) =>
    out.push({ name: `${src.label}: ${what}`, kind: src.kind, file: src.file, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), mustFail });
  const ls = lines(src.text);
  const bytes = Buffer.from(src.text, 'utf8');

  // Delete a random key line (its children, if any, are left hanging).
  for (let n = 0; n < 2; n++) {
    const { i } = pick(scalarLines(src.text));
    add(`delete line ${i + 1} (${ls[i].trim()})`, ls.filter((_, j) => j !== i).join('\n'), false);
  }
  // A scalar becomes a list or a mapping.
  for (let n = 0; n < 2; n++) {
    const { l, i } = pick(scalarLines(src.text));
    const v = pick(NON_SCALARS);
    const changed = l.replace(/:\s+.*$/, `: ${v}`);
    add(`line ${i + 1} value becomes ${v}`, ls.map((x, j) => (j === i ? changed : x)).join('\n'), false);
  }
  // A tab in the indentation of a block line.
  {
    const cands = indentedLines(src.text);
    const { l, i } = pick(cands);
    const tabbed = l.replace(/^ +/, '\t');
    add(`tab indents line ${i + 1}`, ls.map((x, j) => (j === i ? tabbed : x)).join('\n'), true);
  }
  // Truncated at random byte offsets (inside the document's body, past any leading comments).
  const body = src.text.search(/^[^#\n]/m);
  for (let n = 0; n < 3; n++) {
    const at = body + 1 + Math.floor(rnd() * (bytes.length - body - 2));
    add(`truncated at byte ${at}`, bytes.subarray(0, at), false);
  }
  // Binary junk with a NUL, at a random offset.
  {
    const at = Math.floor(rnd() * bytes.length);
    const junk = Buffer.from([0x00, ...Array.from({ length: 16 }, () => Math.floor(rnd() * 256))]);
    add(`binary junk at byte ${at}`, Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]), true);
  }
  // Invalid UTF-8 (a lone continuation byte, an overlong sequence, a truncated one).
  for (const bad of [[0x80], [0xc0, 0xaf], [0xe2, 0x82]]) {
    const at = Math.floor(rnd() * bytes.length);
    add(`invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at byte ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]), true);
  }
  // Other control characters YAML forbids.
  {
    const at = Math.floor(rnd() * bytes.length);
    add(`control character 0x07 at byte ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from([0x07]), bytes.subarray(at)]), true);
  }
  // A key line written twice in a row (same mapping, same key).
  {
    const { i } = pick(scalarLines(src.text));
    add(`duplicate key at line ${i + 1}`, ls.flatMap((x, j) => (j === i ? [x, x] : [x])).join('\n'), true);
  }
  // Text that is not a mapping at the top (or, for a playbook, not a list).
  add('top level is a string', 'just a string\n', true);
  add('top level is a number', '42\n', true);
  add(src.kind === 'playbook' ? 'top level is a mapping' : 'top level is a list', src.kind === 'playbook' ? 'hosts: all\ntasks: []\n' : '- a\n- b\n', true);
  // An empty inventory is valid in Ansible (no hosts); for the others it is an error.
  add('empty file', '', src.kind !== 'inventory');
  add('only a comment', '# nothing here\n', src.kind !== 'inventory');
  add('a second document', `${src.text}\n---\n${src.text}`, true);
  return out;
}

/** Inputs built whole rather than by mutation. */
export function builtCases(): Case[] {
  const out: Case[] = [];
  const all: Kind[] = ['cluster', 'playbook', 'inventory'];
  const add = (name: string, kind: Kind, data: string | Buffer, file = kind === 'inventory' ? 'hosts.yaml' : `${kind}.yaml`) =>
    out.push({ name, kind, file, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), mustFail: true });
  // Billion laughs: each level aliases the previous one ten times.
  let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    bomb += `${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]\n`;
  }
  for (const k of all) add('alias bomb ("billion laughs")', k, k === 'playbook' ? `- hosts: all\n  vars:\n${bomb.replace(/^/gm, '    ')}  tasks: []\n` : bomb);
  // Deep nesting, flow and block.
  for (const k of all) add('10000 nested flow lists', k, `${'['.repeat(10000)}${']'.repeat(10000)}\n`);
  for (const k of all) add('3000 nested block mappings', k, Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n');
  // A few megabytes: a huge list whose last line breaks the syntax.
  const huge = 'x:\n' + '  - "a fairly long string value to make the file big"\n'.repeat(70000) + '  - [unclosed\n';
  for (const k of all) add(`huge file (${(huge.length / 1e6).toFixed(1)} MB) with a syntax error at its end`, k, huge);
  // A huge single line.
  for (const k of all) add('a 4 MB line of junk without a newline', k, `key: "${'x'.repeat(4_000_000)}`);
  // Anchors that refer to themselves or to nothing.
  for (const k of all) add('an alias to an unknown anchor', k, 'a: *nowhere\n');
  for (const k of all) add('an unsupported tag', k, 'a: !!python/object:os.system "id"\n');
  for (const k of all) add('a mapping as a key', k, '? {a: 1}\n: b\n');
  for (const k of all) add('only NUL bytes', k, Buffer.alloc(64));
  for (const k of all) add('a UTF-16 file', k, Buffer.from('\ufeffa: 1\n', 'utf16le'));
  // Keys named like Object's own properties, at every level a keyword is looked up.
  add('keys named like Object properties', 'playbook', '- hosts: all\n  constructor: 1\n  __proto__: {tasks: 1}\n  tasks:\n    - debug: msg=x\n      toString: 1\n    - __proto__: x\n');
  add('keys named like Object properties', 'cluster', 'apiVersion: kubexm.io/v1alpha1\nkind: Cluster\nmetadata: {name: x, constructor: 1}\nspec:\n  __proto__: {hosts: []}\n  hosts: [{name: a, address: 192.0.2.1, roles: [master, etcd, worker], toString: 1}]\n');
  return out;
}

/** cluster.yaml files whose names and paths carry shell metacharacters: each must be refused. */
export function shellCases(base: string): Case[] {
  const out: Case[] = [];
  const add = (name: string, text: string) =>
    out.push({ name: `shell metacharacters: ${name}`, kind: 'cluster', file: 'cluster.yaml', data: Buffer.from(text), mustFail: true });
  const sub = (from: RegExp, to: string, what: string) => {
    const t = base.replace(from, to);
    if (t === base) throw new Error(`corpus: ${what}: pattern not found in the base cluster.yaml`);
    add(what, t);
  };
  const evil = ['$(touch /tmp/kubexm-pwned)', '`id`', 'a;reboot', 'a && rm -rf /', 'a|nc 192.0.2.1 1', "a'b", 'a"b', 'a\\nb', 'a b', '../../etc'];
  evil.forEach((e, i) => sub(/name: demo$/m, `name: ${JSON.stringify(e)}`, `cluster name ${e}`.slice(0, 60) + ` #${i}`));
  evil.slice(0, 6).forEach((e, i) => sub(/- name: node1$/m, `- name: ${JSON.stringify(e)}`, `host name ${e} #${i}`));
  sub(/address: 192\.0\.2\.11$/m, 'address: "192.0.2.11; reboot"', 'host address with ;');
  sub(/address: 192\.0\.2\.11$/m, 'address: "$(id)"', 'host address with $()');
  sub(/dataDir: .*$/m, 'dataDir: "/var/lib/etcd; rm -rf /"', 'etcd dataDir with ;');
  sub(/dataDir: .*$/m, 'dataDir: "/var/lib/$(id)"', 'etcd dataDir with $()');
  sub(/dataDir: .*$/m, 'dataDir: "relative/path"', 'etcd dataDir not absolute');
  sub(/dataDir: .*$/m, 'dataDir: "/var/lib/\\nnext"', 'etcd dataDir with a newline');
  sub(/timezone: UTC$/m, 'timezone: "UTC; reboot"', 'timezone with ;');
  sub(/debs: \[curl\]$/m, 'debs: ["curl; reboot"]', 'deb package with ;');
  sub(/domain: lb\.kubexm\.local$/m, 'domain: "lb.kubexm.local$(id)"', 'endpoint domain with $()');
  return out;
}

/** The whole corpus, always the same for the same seed. */
export function corpus(seed = SEED): Case[] {
  const rnd = prng(seed);
  const cases = sources().flatMap((s) => mutate(s, rnd));
  cases.push(...builtCases());
  cases.push(...shellCases(read('examples/cluster.yaml')));
  // The whole-file replacements (a bare string, an empty file…) are the same for every source of a kind.
  const seen = new Set<string>();
  return cases.filter((c) => {
    const key = `${c.kind}\0${c.data.toString('base64')}`;
    return !seen.has(key) && !!seen.add(key);
  });
}
