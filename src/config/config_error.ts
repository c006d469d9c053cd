/** A configuration file that cannot be used: unreadable, not TOML, or a value out of range. */
export class ConfigError extends Error {
  /** Path of the configuration file. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.path = path;
  }
}
