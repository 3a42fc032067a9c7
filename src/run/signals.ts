/** What a run needs from a signal handler: a graceful stop, then an immediate one. */
export interface Interruptible {
  interrupt(immediate: boolean): void;
}

/** The signals that stop a run, with the exit code a shell expects after each (128 + n). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * Turns SIGINT/SIGTERM/SIGHUP into a run interrupt: the first stops every job through the
 * stop ladder, a second one skips the grace periods. Returns the uninstaller and a getter
 * for the first signal received (it decides the exit code).
 */
export function installSignalHandlers(
  target: Interruptible,
  proc: Pick<NodeJS.Process, 'on' | 'off'> = process,
  options: { ignoreHangup?: boolean } = {},
): { uninstall(): void; received(): StopSignal | null } {
  let first: StopSignal | null = null;
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => {
    // A detached run (`codex-run start`) outlives its terminal: SIGHUP is caught and ignored.
    const ignored = signal === 'SIGHUP' && options.ignoreHangup === true;
    const handler = (): void => {
      if (ignored) return;
      const again = first !== null;
      if (first === null) first = signal;
      target.interrupt(again);
    };
    proc.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    uninstall: () => {
      for (const [signal, handler] of handlers) proc.off(signal, handler);
    },
    received: () => first,
  };
}
