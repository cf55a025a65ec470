import { Chalk, supportsColor, supportsColorStderr, type ChalkInstance } from 'chalk';

export type { ChalkInstance };
export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * Colour only on a terminal; FORCE_COLOR forces it (chalk's rule), and a non-empty NO_COLOR
 * turns it off unless FORCE_COLOR is set (chalk itself ignores NO_COLOR).
 */
export function colorLevel(stream: 'stdout' | 'stderr', env: NodeJS.ProcessEnv = process.env): ColorLevel {
  if (!('FORCE_COLOR' in env) && env.NO_COLOR) return 0;
  const s = stream === 'stdout' ? supportsColor : supportsColorStderr;
  return s ? s.level : 0;
}

export function painter(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}

/** Ansible's default colours, by what they mean. */
export function palette(c: ChalkInstance) {
  return {
    ok: c.green,
    changed: c.yellow,
    skipped: c.cyan,
    failed: c.red,
    unreachable: c.redBright,
    rescued: c.green,
    ignored: c.magentaBright,
    warn: c.magentaBright,
    notice: c.cyan,
    dim: c.gray,
    diffAdd: c.green,
    diffDel: c.red,
    diffHunk: c.cyan,
    error: c.red,
  };
}

export type Palette = ReturnType<typeof palette>;
