// The mirror convention: an upstream `https://HOST/PATH` is fetched from `MIRROR/HOST/PATH`, so one
// static file server (or a caching proxy) can stand in for every upstream at once.

export function mirrored(url: string, mirror?: string): string {
  const m = (mirror ?? '').trim();
  if (!m) return url;
  const u = new URL(url);
  return `${m.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}
