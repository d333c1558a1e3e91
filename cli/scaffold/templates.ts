import path from "node:path";
import { templatesDir } from "../paths.js";

/** The app templates `ocre new` offers, in the order `--help` lists them. */
export const APP_TEMPLATES = {
  hello: "prints a greeting (the smallest container)",
  blinky: "toggles led0 from a periodic timer",
  sensor: "reads a sensor, filters it, publishes over a threshold",
  pubsub: "a publisher and a subscriber container",
  health: "a container that watches the device's health events",
} as const;

export type AppTemplate = keyof typeof APP_TEMPLATES;

export const APP_TEMPLATE_NAMES = Object.keys(APP_TEMPLATES) as AppTemplate[];

/** Where a template's files live in the installed package. */
export function appTemplateDir(template: AppTemplate): string {
  return path.join(templatesDir, "app", template);
}

/**
 * Longest suffix a template appends to the app name (pubsub names its containers
 * `<name>-publisher` and `<name>-subscriber`), so the final names stay within the manifest's
 * 63 characters.
 */
export const NAME_SUFFIX_LENGTH: Readonly<Record<AppTemplate, number>> = {
  hello: 0,
  blinky: 0,
  sensor: 0,
  pubsub: "-subscriber".length,
  health: "-watcher".length,
};

/** The container directories of a template with several (built and run in this order). */
export const TEMPLATE_APPS: Readonly<Partial<Record<AppTemplate, readonly string[]>>> = {
  pubsub: ["subscriber", "publisher"],
  health: ["watcher", "faulty"],
};

export function isAppTemplate(name: string): name is AppTemplate {
  return Object.hasOwn(APP_TEMPLATES, name);
}
