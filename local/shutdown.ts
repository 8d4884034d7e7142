/** How `npm start` stops on SIGINT/SIGTERM: once, cleanly, with a second signal as the way out. */

/**
 * One Ctrl-C reaches the stack twice: from the terminal (the whole process group) and relayed by npm a
 * moment later. A repeat within this window is that same keypress; a later one forces the exit.
 */
export const SAME_KEYPRESS_MS = 1_000;
/** A shutdown still running after this long exits anyway. */
export const SHUTDOWN_LIMIT_MS = 10_000;

export interface ShutdownDeps {
  close(): Promise<void>;
  /** Function invocations still running: closing waits for them. */
  inFlight(): number;
  exit(code: number): void;
  log(line: string): void;
  error(line: string): void;
  now(): number;
  setTimer(fn: () => void, ms: number): void;
}

export const signalHandler = (deps: ShutdownDeps): ((signal: string) => void) => {
  let stoppingSince: number | undefined;
  return (signal) => {
    if (stoppingSince !== undefined) {
      if (deps.now() - stoppingSince < SAME_KEYPRESS_MS) return;
      deps.error('npm start: forced exit');
      deps.exit(1);
      return;
    }
    stoppingSince = deps.now();
    deps.log(`\n${signal}: shutting down`);
    // Say why it may take a while, and the way out, instead of waiting silently.
    const running = deps.inFlight();
    if (running > 0) {
      const what = running === 1 ? '1 invocation' : `${running} invocations`;
      deps.log(`${signal}: waiting for ${what} in flight (Ctrl-C again to force)`);
    }
    deps.setTimer(() => {
      deps.error('npm start: shutdown took too long, exiting');
      deps.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    deps.close().then(
      () => deps.exit(0),
      () => deps.exit(1),
    );
  };
};
