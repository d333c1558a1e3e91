/** The manifest's rule for app names (cli/schemas/ocre.schema.json), and its length limit. */
export const APP_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const APP_NAME_MAX = 63;

/**
 * An app name derived from a directory name: lowercase; runs of anything outside [a-z0-9] become
 * one "-"; no separator at either end (so the name is also a valid OCI repository); "app" when
 * nothing usable is left.
 */
export function appNameFromDir(dirName: string, maxLength = APP_NAME_MAX): string {
  const name = dirName
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, "");
  return name === "" ? "app" : name;
}
