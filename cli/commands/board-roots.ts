import path from "node:path";

/** `--board-root` values as absolute folders (relative ones are relative to --cwd). */
export function boardRootsOf(args: { readonly cwd: string; readonly "board-root"?: readonly string[] }): string[] {
  return (args["board-root"] ?? []).map((d) => path.resolve(args.cwd, d));
}
