import type { TokenCursor } from './cursor.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Time units accepted after TIMESERIES and WITH LATENESS, singular or plural, any case. */
const UNITS: Record<string, number> = {
  second: SECOND, seconds: SECOND, sec: SECOND, secs: SECOND,
  minute: MINUTE, minutes: MINUTE, min: MINUTE, mins: MINUTE,
  hour: HOUR, hours: HOUR,
  day: DAY, days: DAY,
};

const UNIT_EXPECTED = 'a time unit (second, minute, hour or day)';

export const isTimeUnit = (cursor: TokenCursor, distance = 0): boolean => {
  const token = cursor.peek(distance);
  return token.kind === 'word' && token.text.toLowerCase() in UNITS;
};

/**
 * Parses `n unit` (e.g. `5 minutes`, `1.5 hours`) into milliseconds. A bare
 * unit means one of it (`TIMESERIES minute`); a bare `0` needs no unit.
 */
export function parseDuration(cursor: TokenCursor, expected: string): number {
  if (isTimeUnit(cursor)) return UNITS[cursor.next().text.toLowerCase()];
  const amount = cursor.expectNumber(expected);
  if (amount.value === 0 && !isTimeUnit(cursor)) return 0;
  if (!isTimeUnit(cursor)) throw cursor.syntaxError(UNIT_EXPECTED);
  return amount.value * UNITS[cursor.next().text.toLowerCase()];
}

export const durationLimits = { SECOND, MINUTE, HOUR, DAY } as const;
