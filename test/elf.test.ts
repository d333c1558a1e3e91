import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseElf } from "../cli/firmware/elf.js";
import { componentOf, imageSections, measureElf } from "../cli/firmware/size.js";
import { missingTools } from "./helpers/tools.js";
import { tempDir } from "./helpers/cli.js";

// A tiny "firmware" with one symbol per component, so the split is checkable, and data in
// every kind of section (code, read-only, initialised, zeroed).
const SOURCE = `
const char banner[] = "hello from the fixture";
int counter = 5;
static int scratch[64];
unsigned char app0_wasm[100] = {0, 'a', 's', 'm'};
int wasm_runtime_init(int i) { scratch[i & 63] = i; return counter + scratch[(i + 1) & 63]; }
int ocre_init(int i) { return wasm_runtime_init(i) + banner[i & 7] + app0_wasm[i & 63]; }
int k_busy(int i) { return ocre_init(i) * 3; }
void _start(void) { k_busy(3); for (;;) { } }
`;

// FLASH/RAM regions like a Cortex-M33 board: .data is copied from flash to RAM at boot.
const LINKER_SCRIPT = `
MEMORY {
  FLASH (rx) : ORIGIN = 0x10000000, LENGTH = 64K
  RAM (rwx)  : ORIGIN = 0x38000000, LENGTH = 16K
}
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT > FLASH
  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM
}
`;

interface SizeA {
  sections: Map<string, number>;
  total: number;
}

/** `size -A`: one line per section (name, size, address) and a Total line. */
async function sizeA(tool: string, elf: string): Promise<SizeA> {
  const { stdout } = await execa(tool, ["-A", elf]);
  const sections = new Map<string, number>();
  let total = -1;
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)$/.exec(line.trim());
    if (m) sections.set(m[1]!, Number(m[2]));
    const t = /^Total\s+(\d+)$/.exec(line.trim());
    if (t) total = Number(t[1]);
  }
  return { sections, total };
}

/** Berkeley `size`: text, data, bss. */
async function sizeB(tool: string, elf: string): Promise<{ text: number; data: number; bss: number }> {
  const { stdout } = await execa(tool, [elf]);
  const [text, data, bss] = stdout.split("\n")[1]!.trim().split(/\s+/).map(Number);
  return { text: text!, data: data!, bss: bss! };
}

/** `nm -S --defined-only`: name → size of every sized symbol. */
async function nmSizes(tool: string, elf: string): Promise<Map<string, number>> {
  const { stdout } = await execa(tool, ["-S", "--defined-only", elf]);
  const sizes = new Map<string, number>();
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) \S (\S+)$/.exec(line.trim());
    if (m) sizes.set(m[3]!, parseInt(m[2]!, 16));
  }
  return sizes;
}

interface Target {
  name: string;
  gcc: string;
  size: string;
  nm: string;
  flags: string[];
  elfClass: 32 | 64;
  endian: "little" | "big";
  machine: string;
  /** Linked with FLASH/RAM regions (execute in place) rather than the toolchain's RAM layout. */
  xip: boolean;
}

const TARGETS: Target[] = [
  {
    name: "arm-none-eabi (Cortex-M33, FLASH/RAM regions)",
    gcc: "arm-none-eabi-gcc",
    size: "arm-none-eabi-size",
    nm: "arm-none-eabi-nm",
    flags: ["-mcpu=cortex-m33", "-mthumb", "-g", "-T", "LINKER", "-Wl,--print-memory-usage"],
    elfClass: 32,
    endian: "little",
    machine: "arm",
    xip: true,
  },
  {
    name: "riscv64-unknown-elf (rv32imac)",
    gcc: "riscv64-unknown-elf-gcc",
    size: "riscv64-unknown-elf-size",
    nm: "riscv64-unknown-elf-nm",
    flags: ["-march=rv32imac", "-mabi=ilp32", "-misa-spec=2.2", "-Wl,-e_start"],
    elfClass: 32,
    endian: "little",
    machine: "riscv",
    xip: false,
  },
  {
    name: "riscv64-unknown-elf (rv64, ELF64)",
    gcc: "riscv64-unknown-elf-gcc",
    size: "riscv64-unknown-elf-size",
    nm: "riscv64-unknown-elf-nm",
    flags: ["-Wl,-e_start"],
    elfClass: 64,
    endian: "little",
    machine: "riscv",
    xip: false,
  },
  {
    name: "mips-linux-gnu (big-endian)",
    gcc: "mips-linux-gnu-gcc",
    size: "mips-linux-gnu-size",
    nm: "mips-linux-gnu-nm",
    flags: ["-static", "-Wl,-e_start"],
    elfClass: 32,
    endian: "big",
    machine: "mips",
    xip: false,
  },
];

