/**
 * Board statuses are backed by evidence (issue 15): every "builds" or "boots-in-emulator" claim
 * names the check that showed it, the schema refuses one without, and `ocre boards` and
 * `ocre doctor` show it.
 */
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { loadCatalog } from "../cli/boards/catalog.js";
import { OcreError } from "../cli/errors.js";
import { boardsDir } from "../cli/paths.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";

describe("board evidence", () => {
  it("every builds/boots-in-emulator board names its check, a date and (for tests) an existing file", async () => {
    const catalog = await loadCatalog();
    const claimed = catalog.boards.filter((b) => b.board.status !== "generate-only");
    expect(claimed.length).toBeGreaterThan(0);
    for (const { board } of claimed) {
      expect(board.evidence, board.id).toBeDefined();
      expect(board.evidence!.date, board.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (board.evidence!.kind === "test") await access(path.join(repoRoot, board.evidence!.check));
    }
  });

  it("the schema refuses a builds status without evidence, naming the field", async () => {
    const app = await tempDir("ocre-evidence-");
    await mkdir(path.join(app, "boards"));
    const base = parseYaml(await readFile(path.join(boardsDir, "nrf52840dk.yaml"), "utf8")) as Record<string, unknown>;
    delete base.evidence;
    base.id = "my_board";
    await writeFile(path.join(app, "boards", "my_board.yaml"), stringify(base));
    const error = await loadCatalog({ appDir: app }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OcreError);
    expect(`${(error as OcreError).message}\n${((error as OcreError).details ?? []).join("\n")}`).toMatch(/evidence/);
  });

  it("ocre boards lists who showed each status; --json carries the evidence", async () => {
    const table = await runOcre(["boards"]);
    expect(table.exitCode).toBe(0);
    const header = table.stdout.split("\n")[0]!;
    expect(header).toMatch(/STATUS\s+SHOWN BY$/);
    const an521 = table.stdout.split("\n").find((l) => l.startsWith("mps2-an521"))!;
    expect(an521).toMatch(/boots-in-emulator\s+manual build \d{4}-\d{2}-\d{2}$/);
    const json = await runOcre(["boards", "--json"]);
    const boards = (JSON.parse(json.stdout) as { boards: { id: string; status: string; evidence: unknown }[] }).boards;
    for (const b of boards) expect(b.evidence === null, b.id).toBe(b.status === "generate-only");
  });

  it("ocre boards show and ocre doctor --board print the check behind the status", async () => {
    const show = await runOcre(["boards", "show", "qemu_riscv32"]);
    expect(show.stdout).toMatch(/shown by\s+manual build \d{4}-\d{2}-\d{2} \(Zephyr 3\.7\.1\): ocre build --firmware/);
    const doctor = await runOcre(["doctor", "--board", "qemu_riscv32", "--json"], { env: { PATH: "/nonexistent" } });
    const report = JSON.parse(doctor.stdout) as { boardStatus: { status: string; evidence: { kind: string } } };
    expect(report.boardStatus.status).toBe("boots-in-emulator");
    expect(report.boardStatus.evidence.kind).toBe("manual");
    const text = await runOcre(["doctor", "--board", "qemu_riscv32"], { env: { PATH: "/nonexistent" } });
    expect(text.stdout).toMatch(/board status: boots-in-emulator, shown by a manual build on \d{4}-\d{2}-\d{2}/);
  });

  it("ocre boards add drops the base board's evidence along with its status", async () => {
    const app = await tempDir("ocre-evidence-add-");
    const add = await runOcre(["boards", "add", "mine", "--from", "mps2-an521"], { cwd: app });
    expect(add.exitCode).toBe(0);
    const written = parseYaml(await readFile(path.join(app, "boards", "mine.yaml"), "utf8")) as Record<string, unknown>;
    expect(written.status).toBe("generate-only");
    expect(written.evidence).toBeUndefined();
  });
});
