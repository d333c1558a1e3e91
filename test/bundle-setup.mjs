// vitest globalSetup: the tests run the `ocre` command from its bundle (dist/bin/, made from
// dist/cli/ by scripts/bundle-cli.mjs); bring it up to date with what tsc last compiled.
import { updateBundle } from "../scripts/bundle-cli.mjs";

export default async function setup() {
  await updateBundle();
}
