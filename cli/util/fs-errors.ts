import { OcreError } from "../errors.js";
import { targetOfTemp } from "./atomic.js";

/**
 * Turns a filesystem error the user can fix (permissions, a full disk, a read-only mount, a file
 * where a folder should be) into a user error naming the path (exit 1). Anything else stays as
 * it is, so a real bug still reads as one.
 */
export const USER_FIXABLE: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a path component is not a folder",
  EISDIR: "is a folder, not a file",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  ELOOP: "too many symbolic links",
  EFBIG: "file too large",
};

export function isUserFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code in USER_FIXABLE;
}

/** `cannot write /x/y: permission denied (EACCES)`; `path` defaults to the one the error names. */
export function fileError(error: unknown, path?: string, verb = "cannot access"): unknown {
  if (error instanceof OcreError || !isUserFsError(error)) return error;
  const where = targetOfTemp(path ?? error.path ?? "(unknown path)");
  const code = error.code as string;
  return new OcreError("OCRE_FILE_ACCESS", `${verb} ${where}: ${USER_FIXABLE[code]} (${code})`, {
    hint:
      code === "ENOSPC" || code === "EDQUOT"
        ? "free some space and run the command again"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "check the folder's permissions, or choose a writable location"
          : "check the path",
    cause: error,
  });
}
