import {
  SHF_ALLOC,
  SHF_WRITE,
  SHT_NOBITS,
  STT_FUNC,
  STT_OBJECT,
  type ElfFile,
  type ElfSection,
  type ElfSymbol,
} from "./elf.js";

/**
 * Flash and RAM use of a firmware image, measured from its ELF alone.
 *
 * Where the bytes live, in an execute-in-place (XIP) image, recognised by initialised data whose
 * load address (LMA) differs from its run-time address (VMA), i.e. data copied at boot:
 * - flash holds every allocated section that has contents (code, read-only data, tables that
 *   are writable but never copied such as Zephyr's sw_isr_table, and the load copy of the
 *   initialised data), at its LMA;
 * - RAM holds the copied data and every section without contents (.bss, noinit), at its VMA.
 * An image whose writable data is loaded in place (qemu_riscv32, qemu_malta, host layouts) runs
 * from RAM as a whole: everything is RAM and flash use is 0 (`xip: false`).
 * "used" is the span from the lowest to the highest byte of each region, which is what the GNU
 * linker's memory-region summary prints when the first section sits at the region's origin
 * (Zephyr's layouts do): alignment padding between sections counts as used. The plain sum of
 * section sizes is reported too (`sectionBytes`).
 * Some boards place a few buffers in another memory (nucleo_h743zi: Ethernet buffers in SRAM3 at
 * 0x30040000, far from the main RAM at 0x24000000): sections more than MEMORY_GAP apart are in
 * different memories. "used" is the span of the main one, which the board's total is about (RAM:
 * the memory the initialised data is copied to, where Zephyr also puts .bss; else the one with
 * the most bytes); the others are listed in `elsewhere`; `sectionBytes` and the split cover all.
 */

export type Component = "zephyr" | "wamr" | "shim" | "crypto" | "container" | "other";
export const COMPONENTS: readonly Component[] = ["zephyr", "wamr", "shim", "crypto", "container", "other"];

export interface RegionUsage {
  /** Bytes from the region's first to its last used byte. */
  readonly used: number;
  /** Sum of the sizes of the sections placed there. */
  readonly sectionBytes: number;
  /** Lowest address used, or null when nothing is placed there. */
  readonly start: number | null;
  /** Board total in bytes, when the board says. */
  readonly total: number | null;
  /** Bytes per component (sums to `sectionBytes`). */
  readonly components: Readonly<Record<Component, number>>;
  readonly sections: readonly { name: string; address: number; size: number }[];
  /** Sections in other memories than the main one (not in `used`), one entry per memory. */
  readonly elsewhere: readonly OtherMemory[];
}

export interface OtherMemory {
  readonly start: number;
  /** Bytes from its first to its last used byte. */
  readonly used: number;
  readonly sections: readonly string[];
}

/** Sections further apart than this are in different memories (regions are MBs apart; padding is not). */
const MEMORY_GAP = 0x100000;

export interface SizeReport {
  readonly machine: string;
  readonly elfClass: 32 | 64;
  readonly endian: "little" | "big";
  /** False when the whole image runs from RAM (no flash region). */
  readonly xip: boolean;
  readonly flash: RegionUsage;
  readonly ram: RegionUsage;
}

export interface BoardMemory {
  /** Board flash size in bytes (null if unknown). */
  readonly flashBytes: number | null;
  /** Board RAM size in bytes (null if unknown). */
  readonly ramBytes: number | null;
}

/**
 * Which part of the firmware a symbol belongs to. Names first, then the source file of local
 * symbols; first match wins (documented in docs/flash-emulate.md, "Size report"):
 * - container: the embedded Wasm modules the generator writes (`app<N>_wasm`, `*_wasm_bytes`);
 * - crypto: signature checking (CONFIG_OCRE_VERIFY): mbedTLS (`mbedtls_*`, `psa_*`), p256-m
 *   (`p256_*`, and its file), the shim's verifier, its JSON scan and port crypto
 *   (`ocre_verify*`, `ocre_json_*`, `ocre_digest_text`, `ocre_trust_keys`,
 *   `ocre_der_to_p256_raw`, `ocre_port_sha256`, `ocre_port_ecdsa_*`, files `ocre_verify.c`,
 *   `ocre_json.c`, `ocre_crypto_*.c`), the embedded signatures and keys
 *   (`app<N>_{manifest,payload,sig,signature}`, `ocre_trusted_keys`);
 * - shim: `ocre_*`/`OCRE_*` names;
 * - wamr: WAMR's prefixes (`wasm_`, `aot_`, `bh_`, `os_`, `gc_`, `wamr_` — so the shim's
 *   `wamr_pool` heap pool counts as WAMR's —, `wasi_`, `ems_`, `mem_allocator`, `runtime_`,
 *   `invokeNative`, `lib_*` natives, `global_heap_buf`);
 * - then files: `ocre*.c` → shim; WAMR's `wasm_*.c`, `aot_*.c`, `bh_*.c`, `ems_*.c`,
 *   `libc_*.c`, `posix_*.c`, `zephyr_{platform,thread,time,socket,file}.c`, `invokeNative*` → wamr;
 * - zephyr: everything else that has a symbol (kernel, drivers, libc, libgcc).
 * Bytes no sized symbol covers (padding, string literals, tables the linker builds) are "other".
 */
