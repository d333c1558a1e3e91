import { readFile } from "node:fs/promises";
import path from "node:path";
import Handlebars from "handlebars";
import { templatesDir } from "../paths.js";
import { yamlString } from "./escape.js";

/** The west project templates (templates/west/), by output path relative to the project. */
export const WEST_TEMPLATES = {
  "west.yml": "west.yml.hbs",
  "CMakeLists.txt": "CMakeLists.txt.hbs",
  "prj.conf": "prj.conf.hbs",
  "src/main.c": "src/main.c.hbs",
  "README.md": "README.md.hbs",
  boardConf: "boards/board.conf.hbs",
  boardOverlay: "boards/board.overlay.hbs",
} as const;

export type TemplateName = keyof typeof WEST_TEMPLATES;
type Render = (view: object) => string;

let compiled: Map<TemplateName, Render> | undefined;

/**
 * Compiles every template once per process. Values are escaped by the view model for the exact
 * place they land (C, CMake, YAML, Kconfig, Markdown), so Handlebars' HTML escaping is off;
 * strict mode turns a misspelt field into an error instead of an empty string.
 */
export async function westTemplates(dir = path.join(templatesDir, "west")): Promise<Map<TemplateName, Render>> {
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  hbs.registerHelper("yaml", (value: unknown) => yamlString(String(value)));
  const map = new Map<TemplateName, Render>();
  for (const [name, file] of Object.entries(WEST_TEMPLATES) as [TemplateName, string][]) {
    const source = await readFile(path.join(dir, file), "utf8");
    const template = hbs.compile(source, { noEscape: true, strict: true });
    map.set(name, (view) => template(view));
  }
  compiled = map;
  return map;
}
