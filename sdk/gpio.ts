import {
  ocre_register_dispatcher,
  ocre_gpio_configure,
  ocre_gpio_configure_by_name,
  ocre_gpio_get_by_name,
  ocre_gpio_init,
  ocre_gpio_pin_get,
  ocre_gpio_pin_set,
  ocre_gpio_pin_toggle,
  ocre_gpio_register_callback,
  ocre_gpio_register_callback_by_name,
  ocre_gpio_set_by_name,
  ocre_gpio_toggle_by_name,
  ocre_gpio_unregister_callback,
  ocre_gpio_unregister_callback_by_name,
} from "./bindings/env";
import { CString } from "./cstring";
import { Extension } from "./errno";
import { countHandlers, setGpioDispatcher } from "./events";

/** Pin direction, as upstream numbers it. */
export enum Direction {
  Input = 0,
  Output = 1,
}

/** Called with the new level (0 or 1) and the port and pin that changed. */
export type GpioHandler = (level: i32, port: i32, pin: i32) => void;

// @ts-ignore: decorator
@lazy let pins: Gpio | null = null;
// @ts-ignore: decorator
@lazy let initialised = false;


/**
 * Events carry a port and a pin, never a name: a pin opened by name asks the runtime which
 * line its alias is ("ocre:gpio-line-v1:<alias>", answered (port << 16) | pin by ocre's
 * runtime and `ocre run`). Upstream's runtime answers -EINVAL: then a named pin learns its line
 * from an event only when it is the one named pin still unresolved and the event's level is
 * the level it reads now, so that two buttons watched by name are never swapped.
 */
function resolveLine(g: Gpio): void {
  const alias = g.alias;
  if (alias === null || g.port >= 0) return;
  const q = new CString(Extension.GPIO_LINE_V1 + alias);
  const line = ocre_register_dispatcher(Extension.EVENT_TYPE, q.ptr);
  if (line >= 0) {
    g.port = line >>> 16;
    g.pin = line & 0xffff;
  }
}

function dispatchGpio(port: u32, pin: u32, level: u32): void {
  let g = pins;
  while (g) {
    if (g.handler && g.port == <i32>port && g.pin == <i32>pin) break;
    g = g.next;
  }
  if (!g) {
    // Upstream's runtime: bind the one unresolved named pin whose level is the event's.
    let candidate: Gpio | null = null;
    let count = 0;
    let h = pins;
    while (h) {
      if (h.handler && h.port < 0 && h.get() == <i32>level) {
        count++;
        candidate = h;
      }
      h = h.next;
    }
    if (count == 1 && candidate) {
      candidate.port = <i32>port;
      candidate.pin = <i32>pin;
      g = candidate;
    }
  }
  if (g) {
    const f = g.handler;
    if (f) f(<i32>level, g.port, g.pin);
  }
}

/**
 * A GPIO pin, by port and pin number or by devicetree name (an alias such as "led0" or "sw0").
 *
 *     const led = Gpio.byName("led0");
 *     led.configure(Direction.Output);
 *     led.toggle();
 */
export class Gpio {
  /** Port index, or -1 for a pin opened by name whose port is not known yet. */
  port: i32;
  /** Pin number in its port, or -1 (see port). */
  pin: i32;
  /** The devicetree name as a C string, or null for a numbered pin. */
  readonly name: CString | null;
  /** @internal */ handler: GpioHandler | null = null;
  /** @internal The devicetree name, for pins opened by name. */ alias: string | null = null;
  /** @internal */ next: Gpio | null = null;

  constructor(port: i32, pin: i32, name: CString | null) {
    if (!initialised) {
      ocre_gpio_init();
      initialised = true;
    }
    this.port = port;
    this.pin = pin;
    this.name = name;
  }

  /** The pin `pin` of port `port`. */
  static at(port: i32, pin: i32): Gpio {
    return new Gpio(port, pin, null);
  }

  /** The pin the board's devicetree calls `name` (e.g. "led0"); the name is encoded once. */
  static byName(name: string): Gpio {
    const g = new Gpio(-1, -1, new CString(name));
    g.alias = name;
    return g;
  }

  configure(direction: Direction): i32 {
    const name = this.name;
    return name ? ocre_gpio_configure_by_name(name.ptr, direction) : ocre_gpio_configure(this.port, this.pin, direction);
  }

  /** Drives an output pin high (true) or low (false). */
  set(high: bool): i32 {
    const name = this.name;
    return name ? ocre_gpio_set_by_name(name.ptr, high ? 1 : 0) : ocre_gpio_pin_set(this.port, this.pin, high ? 1 : 0);
  }

  /** The pin's level (0 or 1), or a negative errno. */
  get(): i32 {
    const name = this.name;
    return name ? ocre_gpio_get_by_name(name.ptr) : ocre_gpio_pin_get(this.port, this.pin);
  }

  toggle(): i32 {
    const name = this.name;
    return name ? ocre_gpio_toggle_by_name(name.ptr) : ocre_gpio_pin_toggle(this.port, this.pin);
  }

  /** Calls `handler` from the event loop whenever the (input) pin changes. */
  onChange(handler: GpioHandler): i32 {
    const name = this.name;
    const rc = name ? ocre_gpio_register_callback_by_name(name.ptr) : ocre_gpio_register_callback(this.port, this.pin);
    if (rc < 0) return rc;
    resolveLine(this);
    if (!this.handler) {
      countHandlers(1);
      this.next = pins;
      pins = this;
      setGpioDispatcher(dispatchGpio);
    }
    this.handler = handler;
    return rc;
  }

  /** Stops calling the onChange handler. */
  removeHandler(): i32 {
    if (!this.handler) return 0;
    this.handler = null;
    countHandlers(-1);
    if (pins === this) {
      pins = this.next;
    } else {
      let g = pins;
      while (g) {
        if (g.next === this) {
          g.next = this.next;
          break;
        }
        g = g.next;
      }
    }
    const name = this.name;
    return name ? ocre_gpio_unregister_callback_by_name(name.ptr) : ocre_gpio_unregister_callback(this.port, this.pin);
  }
}
