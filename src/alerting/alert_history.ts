import { getLogger } from "@logtape/logtape";
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { HISTORY_MIGRATIONS, HISTORY_SCHEMA_VERSION } from "./_history_schema.ts";
import type { AlertSeverity, AlertState, AlertTransition } from "./alert_rule.ts";

const log = getLogger([ROOT_CATEGORY, "alerting"]);

/** One stored state change. */
export interface HistoryRow extends AlertTransition {
  id: number;
}

/** Filters of {@linkcode AlertHistory.query}. */
export interface HistoryQuery {
  /** Only rows at or after this time, in milliseconds since the epoch. */
  since?: number;
  /** Only rows whose new state is this one. */
  state?: AlertState;
  rule?: string;
  /**
   * Most rows returned, newest first.
   * @default {100}
   */
  limit?: number;
}

/** A history database that cannot be opened or used; the message names the file. */
export class AlertHistoryError extends Error {
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AlertHistoryError";
    this.path = path;
  }
}

/**
 * The alert history: one SQLite row per state change, in WAL mode so that `portsyncd alerts`
 * can read while the daemon writes. The daemon opens it with {@linkcode AlertHistory.open},
 * which moves a corrupt or unreadable file aside and starts a new one rather than fail.
 */
export class AlertHistory {
  readonly path: string;
  #db: DatabaseSync;
  #readOnly: boolean;

  private constructor(path: string, db: DatabaseSync, readOnly: boolean) {
    this.path = path;
    this.#db = db;
    this.#readOnly = readOnly;
  }

  /**
   * Opens or creates the history at `path` for writing and migrates its schema forward. A file
   * that is not a readable SQLite database of a known schema is renamed to
   * `<path>.corrupt-<time>` (with its -wal and -shm files), an ERROR names both paths, and a
   * new database is created.
   *
   * @throws {AlertHistoryError} when no database can be created at `path` (for example an
   * unwritable folder) or the file was written by a newer schema.
   */
  static open(path: string, now: number = Date.now()): AlertHistory {
    if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
    try {
      return new AlertHistory(path, openWritable(path), false);
    } catch (error) {
      if (error instanceof AlertHistoryError) throw error;
      const aside = moveAside(path, now, error);
      try {
        return new AlertHistory(path, openWritable(path), false);
      } catch (retryError) {
        throw new AlertHistoryError(
          path,
          `Failed to create alert history ${path} after moving the old file to ${aside}: ${
            reason(retryError)
          }; check the folder's permissions and free space`,
          { cause: retryError },
        );
      }
    }
  }

  /**
   * Opens the history at `path` like {@linkcode AlertHistory.open}, but only when the file
   * exists, so that nothing is created.
   *
   * @returns The history, or undefined when there is no file at `path`.
   * @throws {AlertHistoryError} as {@linkcode AlertHistory.open} does.
   */
  static openExisting(path: string, now: number = Date.now()): AlertHistory | undefined {
    if (path === ":memory:" || !exists(path)) return undefined;
    return AlertHistory.open(path, now);
  }

