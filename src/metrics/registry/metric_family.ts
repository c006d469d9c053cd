import { escapeHelpText } from "./escape_label_value.ts";
import {
  type LabelNames,
  type LabelValues,
  MAX_LABEL_NAMES,
  type SeriesEntry,
  SeriesTable,
} from "./series_table.ts";

/** Metric types this registry exports, as written on `# TYPE` lines. */
export type MetricType = "counter" | "gauge" | "histogram";

/** One series as {@link MetricFamily.read} returns it. */
export interface SeriesReading {
  /** Unique within the family and stable while the series exists: its label pairs. */
  readonly key: string;
  /** Label names to values; the same object on every read of the series. */
  readonly labels: Readonly<Record<string, string>>;
  /** Counter or gauge value; for a histogram, its number of observations. */
  readonly value: number;
  /** Histogram only: cumulative count per upper bound, ascending, ending with Infinity. */
  readonly buckets?: Array<[number, number]>;
  /** Histogram only: sum of the observed values. */
  readonly sum?: number;
}

/** A family's series at one moment, for code that evaluates metrics in process. */
export interface FamilyReading {
  readonly name: string;
  readonly type: MetricType;
  readonly series: SeriesReading[];
}

/** Options common to every metric family. */
export interface MetricFamilyOptions<L extends LabelNames> {
  /** Metric name: letters, digits, `_` and `:`, not starting with a digit. */
  name: string;
  /** `# HELP` text, escaped on output. */
  help: string;
  /** Label names in the order `labels()` takes values, none by default. */
  labelNames?: L;
}

/**
 * Count of changes to one family: a value that changed, a series added or removed. Its
 * series share it, so an update costs one increment. Equal counts mean equal readings.
 */
export class Revision {
  count = 0;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Base of counters, gauges and histograms: name, help, label names, the series table and the
 * text exposition of the family. A family without labels has one series from the start, so
 * it exports 0 before any update. A labelled series appears when `labels()` first selects it.
 */
export abstract class MetricFamily<L extends LabelNames, S> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: L;
  #table: SeriesTable<S>;
  readonly #revision = new Revision();

  /**
   * @param reserved label names the type uses itself (`le` for histograms).
   * @throws {TypeError} when the metric name or a label name is not valid in Prometheus.
   */
  protected constructor(
    type: MetricType,
    options: MetricFamilyOptions<L>,
    create: (revision: Revision) => S,
    reserved: readonly string[] = [],
  ) {
    const labelNames = options.labelNames ?? ([] as unknown as L);
    checkNames(options.name, labelNames, reserved);
    this.name = options.name;
    this.help = options.help;
    this.type = type;
    this.labelNames = labelNames;
    this.#table = new SeriesTable(options.name, labelNames, () => {
      this.#revision.count++;
      return create(this.#revision);
    });
    if (labelNames.length === 0) this.#table.get();
  }

  /**
   * Returns the series of these label values, one per label name, creating it at zero when
   * missing. Finding an existing series allocates nothing, so it is fine per message. A
   * handle kept for a fixed label set saves the lookup as well.
   *
   * @throws {RangeError} when the number of values differs from the number of label names.
   */
  labels(...values: LabelValues<L> & [string?, string?, string?]): S;
  labels(first?: string, second?: string, third?: string): S {
    return this.#table.get(first, second, third);
  }

  /** Deletes the series of these label values, so it is no longer exported. */
  remove(...values: LabelValues<L>): void {
    if (this.#table.delete(values)) this.#revision.count++;
  }

  /** Deletes every series; a family without labels restarts its one series at zero. */
  reset(): void {
    this.#revision.count++;
    this.#table.clear();
    if (this.labelNames.length === 0) this.#table.get();
  }

  /**
   * Renders the family's block of the exposition without a final newline: `# HELP`, `# TYPE`
   * and one line per sample. Values read at scrape time are refreshed first.
   */
  render(): string {
    this.collect();
    const lines = [
      `# HELP ${this.name} ${escapeHelpText(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    for (const entry of this.#table.entries()) this.renderSeries(entry, lines);
    return lines.join("\n");
  }

  /** Returns every series with its current value, after refreshing values read at scrape time. */
  read(): FamilyReading {
    this.collect();
    return this.#readSeries();
  }

  /**
   * Returns the change count, and every series unless the count still equals `known`. Values
   * read at scrape time are refreshed once for both.
   */
  readChanged(known: number | undefined): { revision: number; reading?: FamilyReading } {
    this.collect();
    const revision = this.#revision.count;
    return revision === known ? { revision } : { revision, reading: this.#readSeries() };
  }

  #readSeries(): FamilyReading {
    const series: SeriesReading[] = [];
    for (const entry of this.#table.entries()) series.push(this.readSeries(entry));
    return { name: this.name, type: this.type, series };
  }

  /** Returns the one series of a family without labels, for `inc()`, `set()` or `observe()`. */
  protected unlabelled(action: string): S {
    if (this.labelNames.length > 0) {
      throw new TypeError(
        `Failed to ${action} ${this.name} without labels: it has labels ` +
          `${this.labelNames.join(", ")}; select a series with labels() first`,
      );
    }
    return this.#table.get();
  }

  /** Updates values read at scrape time; nothing by default. */
  protected collect(): void {}

  /** Appends the sample lines of one series. */
  protected abstract renderSeries(entry: SeriesEntry<S>, lines: string[]): void;

  /** Returns one series for {@link read}. */
  protected abstract readSeries(entry: SeriesEntry<S>): SeriesReading;
}

function checkNames(name: string, labelNames: readonly string[], reserved: readonly string[]) {
  if (!METRIC_NAME.test(name)) {
    throw new TypeError(
      `Failed to create metric ${JSON.stringify(name)}: the name is not valid; use letters, ` +
        "digits, _ and :, not starting with a digit",
    );
  }
  if (labelNames.length > MAX_LABEL_NAMES) {
    throw new TypeError(
      `Failed to create metric ${name}: it has ${labelNames.length} label names, at most ` +
        `${MAX_LABEL_NAMES} are supported; split the metric or drop a label`,
    );
  }
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__") || reserved.includes(label)) {
      throw new TypeError(
        `Failed to create metric ${name}: label name ${JSON.stringify(label)} is not valid; ` +
          "use letters, digits and _, not starting with a digit or __" +
          (reserved.length > 0 ? `, and not ${reserved.join(", ")}` : ""),
      );
    }
    if (seen.has(label)) {
      throw new TypeError(
        `Failed to create metric ${name}: label name ${JSON.stringify(label)} appears twice; ` +
          "list each label once",
      );
    }
    seen.add(label);
  }
}

/** Wraps label pairs in braces, or returns `""` when there are none. */
export function braces(pairs: string): string {
  return pairs === "" ? "" : `{${pairs}}`;
}
