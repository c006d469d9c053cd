import { formatSampleValue } from "./format_sample_value.ts";
import {
  braces,
  MetricFamily,
  type MetricFamilyOptions,
  type Revision,
  type SeriesReading,
} from "./metric_family.ts";
import type { LabelNames, SeriesEntry } from "./series_table.ts";

/** One histogram series: observation counts per bucket, their sum and their number. */
export class HistogramSeries {
  #name: string;
  #revision: Revision;
  #bounds: Float64Array;
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /**
   * @param bounds upper bounds, finite and ascending, shared by the family's series.
   * @param revision the family's change count.
   */
  constructor(name: string, bounds: Float64Array, revision: Revision) {
    this.#name = name;
    this.#revision = revision;
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /**
   * Counts one observation in the first bucket whose bound is at least `value` (`le` means
   * less than or equal). Latencies are mostly small, so the scan from the low end stops early.
   *
   * @throws {RangeError} when `value` is NaN, which no bucket can hold.
   */
  observe(value: number): void {
    if (Number.isNaN(value)) {
      throw new RangeError(
        `Failed to observe a value in histogram ${this.#name}: got NaN; pass a number`,
      );
    }
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    this.#counts[index]! += 1;
    this.#sum += value;
    this.#count += 1;
    this.#revision.count++;
  }

  /** Sum of the observed values. */
  get sum(): number {
    return this.#sum;
  }

  /** Number of observations. */
  get count(): number {
    return this.#count;
  }

  /** Cumulative count per upper bound, ascending, ending with the `+Inf` bucket. */
  cumulative(): Array<[number, number]> {
    const result: Array<[number, number]> = [];
    let running = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      running += this.#counts[i]!;
      result.push([this.#bounds[i]!, running]);
    }
    result.push([Infinity, running + this.#counts[this.#bounds.length]!]);
    return result;
  }
}

/** Options of {@linkcode Histogram}. */
export interface HistogramOptions<L extends LabelNames> extends MetricFamilyOptions<L> {
  /** Upper bounds of the buckets, ascending; `+Inf` is added. */
  buckets: readonly number[];
}

/**
 * A Prometheus histogram family with fixed buckets. Without labels, call {@link observe} on
 * the family. With labels, select the series first. The label name `le` is reserved.
 *
 * @typeParam L label names, in the order `labels()` takes values.
 */
export class Histogram<const L extends LabelNames = readonly []>
  extends MetricFamily<L, HistogramSeries> {
  /** `le` label text per bucket, `+Inf` last, formatted once. */
  #le: string[];

  /** @throws {RangeError} when the buckets are not finite and strictly ascending. */
  constructor(options: HistogramOptions<L>) {
    const bounds = checkBuckets(options.name, options.buckets);
    super(
      "histogram",
      options,
      (revision) => new HistogramSeries(options.name, bounds, revision),
      ["le"],
    );
    this.#le = [...bounds, Infinity].map(formatSampleValue);
  }

  /** Observes `value` on a histogram without labels. */
  observe(value: number): void {
    this.unlabelled("observe a value in").observe(value);
  }

  protected override renderSeries(entry: SeriesEntry<HistogramSeries>, lines: string[]): void {
    const prefix = entry.pairs === "" ? "" : `${entry.pairs},`;
    const buckets = entry.series.cumulative();
    for (let i = 0; i < buckets.length; i++) {
      lines.push(`${this.name}_bucket{${prefix}le="${this.#le[i]}"} ${buckets[i]![1]}`);
    }
    const labels = braces(entry.pairs);
    lines.push(`${this.name}_sum${labels} ${formatSampleValue(entry.series.sum)}`);
    lines.push(`${this.name}_count${labels} ${entry.series.count}`);
  }

  protected override readSeries(entry: SeriesEntry<HistogramSeries>): SeriesReading {
    return {
      key: entry.pairs,
      labels: entry.labels,
      value: entry.series.count,
      buckets: entry.series.cumulative(),
      sum: entry.series.sum,
    };
  }
}

function checkBuckets(name: string, buckets: readonly number[]): Float64Array {
  const bounds = buckets.at(-1) === Infinity ? buckets.slice(0, -1) : buckets;
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i]!;
    if (!Number.isFinite(bound) || (i > 0 && bound <= bounds[i - 1]!)) {
      throw new RangeError(
        `Failed to create histogram ${name}: bucket bound ${bound} at index ${i} is not finite ` +
          "or not above the one before; list finite bounds in ascending order",
      );
    }
  }
  return Float64Array.from(bounds);
}
