/**
 * Marks a sink as one that formats each record at once and keeps nothing of it.
 *
 * @module
 */
import type { Sink } from "@logtape/logtape";

/**
 * The registered symbol with which LogTape 2.4 (logger.js, `shouldSnapshotForSink`) skips
 * copying a record's properties before a sink gets it. Its own `markSinkAsImmediate` sets it
 * but is not exported. Should a later LogTape drop the symbol, records are copied again:
 * slower, with the same output.
 */
const IMMEDIATE_SINK = Symbol.for("LogTape.sinkSnapshotPolicy.immediate");

/**
 * Returns `sink` marked as immediate. For the daemon's link line on the stderr sink this took
 * the mean cost per record from 5.5 to 3.5 µs (a `deno bench` loop through LogControl,
 * bench/RESULTS.md round 4). Only for sinks that read the record synchronously and keep no
 * reference to it or its properties.
 */
export function markImmediate<T extends Sink>(sink: T): T {
  Object.defineProperty(sink, IMMEDIATE_SINK, { value: true });
  return sink;
}
