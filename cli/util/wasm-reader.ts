/**
 * A cursor over a Wasm binary: bytes, LEB128 u32s and names. The validator's section summary
 * (cli/pipeline/wasm-sections.ts) and the simulator's layout reader (cli/sim/wasm-binary.ts)
 * both walk modules with it.
 */
export class WasmReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error("unexpected end of module");
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error("LEB128 too long");
    }
  }

  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }
}
