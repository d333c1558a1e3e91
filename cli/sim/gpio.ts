import type { Board } from "./board.js";
import type { Container } from "./container.js";
import type { GpioChange } from "./types.js";

/** Ports and pins a container may address: Zephyr GPIO controllers have at most 32 pins. */
export const MAX_GPIO_PORTS = 16;
export const MAX_GPIO_PINS = 32;

interface PinState {
  readonly port: number;
  readonly pin: number;
  readonly alias: string | undefined;
  direction: "in" | "out" | undefined;
  level: 0 | 1;
  /** Containers that registered a callback on this pin (they get GPIO events). */
  readonly listeners: Set<Container>;
}

/**
 * The board's GPIO as the containers of a run share it: pins by port/pin or devicetree alias,
 * output changes recorded as they happen, inputs driven by the GPIO script.
 */
export class GpioModel {
  private readonly pins = new Map<number, PinState>();
  private readonly aliases = new Map<string, { port: number; pin: number }>();
  readonly changes: GpioChange[] = [];

  constructor(
    readonly board: Board,
    private readonly onChange: (change: GpioChange) => void,
  ) {
    for (const a of board.gpio) this.aliases.set(a.alias, { port: a.port, pin: a.pin });
  }

  get aliasNames(): string[] {
    return [...this.aliases.keys()];
  }

  /** A pin by alias ("led0") or "port.pin" ("0.5"); undefined when unknown. */
  /** The line a board alias names (not "port.pin"). */
  resolveAlias(name: string): { port: number; pin: number } | undefined {
    return this.aliases.get(name);
  }

  resolve(name: string): { port: number; pin: number } | undefined {
    const alias = this.aliases.get(name);
    if (alias) return alias;
    const m = /^(\d+)\.(\d+)$/.exec(name);
    if (m && valid(Number(m[1]), Number(m[2]))) return { port: Number(m[1]), pin: Number(m[2]) };
    return undefined;
  }

  private state(port: number, pin: number): PinState {
    const key = port * MAX_GPIO_PINS + pin;
    let s = this.pins.get(key);
    if (!s) {
      const alias = this.board.gpio.find((a) => a.port === port && a.pin === pin)?.alias;
      s = { port, pin, alias, direction: undefined, level: 0, listeners: new Set() };
      this.pins.set(key, s);
    }
    return s;
  }

  configure(port: number, pin: number, direction: number): number {
    if (!valid(port, pin) || (direction !== 0 && direction !== 1)) return -1;
    this.state(port, pin).direction = direction === 1 ? "out" : "in";
    return 0;
  }

  /** Drives an output; false when the pin is not configured as an output. */
  set(container: Container, now: number, port: number, pin: number, level: number): boolean {
    if (!valid(port, pin)) return false;
    const s = this.state(port, pin);
    if (s.direction !== "out") return false;
    this.change(s, now, container, level ? 1 : 0);
    return true;
  }

  toggle(container: Container, now: number, port: number, pin: number): boolean {
    if (!valid(port, pin)) return false;
    const s = this.state(port, pin);
    if (s.direction !== "out") return false;
    this.change(s, now, container, s.level === 1 ? 0 : 1);
    return true;
  }

  /** Level of a configured pin, or undefined. */
  get(port: number, pin: number): 0 | 1 | undefined {
    if (!valid(port, pin)) return undefined;
    const s = this.state(port, pin);
    return s.direction === undefined ? undefined : s.level;
  }

  /** Registers (or drops) a callback; "full" when the container already listens on `max` pins. */
  listen(container: Container, port: number, pin: number, on: boolean, max: number): boolean | "full" {
    if (!valid(port, pin)) return false;
    const s = this.state(port, pin);
    if (!on) return s.listeners.delete(container);
    if (s.direction !== "in") return false;
    if (s.listeners.has(container)) return true;
    let count = 0;
    for (const p of this.pins.values()) if (p.listeners.has(container)) count++;
    if (count >= max) return "full";
    s.listeners.add(container);
    return true;
  }

  /** A scripted input change: records it and returns the containers to notify. */
  drive(now: number, port: number, pin: number, level: 0 | 1): Container[] {
    const s = this.state(port, pin);
    if (s.level === level) return [];
    this.change(s, now, undefined, level);
    return [...s.listeners].filter((c) => c.alive);
  }

  private change(s: PinState, now: number, container: Container | undefined, level: 0 | 1): void {
    if (s.level === level) return;
    s.level = level;
    const change: GpioChange = {
      timeMs: now,
      container: container?.name,
      port: s.port,
      pin: s.pin,
      alias: s.alias,
      level,
    };
    this.changes.push(change);
    this.onChange(change);
  }
}

function valid(port: number, pin: number): boolean {
  return (
    Number.isInteger(port) &&
    Number.isInteger(pin) &&
    port >= 0 &&
    port < MAX_GPIO_PORTS &&
    pin >= 0 &&
    pin < MAX_GPIO_PINS
  );
}
