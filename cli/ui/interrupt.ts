/**
 * Ctrl-C (SIGINT) or SIGTERM as an AbortSignal: the first one aborts (a build stops before
 * committing its outputs, a watch loop ends, a run stops its containers); a second one exits
 * at once, as the shell would.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}
