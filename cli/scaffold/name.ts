/**
 * Names `ocre new` accepts: the manifest's rule (cli/schemas/ocre.schema.json: lowercase letters,
 * digits, '.', '_', '-', at most 63) narrowed to what is also a valid OCI repository name (no
 * separator at either end or next to another), since the name becomes the image's name.
 */
export const APP_NAME_PATTERN = /^[a-z0-9]+([._-][a-z0-9]+)*$/;
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
