/**
 * For an agent the coordinator started as a child (the embedded cluster): notices that parent's
 * death, so that a coordinator killed with SIGKILL leaves no agent behind. The kernel's
 * parent-death signal (set where `setpriv` is installed) usually ends the agent first; this PID
 * check covers systems without it. An orphan is re-parented, so its parent PID changes.
 */
const CHECK_EVERY_MS = 500;

export function watchParent(parentPid: string | undefined, onGone: () => void): void {
  const expected = Number(parentPid);
  if (!parentPid || !Number.isInteger(expected) || expected <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === expected) return;
    clearInterval(timer);
    onGone();
  }, CHECK_EVERY_MS);
  timer.unref();
}
