/**
 * Declarative description of the TOML configuration: one entry per key with its type, range
 * and default. The loader validates a parsed file against it and fills in the defaults.
 *
 * @module
 */

/** Specification of one configuration key. */
export type KeySpec =
  | { type: "integer"; default: number; min: number; max: number; doc: string }
  | { type: "string"; default: string; doc: string; choices?: readonly string[] }
  | {
    type: "optional-string";
    doc: string;
    choices?: readonly string[];
    /** Value the commented default file shows; it must be safe to uncomment. */
    example: string;
  }
  | { type: "boolean"; default: boolean; doc: string }
  | { type: "table-array"; doc: string };

/** Sections and keys of the configuration file. */
export const CONFIG_SCHEMA = {
  netlink: {
    receive_buffer_bytes: {
      type: "integer",
      default: 16 * 1024 * 1024,
      min: 4096,
      max: 1024 * 1024 * 1024,
      doc: "Receive buffer of the netlink socket in bytes (SO_RCVBUFFORCE as root)",
    },
    dump_timeout_ms: {
      type: "integer",
      default: 2000,
      min: 100,
      max: 60000,
      doc: "Time without a reply after which a link dump is taken as lost and retried",
    },
    resync_max_attempts: {
      type: "integer",
      default: 10,
      min: 1,
      max: 1000,
      doc: "Fast dump attempts per resync, after which a failed resync is retried every 30 s",
    },
  },
  sync: {
    appl_recheck_interval_ms: {
      type: "integer",
      default: 500,
      min: 50,
      max: 10000,
      doc: "Interval at which netdevs without an APPL_DB PORT_TABLE entry are checked again",
    },
  },
  redis: {
    reconnect_max_delay_ms: {
      type: "integer",
      default: 5000,
      min: 100,
      max: 5000,
      doc: "Upper bound of the exponential backoff between Redis reconnect attempts",
    },
    command_timeout_ms: {
      type: "integer",
      default: 1000,
      min: 100,
      max: 60000,
      doc: "Time without a reply after which a Redis command counts as failed",
    },
  },
  logging: {
    level: {
      type: "optional-string",
      choices: ["EMERG", "ALERT", "CRIT", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG"],
      doc: "Log level that overrides CONFIG_DB LOGGER|portsyncd LOGLEVEL",
      example: "NOTICE",
    },
    syslog_socket: {
      type: "string",
      default: "/dev/log",
      doc: "Datagram socket of the syslog daemon",
    },
  },
  metrics: {
    listen: {
      type: "string",
      default: "[::1]:9090",
      doc: "Address of the metrics and health server as host:port, IPv6 hosts in brackets",
    },
    tls: {
      type: "boolean",
      default: true,
      doc: "Serve HTTPS with client certificates; false (plain HTTP) is allowed only on loopback",
    },
    cert: {
      type: "optional-string",
      doc: "PEM certificate chain of the metrics server",
      example: "/etc/sonic/portsyncd/metrics-server.crt",
    },
    key: {
      type: "optional-string",
      doc: "PEM private key of the metrics server",
      example: "/etc/sonic/portsyncd/metrics-server.key",
    },
    ca: {
      type: "optional-string",
      doc: "PEM CA certificates that client certificates must be signed by",
      example: "/etc/sonic/portsyncd/metrics-clients-ca.crt",
    },
    min_tls_version: {
      type: "string",
      default: "TLSv1.3",
      choices: ["TLSv1.2", "TLSv1.3"],
      doc: "Oldest TLS version the metrics server accepts",
    },
  },
  warm_restart: {
    state_file: {
      type: "string",
      default: "/var/lib/sonic/portsyncd/port_state.json",
      doc: "Snapshot of the last state written per port, used to reconcile after a warm restart",
    },
    initial_sync_timeout_ms: {
      type: "integer",
      default: 10000,
      min: 100,
      max: 600000,
      doc: "Maximum wait for the start-up link dump before reconciliation goes ahead",
    },
    snapshot_interval_ms: {
      type: "integer",
      default: 5000,
      min: 100,
      max: 3600000,
      doc: "Minimum time between two snapshot writes while the daemon runs",
    },
  },
  alerting: {
    enabled: {
      type: "boolean",
      default: true,
      doc: "Evaluate alert rules; when false no rule runs and no history is written",
    },
    interval_ms: {
      type: "integer",
      default: 5000,
      min: 100,
      max: 3600000,
      doc: "Interval between two evaluations of every alert rule",
    },
    history_db: {
      type: "string",
      default: "/var/lib/sonic/portsyncd/alerts.db",
      doc: "SQLite file that keeps every alert state change (read by `portsyncd alerts`)",
    },
    history_max_age_hours: {
      type: "integer",
      default: 720,
      min: 1,
      max: 87600,
      doc: "Age after which alert history rows are deleted",
    },
    history_max_rows: {
      type: "integer",
      default: 100000,
      min: 100,
      max: 100000000,
      doc: "Number of newest alert history rows kept; older ones are deleted",
    },
    history_prune_interval_ms: {
      type: "integer",
      default: 60000,
      min: 1000,
      max: 86400000,
      doc: "Interval between two retention passes over the alert history",
    },
    webhook_url: {
      type: "optional-string",
      doc: "Default target of the webhook action (HTTP POST of a JSON document)",
      example: "http://127.0.0.1:9099/portsyncd-alerts",
    },
    webhook_timeout_ms: {
      type: "integer",
      default: 2000,
      min: 100,
      max: 60000,
      doc: "Time limit of one webhook request",
    },
    webhook_max_attempts: {
      type: "integer",
      default: 3,
      min: 1,
      max: 10,
      doc: "Webhook attempts per alert change before the delivery is counted as failed",
    },
    webhook_backoff_ms: {
      type: "integer",
      default: 500,
      min: 10,
      max: 60000,
      doc: "Wait before the second webhook attempt; doubles for each further attempt",
    },
    rules: {
      type: "table-array",
      doc: "Alert rules ([[alerting.rules]]), merged by id over the built-in rules",
    },
    silences: {
      type: "table-array",
      doc: "Silences ([[alerting.silences]]) with matchers and an end time",
    },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

/** Type of the validated value of one key. */
type ValueOf<S extends KeySpec> = S extends { type: "integer" } ? number
  : S extends { type: "string" } ? string
  : S extends { type: "optional-string" } ? string | undefined
  : S extends { type: "boolean" } ? boolean
  : S extends { type: "table-array" } ? Record<string, unknown>[]
  : never;

/** The validated configuration, with every default filled in. */
export type Config = {
  -readonly [Section in keyof typeof CONFIG_SCHEMA]: {
    -readonly [Key in keyof (typeof CONFIG_SCHEMA)[Section]]:
      (typeof CONFIG_SCHEMA)[Section][Key] extends KeySpec
        ? ValueOf<(typeof CONFIG_SCHEMA)[Section][Key]>
        : never;
  };
};