export function componentOf(symbol: Pick<ElfSymbol, "name" | "file">): Exclude<Component, "other"> {
  const name = symbol.name;
  const file = symbol.file ?? "";
  if (/^app\d+_wasm$/.test(name) || /_wasm_(bytes|image)$/.test(name)) return "container";
  if (
    /^(mbedtls_|psa_|p256_|ocre_verify|ocre_json_|ocre_digest_text$|ocre_trust_keys$|ocre_trusted_keys$|ocre_der_to_p256_raw$|ocre_port_sha256$|ocre_port_ecdsa_)/.test(
      name,
    ) ||
    /^app\d+_(manifest|payload|sig|signature)$/.test(name) ||
    /(^|\/)(ocre_verify|ocre_json|ocre_crypto_[^/]*|p256-m[^/]*)\.c$/.test(file)
  )
    return "crypto";
  if (/^(ocre|OCRE)_/.test(name)) return "shim";
  if (
    /^(wasm_|aot_|bh_|os_|gc_|wamr_|wasi_|ems_|mem_allocator|runtime_|invokeNative|lib_(pthread|wasi|rats|export)|global_heap_buf)/.test(
      name,
    )
  )
    return "wamr";
  if (/(^|\/)ocre[^/]*\.c$/.test(file)) return "shim";
  if (
    /(^|\/)(wasm_[^/]*|aot_[^/]*|bh_[^/]*|ems_[^/]*|libc_[^/]*|posix_[^/]*|zephyr_(platform|thread|time|socket|file)|invokeNative[^/]*)\.(c|s|S)$/.test(
      file,
    )
  )
    return "wamr";
  return "zephyr";
}

const SHT_NULL = 0;
const SHT_STRTAB = 3;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHT_GROUP = 17;
const SHT_SYMTAB_SHNDX = 18;
const SHT_SYMTAB = 2;

/**
 * The sections a firmware image is made of, as binutils' `size -A` lists them: everything but
 * the ELF bookkeeping (symbol and string tables, relocations, groups) unless it is loaded.
 */
export function imageSections(elf: ElfFile): { name: string; size: number; address: number }[] {
  const bookkeeping = new Set([SHT_NULL, SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_REL, SHT_GROUP, SHT_SYMTAB_SHNDX]);
  return elf.sections
    .filter((s) => !bookkeeping.has(s.type) || (s.flags & SHF_ALLOC) !== 0)
    .filter((s) => s.index !== 0)
    .map((s) => ({ name: s.name, size: s.size, address: s.addr }));
}

function hasContents(s: ElfSection): boolean {
  return s.type !== SHT_NOBITS;
}

interface Placed {
  section: ElfSection;
  address: number;
}

function span(placed: readonly Placed[]): { start: number | null; used: number } {
  if (placed.length === 0) return { start: null, used: 0 };
  const start = Math.min(...placed.map((p) => p.address));
  const end = Math.max(...placed.map((p) => p.address + p.section.size));
  return { start, used: end - start };
}

function symbolsBySection(symbols: readonly ElfSymbol[]): Map<number, ElfSymbol[]> {
  const map = new Map<number, ElfSymbol[]>();
  for (const sym of symbols) {
    if (sym.size === 0 || (sym.type !== STT_OBJECT && sym.type !== STT_FUNC)) continue;
    const list = map.get(sym.sectionIndex);
    if (list) list.push(sym);
    else map.set(sym.sectionIndex, [sym]);
  }
  return map;
}

