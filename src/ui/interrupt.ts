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
  return {
    signal: gently.signal,
    now: atOnce.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
