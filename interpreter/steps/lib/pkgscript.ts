import { shq } from '../../connect/types.js';
import { ParamError } from './params.js';

export type PkgManager = 'apt' | 'dnf' | 'yum';
export type PkgState = 'present' | 'absent' | 'latest';

/** One package as requested: `name` or `name=version-glob`. */
export interface PkgItem {
  name: string;
  version?: string;
  state: PkgState;
}

export interface PkgOptions {
  check: boolean;
  tag: string;
  updateCache: boolean;
  /** apt: skip the update when the cache is younger than this many seconds. */
  cacheValidTime: number;
  installRecommends?: boolean;
  allowDowngrade: boolean;
  purge: boolean;
}

// Package names and version globs are checked, then used with globbing off: they may hold `*`.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+:@~-]*$/;
const VERSION = /^[A-Za-z0-9_.+:~*?^-]+$/;

export function parseItems(names: string[], state: PkgState): PkgItem[] {
  return names.map((spec) => {
    const eq = spec.indexOf('=');
    const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    const version = eq < 0 ? undefined : spec.slice(eq + 1).trim();
    if (!NAME.test(name)) throw new ParamError(`invalid package name '${name}'`);
    if (version !== undefined && !VERSION.test(version)) throw new ParamError(`invalid version '${version}' for package ${name}`);
    if (version !== undefined && state === 'latest') throw new ParamError(`version number inconsistent with state=latest: ${spec}`);
    return { name, version, state };
  });
}

/**
 * apt branch: reads dpkg's state for every package, decides, then runs at most one install and
 * one remove (`apt-get -s` in check mode, which predicts exactly without changing anything).
 */
function aptBody(items: PkgItem[], o: PkgOptions): string {
  const T = o.tag;
  const L: string[] = ['export DEBIAN_FRONTEND=noninteractive'];
  if (o.updateCache) {
    const fresh = o.cacheValidTime > 0
      ? `kx_stamp=/var/lib/apt/periodic/update-success-stamp; [ -e "$kx_stamp" ] || kx_stamp=/var/lib/apt/lists
if [ $(( $(date +%s) - $(stat -c %Y "$kx_stamp" 2>/dev/null || echo 0) )) -lt ${o.cacheValidTime} ]; then kx_upd=0; fi`
      : '';
    L.push(`kx_upd=1`, fresh);
    L.push(`if [ "$kx_upd" = 1 ]; then
  echo "${T} cache update"
  if [ "$kx_check" = 0 ]; then
    apt-get -q -o DPkg::Lock::Timeout=300 update || { echo "${T} error update"; exit 0; }
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp
  fi
fi`);
  }
  L.push(`kx_state() { kx_q=$(dpkg-query -W -f='\${db:Status-Status} \${Version}' -- "$1" 2>/dev/null); case "$kx_q" in installed\\ *) echo "\${kx_q#installed }" ;; esac; }`);
  for (const it of items) {
    const n = shq(it.name);
    L.push(`kx_v=$(kx_state ${n}); echo "${T} have ${it.name} $kx_v"`);
    const matches = it.version === undefined ? 'true' : `case "$kx_v" in ${it.version}) true ;; *) false ;; esac`;
    const spec = it.version === undefined ? it.name : `${it.name}=${it.version}`;
    if (it.state === 'present') L.push(`if [ -z "$kx_v" ] || ! ${matches}; then kx_in="$kx_in ${spec}"; echo "${T} want install ${it.name}"; fi`);
    else if (it.state === 'latest')
      L.push(`if [ -z "$kx_v" ]; then kx_in="$kx_in ${spec}"; echo "${T} want install ${it.name}"; else
  kx_c=$(apt-cache policy -- ${n} 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -n "$kx_c" ] && [ "$kx_c" != '(none)' ] && [ "$kx_c" != "$kx_v" ]; then kx_in="$kx_in ${spec}"; echo "${T} want install ${it.name}"; fi
fi`);
    else if (o.purge)
      L.push(`kx_q=$(dpkg-query -W -f='\${db:Status-Status}' -- ${n} 2>/dev/null); case "$kx_q" in installed|config-files|half-installed|half-configured|unpacked) if ${matches} || [ -z "$kx_v" ]; then kx_rm="$kx_rm ${it.name}"; echo "${T} want remove ${it.name}"; fi ;; esac`);
    else L.push(`if [ -n "$kx_v" ] && ${matches}; then kx_rm="$kx_rm ${it.name}"; echo "${T} want remove ${it.name}"; fi`);
  }
  const opts = ['-y', '-q', '-o DPkg::Lock::Timeout=300', '-o Dpkg::Options::=--force-confdef', '-o Dpkg::Options::=--force-confold'];
  if (o.installRecommends === false) opts.push('--no-install-recommends');
  if (o.installRecommends === true) opts.push('--install-recommends');
  if (o.allowDowngrade) opts.push('--allow-downgrades');
  const sim = `$([ "$kx_check" = 1 ] && echo -s)`;
  L.push(`if [ -n "$kx_in" ]; then apt-get ${sim} ${opts.join(' ')} install --$kx_in || { echo "${T} error install"; exit 0; }; fi`);
  L.push(`if [ -n "$kx_rm" ]; then apt-get ${sim} -y -q -o DPkg::Lock::Timeout=300 ${o.purge ? 'purge' : 'remove'} --$kx_rm || { echo "${T} error remove"; exit 0; }; fi`);
  for (const it of items) L.push(`echo "${T} after ${it.name} $(kx_state ${shq(it.name)})"`);
  return L.join('\n');
}

