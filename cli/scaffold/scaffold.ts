import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import Handlebars from "handlebars";
import { OcreError } from "../errors.js";
import { tempSibling } from "../util/atomic.js";
import { didYouMean } from "../util/suggest.js";
import { packageRoot } from "../paths.js";
import { packageVersion } from "../version.js";
import { APP_NAME_MAX, APP_NAME_PATTERN, appNameFromDir } from "./name.js";
import {
  APP_TEMPLATE_NAMES,
  NAME_SUFFIX_LENGTH,
  TEMPLATE_APPS,
  appTemplateDir,
  isAppTemplate,
  type AppTemplate,
} from "./templates.js";

export interface ScaffoldOptions {
  /** Directory to create the app in (created if missing). */
  readonly dir: string;
  readonly template: string;
  /** App name; default derived from the directory name. */
  readonly name?: string;
  /** Write into a non-empty directory, replacing files the template also has. */
  readonly force?: boolean;
}

export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  readonly template: AppTemplate;
  /** Files written, relative to `dir`, sorted, "/"-separated. */
  readonly files: readonly string[];
}

/** Template files ending in this are rendered with Handlebars and written without it. */
const HANDLEBARS_SUFFIX = ".hbs";

/**
 * npm drops `.gitignore` files from published packages, so templates carry `gitignore` and
 * scaffolding restores the dot.
 */
function outputName(templateName: string): string {
  const name = templateName.endsWith(HANDLEBARS_SUFFIX)
    ? templateName.slice(0, -HANDLEBARS_SUFFIX.length)
    : templateName;
  return name === "gitignore" ? ".gitignore" : name;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

function resolveTemplate(template: string): AppTemplate {
  if (isAppTemplate(template)) return template;
  const suggestion = didYouMean(template, APP_TEMPLATE_NAMES);
  throw new OcreError(
    "OCRE_TEMPLATE_UNKNOWN",
    `no template "${template}"${suggestion === "" ? "" : `; ${suggestion}`}`,
    {
      hint: `templates: ${APP_TEMPLATE_NAMES.join(", ")} (e.g. --template ${APP_TEMPLATE_NAMES[0]})`,
    },
  );
}

function resolveName(options: ScaffoldOptions, template: AppTemplate, dir: string): string {
  const room = APP_NAME_MAX - NAME_SUFFIX_LENGTH[template];
  if (options.name === undefined) return appNameFromDir(path.basename(dir), room);
  const name = options.name;
  if (!APP_NAME_PATTERN.test(name) || name.length > room) {
    throw new OcreError("OCRE_NAME_INVALID", `"${name}" is not a valid app name`, {
      hint: `use 1-${room} characters: lowercase letters and digits, single '.', '_' or '-' between them (e.g. --name ${appNameFromDir(name, room)})`,
    });
  }
  return name;
}

async function existingEntries(dir: string): Promise<string[] | null> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new OcreError("OCRE_NOT_A_DIRECTORY", `${dir} exists and is not a directory`, {
        hint: "choose another path for the new app",
      });
    }
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * The dependency on ocre of the package.json at `fromDir`: the registry version when ocre runs
 * from an installed package, else (a git checkout, ocre not yet published) the checkout, as a
 * path relative to `fromDir` so the app does not record where this machine keeps it.
 */
function ocreDependency(fromDir: string): string {
  const installed = packageRoot.split(path.sep).includes("node_modules");
  const relative = path.relative(fromDir, packageRoot).split(path.sep).join("/") || ".";
  const spec = installed ? `^${packageVersion()}` : `file:${relative}`;
  // Rendered inside a JSON string in package.json.
  return JSON.stringify(spec).slice(1, -1);
}

/**
 * Creates an app from a template. Everything is rendered into a temp directory next to the
 * target first; only a complete app is moved into place (one rename for a new directory, one
 * rename per file into an existing one), so a failure leaves nothing half-written.
 */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const template = resolveTemplate(options.template);
  const dir = path.resolve(options.dir);
  const name = resolveName(options, template, dir);

  const existing = await existingEntries(dir);
  if (existing !== null && existing.length > 0 && options.force !== true) {
    throw new OcreError("OCRE_DIR_NOT_EMPTY", `${dir} is not empty`, {
      hint: "choose a new or empty directory, or pass --force to add the template's files (replacing files with the same names)",
    });
  }

  const sourceDir = appTemplateDir(template);
  const templateFiles = (await listFiles(sourceDir)).sort();
  // `apps`: a multi-app template's container folders, in build and run order (its scripts use them).
  const context = { name, template, ocreVersion: packageVersion(), apps: TEMPLATE_APPS[template]?.join(" ") ?? "" };

  const tmp = tempSibling(dir);
  await mkdir(tmp, { recursive: true });
  const written: string[] = [];
  try {
    for (const rel of templateFiles) {
      const outRel = path.posix.join(path.posix.dirname(rel), outputName(path.posix.basename(rel)));
      const from = path.join(sourceDir, rel);
      const to = path.join(tmp, outRel);
      await mkdir(path.dirname(to), { recursive: true });
      if (rel.endsWith(HANDLEBARS_SUFFIX)) {
        const render = Handlebars.compile(await readFile(from, "utf8"), { noEscape: true, strict: true });
        const ocre = ocreDependency(path.join(dir, path.dirname(outRel)));
        await writeFile(to, render({ ...context, ocreDependency: ocre }));
      } else {
        await copyFile(from, to);
      }
      written.push(outRel);
    }
    if (existing === null) {
      await rename(tmp, dir);
    } else {
      // An existing directory stays (it may be the user's working directory): move the files in.
      for (const rel of written) {
        await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await rename(path.join(tmp, rel), path.join(dir, rel));
      }
      await rm(tmp, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return { dir, name, template, files: written.sort() };
}
