import { OcreError } from "../errors.js";

/**
 * A small ELF reader: enough of the format to measure firmware (sections, program headers,
 * symbols) without binutils. Handles ELF32 and ELF64 in either byte order (Arm and RISC-V are
 * little-endian, MIPS boards are big-endian).
 */

export type ElfClass = 32 | 64;
export type ElfEndian = "little" | "big";

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** Run-time address (VMA). */
  readonly addr: number;
  /** Load address (LMA): where the bytes sit in the image, from the covering PT_LOAD segment; equals addr otherwise. */
  readonly loadAddr: number;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly bind: number;
  readonly sectionIndex: number;
  /** Source file from the preceding STT_FILE entry (local symbols only; globals have none). */
  readonly file: string | undefined;
}

export interface ElfFile {
  readonly elfClass: ElfClass;
  readonly endian: ElfEndian;
  readonly machine: number;
  readonly machineName: string;
  readonly entry: number;
  readonly sections: readonly ElfSection[];
  readonly segments: readonly ElfSegment[];
  readonly symbols: readonly ElfSymbol[];
}

export const SHT_NOBITS = 8;
export const SHT_SYMTAB = 2;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const PT_LOAD = 1;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;

const MACHINES: Record<number, string> = {
  3: "x86",
  8: "mips",
  20: "ppc",
  40: "arm",
  62: "x86-64",
  94: "xtensa",
  183: "aarch64",
  243: "riscv",
};

function bad(file: string, what: string): OcreError {
  return new OcreError("OCRE_ELF_INVALID", `${file} is not a usable ELF file: ${what}`, {
    hint: "point at the zephyr.elf the firmware build produced (build/<board>/firmware/zephyr.elf)",
  });
}

