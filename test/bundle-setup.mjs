// vitest globalSetup: the tests run the `ocre` command from its bundle (dist/bin/, made from
// dist/cli/ by cli/bundle.mjs); bring it up to date with what tsc last compiled.
import { updateBundle } from "../cli/bundle.mjs";

export default async function setup() {
  await updateBundle();
}
