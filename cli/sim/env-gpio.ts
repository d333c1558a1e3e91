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
export function gpioImports(c: Container): HostGroup {
  const sim = c.sim;
  const gpio = sim.gpio;
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
    gpio.configure(port, pin, dir) === 0 ? 0 : -ERRNO.EINVAL;
  const set = (port: number, pin: number, level: number) =>
    gpio.set(c, sim.now(), port, pin, level) ? 0 : -ERRNO.EINVAL;
  const get = (port: number, pin: number) => gpio.get(port, pin) ?? -ERRNO.EINVAL;
  const toggle = (port: number, pin: number) => (gpio.toggle(c, sim.now(), port, pin) ? 0 : -ERRNO.EINVAL);
  const listen = (port: number, pin: number) => {
    const ok = gpio.listen(c, port, pin, true, sim.limits.maxGpioCallbacks);
    return ok === "full" ? -ERRNO.ENOMEM : ok ? 0 : -ERRNO.EINVAL;
  };
  const unlisten = (port: number, pin: number) => (gpio.listen(c, port, pin, false, 0) ? 0 : -ERRNO.EINVAL);
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
