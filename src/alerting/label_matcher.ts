/** Comparison of one label matcher, written as in PromQL. */
export type MatchOperator = "=" | "!=" | "=~" | "!~";

/** A condition on one label, such as `port="Ethernet8"` or `port=~"Ethernet(0|4)"`. */
export interface LabelMatcher {
  label: string;
  operator: MatchOperator;
  value: string;
  /** Anchored expression for `=~` and `!~`. */
  pattern?: RegExp;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
const SELECTOR = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/s;

/**
 * Parses one matcher such as `port="Ethernet8"`; a missing label compares as the empty string,
 * as in PromQL.
 *
 * @throws {SyntaxError} when the text is not `label OP "value"` or the expression is invalid.
 */
export function parseLabelMatcher(text: string): LabelMatcher {
  const match = MATCHER.exec(text);
  if (match === null) {
    throw new SyntaxError(
      `Failed to parse label matcher ${JSON.stringify(text)}; write label="value" with one of ` +
        "=, !=, =~, !~",
    );
  }
  const [, label, operator, quoted] = match as unknown as [string, string, MatchOperator, string];
  const value = JSON.parse(`"${quoted}"`) as string;
  if (operator === "=~" || operator === "!~") {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${value})$`);
    } catch (error) {
      throw new SyntaxError(
        `Failed to parse label matcher ${JSON.stringify(text)}: invalid regular expression`,
        { cause: error },
      );
    }
    return { label, operator, value, pattern };
  }
  return { label, operator, value };
}

/**
 * Parses a series selector such as `portsyncd_redis_connected{db="APPL_DB"}` into the metric
 * name and its matchers.
 *
 * @throws {SyntaxError} when the name or a matcher does not parse.
 */
export function parseMetricSelector(text: string): { metric: string; matchers: LabelMatcher[] } {
  const match = SELECTOR.exec(text);
  if (match === null) {
    throw new SyntaxError(
      `Failed to parse metric selector ${JSON.stringify(text)}; write name or name{label="value"}`,
    );
  }
  const body = match[2]?.trim() ?? "";
  const matchers = body === "" ? [] : splitMatchers(body).map(parseLabelMatcher);
  return { metric: match[1]!, matchers };
}

/** Returns whether every matcher accepts `labels`. */
export function matchesLabels(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((matcher) => {
    const actual = labels[matcher.label] ?? "";
    switch (matcher.operator) {
      case "=":
        return actual === matcher.value;
      case "!=":
        return actual !== matcher.value;
      case "=~":
        return matcher.pattern!.test(actual);
      case "!~":
        return !matcher.pattern!.test(actual);
    }
  });
}

/** Formats a matcher back to its text form. */
export function formatLabelMatcher(matcher: LabelMatcher): string {
  return `${matcher.label}${matcher.operator}${JSON.stringify(matcher.value)}`;
}

/** Splits `a="x",b="y"` at the commas outside quotes. */
function splitMatchers(body: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char === "\\" && quoted) {
      current += char + (body[++index] ?? "");
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === "," && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim() !== "") parts.push(current);
  return parts;
}
