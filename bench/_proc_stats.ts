/**
 * Readings of a process from `/proc`: CPU time and peak resident memory.
 *
 * @module
 */

/** Kernel clock ticks per second of `utime` and `stime` (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User plus system CPU time of every thread of `pid`, in milliseconds (10 ms resolution). */
export function cpuMs(pid: number): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / USER_HZ;
}

/** CPU time per thread of a process, from {@link threadCpu}. */
export type ThreadCpu = Map<string, number>;

/**
 * Reads the CPU time of every current thread of `pid`, in milliseconds, from the scheduler's
 * nanosecond counters (`/proc/<pid>/task/<tid>/schedstat`, first field). Fine enough for an
 * idle process, where {@link cpuMs} moves in 10 ms steps. Give two readings to
 * {@link cpuBetweenMs}.
 */
export function threadCpu(pid: number): ThreadCpu {
  const threads: ThreadCpu = new Map();
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`);
      threads.set(task.name, Number(text.split(" ")[0]) / 1e6);
    } catch (error) {
      // A thread that ended between the listing and the read has nothing left to count.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return threads;
}

/**
 * Returns the CPU time in milliseconds that the threads of `after` used since `before`. A
 * thread that ended in between is left out, because its last counter value is gone (the
 * runtime ends idle worker threads). So the result is a lower bound, short by what such threads
 * used before they ended. Subtracting totals instead went negative in one run.
 */
export function cpuBetweenMs(before: ThreadCpu, after: ThreadCpu): number {
  let total = 0;
  for (const [thread, ms] of after) total += ms - (before.get(thread) ?? 0);
  return total;
}

/** A line of `/proc/<pid>/status` in kB, such as `VmHWM` (peak RSS) or `RssAnon`. */
export function statusKb(pid: number, field: string): number | undefined {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}
