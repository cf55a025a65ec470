/**
 * Version comparison as Ansible's `version` test does it: LooseVersion by default (numbers and
 * lowercase words, so '1.24.0' > '1.24' and 'v1.27' compares with 'v1.28'), StrictVersion with
 * strict=True, semver with version_type='semver'.
 */
import { TemplateError } from './undefined.js';

type Part = number | string;

function cmpParts(a: Part[], b: Part[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x !== typeof y) {
      throw new TypeError(`'<' not supported between instances of '${typeof x === 'number' ? 'int' : 'str'}' and '${typeof y === 'number' ? 'int' : 'str'}'`);
    }
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

/** distutils LooseVersion components: runs of digits (ints) and of lowercase letters, other text kept, dots dropped. */
export function looseParts(v: string): Part[] {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

function loose(a: string, b: string, op: string): number {
  const pa = looseParts(a);
  const pb = looseParts(b);
  // Equality never raises in Python; ordering int against str does.
  if (op === 'eq' || op === 'ne') return pa.length === pb.length && pa.every((x, i) => x === pb[i]) ? 0 : 1;
  return cmpParts(pa, pb);
}

function strictParts(v: string): [number[], [string, number] | null] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$/.exec(v);
  if (!m) throw new TypeError(`invalid version number '${v}'`);
  return [[Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], m[4] ? [m[4], Number(m[5])] : null];
}

function strict(a: string, b: string): number {
  const [va, pa] = strictParts(a);
  const [vb, pb] = strictParts(b);
  const c = cmpParts(va, vb);
  if (c) return c;
  if (!pa && !pb) return 0;
  if (!pa) return 1;
  if (!pb) return -1;
  return cmpParts(pa, pb);
}

function semverParts(v: string): [number[], Part[]] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) throw new TypeError(`invalid semantic version '${v}'`);
  return [[Number(m[1]), Number(m[2]), Number(m[3])], m[4] ? m[4].split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x)) : []];
}

function semver(a: string, b: string): number {
  const [va, pa] = semverParts(a);
  const [vb, pb] = semverParts(b);
  const c = cmpParts(va, vb);
  if (c) return c;
  if (!pa.length || !pb.length) return Math.sign(pb.length - pa.length);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(pa.length - pb.length);
}

const OPS: Record<string, string> = {
  '==': 'eq', '=': 'eq', eq: 'eq', '<': 'lt', lt: 'lt', '<=': 'le', le: 'le', '>': 'gt', gt: 'gt', '>=': 'ge', ge: 'ge', '!=': 'ne', '<>': 'ne', ne: 'ne',
};

/** Ansible's version test / version_compare. */
export function versionCompare(value: string, version: string, operator = 'eq', strictMode?: boolean | null, type?: string | null): boolean {
  if (strictMode !== undefined && strictMode !== null && type) throw new TemplateError("Cannot specify both 'strict' and 'version_type'");
  if (!value) throw new TemplateError('Input version value cannot be empty');
  if (!version) throw new TemplateError('Version parameter to compare against cannot be empty');
  const op = Object.hasOwn(OPS, operator) ? OPS[operator] : undefined;
  if (!op) throw new TemplateError(`Invalid operator type (${operator}). Must be one of ${Object.keys(OPS).map((k) => `'${k}'`).join(', ')}`);
  const kind = strictMode ? 'strict' : type ?? 'loose';
  let c: number;
  try {
    if (kind === 'loose') c = loose(value, version, op);
    else if (kind === 'strict') c = strict(value, version);
    else if (kind === 'semver' || kind === 'semantic') c = semver(value, version);
    else throw new TemplateError(`Version comparison failed: unsupported version_type '${kind}'`);
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(`Version comparison failed: ${(e as Error).message}`);
  }
  return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[op]!;
}
