/** XEP-0082 DateTime in UTC with milliseconds, e.g. 2026-11-26T10:05:00.123Z. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString();
}
