/**
 * Ansible's tag selection: with no --tags everything runs except `never`; `always` runs unless
 * skipped by name; `never` runs only when asked for by name; `tagged`/`untagged`/`all` are special.
 */
export function selectedByTags(taskTags: string[], only: string[] | undefined, skip: string[] | undefined): boolean {
  const tags = new Set(taskTags);
  const want = only?.length ? only : ['all'];
  if (skip?.length) {
    if (skip.some((s) => tags.has(s))) return false;
    if (skip.includes('all') && !tags.has('always')) return false;
    if (skip.includes('tagged') && tags.size && !tags.has('always')) return false;
    if (skip.includes('untagged') && !tags.size) return false;
  }
  if (tags.has('always')) return true;
  if (want.some((w) => w !== 'all' && w !== 'tagged' && w !== 'untagged' && tags.has(w))) return true;
  if (tags.has('never')) return false;
  if (want.includes('all')) return true;
  if (want.includes('tagged') && tags.size) return true;
  if (want.includes('untagged') && !tags.size) return true;
  return false;
}
