/**
 * Writes a sample value or a bucket bound as the text exposition format spells it: `NaN`,
 * `+Inf`, `-Inf`, or the shortest decimal that reads back as the same double (JavaScript's
 * number to string conversion, which Prometheus parses as well).
 */
export function formatSampleValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(value);
}
