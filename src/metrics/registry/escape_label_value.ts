/** Characters the text exposition format escapes inside a quoted label value. */
const LABEL_VALUE_SPECIAL = /[\\\n"]/;
/** Characters it escapes in `# HELP` text, where a quote needs no escape. */
const HELP_SPECIAL = /[\\\n]/;

function escapeCharacter(character: string): string {
  return character === "\n" ? "\\n" : `\\${character}`;
}

/**
 * Escapes a label value for text exposition format 0.0.4: backslash, newline and double quote
 * become `\\`, `\n` and `\"`. A value without them is returned as is, which is the common case
 * for port and database names, so rendering them allocates nothing.
 */
export function escapeLabelValue(value: string): string {
  return LABEL_VALUE_SPECIAL.test(value) ? value.replace(/[\\\n"]/g, escapeCharacter) : value;
}

/** Escapes `# HELP` text: backslash and newline become `\\` and `\n`; quotes stay. */
export function escapeHelpText(text: string): string {
  return HELP_SPECIAL.test(text) ? text.replace(/[\\\n]/g, escapeCharacter) : text;
}
