/**
 * Fire times of a cron schedule. The only module that imports cron-parser.
 *
 * DST rules (what users get, tested in test/unit/schedule-cron.test.ts):
 * - A wall-clock time that does not exist (Europe/Berlin 02:30 on spring-forward day) fires
 *   once, shifted forward by the gap (03:30 local).
 * - A wall-clock time that happens twice (02:30 on fall-back day) fires once, at its first
 *   occurrence, when the hour field is fixed (`30 2 * * *`, `0 1-3 * * *`). Interval-style
 *   expressions whose hour field starts with `*` (`0 * * * *`, `*\/30 * * * *`) follow real
 *   time and fire in both copies of the repeated hour, as Vixie cron does.
 *
 * cron-parser's iterator answers differently depending on where it starts when the start
 * lies inside a DST transition (from 03:10 CEST it no longer offers the shifted 03:30 fire,
 * from 02:10 CET it offers the second 02:30). So every question is answered by iterating
 * forward from an anchor that lies hours away from any transition, which gives one
 * consistent set of fire times whatever instant is asked about.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { ScheduleSpec } from './schedule-spec.js';
import { wallClock } from './zoned-time.js';

/** Longest DST shift in any zone is 2h (Antarctica/Troll); one more hour of margin. */
const ANCHOR_MARGIN_MS = 3 * 3_600_000;

/** Transitions are months apart, so a couple of steps back always finds a quiet anchor. */
const MAX_ANCHOR_STEPS = 8;

/** Safety bound on iterations per question (a 6-field every-second cron over the margin is 10 800). */
const MAX_STEPS = 50_000;

/** The zone a spec's times are computed in: its own, or the machine's when it names none. */
export function resolveTimeZone(spec: Pick<ScheduleSpec, 'timezone'>): string {
  return spec.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Why `expression` is not a usable cron expression in `timeZone`, or null when it is. */
export function cronProblem(expression: string, timeZone: string): string | null {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), found ${fields.length}`;
  }
  try {
    // next() as well as parse(): impossible dates such as `0 0 30 2 *` only fail when iterated.
    CronExpressionParser.parse(expression, { tz: timeZone, currentDate: 0 }).next();
    return null;
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
}

/** The next `count` fire times strictly after `after` (ms since the epoch), oldest first. */
export function nextFireTimes(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>, after: number, count: number): number[] {
  const times: number[] = [];
  if (count <= 0) return times;
  const iterator = iterate(spec, quietAnchor(spec, after - ANCHOR_MARGIN_MS));
  for (let steps = 0; steps < MAX_STEPS && times.length < count; steps++) {
    const t = step(iterator);
    if (t === null) break;
    if (t > after) times.push(t);
  }
  return times;
}

/** The latest fire time at or before `at`, or null when the schedule never fired before it. */
export function latestFireAtOrBefore(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>, at: number): number | null {
  const iterator = iterate(spec, quietAnchor(spec, Math.min(at - ANCHOR_MARGIN_MS, twoFiresBack(spec, at))));
  let latest: number | null = null;
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    const t = step(iterator);
    if (t === null || t > at) break;
    latest = t;
  }
  return latest;
}

// A point at least two fire times before `at`, so rare schedules (monthly, yearly) are still
// found by the forward walk; cron-parser's prev() is only trusted as a rough lower bound.
function twoFiresBack(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>, at: number): number {
  const backwards = CronExpressionParser.parse(spec.cron, { tz: resolveTimeZone(spec), currentDate: at });
  let earliest = at;
  try {
    for (let i = 0; i < 2; i++) earliest = backwards.prev().getTime();
  } catch {
    // Fewer than two earlier fire times: the margin alone is enough.
  }
  return earliest - 1;
}

// The latest point at or before `t` with no UTC-offset change within the margin either side,
// so the forward walk never starts inside a DST transition.
function quietAnchor(spec: Pick<ScheduleSpec, 'timezone'>, t: number): number {
  const zone = resolveTimeZone(spec);
  let anchor = t;
  for (let i = 0; i < MAX_ANCHOR_STEPS; i++) {
    const before = wallClock(anchor - ANCHOR_MARGIN_MS, zone).offsetMinutes;
    const after = wallClock(anchor + ANCHOR_MARGIN_MS, zone).offsetMinutes;
    if (before === after) break;
    anchor -= 2 * ANCHOR_MARGIN_MS;
  }
  return anchor;
}

function iterate(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>, from: number): CronExpression {
  return CronExpressionParser.parse(spec.cron, { tz: resolveTimeZone(spec), currentDate: from });
}

// The next fire time, or null when cron-parser finds none (its loop limit, e.g. `0 0 29 2 1`
// far in the future); iteration stops there rather than failing the whole daemon.
function step(iterator: CronExpression): number | null {
  try {
    return iterator.next().getTime();
  } catch {
    return null;
  }
}
