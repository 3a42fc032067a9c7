/** Timestamps on disk (events.jsonl, report.json) are ISO 8601 strings in UTC, with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
