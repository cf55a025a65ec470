/** Splits hosts into batches per `serial`: a number, a percentage, or a list of those (the last repeats). */
export function batches(hosts: string[], serial: unknown): string[][] {
  if (serial === undefined || serial === null || serial === 0 || serial === '0') return [hosts];
  const specs = Array.isArray(serial) ? serial : [serial];
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const spec = String(specs[Math.min(k++, specs.length - 1)]).trim();
    let n = spec.endsWith('%') ? Math.floor((hosts.length * parseFloat(spec)) / 100) : parseInt(spec, 10);
    if (!Number.isFinite(n) || n < 1) n = 1;
    out.push(hosts.slice(i, i + n));
    i += n;
  }
  return out;
}
