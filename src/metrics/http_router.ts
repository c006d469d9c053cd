/** Response of one route. */
export interface RouteResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Handles `GET <path>`; the URL carries the query. */
export type RouteHandler = (url: URL) => RouteResponse | Promise<RouteResponse>;

/**
 * Maps request paths to handlers for the metrics server, so other parts of the daemon can add
 * endpoints (such as `GET /alerts`) without touching the server. Only GET and HEAD are served.
 */
export class HttpRouter {
  #routes = new Map<string, RouteHandler>();

  /**
   * Registers the handler of `path` (such as `/alerts`).
   *
   * @throws {Error} When the path does not start with `/` or already has a handler.
   */
  register(path: string, handler: RouteHandler): void {
    if (!path.startsWith("/")) {
      throw new Error(`Failed to register route ${JSON.stringify(path)}: start the path with /`);
    }
    if (this.#routes.has(path)) {
      throw new Error(`Failed to register route ${path}: it has a handler already`);
    }
    this.#routes.set(path, handler);
  }

  /** Paths with a handler, in registration order. */
  paths(): string[] {
    return [...this.#routes.keys()];
  }

  /** Returns the response to one request. A failing handler gives 500 and the error text. */
  async handle(method: string, url: URL): Promise<RouteResponse> {
    const handler = this.#routes.get(url.pathname);
    if (!handler) return text(404, `No endpoint ${url.pathname}; try ${this.paths().join(", ")}\n`);
    if (method !== "GET" && method !== "HEAD") return text(405, `Use GET for ${url.pathname}\n`);
    try {
      return await handler(url);
    } catch (error) {
      return text(500, `Failed to answer ${url.pathname}: ${String(error)}\n`);
    }
  }
}

function text(status: number, body: string): RouteResponse {
  return { status, contentType: "text/plain; charset=utf-8", body };
}
