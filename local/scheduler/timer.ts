/** A timer for an absolute time, safe for delays beyond setTimeout's ~24.8-day limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const timerAt = (at: number, fn: () => void, now: () => number = Date.now): { cancel(): void } => {
  let handle: NodeJS.Timeout;
  const arm = () => {
    const wait = at - now();
    handle = wait > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(fn, Math.max(0, wait));
  };
  arm();
  return { cancel: () => clearTimeout(handle) };
};