  /**
   * Opens an existing history for reading only, for `portsyncd alerts`; never changes the file.
   *
   * @throws {AlertHistoryError} when the file is missing, unreadable or of a newer schema.
   */
  static openReadOnly(path: string): AlertHistory {
    try {
      Deno.statSync(path);
    } catch (error) {
      throw new AlertHistoryError(
        path,
        `Failed to open alert history ${path}: ${
          error instanceof Deno.errors.NotFound ? "file not found" : reason(error)
        }; give the file with --db or the config with --config`,
        { cause: error },
      );
    }
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      const version = userVersion(db);
      if (version !== HISTORY_SCHEMA_VERSION) {
        db.close();
        throw new Error(
          `schema version ${version}, this build reads version ${HISTORY_SCHEMA_VERSION}`,
        );
      }
      return new AlertHistory(path, db, true);
    } catch (error) {
      throw new AlertHistoryError(
        path,
        `Failed to read alert history ${path}: ${reason(error)}; check that it is the file the ` +
          "daemon writes ([alerting] history_db)",
        { cause: error },
      );
    }
  }

  /** Appends one state change. */
  record(transition: AlertTransition): void {
    this.#db.prepare(
      `INSERT INTO alert_history
         (at_ms, rule, labels, from_state, to_state, value, threshold, severity, silenced)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      transition.at,
      transition.rule,
      JSON.stringify(transition.labels),
      transition.from,
      transition.to,
      Number.isFinite(transition.value) ? transition.value : null,
      transition.threshold,
      transition.severity,
      transition.silenced ? 1 : 0,
    );
  }

  /**
   * Ends the alerts that an earlier process left pending or firing: a new process starts its
   * rules from nothing, so without an end row such an alert would look open for ever. Each
   * gets a row at `now` to `resolved` (from firing) or `inactive` (from pending), with no
   * value. An alert whose condition is still true fires again at the next evaluation.
   *
   * @returns the rows written, oldest alert first.
   */
  endOpenAlerts(now: number): AlertTransition[] {
    if (this.#readOnly) return [];
    const open = this.#db.prepare(
      `SELECT h.* FROM alert_history h
         JOIN (SELECT max(id) AS id FROM alert_history GROUP BY rule, labels) last
           ON h.id = last.id
       WHERE h.to_state IN ('pending', 'firing')
       ORDER BY h.id`,
    ).all() as Array<Record<string, string | number | null>>;
    const ended: AlertTransition[] = open.map((row) => ({
      rule: String(row.rule),
      labels: JSON.parse(String(row.labels)) as Record<string, string>,
      from: row.to_state as AlertState,
      to: row.to_state === "firing" ? "resolved" : "inactive",
      value: null,
      threshold: String(row.threshold),
      severity: row.severity as AlertSeverity,
      at: now,
      silenced: Number(row.silenced) === 1,
    }));
    for (const transition of ended) this.record(transition);
    return ended;
  }

  /** Returns matching rows, newest first. */
  query(filter: HistoryQuery = {}): HistoryRow[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.since !== undefined) {
      where.push("at_ms >= ?");
      params.push(filter.since);
    }
    if (filter.state !== undefined) {
      where.push("to_state = ?");
      params.push(filter.state);
    }
    if (filter.rule !== undefined) {
      where.push("rule = ?");
      params.push(filter.rule);
    }
    params.push(filter.limit ?? 100);
    const rows = this.#db.prepare(
      `SELECT * FROM alert_history ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY at_ms DESC, id DESC LIMIT ?`,
    ).all(...params) as Array<Record<string, string | number | null>>;
    return rows.map((row) => ({
      id: Number(row.id),
      at: Number(row.at_ms),
      rule: String(row.rule),
      labels: JSON.parse(String(row.labels)) as Record<string, string>,
      from: row.from_state as AlertState,
      to: row.to_state as AlertState,
      value: row.value === null ? null : Number(row.value),
      threshold: String(row.threshold),
      severity: row.severity as AlertSeverity,
      silenced: Number(row.silenced) === 1,
    }));
  }

  /** Number of stored rows. */
  count(): number {
    const row = this.#db.prepare("SELECT count(*) AS n FROM alert_history").get() as { n: number };
    return Number(row.n);
  }

  /**
   * Deletes rows older than `maxAgeMs` before `now`, then all but the newest `maxRows`.
   *
   * @returns the number of rows deleted.
   */
  prune(now: number, maxAgeMs: number, maxRows: number): number {
    if (this.#readOnly) return 0;
    const byAge = this.#db.prepare("DELETE FROM alert_history WHERE at_ms < ?").run(
      now - maxAgeMs,
    );
    const byCount = this.#db.prepare(
      `DELETE FROM alert_history WHERE id <= (
         SELECT id FROM alert_history ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ).run(maxRows);
    return Number(byAge.changes) + Number(byCount.changes);
  }

  /** Schema version recorded in the file. */
  get schemaVersion(): number {
    return userVersion(this.#db);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function openWritable(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 1000");
    db.exec("PRAGMA journal_mode = WAL");
    const check = db.prepare("PRAGMA quick_check").all() as Array<Record<string, string>>;
    const first = Object.values(check[0] ?? {})[0];
    if (first !== "ok") throw new Error(`integrity check failed: ${String(first)}`);
    const version = userVersion(db);
    if (version > HISTORY_SCHEMA_VERSION) {
      throw new AlertHistoryError(
        path,
        `Failed to open alert history ${path}: schema version ${version} is newer than ` +
          `${HISTORY_SCHEMA_VERSION}, which this build writes; point [alerting] history_db at ` +
          "another file or upgrade portsyncd",
      );
    }
    for (let step = version; step < HISTORY_SCHEMA_VERSION; step++) {
      db.exec("BEGIN IMMEDIATE");
      try {
        db.exec(HISTORY_MIGRATIONS[step]!);
        db.exec(`PRAGMA user_version = ${step + 1}`);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
      if (version > 0) {
        log.info("Migrated alert history schema", { path, from: step, to: step + 1 });
      }
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Renames a broken database and its WAL files aside and returns the new name. A name already
 * taken in the same second gets `-2`, `-3` and so on, because rename would replace that file.
 */
function moveAside(path: string, now: number, cause: unknown): string {
  const stamp = new Date(now).toISOString().replaceAll(":", "").replace(/\.\d+Z$/, "Z");
  const base = `${path}.corrupt-${stamp}`;
  let aside = base;
  for (let copy = 2; copy <= MAX_ASIDE_COPIES && exists(aside); copy++) aside = `${base}-${copy}`;
  try {
    Deno.renameSync(path, aside);
  } catch (error) {
    throw new AlertHistoryError(
      path,
      `Failed to move unreadable alert history ${path} to ${aside}: ${
        reason(error)
      }; remove the file or fix the folder's permissions`,
      { cause: error },
    );
  }
  for (const suffix of ["-wal", "-shm"]) {
    try {
      Deno.renameSync(path + suffix, aside + suffix);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  log.error(
    "Moved unreadable alert history aside and started a new one",
    { path, aside, reason: reason(cause) },
  );
  return aside;
}

/** Names tried for one second's moved-aside file; past this bound the last name is replaced. */
const MAX_ASIDE_COPIES = 100;

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return Number(row.user_version);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
