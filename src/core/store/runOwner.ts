// Which process owns a running run: the orchestrator that claimed it (and writes for it), named by host and pid,
// and whether such a process is still alive — what lets a sweep reclaim runs whose owner died (kill -9).
import fs from "node:fs";
import os from "node:os";

/** Who holds a running run: the orchestrator process that claimed it (and writes for it). */
export interface RunOwner {
  host: string;
  pid: number;
}

/** This process as an owner. */
export function thisOwner(): RunOwner {
  return { host: os.hostname(), pid: process.pid };
}

/** Where the kernel tells a process's state (Linux); elsewhere a signalable pid counts as alive. */
const PROC_STAT = fs.existsSync("/proc/self/stat");

/**
 * Whether a process on this host is alive. A process we may not signal still exists (EPERM); a killed process
 * that its parent has not reaped yet (a zombie, state Z or X in /proc/PID/stat on Linux) is dead: it can no longer
 * write, though `kill(pid, 0)` still finds it — what a sweep restarted right after a kill -9 meets.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!PROC_STAT) return true;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // gone between the two looks
  }
  // "pid (comm) S …": comm may hold spaces and parentheses, the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** A clock in ms that only moves forward: the reader's own, immune to its wall clock being set. */
export type Clock = () => number;

/** What a reader has seen of one run's heartbeat. */
export interface HeartbeatSeen {
  /** Seconds this reader has seen the same owner and heartbeat, on its own clock (0 at the first look). */
  quietSeconds: number;
  /** Whether this reader has seen the heartbeat change (the owner writing) since it first looked. */
  advancing: boolean;
}

/**
 * What this process has seen of runs' heartbeats, on its own clock. A heartbeat is a time written by the owner's
 * host, whose clock may be ahead of or behind this one's by any amount (db-scheduler#433): its value is never
 * compared with this host's time. An owner is alive while its heartbeat keeps changing; it is silent for as long as
 * this process has seen the same value — for a run it has just met, from its first look on. So a host 40 s behind
 * is alive while it writes, and one 600 s ahead that died is silent from the moment this process looks.
 */
export class HeartbeatWatch {
  private readonly seen = new Map<number, { owner: string; beat: string | null; sinceMs: number; changed: boolean }>();

  constructor(private readonly clock: Clock = () => performance.now()) {}

  /** Looks at run `id`'s owner and heartbeat as the store holds them now. */
  observe(id: number, owner: RunOwner | null, heartbeatAt: string | null): HeartbeatSeen {
    const now = this.clock();
    const who = owner ? `${owner.host}:${owner.pid}` : "";
    const last = this.seen.get(id);
    if (!last || last.owner !== who) {
      this.seen.set(id, { owner: who, beat: heartbeatAt, sinceMs: now, changed: false });
      return { quietSeconds: 0, advancing: false };
    }
    if (last.beat !== heartbeatAt) Object.assign(last, { beat: heartbeatAt, sinceMs: now, changed: true });
    return { quietSeconds: Math.max(0, now - last.sinceMs) / 1000, advancing: last.changed };
  }
}

/** This process's watch: every reaper and waiter in it shares what it has seen. */
export const heartbeats = new HeartbeatWatch();

/**
 * Why the owner of a running run counts as gone, or null while it counts as alive: on this host, when its process
 * is dead; on any host, when this reader has seen its heartbeat unchanged for longer than `staleSeconds` on its own
 * clock (HeartbeatWatch; the owner's writer refreshes it about every second). The rule of RunStore.reapOrphans, and
 * of a cheap look before taking the write lock.
 */
export function ownerGone(
  owner: RunOwner | null,
  seen: HeartbeatSeen,
  staleSeconds: number,
  alive: (pid: number) => boolean = pidAlive,
): string | null {
  if (owner && owner.host === os.hostname() && !alive(owner.pid)) return `owner process ${owner.pid} is gone`;
  return seen.quietSeconds > staleSeconds
    ? `heartbeat unchanged for ${Math.round(seen.quietSeconds)} s as seen here (owner ${owner ? `${owner.host}:${owner.pid}` : "unknown"})`
    : null;
}

/**
 * Whether the owner `host`:`pid` of a running run is alive, as far as a one-look reader can tell: on this host by
 * its pid (pidAlive); null for another host (or no owner), whose liveness only a watch of its heartbeat can judge.
 */
export function ownerAliveHere(host: string | null, pid: number | null): boolean | null {
  if (host === null || pid === null || host !== os.hostname()) return null;
  return pidAlive(pid);
}
