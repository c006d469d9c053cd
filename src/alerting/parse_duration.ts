/** Milliseconds per duration unit accepted in the configuration and on the command line. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration such as `500ms`, `30s`, `5m`, `2h`, `7d` or a sum like `1h30m` into
 * milliseconds. A bare `0` is accepted as zero. Durations are written with units so that a
 * threshold in the TOML file cannot be misread as seconds when milliseconds were meant.
 *
 * @returns the duration in milliseconds, or undefined when `text` is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let offset = 0;
  while (offset < trimmed.length) {
    part.lastIndex = offset;
    const match = part.exec(trimmed);
    if (match === null) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    offset = part.lastIndex;
  }
  return offset === 0 ? undefined : Math.round(total);
}

/** Formats milliseconds as the shortest exact duration text that {@link parseDuration} reads. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_MS[unit]!;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
