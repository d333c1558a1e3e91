import path from "node:path";
import { defineCommand } from "./define.js";
import { scaffold } from "../scaffold/scaffold.js";
import { APP_TEMPLATES, APP_TEMPLATE_NAMES, TEMPLATE_APPS } from "../scaffold/templates.js";

interface NewArgs {
  dir: string;
  template: string;
  name?: string;
  force: boolean;
}

export const newCommand = defineCommand<NewArgs>({
  command: "new <dir>",
  describe: "Create an app from a template (hello, blinky, sensor, pubsub, health)",
  builder: (y) =>
    y
      .positional("dir", {
        type: "string",
        demandOption: true,
        describe: "Directory to create (must be empty or missing)",
      })
      .option("template", {
        alias: "t",
        type: "string",
        default: "hello",
        describe: `Template: ${APP_TEMPLATE_NAMES.join(", ")}`,
      })
      .option("name", { type: "string", describe: "App name (default: from the directory name)" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "Write into a non-empty directory, replacing same-named files",
      })
      .example("$0 new hello", "A container that prints a greeting, in ./hello")
      .example("$0 new blinky --template blinky", "Toggle led0 from a timer")
      .example("$0 new alerts -t sensor --name temp-alerts", "Sensor filter and publisher named temp-alerts")
      .example("$0 new demo -t pubsub", "demo/publisher and demo/subscriber containers")
      .epilogue(
        `Templates:\n${APP_TEMPLATE_NAMES.map((t) => `  ${t.padEnd(8)}${APP_TEMPLATES[t]}`).join("\n")}`,
      ) as never,
  run: async (args, out) => {
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
  },
});
