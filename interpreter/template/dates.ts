/**
 * Python datetime as templates see it: `now()`, `now(fmt='%Y')`, `'%Y-%m-%d' | strftime`,
 * `x | to_datetime`. Times are local unless utc is asked for.
 */
import { TemplateError } from './undefined.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const p2 = (n: number) => String(n).padStart(2, '0');

function parts(d: Date, utc: boolean) {
  return utc
    ? { Y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), H: d.getUTCHours(), M: d.getUTCMinutes(), S: d.getUTCSeconds(), w: d.getUTCDay() }
    : { Y: d.getFullYear(), m: d.getMonth(), d: d.getDate(), H: d.getHours(), M: d.getMinutes(), S: d.getSeconds(), w: d.getDay() };
}

function dayOfYear(y: number, m: number, d: number): number {
  return Math.round((Date.UTC(y, m, d) - Date.UTC(y, 0, 1)) / 86400000) + 1;
}

/** Python's time.strftime directives (the common ones). */
export function strftime(date: Date, fmt: string, utc = false): string {
  const t = parts(date, utc);
  const offset = utc ? 0 : -date.getTimezoneOffset();
  const tz = (offset >= 0 ? '+' : '-') + p2(Math.floor(Math.abs(offset) / 60)) + p2(Math.abs(offset) % 60);
  return fmt.replace(/%([a-zA-Z%])/g, (m, c: string) => {
    switch (c) {
      case 'Y': return String(t.Y);
      case 'y': return p2(t.Y % 100);
      case 'm': return p2(t.m + 1);
      case 'd': return p2(t.d);
      case 'e': return String(t.d).padStart(2, ' ');
      case 'H': return p2(t.H);
      case 'I': return p2(t.H % 12 || 12);
      case 'p': return t.H < 12 ? 'AM' : 'PM';
      case 'M': return p2(t.M);
      case 'S': return p2(t.S);
      case 'f': return String(date.getMilliseconds() * 1000).padStart(6, '0');
      case 'j': return String(dayOfYear(t.Y, t.m, t.d)).padStart(3, '0');
      case 'a': return DAYS[t.w].slice(0, 3);
      case 'A': return DAYS[t.w];
      case 'w': return String(t.w);
      case 'u': return String(t.w || 7);
      case 'b': case 'h': return MONTHS[t.m].slice(0, 3);
      case 'B': return MONTHS[t.m];
      case 's': return String(Math.floor(date.getTime() / 1000));
      case 'z': return tz;
      case 'Z': return utc ? 'UTC' : '';
      case 'F': return `${t.Y}-${p2(t.m + 1)}-${p2(t.d)}`;
      case 'T': return `${p2(t.H)}:${p2(t.M)}:${p2(t.S)}`;
      case 'D': return `${p2(t.m + 1)}/${p2(t.d)}/${p2(t.Y % 100)}`;
      case 'c': return `${DAYS[t.w].slice(0, 3)} ${MONTHS[t.m].slice(0, 3)} ${String(t.d).padStart(2, ' ')} ${p2(t.H)}:${p2(t.M)}:${p2(t.S)} ${t.Y}`;
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return m;
    }
  });
}

/** A datetime value: prints like Python's str(datetime), has strftime/isoformat/timestamp and the date fields. */
export class PyDateTime {
  constructor(readonly date: Date, readonly utc = false) {}
  get year(): number { return parts(this.date, this.utc).Y; }
  get month(): number { return parts(this.date, this.utc).m + 1; }
  get day(): number { return parts(this.date, this.utc).d; }
  get hour(): number { return parts(this.date, this.utc).H; }
  get minute(): number { return parts(this.date, this.utc).M; }
  get second(): number { return parts(this.date, this.utc).S; }
  get microsecond(): number { return this.date.getMilliseconds() * 1000; }
  strftime(fmt: string): string { return strftime(this.date, String(fmt), this.utc); }
  isoformat(): string { return strftime(this.date, '%Y-%m-%dT%H:%M:%S.%f', this.utc); }
  timestamp(): number { return this.date.getTime() / 1000; }
  toString(): string { return strftime(this.date, '%Y-%m-%d %H:%M:%S.%f', this.utc); }
  __sub__(other: unknown): PyTimeDelta {
    if (!(other instanceof PyDateTime)) throw new TemplateError("unsupported operand type(s) for -: 'datetime' and a non-datetime");
    return new PyTimeDelta((this.date.getTime() - other.date.getTime()) / 1000);
  }
}

/** The difference of two datetimes: days, seconds, total_seconds(). */
export class PyTimeDelta {
  constructor(private readonly total: number) {}
  get days(): number { return Math.floor(this.total / 86400); }
  get seconds(): number { return Math.floor(this.total - this.days * 86400); }
  get microseconds(): number { return Math.round((this.total - Math.floor(this.total)) * 1e6); }
  total_seconds(): number { return this.total; }
  toString(): string {
    const r = this.total - this.days * 86400;
    const hms = `${Math.floor(r / 3600)}:${p2(Math.floor((r % 3600) / 60))}:${p2(Math.floor(r % 60))}`;
    return this.days ? `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${hms}` : hms;
  }
}

/** Python's datetime.strptime for the directives %Y %m %d %H %M %S %f %y %b %j (naive, local time). */
export function strptime(text: string, fmt: string): PyDateTime {
  const fields: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  const order: string[] = [];
  const re = fmt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    if (c === '%') return '%';
    order.push(c);
    if (c === 'b') return '([A-Za-z]{3})';
    if (c === 'Y') return '(\\d{4})';
    if (c === 'f') return '(\\d{1,6})';
    if (c === 'j') return '(\\d{1,3})';
    return '(\\d{1,2})';
  });
  const m = new RegExp(`^${re}$`).exec(text);
  if (!m) throw new TemplateError(`time data '${text}' does not match format '${fmt}'`);
  order.forEach((c, i) => {
    const v = m[i + 1];
    if (c === 'b') fields.m = MONTHS.findIndex((n) => n.slice(0, 3).toLowerCase() === v.toLowerCase()) + 1;
    else if (c === 'y') fields.Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
    else if (c === 'f') fields.f = Number(v.padEnd(6, '0'));
    else fields[c] = Number(v);
  });
  const d = new Date(fields.Y, fields.m - 1, fields.d, fields.H, fields.M, fields.S, Math.floor(fields.f / 1000));
  if (fields.j) d.setMonth(0, fields.j);
  return new PyDateTime(d);
}
