/**
 * A small Prometheus registry: counters, gauges (also read at scrape time) and histograms
 * with fixed buckets, rendered in text exposition format 0.0.4 and readable in process.
 * It replaces prom-client, whose Node dependencies cost about 11 MB of RSS on a switch.
 *
 * Updates are made on a series handle (`family.labels(...values)`), which is found without
 * allocating, so the netlink and Redis hot paths make no garbage for metrics.
 *
 * @module
 */

export { Counter, CounterSeries } from "./counter.ts";
export { Gauge, type GaugeOptions, GaugeSeries } from "./gauge.ts";
export { Histogram, type HistogramOptions, HistogramSeries } from "./histogram.ts";
export type {
  FamilyReading,
  MetricFamily,
  MetricFamilyOptions,
  MetricType,
  SeriesReading,
} from "./metric_family.ts";
export { type AnyMetricFamily, EXPOSITION_CONTENT_TYPE, Registry } from "./registry.ts";
export type { LabelNames, LabelValues } from "./series_table.ts";