for (const target of TARGETS) {
  describe.skipIf(missingTools(target.gcc, target.size, target.nm))(`ELF size reader: ${target.name}`, () => {
    let elfPath = "";
    let linkerSummary = "";

    beforeAll(async () => {
      const dir = await tempDir("ocre-elf-");
      await writeFile(path.join(dir, "fw.c"), SOURCE);
      await writeFile(path.join(dir, "link.ld"), LINKER_SCRIPT);
      elfPath = path.join(dir, "fw.elf");
      const flags = target.flags.map((f) => (f === "LINKER" ? path.join(dir, "link.ld") : f));
      const result = await execa(target.gcc, ["-O1", "-nostdlib", "-ffreestanding", ...flags, "fw.c", "-o", elfPath], {
        cwd: dir,
      });
      linkerSummary = result.stdout;
    });

    it("reads the header: class, byte order, machine", async () => {
      const elf = parseElf(await readFile(elfPath));
      expect(elf.elfClass).toBe(target.elfClass);
      expect(elf.endian).toBe(target.endian);
      expect(elf.machineName).toBe(target.machine);
    });

    it("lists the same sections with the same sizes and total as size -A", async () => {
      const elf = parseElf(await readFile(elfPath));
      const expected = await sizeA(target.size, elfPath);
      const ours = imageSections(elf);
      expect(new Map(ours.map((s) => [s.name, s.size]))).toEqual(expected.sections);
      expect(ours.reduce((sum, s) => sum + s.size, 0)).toBe(expected.total);
    });

    it("sums flash and RAM regions to what size reports for text, data and bss", async () => {
      const report = measureElf(parseElf(await readFile(elfPath)));
      const { text, data, bss } = await sizeB(target.size, elfPath);
      expect(bss).toBeGreaterThan(0);
      expect(report.xip).toBe(target.xip);
      if (target.xip) {
        expect(report.flash.sectionBytes).toBe(text + data);
        expect(report.ram.sectionBytes).toBe(data + bss);
      } else {
        // The whole image is loaded into RAM.
        expect(report.flash.sectionBytes).toBe(0);
        expect(report.ram.sectionBytes).toBe(text + data + bss);
      }
    });

    it("reads symbols with the sizes nm prints and splits them by component", async () => {
      const elf = parseElf(await readFile(elfPath));
      const nm = await nmSizes(target.nm, elfPath);
      for (const name of ["app0_wasm", "ocre_init", "wasm_runtime_init", "k_busy", "counter", "scratch"]) {
        const sym = elf.symbols.find((s) => s.name === name);
        expect(sym?.size, name).toBe(nm.get(name));
      }
      const report = measureElf(elf);
      const region = target.xip ? report.flash : report.ram;
      const size = (name: string): number => nm.get(name) ?? 0;
      expect(region.components.container).toBe(size("app0_wasm"));
      expect(region.components.shim).toBe(size("ocre_init"));
      // scratch is static in the same file as a WAMR function but named like application data:
      // names decide, so it is Zephyr's. (Only .bss/RAM sees it.)
      expect(region.components.wamr).toBe(size("wasm_runtime_init"));
      const sum = Object.values(region.components).reduce((a, b) => a + b, 0);
      expect(sum).toBe(region.sectionBytes);
    });

    if (target.xip) {
      it("reports region use equal to the linker's memory-region summary", async () => {
        const report = measureElf(parseElf(await readFile(elfPath)), { flashBytes: 64 * 1024, ramBytes: 16 * 1024 });
        const used = (region: string): number => {
          const m = new RegExp(`${region}:\\s+(\\d+) B`).exec(linkerSummary);
          if (!m) throw new Error(`no ${region} line in:\n${linkerSummary}`);
          return Number(m[1]);
        };
        expect(report.flash.used).toBe(used("FLASH"));
        expect(report.ram.used).toBe(used("RAM"));
        expect(report.flash.start).toBe(0x10000000);
        expect(report.ram.start).toBe(0x38000000);
        expect(report.flash.total).toBe(65536);
      });
    }
  });
}

// nucleo_h743zi-like: the main RAM at 0x24000000 and Ethernet buffers in SRAM3 at 0x30040000.
const TWO_MEMORIES_SOURCE = `
int counter = 5;
static int scratch[64];
__attribute__((section(".eth_buffers"))) unsigned char eth_rx[4096];
int k_busy(int i) { scratch[i & 63] = i; eth_rx[i] = (unsigned char)i; return counter + scratch[1]; }
void _start(void) { k_busy(3); for (;;) { } }
`;
const TWO_MEMORIES_LINKER_SCRIPT = `
MEMORY {
  FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 64K
  RAM (rwx)  : ORIGIN = 0x24000000, LENGTH = 16K
  SRAM3 (rw) : ORIGIN = 0x30040000, LENGTH = 32K
}
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT > FLASH
  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM
  .eth_buffers (NOLOAD) : { *(.eth_buffers) } > SRAM3
}
`;

