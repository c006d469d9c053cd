import type { FamilyReading, MetricFamily } from "./metric_family.ts";
import type { LabelNames } from "./series_table.ts";

/** Content type of {@link Registry.render}: Prometheus text exposition format 0.0.4. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Any counter, gauge or histogram family. */
export type AnyMetricFamily = MetricFamily<LabelNames, unknown>;

/**
 * The metric families one process exports, in registration order. It renders the text
 * exposition for `/metrics` and gives in-process readers (the alert engine) one family at a
 * time, so they pay only for the families they use.
 */
export class Registry {
  /** Content type of {@link render}. */
  readonly contentType: string = EXPOSITION_CONTENT_TYPE;
  #families = new Map<string, AnyMetricFamily>();

  /**
   * Adds a family and returns it.
   *
   * @throws {Error} when a family of the same name is registered: two would export clashing
   * series.
   */
  register<F extends AnyMetricFamily>(family: F): F {
    if (this.#families.has(family.name)) {
      throw new Error(
        `Failed to register metric ${family.name}: a metric of that name is registered ` +
          "already; reuse it with get()",
      );
    }
    this.#families.set(family.name, family);
    return family;
  }

  /** Returns the family named `name`, or undefined when none is registered. */
  get(name: string): AnyMetricFamily | undefined {
    return this.#families.get(name);
  }

  /** Names of the registered families, in registration order. */
  names(): string[] {
    return [...this.#families.keys()];
  }

  /**
   * Renders the text exposition of every family: blocks of `# HELP`, `# TYPE` and sample
   * lines, separated by an empty line and ended by a newline. It is `""` when nothing is
   * registered.
   */
  render(): string {
    if (this.#families.size === 0) return "";
    const blocks: string[] = [];
    for (const family of this.#families.values()) blocks.push(family.render());
    return `${blocks.join("\n\n")}\n`;
  }

  /** Reads the current series of the family named `name`, or undefined when none is registered. */
  read(name: string): FamilyReading | undefined {
    return this.#families.get(name)?.read();
  }

  /**
   * Reads the family named `name` unless its change count still equals `known`, refreshing
   * values read at scrape time once. The count grows with every change, so while it stays the
   * same, {@link read} returns the same values. Undefined when no family has that name.
   */
  readChanged(
    name: string,
    known: number | undefined,
  ): { revision: number; reading?: FamilyReading } | undefined {
    return this.#families.get(name)?.readChanged(known);
  }
}
