import { formatSampleValue } from "./format_sample_value.ts";
import {
  braces,
  MetricFamily,
  type MetricFamilyOptions,
  type Revision,
  type SeriesReading,
} from "./metric_family.ts";
import type { LabelNames, SeriesEntry } from "./series_table.ts";

/** One counter series: a total that only goes up until the process restarts. */
export class CounterSeries {
  #name: string;
  #revision: Revision;
  #value = 0;

  /**
   * @param name metric name, for error messages.
   * @param revision the family's change count.
   */
  constructor(name: string, revision: Revision) {
    this.#name = name;
    this.#revision = revision;
  }

  /** Current total. */
  get value(): number {
    return this.#value;
  }

  /**
   * Adds `amount` (default 1).
   *
   * @throws {RangeError} when `amount` is negative or NaN: a counter that went down would read
   * as a reset in Prometheus `rate()`.
   */
  inc(amount = 1): void {
    if (!(amount >= 0)) {
      throw new RangeError(
        `Failed to increment counter ${this.#name}: amount ${amount} is negative or not a ` +
          "number; use a gauge for a value that goes down",
      );
    }
    this.#value += amount;
    this.#revision.count++;
  }
}

/**
 * A Prometheus counter family. Without labels, call {@link inc} on the family. With labels,
 * select the series first: `flaps.labels("Ethernet0").inc()`.
 *
 * @typeParam L label names, in the order `labels()` takes values.
 */
export class Counter<const L extends LabelNames = readonly []>
  extends MetricFamily<L, CounterSeries> {
  constructor(options: MetricFamilyOptions<L>) {
    super("counter", options, (revision) => new CounterSeries(options.name, revision));
  }

  /** Adds `amount` (default 1) to a counter without labels. */
  inc(amount = 1): void {
    this.unlabelled("increment").inc(amount);
  }

  /** Total of a counter without labels. */
  get value(): number {
    return this.unlabelled("read").value;
  }

  protected override renderSeries(entry: SeriesEntry<CounterSeries>, lines: string[]): void {
    lines.push(`${this.name}${braces(entry.pairs)} ${formatSampleValue(entry.series.value)}`);
  }

  protected override readSeries(entry: SeriesEntry<CounterSeries>): SeriesReading {
    return { key: entry.pairs, labels: entry.labels, value: entry.series.value };
  }
}
