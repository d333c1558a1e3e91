import type { CommandSpec, OptionSpec } from "./grammar.js";
import { usageOf } from "./grammar.js";

/**
 * `--help` for the program and every command, rendered from the grammar (cli/commands/grammar.ts)
 * in yargs' layout, so that help costs no parser load.
 */
export function renderHelp(path: readonly CommandSpec[], width: number): string {
  const root = path[0]!;
  const spec = path.at(-1)!;
  const prefix = path
    .slice(0, -1)
    .map((c) => c.name)
    .join(" ");
  const sections: string[] = [];
  sections.push(spec === root ? `${root.name} <command> [options]` : `${prefix} ${usageOf(spec)}`);
  sections.push(spec.describe);
  const positionals = spec.positionals ?? [];
  if (positionals.length > 0)
    sections.push(
      table(
        "Positionals:",
        positionals.map((p) => [
          `  ${p.name}`,
          withTags(p.describe, [
            p.variadic ? "[array]" : "[string]",
            ...(p.required ? ["[required]"] : []),
            ...(p.default ? [`[default: ${JSON.stringify(p.default)}]`] : []),
          ]),
        ]),
        width,
      ),
    );
  const commands = spec.commands ?? [];
  if (commands.length > 0) {
    const base = spec === root ? root.name : `${prefix} ${spec.name}`;
    sections.push(
      table(
        "Commands:",
        commands.map((c) => [
          `  ${base} ${usageOf(c)}`,
          withTags(c.describe, c.aliases ? [`[aliases: ${c.aliases.join(", ")}]`] : []),
        ]),
        width,
      ),
    );
  }
  const own = spec === root ? [] : Object.entries(spec.options ?? {});
  const builtIn: [string, OptionSpec][] = [
    ...(spec === root
      ? [["version", { type: "boolean", describe: "Show version number" }] as [string, OptionSpec]]
      : []),
    ["help", { type: "boolean", alias: ["h"], describe: "Show help" }],
  ];
  const options = [...Object.entries(root.options ?? {}), ...builtIn, ...own].filter(([, o]) => !o.hidden);
  sections.push(
    table(
      "Options:",
      options.map(([name, o]) => [
        flagsOf(name, o),
        withTags(
          o.describe,
          tagsOf(
            o,
            builtIn.some(([b]) => b === name),
          ),
        ),
      ]),
      width,
    ),
  );
  if (spec.examples?.length)
    sections.push(
      table(
        "Examples:",
        spec.examples.map(([example, text]) => [`  ${example.replace("$0", root.name)}`, text]),
        width,
      ),
    );
  if (spec.epilogue !== undefined) sections.push(spec.epilogue);
  return `${sections.join("\n\n")}\n`;
}

function flagsOf(name: string, option: OptionSpec): string {
  const short = option.alias?.filter((a) => a.length === 1) ?? [];
  const long = [name, ...(option.alias?.filter((a) => a.length > 1) ?? [])].map((n) => `--${n}`).join(", ");
  return short.length > 0 ? `  ${short.map((s) => `-${s}`).join(", ")}, ${long}` : `      ${long}`;
}

function tagsOf(option: OptionSpec, builtIn: boolean): string[] {
  const tags: string[] = [];
  if (option.choices) tags.push(`[choices: ${option.choices.map((c) => JSON.stringify(c)).join(", ")}]`);
  else tags.push(`[${option.array ? "array" : option.type}]`);
  if (option.required) tags.push("[required]");
  if (option.defaultDescription !== undefined) tags.push(`[default: ${option.defaultDescription}]`);
  else if (option.type === "boolean" && option.default === undefined && !builtIn) tags.push("[default: false]");
  else if (option.default !== undefined) tags.push(`[default: ${JSON.stringify(option.default)}]`);
  return tags;
}

/** The description and its tags; a tag is never split across lines (NBSP until printed). */
function withTags(text: string, tags: readonly string[]): string {
  return tags.length === 0 ? text : `${text}  ${tags.map((t) => t.replace(/ /g, "\u00a0")).join(" ")}`;
}

/** A titled two-column table; the right column wraps at `width`. */
function table(title: string, rows: readonly (readonly [string, string])[], width: number): string {
  const left = Math.min(Math.max(...rows.map(([l]) => l.length)) + 2, Math.floor(width / 2));
  const lines = [title];
  for (const [l, r] of rows) {
    const wrapped = wrap(r, Math.max(20, width - left));
    if (l.length + 2 > left) {
      lines.push(l);
      for (const line of wrapped) lines.push(`${" ".repeat(left)}${line}`);
    } else {
      lines.push(`${l.padEnd(left)}${wrapped[0] ?? ""}`);
      for (const line of wrapped.slice(1)) lines.push(`${" ".repeat(left)}${line}`);
    }
  }
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => l.replace(/\u00a0/g, " ").trimEnd());
}
