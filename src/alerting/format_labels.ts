/** Formats a label set as `{port="Ethernet8"}` (empty text for no labels), sorted by name. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return "";
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(",")}}`;
}
