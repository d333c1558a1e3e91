// The compiler's runtime for a fixed-memory container with `runtime: minimal`: the build serves
// this file in place of ~lib/rt/index-minimal (cli/pipeline/compile.ts). As the runtime's entry
// file, its exports are the module's: the end of static data under the name WAMR looks for
// (the build adds __heap_base, the end of the arena).
import "./fixed-minimal";
export { __heap_base as __data_end } from "~lib/memory";
