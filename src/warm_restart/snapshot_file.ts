import {
  decodeSnapshot,
  encodeSnapshot,
  type PortSnapshot,
  SnapshotFormatError,
} from "./port_snapshot.ts";

/** Result of {@linkcode SnapshotFile.load}. */
export type SnapshotLoadResult =
  | { ok: true; snapshot: PortSnapshot }
  | {
    ok: false;
    /** Cause of the rejection, such as `file does not exist` or `checksum mismatch`. */
    reason: string;
    /** New path of the unusable file, kept for inspection. Undefined when there was no file. */
    keptAs: string | undefined;
  };

/**
 * The port-state snapshot on disk.
 *
 * Writes are atomic: the text goes to a temporary file in the same folder, which is flushed
 * (fsync), renamed over the snapshot, and then the folder itself is flushed so the rename
 * survives a power loss. A reader therefore sees the old file or the new one, never a mix.
 */
export class SnapshotFile {
  /** Path of the snapshot file. */
  readonly path: string;
  #now: () => number;

  /**
   * @param path Snapshot file; its folder is created on the first write when missing.
   * @param now Clock in milliseconds since the epoch, for the name of a kept bad file.
   */
  constructor(path: string, now: () => number = Date.now) {
    this.path = path;
    this.#now = now;
  }

  /** Folder that contains the snapshot and its temporary file. */
  get folder(): string {
    const slash = this.path.lastIndexOf("/");
    if (slash < 0) return ".";
    return slash === 0 ? "/" : this.path.slice(0, slash);
  }

  /**
   * Reads and verifies the snapshot. A file that exists but cannot be used is renamed to
   * `<path>.bad-<timestamp>` and kept, so the next start does not trip over it again.
   */
  async load(): Promise<SnapshotLoadResult> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return { ok: false, reason: "file does not exist", keptAs: undefined };
      }
      return { ok: false, reason: `unreadable: ${describe(error)}`, keptAs: await this.#keep() };
    }
    try {
      return { ok: true, snapshot: await decodeSnapshot(text) };
    } catch (error) {
      if (!(error instanceof SnapshotFormatError)) throw error;
      return { ok: false, reason: error.reason, keptAs: await this.#keep() };
    }
  }

  /**
   * Replaces the snapshot atomically, creating the folder when missing.
   *
   * @throws {Error} When a step fails; the old snapshot is then left as it was.
   */
  async write(snapshot: PortSnapshot): Promise<void> {
    const text = await encodeSnapshot(snapshot);
    const folder = this.folder;
    await Deno.mkdir(folder, { recursive: true });
    const base = this.path.slice(this.path.lastIndexOf("/") + 1);
    const temporary = `${folder}/.${base}.tmp-${Deno.pid}`;
    try {
      const file = await Deno.open(temporary, {
        write: true,
        create: true,
        truncate: true,
        mode: 0o644,
      });
      try {
        const bytes = new TextEncoder().encode(text);
        let written = 0;
        while (written < bytes.length) written += await file.write(bytes.subarray(written));
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.rename(temporary, this.path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw new Error(`Failed to write port snapshot ${this.path}: ${describe(error)}`, {
        cause: error,
      });
    }
    await syncFolder(folder);
  }

  /** Moves an unusable file aside; returns the new path, or undefined when that failed. */
  async #keep(): Promise<string | undefined> {
    const stamp = new Date(this.#now()).toISOString().replace(/[-:.]/g, "");
    const keptAs = `${this.path}.bad-${stamp}`;
    try {
      await Deno.rename(this.path, keptAs);
      return keptAs;
    } catch {
      return undefined;
    }
  }
}

/** Flushes a folder's entries (the rename) to disk. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await Deno.open(folder, { read: true });
  try {
    await handle.sync();
  } catch (error) {
    throw new Error(
      `Failed to flush folder ${folder} after writing the snapshot: ${describe(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    handle.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
