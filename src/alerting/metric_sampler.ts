import type { MetricType, Registry } from "../metrics/registry/mod.ts";
import type { AlertRule } from "./alert_rule.ts";
import { matchesLabels } from "./label_matcher.ts";

/** Value of one series as a rule reads it; NaN when the window has no data. */
export interface SeriesValue {
  labels: Record<string, string>;
  value: number;
}

/** One reading of a series: the value, or for a histogram its cumulative buckets. */
interface Reading {
  at: number;
  value: number;
  /** Histogram only: cumulative count per upper bound, ascending, ending with Infinity. */
  buckets?: Array<[number, number]>;
  sum?: number;
}

interface Series {
  labels: Record<string, string>;
  readings: Reading[];
}

interface Family {
  type: MetricType;
  series: Map<string, Series>;
  /** The registry's change count at the last read. */
  revision: number;
  /** Time of the last reading that found the family changed. */
  changedAt: number;
}

/**
 * Reads the metrics registry on each evaluation and keeps enough past readings per series to
 * compute rates and histogram quantiles over a window. It never touches Redis: it only reads
 * the in-process registry.
 */
export class MetricSampler {
  #registry: Registry;
  #keepMs: number;
  #names: string[] | undefined;
  #families = new Map<string, Family>();
  #lastAt: number | undefined;

  /**
   * @param keepMs longest window any rule looks back over, in milliseconds; older readings are
   * dropped once a newer one covers the window start.
   */
  constructor(registry: Registry, keepMs: number, names?: Iterable<string>) {
    this.#registry = registry;
    this.#keepMs = keepMs;
    this.#names = names === undefined ? undefined : [...new Set(names)];
  }

