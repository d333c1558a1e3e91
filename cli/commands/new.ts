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
      // npm scripts run the app's own ocre (node_modules/.bin): nothing here asks the npm
      // registry for a package named "ocre", as `npx ocre` before `npm install` would.
      "  npm install        # first: the ocre CLI the scripts run",
      `  npm run build      # ocre build${apps ? ` ${apps.join(" ")}` : ""}`,
      `  npm run sim        # ocre run ${apps ? apps.join(" ") : "."}`,
    ].join("\n"),
  );
});
