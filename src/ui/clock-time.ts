/** `03:05` (local time), with the date when it is not today: when a parked job resumes. */
export function clockTime(at: number, now: number): string {
  const date = new Date(at);
  const hhmm = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  return date.toDateString() === new Date(now).toDateString() ? hhmm : `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')} ${hhmm}`;
}
