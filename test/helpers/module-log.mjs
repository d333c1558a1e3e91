// Node.js module hooks (registered by module-log-register.mjs): appends the URL of every ocre or
// npm file the process loads to the file OCRE_MODULE_LOG names. Used by test/bundle.test.ts.
import { appendFileSync } from "node:fs";

export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(process.env.OCRE_MODULE_LOG, `${url}\n`);
  return next(url, context);
}
