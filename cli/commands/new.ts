import path from "node:path";
import { defineCommand } from "./define.js";
import { newCommand } from "./grammar.js";
import { scaffold } from "../scaffold/scaffold.js";
import { TEMPLATE_APPS } from "../scaffold/templates.js";

/** `ocre new` (options: cli/commands/grammar.ts). */
export const run = defineCommand(newCommand, async (args, out) => {
  const result = await scaffold({
    dir: path.resolve(args.cwd, args.dir),
    template: args.template,
    ...(args.name === undefined ? {} : { name: args.name }),
    force: args.force,
  });
  out.result({ ok: true, ...result });
  const relative = path.relative(args.cwd, result.dir) || ".";
  const shown = /[\s'"$]/.test(relative) ? JSON.stringify(relative) : relative;
  const apps = TEMPLATE_APPS[result.template];
  out.print(
    [
      `Created ${out.style.bold(result.name)} from the ${result.template} template in ${shown} (${result.files.length} files).`,
      "",
      "Next:",
      ...(shown === "." ? [] : [`  cd ${shown}`]),
      ...(apps
        ? [`  npx ocre build ${apps.join(" ")}`, `  npx ocre run ${apps.join(" ")}`]
        : ["  npm install        # the SDK's editor types", "  npx ocre build", "  npx ocre run ."]),
    ].join("\n"),
  );
});