describe.skipIf(missingTools("arm-none-eabi-gcc", "arm-none-eabi-size"))(
  "ELF size reader: RAM spread over two memories",
  () => {
    let elfPath = "";
    let linkerSummary = "";

    beforeAll(async () => {
      const dir = await tempDir("ocre-elf-mem-");
      await writeFile(path.join(dir, "fw.c"), TWO_MEMORIES_SOURCE);
      await writeFile(path.join(dir, "link.ld"), TWO_MEMORIES_LINKER_SCRIPT);
      elfPath = path.join(dir, "fw.elf");
      const result = await execa(
        "arm-none-eabi-gcc",
        ["-O1", "-nostdlib", "-ffreestanding", "-mcpu=cortex-m7", "-mthumb", "-T", "link.ld"].concat([
          "-Wl,--print-memory-usage",
          "fw.c",
          "-o",
          elfPath,
        ]),
        { cwd: dir },
      );
      linkerSummary = result.stdout;
    });

    it("reports the main RAM as the linker does and the other memory beside it", async () => {
      const report = measureElf(parseElf(await readFile(elfPath)), { flashBytes: 65536, ramBytes: 16384 });
      const used = (region: string): number => Number(new RegExp(`${region}:\\s+(\\d+) B`).exec(linkerSummary)?.[1]);
      expect(report.ram.used).toBe(used("RAM"));
      expect(report.ram.start).toBe(0x24000000);
      expect(report.ram.elsewhere).toEqual([{ start: 0x30040000, used: 4096, sections: [".eth_buffers"] }]);
      expect(report.flash.used).toBe(used("FLASH"));
      expect(report.flash.elsewhere).toEqual([]);
      // Every RAM byte is still accounted for: size's data + bss include the buffer.
      const { data, bss } = await sizeB("arm-none-eabi-size", elfPath);
      expect(report.ram.sectionBytes).toBe(data + bss);
      const { formatSize } = await import("../cli/firmware/size-format.js");
      const lines = formatSize(report, { bars: false });
      expect(lines[1]).toMatch(new RegExp(`^RAM +\\S+ K?B \\(${used("RAM")} B\\) of 16 KB`));
      expect(lines[2]).toBe("      + 4.0 KB (4096 B) in another memory at 0x30040000: .eth_buffers");
    });
  },
);

describe("ELF reader errors", () => {
  it("rejects a file that is not ELF, naming it", () => {
    expect(() =>
      parseElf(new TextEncoder().encode("not an elf file at all, just text ".repeat(3)), "zephyr.bin"),
    ).toThrow(/zephyr\.bin is not a usable ELF file: no ELF magic/);
  });

  it("rejects a truncated ELF instead of reading past its end", async () => {
    const header = new Uint8Array(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    // e_shoff far beyond the end of the 64-byte file.
    new DataView(header.buffer).setUint32(32, 0x100000, true);
    new DataView(header.buffer).setUint16(46, 40, true);
    new DataView(header.buffer).setUint16(48, 3, true);
    expect(() => parseElf(header, "cut.elf")).toThrow(/outside the file/);
  });
});

describe("component heuristics", () => {
  it("names decide first, then source files", () => {
    expect(componentOf({ name: "app1_wasm", file: undefined })).toBe("container");
    expect(componentOf({ name: "ocre_container_add", file: undefined })).toBe("shim");
    expect(componentOf({ name: "helper", file: "ocre_timers.c" })).toBe("shim");
    expect(componentOf({ name: "ocre_verify_container", file: undefined })).toBe("crypto");
    expect(componentOf({ name: "ocre_json_balanced", file: undefined })).toBe("crypto");
    expect(componentOf({ name: "mbedtls_sha256", file: undefined })).toBe("crypto");
    expect(componentOf({ name: "u256_sub", file: "p256-m.c" })).toBe("crypto");
    expect(componentOf({ name: "app0_payload", file: undefined })).toBe("crypto");
    expect(componentOf({ name: "wasm_interp_call_func_bytecode", file: undefined })).toBe("wamr");
    expect(componentOf({ name: "helper", file: "bh_hashmap.c" })).toBe("wamr");
    expect(componentOf({ name: "z_impl_k_sleep", file: "sched.c" })).toBe("zephyr");
  });
});

describe("size report lines", () => {
  it("shows use against the board with a bar on a terminal, and the split by component", async () => {
    const { formatSize } = await import("../cli/firmware/size-format.js");
    const region = (used: number, total: number) => ({
      used,
      sectionBytes: used,
      start: 0,
      total,
      components: { zephyr: used - 1100, wamr: 1000, shim: 0, crypto: 0, container: 100, other: 0 },
      sections: [],
      elsewhere: [],
    });
    const report = {
      machine: "arm",
      elfClass: 32 as const,
      endian: "little" as const,
      xip: true,
      flash: region(2048, 8192),
      ram: region(4096, 4096),
    };
    const [flash, ram] = formatSize(report, { bars: true, width: 8 });
    expect(flash).toBe(
      "flash [██░░░░░░] 2.0 KB (2048 B) of 8.0 KB (25.0%)  [zephyr 948 B, wamr 1000 B, container 100 B]",
    );
    expect(ram).toMatch(/^RAM {3}\[████████\] 4\.0 KB \(4096 B\) of 4\.0 KB \(100\.0%\)/);
    expect(formatSize(report, { bars: false })[0]).toBe(
      "flash 2.0 KB (2048 B) of 8.0 KB (25.0%)  [zephyr 948 B, wamr 1000 B, container 100 B]",
    );
  });
});
