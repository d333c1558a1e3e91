import { EXIT_CODES } from "../abi/contract.js";

/**
 * Exceptions the host throws through a container's Wasm stack to end it. They are not traps:
 * the scheduler turns them into the container's result.
 */
export class ExitSignal {
  constructor(readonly code: number) {}
}

/** The run's deadline: "timeout" fails the container (exit 124), "duration" stops it cleanly. */
export class StopSignal {
  constructor(readonly reason: "timeout" | "duration") {}
}

/** Exit code of a container stopped by --timeout (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;
/** Exit code of a container that trapped (the device's, cli/abi/contract.ts). */
export const TRAP_EXIT_CODE = EXIT_CODES.OCRE_EXIT_TRAP;
