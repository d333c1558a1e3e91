import { ERRNO } from "../abi/table.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";

/** Longest devicetree-style pin name accepted by the *_by_name calls. */
const MAX_NAME_BYTES = 63;

/**
 * ocre_gpio_*: pins by port/pin or by the board's devicetree alias ("led0"). Outputs must be
 * configured as outputs before set/toggle; callbacks need an input pin, and a change of that
 * input (from --gpio-script) queues a GPIO event (id = pin, port, state = level).
 */
/** The board aliases the "gpio" capability allows without a list (as the device: led0-3, sw0-3). */
const DEFAULT_ALIASES = /^(led|sw)[0-3]$/;

/**
 * Whether the container may use a line (the device's rule, ocre_gpio_allowed): one its
 * allow-list names (alias or "port:pin"); without a list, every line under "ocre:api" and
 * the board's led/sw aliases under "gpio".
 */
export function gpioAllowed(c: Container, port: number, pin: number): boolean {
  const names = (entry: string): boolean => {
    const m = /^(\d+):(\d+)$/.exec(entry);
    const line = m ? { port: Number(m[1]), pin: Number(m[2]) } : c.sim.gpio.resolveAlias(entry);
    return line !== undefined && line.port === port && line.pin === pin;
  };
  if (c.gpioAllow !== undefined) return c.gpioAllow.some(names);
  if (c.capabilities.includes("ocre:api")) return true;
  return c.sim.gpio.aliasNames.filter((a) => DEFAULT_ALIASES.test(a)).some(names);
}

export function gpioImports(c: Container): HostGroup {
  const sim = c.sim;
  const gpio = sim.gpio;
  /** -EINVAL for a line that cannot exist (checked by the model), -EPERM for one not allowed. */
  const allowed = (port: number, pin: number, op: () => number): number => {
    if (port >= 0 && pin >= 0 && pin <= 31 && !gpioAllowed(c, port, pin)) {
      sim.warnOnce(c, `gpio-line:${port}:${pin}`, `${c.name}: GPIO ${port}:${pin} denied: not in its gpio allow-list`);
      return -ERRNO.EPERM;
    }
    return op();
  };
  const byName = (ptr: number, op: (port: number, pin: number) => number): number => {
    const name = c.memory.cString(ptr, MAX_NAME_BYTES);
    if (name === undefined) return -ERRNO.EINVAL;
    const p = gpio.resolve(name);
    if (!p) {
      sim.warnOnce(
        c,
        `gpio-name:${name}`,
        `${c.name}: no GPIO "${name}" on board ${sim.board.id} (aliases: ${gpio.aliasNames.join(", ") || "none"})`,
      );
      return -ERRNO.ENODEV; // upstream's answer for an alias the devicetree lacks
    }
    return op(p.port, p.pin);
  };
  const configure = (port: number, pin: number, dir: number) =>
    allowed(port, pin, () => (gpio.configure(port, pin, dir) === 0 ? 0 : -ERRNO.EINVAL));
  const set = (port: number, pin: number, level: number) =>
    allowed(port, pin, () => (gpio.set(c, sim.now(), port, pin, level) ? 0 : -ERRNO.EINVAL));
  const get = (port: number, pin: number) => allowed(port, pin, () => gpio.get(port, pin) ?? -ERRNO.EINVAL);
  const toggle = (port: number, pin: number) =>
    allowed(port, pin, () => (gpio.toggle(c, sim.now(), port, pin) ? 0 : -ERRNO.EINVAL));
  const listen = (port: number, pin: number) =>
    allowed(port, pin, () => {
      const ok = gpio.listen(c, port, pin, true, sim.limits.maxGpioCallbacks);
      return ok === "full" ? -ERRNO.ENOMEM : ok ? 0 : -ERRNO.EINVAL;
    });
  const unlisten = (port: number, pin: number) =>
    allowed(port, pin, () => (gpio.listen(c, port, pin, false, 0) ? 0 : -ERRNO.EINVAL));
  return {
    ocre_gpio_init: () => 0,
    ocre_gpio_configure: configure,
    ocre_gpio_pin_set: set,
    ocre_gpio_pin_get: get,
    ocre_gpio_pin_toggle: toggle,
    ocre_gpio_register_callback: listen,
    ocre_gpio_unregister_callback: unlisten,
    ocre_gpio_configure_by_name: (name: number, dir: number) => byName(name, (port, pin) => configure(port, pin, dir)),
    ocre_gpio_set_by_name: (name: number, level: number) => byName(name, (port, pin) => set(port, pin, level)),
    ocre_gpio_get_by_name: (name: number) => byName(name, get),
    ocre_gpio_toggle_by_name: (name: number) => byName(name, toggle),
    ocre_gpio_register_callback_by_name: (name: number) => byName(name, listen),
    ocre_gpio_unregister_callback_by_name: (name: number) => byName(name, unlisten),
  };
}
