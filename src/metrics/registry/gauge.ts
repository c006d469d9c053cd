import { formatSampleValue } from "./format_sample_value.ts";
import {
  braces,
  MetricFamily,
  type MetricFamilyOptions,
  type Revision,
  type SeriesReading,
} from "./metric_family.ts";
import type { LabelNames, SeriesEntry } from "./series_table.ts";

/** One gauge series: a value that goes up and down. */
export class GaugeSeries {
  #revision: Revision;
  #value = 0;

  /** @param revision the family's change count. */
  constructor(revision: Revision) {
    this.#revision = revision;
  }

  /** Current value. */
  get value(): number {
    return this.#value;
  }

  /** Replaces the value. */
  set(value: number): void {
    // Object.is, so NaN to NaN is no change and 0 to -0 is one.
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    this.#revision.count++;
  }

  /** Adds `amount` (default 1). */
  inc(amount = 1): void {
    this.set(this.#value + amount);
  }

  /** Subtracts `amount` (default 1). */
  dec(amount = 1): void {
    this.set(this.#value - amount);
  }
}

/** Options of {@linkcode Gauge}. */
export interface GaugeOptions<L extends LabelNames> extends MetricFamilyOptions<L> {
  /**
   * Called before each render or read, to set values that are cheaper to read at scrape time
   * than to track (connection states, memory). It must not throw.
   */
  collect?: (gauge: Gauge<L>) => void;
}

/**
 * A Prometheus gauge family. Without labels, call {@link set} on the family. With labels,
 * select the series first: `up.labels("STATE_DB").set(1)`.
 *
 * @typeParam L label names, in the order `labels()` takes values.
 */
export class Gauge<const L extends LabelNames = readonly []> extends MetricFamily<L, GaugeSeries> {
  #collect: ((gauge: Gauge<L>) => void) | undefined;

  constructor(options: GaugeOptions<L>) {
    super("gauge", options, (revision) => new GaugeSeries(revision));
    this.#collect = options.collect;
  }

  /** Sets a gauge without labels. */
  set(value: number): void {
    this.unlabelled("set").set(value);
  }

  /** Adds `amount` (default 1) to a gauge without labels. */
  inc(amount = 1): void {
    this.unlabelled("increment").inc(amount);
  }

  /** Subtracts `amount` (default 1) from a gauge without labels. */
  dec(amount = 1): void {
    this.unlabelled("decrement").dec(amount);
  }

  /** Value of a gauge without labels. */
  get value(): number {
    return this.unlabelled("read").value;
  }

  protected override collect(): void {
    this.#collect?.(this);
  }

  protected override renderSeries(entry: SeriesEntry<GaugeSeries>, lines: string[]): void {
    lines.push(`${this.name}${braces(entry.pairs)} ${formatSampleValue(entry.series.value)}`);
  }

  protected override readSeries(entry: SeriesEntry<GaugeSeries>): SeriesReading {
    return { key: entry.pairs, labels: entry.labels, value: entry.series.value };
  }
}