  /**
   * Takes one reading of every series at time `now` (milliseconds). A counter or histogram
   * series that appears after the first reading is taken to start from zero at the previous
   * reading, so its first increments count towards rates.
   *
   * NOTE: a series already present at the first reading starts from that reading, so
   * increments made before the first evaluation (within `interval_ms` of start) are not counted.
   */
  sample(now: number): void {
    const previousAt = this.#lastAt;
    const seen = new Set<string>();
    for (const name of this.#names ?? this.#registry.names()) {
      const changed = this.#registry.readChanged(name, this.#families.get(name)?.revision);
      if (changed === undefined) continue;
      seen.add(name);
      // Unchanged values read again would only extend every plateau, which changes no value.
      const { revision, reading: metric } = changed;
      if (metric === undefined) continue;
      const type = metric.type;
      let family = this.#families.get(name);
      if (family === undefined || family.type !== type) {
        family = { type, series: new Map(), revision, changedAt: now };
        this.#families.set(name, family);
      } else {
        family.revision = revision;
        family.changedAt = now;
      }
      const present = new Set<string>();
      for (const { key, labels, value, buckets, sum } of metric.series) {
        present.add(key);
        let series = family.series.get(key);
        if (
          series !== undefined && buckets === undefined &&
          extendPlateau(series.readings, now, value)
        ) {
          trim(series.readings, now - this.#keepMs);
          continue;
        }
        const reading: Reading = buckets === undefined
          ? { at: now, value }
          : { at: now, value, buckets, sum };
        if (series === undefined) {
          series = { labels: { ...labels }, readings: [] };
          if (previousAt !== undefined && (type === "counter" || type === "histogram")) {
            series.readings.push(zeroReading(reading, previousAt));
          }
          family.series.set(key, series);
        }
        series.readings.push(reading);
        trim(series.readings, now - this.#keepMs);
      }
      for (const key of family.series.keys()) {
        if (!present.has(key)) family.series.delete(key);
      }
    }
    for (const name of this.#families.keys()) {
      if (!seen.has(name)) this.#families.delete(name);
    }
    this.#lastAt = now;
  }

  /**
   * Time of the last {@link sample} that found the family `name` changed, or undefined when
   * the family was never read. The sampler reads only the families named at construction and,
   * of those, only the changed ones, which keeps an idle evaluation cheap on a switch with a
   * thousand labelled port series.
   */
  changedAt(name: string): number | undefined {
    return this.#families.get(name)?.changedAt;
  }

  /**
   * Returns the value the rule tests for each series that its matchers accept. For
   * `rate_of_change` it is the increase over the window divided by the window's length in
   * seconds (counter resets count from zero). So `threshold = 0.05` over `2m` means more than 6
   * increments in 2 minutes, also while fewer than 2 minutes of readings exist. It is the
   * quantile over the window for a histogram with `quantile`, the mean over the window for a
   * histogram without it, and the latest value otherwise.
   */
  values(rule: AlertRule, now: number): SeriesValue[] {
    const family = this.#families.get(rule.metric);
    if (family === undefined) return [];
    const result: SeriesValue[] = [];
    for (const series of family.series.values()) {
      if (!matchesLabels(rule.matchers, series.labels)) continue;
      result.push({ labels: series.labels, value: valueOf(family.type, series, rule, now) });
    }
    return result;
  }
}

function valueOf(type: MetricType, series: Series, rule: AlertRule, now: number): number {
  const latest = series.readings.at(-1)!;
  const base = baseline(series.readings, now - rule.windowMs);
  if (type === "histogram") {
    if (rule.condition.kind === "rate_of_change") {
      return rate(series.readings, base, rule.windowMs, true);
    }
    const baseBuckets = series.readings[base]!.buckets!;
    const increase = latest.buckets!.map(([bound, count], index): [number, number] => {
      const before = baseBuckets[index]?.[1] ?? 0;
      return [bound, count >= before ? count - before : count];
    });
    if (rule.quantile !== undefined) return histogramQuantile(rule.quantile, increase);
    const total = increase.at(-1)?.[1] ?? 0;
    const sumBefore = series.readings[base]!.sum ?? 0;
    const sum = latest.sum! >= sumBefore ? latest.sum! - sumBefore : latest.sum!;
    return total === 0 ? NaN : sum / total;
  }
  if (rule.condition.kind === "rate_of_change") {
    return rate(series.readings, base, rule.windowMs, type === "counter");
  }
  return latest.value;
}

/** Index of the newest reading at or before `start`, or 0 when all are newer. */
function baseline(readings: readonly Reading[], start: number): number {
  let index = 0;
  for (let i = 0; i < readings.length; i++) {
    if (readings[i]!.at <= start) index = i;
  }
  return index;
}

/**
 * Computes the increase from the baseline reading to the latest one per second of the window.
 * Dividing by the time the readings span would make one change between two close readings a
 * high rate: one oper change 5 s after a port's series appeared would read as 0.2/s.
 */
function rate(readings: readonly Reading[], base: number, windowMs: number, counter: boolean) {
  let increase = 0;
  for (let i = base + 1; i < readings.length; i++) {
    const step = readings[i]!.value - readings[i - 1]!.value;
    increase += counter && step < 0 ? readings[i]!.value : step;
  }
  return increase / (windowMs / 1000);
}

/**
 * Estimates a quantile from cumulative bucket counts by linear interpolation inside the bucket
 * that holds the rank, as Prometheus's histogram_quantile does; NaN when the window is empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<[number, number]>): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < buckets.length; i++) {
    const [upper, count] = buckets[i]!;
    if (count < rank) continue;
    if (upper === Infinity) return i === 0 ? NaN : buckets[i - 1]![0];
    const lower = i === 0 ? Math.min(0, upper) : buckets[i - 1]![0];
    const below = i === 0 ? 0 : buckets[i - 1]![1];
    return count === below ? upper : lower + (upper - lower) * (rank - below) / (count - below);
  }
  return NaN;
}

/**
 * Moves the last reading to `now` when it and the one before it already hold `value`, so an
 * unchanged series keeps two readings instead of one per evaluation. The value was the same
 * all along, so every window gets the same baseline and increase as with a reading per
 * evaluation, and an idle switch with a thousand port series allocates nothing here.
 */
function extendPlateau(readings: Reading[], now: number, value: number): boolean {
  const last = readings.at(-1);
  const before = readings.at(-2);
  if (last === undefined || before === undefined) return false;
  if (last.value !== value || before.value !== value) return false;
  last.at = now;
  return true;
}

function zeroReading(like: Reading, at: number): Reading {
  return like.buckets === undefined
    ? { at, value: 0 }
    : { at, value: 0, sum: 0, buckets: like.buckets.map(([bound]) => [bound, 0]) };
}

/** Drops readings before the newest one at or before `start`, which stays as the baseline. */
function trim(readings: Reading[], start: number): void {
  const keepFrom = baseline(readings, start);
  if (keepFrom > 0) readings.splice(0, keepFrom);
}
