import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadCatalog } from "../cli/boards/catalog.js";
import { tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { generateFor, incFile, makeConfig, makeSpec } from "./generate-fixtures.js";

const catalog = await loadCatalog();
const crossBoards = catalog.boards.filter((b) => b.board.toolchain.debian !== null).map((b) => b.board);
const compilers = [...new Set(crossBoards.map((b) => b.toolchain.debian!.compiler))];

/** Writes what generate_inc_file_for_target would produce at build time. */
async function writeIncs(projectDir: string, count: number): Promise<string> {
  const incDir = path.join(projectDir, "gen-inc");
  await mkdir(incDir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const wasm = await readFile(path.join(projectDir, "containers", `app${i}.wasm`));
    await writeFile(path.join(incDir, `app${i}.wasm.inc`), incFile(wasm));
  }
  return incDir;
}

describe.skipIf(missingTools(...compilers))("generated main.c compiles with each board's Debian cross compiler", () => {
  let appDir: string;
  const specs = [
    makeSpec({ name: "reader", uses: ["sensors", "timers"], env: { MODE: "fast" } }),
    makeSpec({
      name: "blinky",
      uses: ["gpio"],
      args: ["--led", "led0"],
      gpio: ["led0", "0:13"],
      restart: "on-failure",
    }),
  ];

  beforeAll(async () => {
    appDir = await tempDir("ocre-gen-cc-");
    await generateFor(specs, makeConfig(appDir), { boards: crossBoards.map((b) => b.id), allowOverBudget: true });
  });

  it.each(crossBoards.map((b) => [b.id, b] as const))("%s", async (id, board) => {
    const dir = path.join(appDir, "build", id);
    const incDir = await writeIncs(dir, specs.length);
    const debian = board.toolchain.debian!;
    // Against the copy of the shim's public header that ships inside the generated project.
    const result = await execa(
      debian.compiler,
      [
        ...debian.cflags,
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-c",
        "-o",
        path.join(dir, "main.o"),
        "-I",
        path.join(dir, "modules/ocre/wamr-glue/include"),
        "-I",
        incDir,
        path.join(dir, "src/main.c"),
      ],
      { reject: false },
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    // The manifest's restart policy and GPIO allow-list reach the container's metadata.
    const main = await readFile(path.join(dir, "src/main.c"), "utf8");
    expect(main).toContain('static const char *const app1_gpio[] = {\n\t"led0",\n\t"0:13",\n};');
    expect(main).toContain("\t.restart = OCRE_RESTART_ON_FAILURE,\n");
    expect(main).toContain("\t.gpio_allow = app1_gpio,\n\t.gpio_allow_count = 2u,\n");
    expect(main.match(/\.restart = OCRE_RESTART_NO,/g)).toHaveLength(1); // reader's default
  });
});

describe.skipIf(missingTools("cc"))(
  "hostile names reach C, CMake, YAML, Kconfig and Markdown intact or sanitised",
  () => {
    const hostile = 'evil"\\name\n*/ ${HOME} ??/ ünï☃ `rm -rf` <b>|</b> -- #';
    const arg = 'quote"back\\slash\nnew*/line';
    const env = { KEY: 'va"l\\ue\n${x}', ÜBER: "ß" };
    let dir: string;

    beforeAll(async () => {
      const appDir = await tempDir("ocre-gen-hostile-");
      const spec = makeSpec({ name: hostile, args: [arg, "plain"], env, uses: ["messaging"] });
      await generateFor([spec], makeConfig(appDir), { boards: ["mps2-an521"] });
      dir = path.join(appDir, "build/mps2-an521");
    });

    it("C strings round-trip byte for byte through the compiler", async () => {
      // A host program that links the generated main.c against a reader of the metadata it
      // receives: it prints every string as hex so the test compares exact bytes.
      const reader = path.join(dir, "reader.c");
      await writeFile(
        reader,
        `#include <stdio.h>
#include <ocre/ocre.h>
static void hex(const char *s) { for (; *s; s++) printf("%02x", (unsigned char)*s); printf("\\n"); }
int ocre_init(void) { return 0; }
int ocre_container_add(const uint8_t *wasm, size_t size, const struct ocre_container_meta *m) {
	(void)wasm; (void)size; hex(m->name); hex(m->digest);
	for (uint32_t i = 0; i < m->argc; i++) hex(m->argv[i]);
	for (uint32_t i = 0; i < m->envc; i++) hex(m->envp[i]);
	printf("caps %u\\n", m->capabilities); return 0; }
int ocre_start_all(void) { return 0; }
int ocre_wait_all(void) { return 0; }
`,
      );
      const incDir = await writeIncs(dir, 1);
      const exe = path.join(dir, "host-main");
      const cc = await execa(
        "cc",
        [
          "-std=c11",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-Wtrigraphs",
          "-I",
          path.join(dir, "modules/ocre/wamr-glue/include"),
          "-I",
          incDir,
          "-o",
          exe,
          path.join(dir, "src/main.c"),
          reader,
        ],
        { reject: false },
      );
      expect(cc.stderr).toBe("");
      const run = await execa(exe);
      const toHex = (s: string) => Buffer.from(s, "utf8").toString("hex");
      const lines = run.stdout.split("\n");
      expect(lines[0]).toBe(toHex(hostile));
      // argv[0] is the image path upstream gives a container (its default working directory).
      expect(lines.slice(2, 5)).toEqual([toHex(`/lfs/ocre/images/${hostile}.wasm`), toHex(arg), toHex("plain")]);
      expect(lines.slice(5, 7)).toEqual(Object.entries(env).map(([k, v]) => toHex(`${k}=${v}`)));
      expect(lines[7]).toBe("caps 16");
    });

    it("comments stay comments and identifiers stay identifiers", async () => {
      const main = await readFile(path.join(dir, "src/main.c"), "utf8");
      // Every comment opened is closed on its own line; no user text ends one early.
      for (const line of main.split("\n").filter((l) => l.includes("/*")))
        expect(line.indexOf("*/")).toBe(line.lastIndexOf("*/"));
      expect(main).not.toContain("??/");
      const cmake = await readFile(path.join(dir, "CMakeLists.txt"), "utf8");
      expect(cmake).toMatch(/^project\(ocre_[A-Za-z0-9_]+ LANGUAGES C\)$/m);
      // User text appears in CMake only inside line comments.
      // Beyond comments and the sanitised project name, no user text reaches CMake.
      for (const line of cmake.split("\n").filter((l) => !l.startsWith("# ") && !l.startsWith("project("))) {
        expect(line).not.toMatch(/evil|HOME|rm -rf/);
      }
    });

    it("YAML and Kconfig still parse, README has no raw HTML or line breaks from the name", async () => {
      const west = parseYaml(await readFile(path.join(dir, "west.yml"), "utf8")) as {
        manifest: { projects: unknown[] };
      };
      expect(west.manifest.projects).toHaveLength(2);
      const prj = await readFile(path.join(dir, "prj.conf"), "utf8");
      for (const line of prj.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
        expect(line).toMatch(/^CONFIG_[A-Z0-9_]+=(y|n|\d+|"[^"\\]*")$/);
      }
      const readme = await readFile(path.join(dir, "README.md"), "utf8");
      const [first, ...body] = readme.split("\n");
      expect(first).toMatch(/^<!-- [^\n]* -->$/);
      expect(first!.slice(4, -3)).not.toContain("--");
      expect(body.join("\n")).not.toContain("<b>");
      const row = readme.split("\n").find((l) => l.startsWith("| 1 |"))!;
      expect(row.split(/(?<!\\)\|/).length).toBe(6);
    });
  },
);
