/** A board as validated from boards/<id>.yaml (cli/schemas/board.schema.json). */

export type BoardArch = "cortex-m33" | "cortex-m4" | "cortex-m7" | "xtensa" | "riscv32" | "mips32" | "x86-64";
export type BoardStatus = "boots-in-emulator" | "builds" | "generate-only";
export type WamrTarget =
  | "THUMBV8M"
  | "THUMBV8M_VFP"
  | "THUMBV7EM"
  | "THUMBV7EM_VFP"
  | "XTENSA"
  | "RISCV32_ILP32"
  | "RISCV32"
  | "MIPS"
  | "X86_64";

/** The Zephyr board target valid for a range of Zephyr versions (major.minor, inclusive). */
export interface ZephyrTarget {
  readonly since: string;
  readonly until?: string;
  readonly board: string;
  /** Projects from Zephyr's own west.yml that this board needs (west name-allowlist). */
  readonly modules: readonly string[];
}

export interface DebianToolchain {
  readonly packages: readonly string[];
  /** ZEPHYR_TOOLCHAIN_VARIANT to use with it. */
  readonly variant: "gnuarmemb" | "cross-compile" | "host";
  readonly compiler: string;
  readonly cflags: readonly string[];
}

export interface Board {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly arch: BoardArch;
  readonly cpu: string;
  readonly floatAbi: "soft" | "softfp" | "hard";
  readonly wamrTarget: WamrTarget;
  readonly interpreter: "fast" | "classic";
  readonly zephyr: readonly ZephyrTarget[];
  readonly memory: {
    readonly ramKb: number;
    readonly flashKb: number;
    /** false: the image runs from RAM (no execute-in-place flash); absent means true. */
    readonly xip?: boolean;
    readonly baseline: { readonly ramKb: number; readonly flashKb: number };
  };
  readonly limits: { readonly heapPoolKb: number; readonly stackBytes: number; readonly maxPages: number };
  readonly aliases: readonly string[];
  readonly sensors: readonly string[];
  readonly emulator?: { readonly command: string };
  readonly toolchain: { readonly zephyrSdk: string; readonly debian: DebianToolchain | null };
  readonly kconfig: readonly string[];
  readonly overlay: string;
  /** Files for containers with the `filesystem` capability; absent: a 64 KiB ext2 RAM disk. */
  readonly filesystem?: BoardFilesystem;
  /** What the device agent needs here (docs/deploy.md); absent: the board cannot carry it. */
  readonly agent?: BoardAgent;
  readonly status: BoardStatus;
  readonly statusNote?: string;
  /** The check that showed `status` (required unless generate-only). */
  readonly evidence?: BoardEvidence;
}

export type BoardFilesystem =
  { readonly kind: "ram-disk"; readonly sizeKb?: number } | { readonly kind: "mounted" } | { readonly kind: "none" };
export interface BoardAgent {
  /** A fixed partition of the board's flash (node label), or a RAM-backed flash simulator. */
  readonly store: { readonly partition: string } | { readonly simulatorKb: number };
  /** Kconfig lines the board's network needs (tcp); absent: no network the agent can use. */
  readonly network?: { readonly kconfig: readonly string[]; readonly nic?: string };
}

export interface BoardEvidence {
  /** test: a test file shows it on every run; manual: a build by hand, recorded. */
  readonly kind: "test" | "manual";
  /** The test file, or the commands run and what they showed. */
  readonly check: string;
  /** YYYY-MM-DD */
  readonly date: string;
  readonly zephyr?: string;
}

/** Where a board was loaded from; later sources override earlier ones with the same id. */
export type BoardSource = "built-in" | "app" | "board-root";

export interface LoadedBoard {
  readonly board: Board;
  readonly file: string;
  readonly source: BoardSource;
}