function componentsFor(placed: readonly Placed[], bySection: Map<number, ElfSymbol[]>): Record<Component, number> {
  const totals: Record<Component, number> = { zephyr: 0, wamr: 0, shim: 0, crypto: 0, container: 0, other: 0 };
  for (const { section } of placed) {
    const local: Record<Component, number> = { zephyr: 0, wamr: 0, shim: 0, crypto: 0, container: 0, other: 0 };
    let attributed = 0;
    // Aliases (two names, one address) would count twice: keep one symbol per address range.
    const seen = new Set<string>();
    for (const sym of bySection.get(section.index) ?? []) {
      const key = `${sym.value}:${sym.size}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bytes = Math.min(sym.size, section.size);
      local[componentOf(sym)] += bytes;
      attributed += bytes;
    }
    // Overlapping symbols can over-count: never give a section more bytes than it holds.
    const scale = attributed > section.size ? section.size / attributed : 1;
    let given = 0;
    for (const c of COMPONENTS) {
      const bytes = Math.floor(local[c] * scale);
      totals[c] += bytes;
      given += bytes;
    }
    totals.other += section.size - given;
  }
  return totals;
}

/** Address-sorted sections grouped by memory: a gap of MEMORY_GAP or more starts a new one. */
function memories(sorted: readonly Placed[]): Placed[][] {
  const groups: Placed[][] = [];
  let end = -Infinity;
  for (const p of sorted) {
    if (p.address >= end + MEMORY_GAP) groups.push([]);
    groups[groups.length - 1]!.push(p);
    end = Math.max(end, p.address + p.section.size);
  }
  return groups;
}

function usage(
  placed: Placed[],
  bySection: Map<number, ElfSymbol[]>,
  total: number | null,
  marksMain: (s: ElfSection) => boolean = () => false,
): RegionUsage {
  placed.sort((a, b) => a.address - b.address);
  const groups = memories(placed);
  const bytes = (g: readonly Placed[]): number => g.reduce((sum, p) => sum + p.section.size, 0);
  const main =
    groups.find((g) => g.some((p) => marksMain(p.section))) ??
    groups.reduce<Placed[]>((best, g) => (bytes(g) > bytes(best) ? g : best), groups[0] ?? []);
  const { start, used } = span(main);
  const components = componentsFor(placed, bySection);
  return {
    used,
    sectionBytes: bytes(placed),
    start,
    total,
    components,
    sections: placed.map((p) => ({ name: p.section.name, address: p.address, size: p.section.size })),
    elsewhere: groups
      .filter((g) => g !== main)
      .map((g) => {
        const other = span(g);
        return { start: other.start ?? 0, used: other.used, sections: g.map((p) => p.section.name) };
      }),
  };
}

/** Measures flash and RAM use of a parsed ELF against the board's totals. */
export function measureElf(elf: ElfFile, board: BoardMemory = { flashBytes: null, ramBytes: null }): SizeReport {
  const alloc = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0);
  // Initialised data that the startup code copies from flash to RAM has a load address that
  // differs from its run-time address: the mark of an execute-in-place image.
  const copied = (s: ElfSection): boolean => hasContents(s) && s.loadAddr !== s.addr;
  const writableLoaded = alloc.some((s) => hasContents(s) && (s.flags & SHF_WRITE) !== 0 && !copied(s));
  let xip = alloc.some(copied);
  if (!xip && !writableLoaded) {
    // Only code, constants and zeroed data: XIP when the two groups sit in separate memories.
    const f = span(alloc.filter(hasContents).map((section) => ({ section, address: section.loadAddr })));
    const r = span(alloc.filter((s) => !hasContents(s)).map((section) => ({ section, address: section.addr })));
    xip =
      f.start !== null &&
      r.start !== null &&
      (r.start >= f.start + f.used + 0x100000 || f.start >= r.start + r.used + 0x100000);
  }
  let flash: Placed[] = [];
  let ram: Placed[];
  if (xip) {
    // Flash: every section with contents, at its load address (writable tables that are never
    // copied, like Zephyr's sw_isr_table, stay in flash). RAM: copied data and zeroed data.
    flash = alloc.filter(hasContents).map((section) => ({ section, address: section.loadAddr }));
    ram = alloc.filter((s) => !hasContents(s) || copied(s)).map((section) => ({ section, address: section.addr }));
  } else {
    // Loaded into RAM as a whole (qemu_riscv32, a host-style layout): one memory holds everything.
    ram = alloc.map((section) => ({ section, address: section.addr }));
  }
  const bySection = symbolsBySection(elf.symbols);
  return {
    machine: elf.machineName,
    elfClass: elf.elfClass,
    endian: elf.endian,
    xip,
    flash: usage(flash, bySection, board.flashBytes),
    ram: usage(ram, bySection, board.ramBytes, xip ? copied : undefined),
  };
}
