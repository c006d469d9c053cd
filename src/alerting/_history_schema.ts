/**
 * Forward migrations of the alert history database. Entry `i` moves the schema from version
 * `i` to `i + 1`; `PRAGMA user_version` records the version reached. Never edit a shipped
 * entry: add a new one so existing files move forward.
 *
 * @module
 */
export const HISTORY_MIGRATIONS: readonly string[] = [
  // 0 -> 1: one row per state change.
  `CREATE TABLE alert_history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at_ms INTEGER NOT NULL,
     rule TEXT NOT NULL,
     labels TEXT NOT NULL,
     from_state TEXT NOT NULL,
     to_state TEXT NOT NULL,
     value REAL,
     threshold TEXT NOT NULL,
     severity TEXT NOT NULL
   );
   CREATE INDEX alert_history_at ON alert_history (at_ms);`,
  // 1 -> 2: record whether a silence held back the actions; look-ups by rule.
  `ALTER TABLE alert_history ADD COLUMN silenced INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX alert_history_rule ON alert_history (rule, at_ms);`,
];

/** Schema version this build writes. */
export const HISTORY_SCHEMA_VERSION = HISTORY_MIGRATIONS.length;