/** Parses an ELF image. `label` names the file in errors. */
export function parseElf(bytes: Uint8Array, label = "the file"): ElfFile {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw bad(label, "no ELF magic");
  }
  if (bytes[4] !== 1 && bytes[4] !== 2) throw bad(label, `unknown ELF class ${bytes[4]}`);
  const elfClass: ElfClass = bytes[4] === 2 ? 64 : 32;
  const endian: ElfEndian = bytes[5] === 2 ? "big" : "little";
  if (bytes[5] !== 1 && bytes[5] !== 2) throw bad(label, `unknown byte order ${bytes[5]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === "little";
  const check = (offset: number, length: number, what: string): void => {
    if (offset < 0 || length < 0 || offset + length > bytes.length)
      throw bad(label, `${what} lies outside the file (truncated?)`);
  };
  const u16 = (o: number): number => view.getUint16(o, le);
  const u32 = (o: number): number => view.getUint32(o, le);
  // Addresses in 64-bit files fit in a double for every target we build (MCU and host layouts).
  const u64 = (o: number): number => Number(view.getBigUint64(o, le));
  const word = elfClass === 64 ? u64 : u32;
  const w = elfClass === 64 ? 8 : 4;

  const machine = u16(18);
  // e_entry sits at 24; the following header fields shift by the word size.
  const entry = word(24);
  const phoff = word(24 + w);
  const shoff = word(24 + 2 * w);
  const fixed = 24 + 3 * w + 4; // after e_flags
  const phentsize = u16(fixed + 2);
  const phnum = u16(fixed + 4);
  const shentsize = u16(fixed + 6);
  let shnum = u16(fixed + 8);
  let shstrndx = u16(fixed + 10);

  const segments: ElfSegment[] = [];
  if (phnum > 0) check(phoff, phnum * phentsize, "the program header table");
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push(
      elfClass === 64
        ? {
            type: u32(o),
            flags: u32(o + 4),
            offset: u64(o + 8),
            vaddr: u64(o + 16),
            paddr: u64(o + 24),
            filesz: u64(o + 32),
            memsz: u64(o + 40),
          }
        : {
            type: u32(o),
            offset: u32(o + 4),
            vaddr: u32(o + 8),
            paddr: u32(o + 12),
            filesz: u32(o + 16),
            memsz: u32(o + 20),
            flags: u32(o + 24),
          },
    );
  }

  interface RawSection {
    nameOffset: number;
    type: number;
    flags: number;
    addr: number;
    offset: number;
    size: number;
    link: number;
    align: number;
    entsize: number;
  }
  const readSection = (i: number): RawSection => {
    const o = shoff + i * shentsize;
    return elfClass === 64
      ? {
          nameOffset: u32(o),
          type: u32(o + 4),
          flags: u64(o + 8),
          addr: u64(o + 16),
          offset: u64(o + 24),
          size: u64(o + 32),
          link: u32(o + 40),
          align: u64(o + 48),
          entsize: u64(o + 56),
        }
      : {
          nameOffset: u32(o),
          type: u32(o + 4),
          flags: u32(o + 8),
          addr: u32(o + 12),
          offset: u32(o + 16),
          size: u32(o + 20),
          link: u32(o + 24),
          align: u32(o + 32),
          entsize: u32(o + 36),
        };
  };
  const raw: RawSection[] = [];
  if (shoff !== 0) {
    check(shoff, shentsize, "the section header table");
    // Files with 0xff00+ sections keep the real counts in section 0.
    const first = readSection(0);
    if (shnum === 0) shnum = first.size;
    if (shstrndx === 0xffff) shstrndx = first.link;
    check(shoff, shnum * shentsize, "the section header table");
    for (let i = 0; i < shnum; i++) raw.push(readSection(i));
  }
  const cString = (tableOffset: number, tableSize: number, at: number): string => {
    if (at >= tableSize) return "";
    let end = tableOffset + at;
    const limit = tableOffset + tableSize;
    while (end < limit && bytes[end] !== 0) end++;
    return Buffer.from(bytes.subarray(tableOffset + at, end)).toString("latin1");
  };
  const names = raw[shstrndx];
  if (names) check(names.offset, names.size, "the section name table");

  const loadSegments = segments.filter((s) => s.type === PT_LOAD);
  const sections: ElfSection[] = raw.map((s, index) => {
    const name = names ? cString(names.offset, names.size, s.nameOffset) : "";
    // The LMA comes from the PT_LOAD segment holding the section's run-time address (what
    // objdump/ld report): VMA - vaddr + paddr.
    let loadAddr = s.addr;
    if ((s.flags & SHF_ALLOC) !== 0) {
      const seg = loadSegments.find(
        (p) =>
          s.addr >= p.vaddr &&
          s.addr + s.size <= p.vaddr + p.memsz &&
          (s.type === SHT_NOBITS || (s.offset >= p.offset && s.offset + s.size <= p.offset + p.filesz)),
      );
      if (seg) loadAddr = s.addr - seg.vaddr + seg.paddr;
    }
    return {
      index,
      name,
      type: s.type,
      flags: s.flags,
      addr: s.addr,
      loadAddr,
      offset: s.offset,
      size: s.size,
      align: s.align,
    };
  });

  const symbols: ElfSymbol[] = [];
  const symtab = raw.find((s) => s.type === SHT_SYMTAB);
  if (symtab && symtab.entsize > 0) {
    check(symtab.offset, symtab.size, "the symbol table");
    const strtab = raw[symtab.link];
    if (!strtab) throw bad(label, "the symbol table has no string table");
    check(strtab.offset, strtab.size, "the symbol string table");
    const count = Math.floor(symtab.size / symtab.entsize);
    let file: string | undefined;
    for (let i = 1; i < count; i++) {
      const o = symtab.offset + i * symtab.entsize;
      const nameOffset = u32(o);
      let value: number, size: number, info: number, shndx: number;
      if (elfClass === 64) {
        info = bytes[o + 4];
        shndx = u16(o + 6);
        value = u64(o + 8);
        size = u64(o + 16);
      } else {
        value = u32(o + 4);
        size = u32(o + 8);
        info = bytes[o + 12];
        shndx = u16(o + 14);
      }
      const type = info & 0xf;
      const bind = info >> 4;
      const name = cString(strtab.offset, strtab.size, nameOffset);
      if (type === STT_FILE) {
        file = name;
        continue;
      }
      // Globals follow all locals in the table; they carry no file of their own.
      if (bind !== 0) file = undefined;
      symbols.push({
        name,
        value,
        size,
        type,
        bind,
        sectionIndex: shndx === SHN_UNDEF || shndx >= SHN_LORESERVE ? -1 : shndx,
        file,
      });
    }
  }

  return {
    elfClass,
    endian,
    machine,
    machineName: MACHINES[machine] ?? `machine-${machine}`,
    entry,
    sections,
    segments,
    symbols,
  };
}
