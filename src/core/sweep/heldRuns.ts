// Waiting for runs another process holds: while nothing is left to train here but runs another live process is
// training, the sweep looks at them every pollMs; a run whose owner died is reaped (marked interrupted) and comes
// back to this sweep to be trained here, like any that became claimable; settled ones are dropped.

import { heartbeats, ownerGone } from "../store/runOwner.js";
import type { RunStore } from "../store/runStore.js";
import type { HeldRun, SweepEvents } from "./events.js";
import type { ResolvedSweepOptions } from "./options.js";
import { claimable, type PlannedRun } from "./plan.js";

export class HeldRuns {
  /** Runs another process holds that this sweep waits for (or, not waiting, leaves to it). */
  private readonly runs = new Map<number, PlannedRun>();
  private timer: NodeJS.Timeout | null = null;
  /** What the last `waiting` event said, so that it is said again only when it changes. */
  private waitingSaid: string | null = null;
  private readonly ev: SweepEvents | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly opts: ResolvedSweepOptions,
    held: readonly PlannedRun[],
  ) {
    for (const r of held) this.runs.set(r.id, r);
    this.ev = opts.events;
  }

  get size(): number {
    return this.runs.size;
  }

  add(r: PlannedRun): void {
    this.runs.set(r.id, r);
  }

  /** Calls `check` once soon: at once the first time (to say what the sweep waits for), then after pollMs. */
  schedule(check: () => void): void {
    if (this.timer) return;
    const ms = this.waitingSaid === null ? 0 : this.opts.pollMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      check();
    }, ms);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Looks at the held runs again: those whose owner is gone are reaped (marked interrupted) and, like any that
   * became claimable, returned to be queued here; settled ones are dropped; the rest are what the sweep waits for.
   */
  check(): PlannedRun[] {
    const look = () => [...this.runs.values()].map((r) => ({ r, stored: this.store.getRun(r.id) }));
    let runs = look();
    const stale = this.opts.staleSeconds;
    const gone = runs.some(
      (x) =>
        x.stored?.status === "running" &&
        ownerGone(x.stored.owner, heartbeats.observe(x.r.id, x.stored.owner, x.stored.heartbeat_at), stale),
    );
    if (gone) {
      const reaped = this.store.reapOrphans(stale);
      const ours = reaped.filter((o) => this.runs.has(o.id));
      if (ours.length) this.ev?.reaped?.(ours);
      runs = look();
    }
    const back: PlannedRun[] = [];
    for (const { r, stored } of runs) {
      if (stored?.status === "running") continue;
      this.runs.delete(r.id);
      if (stored && claimable(stored.status, this.opts.retryFailed)) back.push(r);
    }
    this.sayWaiting();
    return back;
  }

  /** Says what the sweep waits for, when that changed since it last said it. */
  private sayWaiting(): void {
    const waitingFor = this.list();
    const said = JSON.stringify(waitingFor.map((h) => [h.id, h.owner]));
    if (waitingFor.length && said !== this.waitingSaid) this.ev?.waiting?.({ runs: waitingFor });
    this.waitingSaid = said;
  }

  /** The held runs as the store has them now (those still running). */
  list(): HeldRun[] {
    const out: HeldRun[] = [];
    for (const r of this.runs.values()) {
      const stored = this.store.getRun(r.id);
      if (stored?.status !== "running") continue;
      // On this host's clock, never against the heartbeat's value (written by the owner's clock: runOwner.ts).
      const seen = heartbeats.observe(r.id, stored.owner, stored.heartbeat_at);
      out.push({
        id: r.id,
        hash: r.run.hash,
        point: r.run.point,
        owner: stored.owner,
        heartbeatAgeSeconds: stored.heartbeat_at ? seen.quietSeconds : null,
        heartbeatAdvancing: seen.advancing,
      });
    }
    return out;
  }
}
