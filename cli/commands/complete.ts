import { commandPath, findCommand } from "./argv.js";
import type { CommandSpec, OptionSpec } from "./grammar.js";

/**
 * Shell completion candidates for `ocre --get-yargs-completions <words…>` (what the script of
 * `ocre completion` calls on Tab), from the grammar: the subcommands, then the options of the
 * command being typed by their long names (never `--v`), or the choices of the option before the
 * cursor. After an option that takes a free value nothing is offered, so the shell completes
 * file names. Lines are formatted as yargs' bash, zsh and fish scripts read them.
 */
export function completions(words: readonly string[], root: CommandSpec, env: NodeJS.ProcessEnv): string[] {
  // The script passes the program name first and the word being typed last (maybe "").
  const typed = words.slice(1);
  const current = typed.at(-1) ?? "";
  const before = typed.slice(0, -1);
  const path = commandPath(before, root);
  const spec = path.at(-1)!;
  const options: [string, OptionSpec][] = [
    ...Object.entries(spec === root ? {} : (spec.options ?? {})),
    ...Object.entries(root.options ?? {}),
  ];
  const shell = /fish/.test(env.SHELL ?? "")
    ? "fish"
    : /zsh/.test(`${env.SHELL ?? ""}${env.ZSH_NAME ?? ""}`)
      ? "zsh"
      : "bash";
  const line = (name: string, describe: string) =>
    shell === "fish" ? `${name}\t${describe}` : shell === "zsh" ? `${name.replace(/:/g, "\\:")}:${describe}` : name;

  const previous = before.at(-1);
  if (previous?.startsWith("--") && !previous.includes("=")) {
    const option = options.find(([name, o]) => name === previous.slice(2) || o.alias?.includes(previous.slice(2)))?.[1];
    if (option !== undefined && option.type !== "boolean")
      return (option.choices ?? []).filter((c) => c.startsWith(current)).map((c) => line(c, ""));
  }
  const result: string[] = [];
  if (!current.startsWith("-"))
    for (const c of spec.commands ?? [])
      if (findCommand(spec, c.name) !== undefined && c.name.startsWith(current)) result.push(line(c.name, c.describe));
  if (current.startsWith("-") || (current === "" && result.length === 0)) {
    for (const [name, o] of options) {
      if (o.hidden) continue;
      const given =
        before.includes(`--${name}`) ||
        (o.alias ?? []).some((a) => before.includes(a.length === 1 ? `-${a}` : `--${a}`));
      if (given && !o.array) continue;
      if (`--${name}`.startsWith(current)) result.push(line(`--${name}`, o.describe));
    }
    if ("--help".startsWith(current)) result.push(line("--help", "Show help"));
  }
  return result;
}