/** dnf/yum branch; the manager's name is in $kx_mgr. Versions pin as name-version. */
function rpmBody(items: PkgItem[], o: PkgOptions): string {
  const T = o.tag;
  const L: string[] = [];
  if (o.updateCache)
    L.push(`echo "${T} cache update"
if [ "$kx_check" = 0 ]; then "$kx_mgr" -q -y makecache || { echo "${T} error update"; exit 0; }; fi`);
  L.push(`kx_state() { rpm -q --qf '%{VERSION}-%{RELEASE}\\n' -- "$1" 2>/dev/null | tail -n 1 | grep -v 'is not installed' || true; }`);
  for (const it of items) {
    const n = shq(it.name);
    L.push(`kx_v=$(kx_state ${n}); echo "${T} have ${it.name} $kx_v"`);
    // a pin matches the full version-release or the version alone
    const matches = it.version === undefined ? 'true' : `case "$kx_v" in ${it.version}|${it.version}-*) true ;; *) false ;; esac`;
    const spec = it.version === undefined ? it.name : `${it.name}-${it.version}`;
    if (it.state === 'present') L.push(`if [ -z "$kx_v" ] || ! ${matches}; then kx_in="$kx_in ${spec}"; echo "${T} want install ${it.name}"; fi`);
    else if (it.state === 'latest')
      L.push(`if [ -z "$kx_v" ]; then kx_in="$kx_in ${spec}"; echo "${T} want install ${it.name}"; else
  "$kx_mgr" -q check-update -- ${n} >/dev/null 2>&1; [ $? = 100 ] && { kx_up="$kx_up ${it.name}"; echo "${T} want install ${it.name}"; }
fi`);
    else L.push(`if [ -n "$kx_v" ] && ${matches}; then kx_rm="$kx_rm ${it.name}"; echo "${T} want remove ${it.name}"; fi`);
  }
  L.push(`[ "$kx_check" = 1 ] && exit 0`);
  const down = o.allowDowngrade ? `if [ -n "$kx_in" ]; then "$kx_mgr" -y downgrade $kx_in >/dev/null 2>&1 || true; fi\n` : '';
  L.push(`${down}if [ -n "$kx_in" ]; then "$kx_mgr" -y install $kx_in || { echo "${T} error install"; exit 0; }; fi`);
  L.push(`if [ -n "$kx_up" ]; then "$kx_mgr" -y upgrade $kx_up || { echo "${T} error install"; exit 0; }; fi`);
  L.push(`if [ -n "$kx_rm" ]; then "$kx_mgr" -y remove $kx_rm || { echo "${T} error remove"; exit 0; }; fi`);
  for (const it of items) L.push(`echo "${T} after ${it.name} $(kx_state ${shq(it.name)})"`);
  return L.join('\n');
}

/**
 * The whole check-and-act script. `auto` picks by what the host has: apt-get, then dnf, then yum.
 * Globbing is off for the whole script so version globs stay patterns.
 */
export function pkgScript(mgr: PkgManager | 'auto', items: PkgItem[], o: PkgOptions): string {
  const head = [`set -f`, `export LC_ALL=C`, `kx_check=${o.check ? 1 : 0}`, `kx_in=; kx_rm=; kx_up=`];
  const detect =
    mgr === 'auto'
      ? `if command -v apt-get >/dev/null 2>&1; then kx_mgr=apt; elif command -v dnf >/dev/null 2>&1; then kx_mgr=dnf; elif command -v yum >/dev/null 2>&1; then kx_mgr=yum; else echo "${o.tag} nomgr"; exit 0; fi`
      : `kx_mgr=${mgr}; command -v ${mgr === 'apt' ? 'apt-get' : mgr} >/dev/null 2>&1 || { echo "${o.tag} nomgr"; exit 0; }`;
  return [...head, detect, `echo "${o.tag} mgr $kx_mgr"`, `if [ "$kx_mgr" = apt ]; then`, aptBody(items, o), `else`, rpmBody(items, o), `fi`].join('\n');
}

export interface PkgChange {
  name: string;
  before: string;
  after: string;
}

export interface PkgOutcome {
  mgr?: string;
  noManager: boolean;
  cacheUpdated: boolean;
  want: { install: string[]; remove: string[] };
  /** Packages whose installed version differs after the run (empty string: not installed). */
  changes: PkgChange[];
  error?: string;
  /** apt's summary line said something was (or in check mode, would be) installed, upgraded or removed. */
  aptActed: boolean;
  stdout: string;
}

export function readPkgOutput(stdout: string, tag: string): PkgOutcome {
  const marks: string[][] = [];
  const plain: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(tag + ' ')) marks.push(line.slice(tag.length + 1).split(' '));
    else plain.push(line);
  }
  const have = new Map<string, string>();
  const out: PkgOutcome = { noManager: false, cacheUpdated: false, want: { install: [], remove: [] }, changes: [], aptActed: false, stdout: plain.join('\n').trim() };
  for (const [k, a, b] of marks) {
    if (k === 'mgr') out.mgr = a;
    else if (k === 'nomgr') out.noManager = true;
    else if (k === 'cache') out.cacheUpdated = true;
    else if (k === 'have') have.set(a, b ?? '');
    else if (k === 'want') (a === 'install' ? out.want.install : out.want.remove).push(b);
    else if (k === 'error') out.error = a;
    else if (k === 'after') {
      const before = have.get(a) ?? '';
      if ((b ?? '') !== before) out.changes.push({ name: a, before, after: b ?? '' });
    }
  }
  const sum = /(\d+) upgraded, (\d+) newly installed, (?:(\d+) downgraded, )?(\d+) to remove/.exec(out.stdout);
  if (sum) out.aptActed = [sum[1], sum[2], sum[3] ?? '0', sum[4]].some((n) => Number(n) > 0);
  return out;
}
