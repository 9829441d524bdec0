// Ctrl-C (SIGINT) and SIGTERM for commands that train: the first asks to stop gracefully (running runs reach their
// next step and are stored interrupted), the second to stop at once (workers killed, runs stored interrupted). A
// third, if the command is still busy with something that cannot be cut short (a dataset download), exits now;
// runs it claimed are then taken over by the next sweep, which sees their owner gone.

export interface Interrupts {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Aborted by the second. */
  now: AbortSignal;
  /** Stops listening (restores the default handling). */
  dispose(): void;
}

/** Signals that arrived before a command listened (see holdEarlyInterrupts), and the handler that counted them. */
let early = 0;
let earlyHandler: (() => void) | null = null;

/**
 * Called by bin/run.js, before the command's modules load (about a second), for commands that train: a Ctrl-C in
 * that time is kept for the command's listenForInterrupts (which then stops at once and prints its result, as
 * when interrupted later) instead of killing the process silently. A third signal still exits at once (130).
 */
export function holdEarlyInterrupts(): void {
  if (earlyHandler) return;
  earlyHandler = () => {
    early++;
    if (early >= 3) process.exit(130);
  };
  process.on("SIGINT", earlyHandler);
  process.on("SIGTERM", earlyHandler);
}

/** After the command: a signal held early that no command took up ends the process as the signal would have (130). */
export function releaseEarlyInterrupts(): void {
  if (!earlyHandler) return;
  process.off("SIGINT", earlyHandler);
  process.off("SIGTERM", earlyHandler);
  earlyHandler = null;
  if (early > 0) process.exit(130);
}

export function listenForInterrupts(): Interrupts {
  const gently = new AbortController();
  const atOnce = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) gently.abort();
    else if (count === 2) atOnce.abort();
    else process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (earlyHandler) {
    process.off("SIGINT", earlyHandler);
    process.off("SIGTERM", earlyHandler);
    earlyHandler = null;
    const held = early;
    early = 0;
    for (let i = 0; i < held; i++) onSignal();
  }
  return {
    signal: gently.signal,
    now: atOnce.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
