import { ALERT_STATES, type AlertState } from "./alert_rule.ts";
import type { ActiveAlert } from "./alert_engine.ts";
import type { HistoryRow } from "./alert_history.ts";
import { parseDuration } from "./parse_duration.ts";

/** Response of {@linkcode AlertsRequestHandler}, for the metrics server to send. */
export interface AlertsResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Answers `GET /alerts` given the request URL. */
export type AlertsRequestHandler = (url: URL) => AlertsResponse;

/** Sources of the `/alerts` document. */
export interface AlertsSources {
  /** Pending and firing alerts now. */
  active: () => ActiveAlert[];
  /** History rows matching the filters, newest first; undefined when no history is open. */
  history: (
    filter: { since?: number; state?: AlertState; rule?: string; limit: number },
  ) => HistoryRow[] | undefined;
  /** @default {Date.now} */
  clock?: () => number;
}

const MAX_LIMIT = 1000;

/**
 * Builds the handler of `GET /alerts`: a JSON document with the active alerts and recent
 * history. Query parameters: `state` (inactive, pending, firing, resolved), `rule`, `since`
 * (a duration such as `1h`, or a date-time) and `limit` (1 to 1000, default 100). An invalid
 * parameter gets status 400 and an `error` text.
 */
export function createAlertsRequestHandler(sources: AlertsSources): AlertsRequestHandler {
  const clock = sources.clock ?? Date.now;
  return (url) => {
    const params = url.searchParams;
    const state = params.get("state") ?? undefined;
    if (state !== undefined && !(ALERT_STATES as readonly string[]).includes(state)) {
      return badRequest(
        `Invalid state ${JSON.stringify(state)}; use one of ${ALERT_STATES.join(", ")}`,
      );
    }
    const rule = params.get("rule") ?? undefined;
    let since: number | undefined;
    const sinceText = params.get("since");
    if (sinceText !== null) {
      since = parseSince(sinceText, clock());
      if (since === undefined) {
        return badRequest(
          `Invalid since ${
            JSON.stringify(sinceText)
          }; use a duration such as 1h or a date-time such as 2026-05-01T12:00:00Z`,
        );
      }
    }
    const limitText = params.get("limit") ?? "100";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return badRequest(
        `Invalid limit ${JSON.stringify(limitText)}; use an integer from 1 to ${MAX_LIMIT}`,
      );
    }
    const active = sources.active().filter((alert) =>
      (state === undefined || alert.state === state) &&
      (rule === undefined || alert.rule === rule) &&
      (since === undefined || alert.since >= since)
    ).slice(0, limit).map((alert) => ({
      ...alert,
      value: Number.isFinite(alert.value) ? alert.value : null,
      since: new Date(alert.since).toISOString(),
    }));
    const rows = sources.history({ since, state: state as AlertState | undefined, rule, limit });
    const history = rows?.map((row) => ({ ...row, at: new Date(row.at).toISOString() })) ?? null;
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ active, history }),
    };
  };
}

/** Reads `--since`/`since=`: a duration back from `now` or a date-time; undefined if invalid. */
export function parseSince(text: string, now: number): number | undefined {
  const duration = parseDuration(text);
  if (duration !== undefined) return now - duration;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

function badRequest(error: string): AlertsResponse {
  return { status: 400, contentType: "application/json", body: JSON.stringify({ error }) };
}
