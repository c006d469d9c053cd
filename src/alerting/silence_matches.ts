import type { AlertSilence } from "./alert_rule.ts";
import { matchesLabels } from "./label_matcher.ts";

/**
 * Returns whether a silence active at `now` (milliseconds) matches an alert. Matchers see the
 * alert's labels plus `rule` and `severity`, so `rule="port_flapping"` silences a whole rule.
 */
export function silenceMatches(
  silences: readonly AlertSilence[],
  alert: { rule: string; severity: string; labels: Readonly<Record<string, string>> },
  now: number,
): boolean {
  const labels = { ...alert.labels, rule: alert.rule, severity: alert.severity };
  return silences.some((silence) =>
    silence.startsAt <= now && now < silence.endsAt && matchesLabels(silence.matchers, labels)
  );
}
