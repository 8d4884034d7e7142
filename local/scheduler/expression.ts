/**
 * EventBridge Scheduler expressions, evaluated locally: `rate(value unit)`, six-field
 * `cron(minutes hours day-of-month month day-of-week year)` in an IANA time zone, and one-time
 * `at(yyyy-mm-ddThh:mm:ss)`. Supported cron syntax: `*`, `?`, lists, ranges, `/` steps, month and
 * day names, `L` (last day of month, or `5L` last Thursday) and `#` (`2#1`, first Monday). `W` is
 * rejected with a clear error rather than approximated.
 */
export type ScheduleExpression =
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; cron: CronFields }
  | { kind: 'at'; wall: Wall };

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type DayRule =
  | { kind: 'any' }
  | { kind: 'set'; values: Set<number> }
  | { kind: 'last' }
  | { kind: 'lastWeekday'; dow: number }
  | { kind: 'nth'; dow: number; nth: number };

interface CronFields {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  years: Set<number>;
  /** Exactly one of the two day fields is `?` (kind "any"); the other decides. */
  dom: DayRule;
  dow: DayRule;
  domIsQuestion: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export class ExpressionError extends Error {}

const parseNumber = (token: string, names: string[] | undefined, offset: number, field: string): number => {
  const named = names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + offset;
  if (!/^\d+$/.test(token)) throw new ExpressionError(`${field}: "${token}" is not a number`);
  return Number(token);
};

const parseSet = (
  spec: string,
  field: string,
  min: number,
  max: number,
  names?: string[],
  offset = 1,
): Set<number> => {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : parseNumber(stepText, undefined, 0, field);
    if (step < 1) throw new ExpressionError(`${field}: step must be at least 1`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = parseNumber(a, names, offset, field);
      hi = parseNumber(b, names, offset, field);
    } else {
      lo = parseNumber(range, names, offset, field);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi)
      throw new ExpressionError(`${field}: "${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
};

const parseDom = (spec: string): DayRule => {
  if (spec === '?') return { kind: 'any' };
  if (spec === 'L') return { kind: 'last' };
  if (spec.includes('W'))
    throw new ExpressionError('day-of-month: W is not supported by the local scheduler');
  return { kind: 'set', values: parseSet(spec, 'day-of-month', 1, 31) };
};

const parseDow = (spec: string): DayRule => {
  if (spec === '?') return { kind: 'any' };
  const last = /^(\w+)L$/.exec(spec);
  if (last?.[1]) return { kind: 'lastWeekday', dow: parseNumber(last[1], DAYS, 1, 'day-of-week') };
  const nth = /^(\w+)#([1-5])$/.exec(spec);
  if (nth?.[1] && nth[2]) {
    return { kind: 'nth', dow: parseNumber(nth[1], DAYS, 1, 'day-of-week'), nth: Number(nth[2]) };
  }
  return { kind: 'set', values: parseSet(spec, 'day-of-week', 1, 7, DAYS) };
};

export const parseExpression = (expression: string): ScheduleExpression => {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate?.[1] && rate[2]) {
    const value = Number(rate[1]);
    const unit = rate[2];
    // Scheduler insists on the singular for 1 and the plural otherwise.
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) {
      throw new ExpressionError(
        `rate: use "rate(1 ${unit.replace(/s$/, '')})" or "rate(N ${unit.replace(/s?$/, 's')})"`,
      );
    }
    return { kind: 'rate', periodMs: value * (UNIT_MS[unit.replace(/s$/, '')] ?? 0) };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { kind: 'at', wall: { year, month, day, hour, minute, second } };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron?.[1]) throw new ExpressionError(`"${expression}" is not a rate(), cron() or at() expression`);
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ExpressionError('cron needs six fields: minutes hours day-of-month month day-of-week year');
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ExpressionError('cron: exactly one of day-of-month and day-of-week must be "?"');
  }
  return {
    kind: 'cron',
    cron: {
      minutes: [...parseSet(min, 'minutes', 0, 59)].sort((a, b) => a - b),
      hours: [...parseSet(hour, 'hours', 0, 23)].sort((a, b) => a - b),
      months: parseSet(month, 'month', 1, 12, MONTHS),
      years: parseSet(year, 'year', 1970, 2199),
      dom: parseDom(dom),
      dow: parseDow(dow),
      domIsQuestion: dom === '?',
    },
  };
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for an unknown zone. */
export const assertTimeZone = (timeZone: string): void => {
  wallOf(0, timeZone);
};

/** The wall-clock time of an instant in a zone. */
const wallOf = (ms: number, timeZone: string): Wall => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
};

const wallAsUtc = (w: Wall): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** The instant a wall-clock time names in a zone (two passes settle DST boundaries). */
export const zonedToUtc = (w: Wall, timeZone: string): number => {
  const guess = wallAsUtc(w);
  const offset1 = wallAsUtc(wallOf(guess, timeZone)) - guess;
  let t = guess - offset1;
  const offset2 = wallAsUtc(wallOf(t, timeZone)) - t;
  if (offset2 !== offset1) t = guess - offset2;
  return t;
};

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

const dayMatches = (rule: DayRule, year: number, month: number, day: number, isDow: boolean): boolean => {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1; // 1 = SUN
  switch (rule.kind) {
    case 'any':
      return true;
    case 'set':
      return rule.values.has(isDow ? dow : day);
    case 'last':
      return day === daysInMonth(year, month);
    case 'lastWeekday':
      return dow === rule.dow && day + 7 > daysInMonth(year, month);
    case 'nth':
      return dow === rule.dow && Math.ceil(day / 7) === rule.nth;
  }
};

/** How far ahead a cron search looks before concluding it never fires again. */
const SEARCH_DAYS = 366 * 5;

/**
 * The first fire time strictly after `after` (epoch ms), or null when there is none.
 * `anchor` is when a rate schedule started counting.
 */
export const nextFireTime = (
  expression: ScheduleExpression,
  after: number,
  options: { timeZone?: string; anchor?: number } = {},
): number | null => {
  const timeZone = options.timeZone ?? 'UTC';
  if (expression.kind === 'rate') {
    const anchor = options.anchor ?? after;
    const periods = Math.floor((after - anchor) / expression.periodMs) + 1;
    return anchor + Math.max(1, periods) * expression.periodMs;
  }
  if (expression.kind === 'at') {
    const t = zonedToUtc(expression.wall, timeZone);
    return t > after ? t : null;
  }
  const c = expression.cron;
  const start = wallOf(after, timeZone);
  const day0 = Date.UTC(start.year, start.month - 1, start.day);
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const d = new Date(day0 + i * 86_400_000);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    if (!c.years.has(year) || !c.months.has(month)) continue;
    const ok = c.domIsQuestion
      ? dayMatches(c.dow, year, month, day, true)
      : dayMatches(c.dom, year, month, day, false);
    if (!ok) continue;
    for (const hour of c.hours) {
      for (const minute of c.minutes) {
        const t = zonedToUtc({ year, month, day, hour, minute, second: 0 }, timeZone);
        if (t > after) return t;
      }
    }
  }
  return null;
};
