import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pkgRoot } from '../paths.js';

export function version(): string {
  return (JSON.parse(readFileSync(path.join(pkgRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
