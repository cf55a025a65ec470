import { AdhocReporter } from './adhoc.js';
import { HumanReporter } from './human.js';
import { JsonReporter } from './json.js';
import type { Reporter, ReporterOptions } from './types.js';

export type OutputFormat = 'human' | 'json';
export type { Reporter, ReporterOptions, RunOutcome, Writer } from './types.js';
export { colorLevel, painter } from './colors.js';

/** The reporter for a format; `adhoc` selects the per-host command output of `kubexm exec`. */
export function createReporter(format: OutputFormat, o: ReporterOptions, adhoc = false): Reporter {
  if (format === 'json') return new JsonReporter(o);
  return adhoc ? new AdhocReporter(o) : new HumanReporter(o);
}
