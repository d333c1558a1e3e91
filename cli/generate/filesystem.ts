import { OcreError } from "../errors.js";
import type { Board } from "../boards/types.js";
import type { ContainerSpec } from "../spec.js";
import { commentText } from "./escape.js";

/** The RAM disk a board gets when its catalog entry names no `filesystem` (docs/boards.md#files). */
export const DEFAULT_RAM_DISK_KB = 64;
/** The disk-name of the generated `zephyr,ram-disk` node (CONFIG_OCRE_WASI_FS_RAM_DISK_NAME's default). */
const RAM_DISK_NAME = "RAM";
/**
 * RAM besides the disk: Zephyr's file system layer, ext2 (its cache: CONFIG_EXT2_MAX_BLOCK_COUNT
 * 10 × 1 KiB blocks), the disk driver and the shim's file handles. Measured 14,968 B on
 * mps2-an521 (Zephyr 3.7.1, Debian arm-none-eabi-gcc 12): the conformance case `filesystem` built
 * with and without the capability, linker RAM 4,113,896 - 4,033,392 B less the 65,536 B disk.
 */
const FILESYSTEM_RAM_BYTES = 15 * 1024;
/** Flash for the same code: measured +22,700 B in the same pair of builds (336,676 -> 359,376 B). */
const FILESYSTEM_FLASH_BYTES = 23 * 1024;

export interface FilesystemPlan {
  readonly kind: "ram-disk" | "mounted";
  /** Lines for prj.conf. */
  readonly kconfig: readonly string[];
  /** Devicetree for boards/<board>.overlay ("" when the board mounts its own). */
  readonly overlay: string;
  /** RAM the generated file system takes (disk + Zephyr's file system code); 0 for "mounted". */
  readonly ramBytes: number;
  /** Flash for ext2, the file system layer and the disk driver; 0 for "mounted" (the board's own). */
  readonly flashBytes: number;
  /** The containers that asked for it. */
  readonly containers: readonly string[];
}

/**
 * Files for containers with the `filesystem` capability (CONFIG_OCRE_WASI_FS: the shim's own
 * WASI files, see docs/shim.md). Undefined when no container asks. On a board without a
 * `filesystem` entry, or with `kind: ram-disk`, an ext2 RAM disk that the Zephyr module formats
 * and mounts at boot (Zephyr's tree has ext2; littlefs and FatFs are extra west modules);
 * `mounted`: the board's own kconfig/overlay provide a file system at the root's mount point.
 */
export function planFilesystem(board: Board, specs: readonly ContainerSpec[]): FilesystemPlan | undefined {
  const users = specs.filter((s) => s.capabilities.includes("filesystem")).map((s) => s.name);
  if (users.length === 0) return undefined;
  const sockets = specs.filter((s) => s.capabilities.includes("networking")).map((s) => s.name);
  if (sockets.length > 0) {
    throw new OcreError(
      "OCRE_FILESYSTEM_WITH_NETWORKING",
      `${users.join(", ")} need${users.length === 1 ? "s" : ""} files and ${sockets.join(", ")} sockets in one firmware: the firmware's files come with its minimal WASI, sockets only with WAMR's libc-wasi`,
      { hint: "build the containers with the filesystem and the networking capability into separate firmware" },
    );
  }
  const fs = board.filesystem ?? { kind: "ram-disk" };
  if (fs.kind === "none") {
    throw new OcreError(
      "OCRE_BOARD_NO_FILESYSTEM",
      `${board.id} has no file system for ${users.join(", ")} (capability filesystem; the board's catalog entry says filesystem: none)`,
      {
        hint: "drop the filesystem capability from ocre.yaml, pick another board, or describe the board's storage in a board root (filesystem: ram-disk or mounted; docs/boards.md#files)",
      },
    );
  }
  const common = ["CONFIG_FILE_SYSTEM=y", "CONFIG_OCRE_WASI_FS=y"];
  if (fs.kind === "mounted") {
    return { kind: "mounted", kconfig: common, overlay: "", ramBytes: 0, flashBytes: 0, containers: users };
  }
  const sizeKb = fs.sizeKb ?? DEFAULT_RAM_DISK_KB;
  const sectors = (sizeKb * 1024) / 512;
  return {
    kind: "ram-disk",
    kconfig: [
      ...common,
      "CONFIG_FILE_SYSTEM_EXT2=y",
      "CONFIG_FILE_SYSTEM_MKFS=y",
      // ext2's block cache holds CONFIG_EXT2_MAX_BLOCK_COUNT blocks of this size; mkfs uses 1 KiB.
      "CONFIG_EXT2_MAX_BLOCK_SIZE=1024",
      "CONFIG_DISK_ACCESS=y",
      "CONFIG_DISK_DRIVER_RAM=y",
      "CONFIG_OCRE_WASI_FS_RAM_DISK=y",
      // Zephyr's ext2 and file system layers log a container's ordinary failures (EEXIST,
      // ENOENT, ENOTEMPTY) as errors, and mkfs its geometry: the console is the containers'.
      // The ocre module logs a mount that fails.
      "CONFIG_EXT2_LOG_LEVEL_OFF=y",
      "CONFIG_FS_LOG_LEVEL_OFF=y",
    ],
    overlay: [
      `/* Files of ${commentText(users.join(", "))} (capability filesystem): ${sizeKb} KiB of RAM, ext2, formatted at boot. */`,
      "/ {",
      "\tocre_ram_disk: ocre-ram-disk {",
      '\t\tcompatible = "zephyr,ram-disk";',
      `\t\tdisk-name = "${RAM_DISK_NAME}";`,
      "\t\tsector-size = <512>;",
      `\t\tsector-count = <${sectors}>;`,
      "\t};",
      "};",
    ].join("\n"),
    ramBytes: sizeKb * 1024 + FILESYSTEM_RAM_BYTES,
    flashBytes: FILESYSTEM_FLASH_BYTES,
    containers: users,
  };
}
