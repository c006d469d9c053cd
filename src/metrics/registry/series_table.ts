import { escapeLabelValue } from "./escape_label_value.ts";

/** Label names of a family: none to {@link MAX_LABEL_NAMES}, as a tuple. */
export type LabelNames =
  | readonly []
  | readonly [string]
  | readonly [string, string]
  | readonly [string, string, string];

/** Positional label values of a family whose label names are the tuple `L`. */
export type LabelValues<L extends LabelNames> = { [K in keyof L]: string };

/** One series of a family: its labels, their exposition text and the series state. */
export interface SeriesEntry<S> {
  /** Label names to values in label-name order, built once when the series is created. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The label pairs as the exposition writes them, without braces (`port="Ethernet0"`), or
   * `""` for a family without labels. Unique within the family, so it is also the series key.
   */
  readonly pairs: string;
  readonly series: S;
}

/** A level of the lookup tree: label value to the next level, or to the entry at the last. */
type Level<S> = Map<string, Level<S> | SeriesEntry<S>>;

/**
 * Maximum number of label names of a family. The lookup takes values as separate parameters,
 * not as an array or rest parameter, because V8 does not reliably optimise such an array away.
 * Measured on Deno 2.9.6, `labels(...values)` made 56 bytes of garbage per port update.
 */
export const MAX_LABEL_NAMES = 3;

/**
 * The series of one metric family, found by positional label values. The lookup walks one
 * `Map` per label name with the values as keys, so finding an existing series builds no key
 * string and allocates nothing: this keeps labelled updates on the netlink and Redis hot paths
 * free of garbage. Iteration follows creation order, which is the order of the exposition.
 */
export class SeriesTable<S> {
  #family: string;
  #names: readonly string[];
  #create: () => S;
  #root: Level<S> = new Map();
  #unlabelled: SeriesEntry<S> | undefined;
  #ordered = new Map<string, SeriesEntry<S>>();

  /**
   * @param family metric name, for error messages.
   * @param names label names in the order callers pass values.
   * @param create makes the state of a new series.
   */
  constructor(family: string, names: readonly string[], create: () => S) {
    this.#family = family;
    this.#names = names;
    this.#create = create;
  }

  /** Number of series. */
  get size(): number {
    return this.#ordered.size;
  }

  /**
   * Returns the series of these values, one per label name, creating it when missing.
   *
   * @throws {RangeError} when the number of values differs from the number of label names.
   */
  get(first?: string, second?: string, third?: string): S {
    const depth = this.#names.length;
    if (
      (depth > 0) !== (first !== undefined) || (depth > 1) !== (second !== undefined) ||
      (depth > 2) !== (third !== undefined)
    ) {
      this.#wrongCount("select", [first, second, third]);
    }
    if (depth === 0) {
      this.#unlabelled ??= this.#add([]);
      return this.#unlabelled.series;
    }
    let level = this.#root;
    if (depth > 1) level = this.#descend(level, first!);
    if (depth > 2) level = this.#descend(level, second!);
    let last = first!;
    if (depth === 2) last = second!;
    if (depth === 3) last = third!;
    const found = level.get(last) as SeriesEntry<S> | undefined;
    if (found !== undefined) return found.series;
    const entry = this.#add([first, second, third].slice(0, depth) as string[]);
    level.set(last, entry);
    return entry.series;
  }

  /**
   * Deletes the series of `values`, so the next {@link get} starts it afresh.
   *
   * @returns whether the series existed.
   */
  delete(values: readonly string[]): boolean {
    const names = this.#names;
    if (values.length !== names.length) this.#wrongCount("remove", values);
    if (names.length === 0) {
      const existed = this.#unlabelled !== undefined;
      this.#unlabelled = undefined;
      this.#ordered.delete("");
      return existed;
    }
    const path: Level<S>[] = [this.#root];
    for (let i = 0; i < names.length - 1; i++) {
      const next = path[i]!.get(values[i]!) as Level<S> | undefined;
      if (next === undefined) return false;
      path.push(next);
    }
    const last = names.length - 1;
    const entry = path[last]!.get(values[last]!) as SeriesEntry<S> | undefined;
    if (entry === undefined) return false;
    this.#ordered.delete(entry.pairs);
    // Drop levels left empty, so label values that come and go do not pile up.
    for (let i = last; i >= 0; i--) {
      path[i]!.delete(values[i]!);
      if (i === 0 || path[i]!.size > 0) break;
    }
    return true;
  }

  /** Deletes every series. */
  clear(): void {
    this.#root = new Map();
    this.#unlabelled = undefined;
    this.#ordered.clear();
  }

  /** Lists every series in creation order. */
  entries(): IterableIterator<SeriesEntry<S>> {
    return this.#ordered.values();
  }

  #descend(level: Level<S>, value: string): Level<S> {
    let next = level.get(value) as Level<S> | undefined;
    if (next === undefined) {
      next = new Map();
      level.set(value, next);
    }
    return next;
  }

  #add(values: readonly string[]): SeriesEntry<S> {
    const labels: Record<string, string> = {};
    const pairs: string[] = [];
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i]!;
      labels[name] = values[i]!;
      pairs.push(`${name}="${escapeLabelValue(values[i]!)}"`);
    }
    const entry = { labels, pairs: pairs.join(","), series: this.#create() };
    this.#ordered.set(entry.pairs, entry);
    return entry;
  }

  #wrongCount(action: string, values: readonly (string | undefined)[]): never {
    const count = values.filter((value) => value !== undefined).length;
    throw new RangeError(
      `Failed to ${action} a series of ${this.#family}: got ${count} label values, expected ` +
        `${this.#names.length} (${this.#names.join(", ") || "none"}); pass one value per label`,
    );
  }
}
