/**
 * Containers for the simulator tests, compiled in-process: AssemblyScript apps that speak the
 * Ocre ABI through their own `@external` declarations (the SDK is tested elsewhere), and WAT
 * modules for the fault cases where every instruction matters.
 */
import asc from "assemblyscript/asc";
import wabtInit from "wabt";

/** The `env` declarations the AS fixtures share. */
const ABI = `
@external("env", "ocre_sleep") declare function ocre_sleep(ms: i32): i32;
@external("env", "ocre_get_event") declare function ocre_get_event(t: usize, id: usize, port: usize, state: usize, extra: usize, len: usize): i32;
@external("env", "ocre_timer_create") declare function ocre_timer_create(id: i32): i32;
@external("env", "ocre_timer_start") declare function ocre_timer_start(id: i32, ms: i32, periodic: i32): i32;
@external("env", "ocre_gpio_configure_by_name") declare function ocre_gpio_configure_by_name(name: usize, dir: i32): i32;
@external("env", "ocre_gpio_toggle_by_name") declare function ocre_gpio_toggle_by_name(name: usize): i32;
@external("env", "ocre_gpio_register_callback_by_name") declare function ocre_gpio_register_callback_by_name(name: usize): i32;
@external("env", "ocre_publish_message") declare function ocre_publish_message(topic: usize, ctype: usize, payload: usize, len: i32): i32;
@external("env", "ocre_subscribe_message") declare function ocre_subscribe_message(topic: usize): i32;
@external("env", "ocre_messaging_free_module_event_data") declare function ocre_messaging_free_module_event_data(a: u32, b: u32, c: u32): i32;
@external("env", "ocre_sensors_read_by_name") declare function ocre_sensors_read_by_name(name: usize, channel: i32): f64;
@external("wasi_snapshot_preview1", "fd_write") declare function fd_write(fd: i32, iovs: usize, n: i32, written: usize): i32;
@external("wasi_snapshot_preview1", "proc_exit") declare function proc_exit(code: i32): void;

// Failed checks trap (the device has no env.abort either).
function trapOnAbort(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

// Static scratch: no allocation after start, so AssemblyScript's allocator never reaches the
// app heap the host appends at the end of the initial memory.
const EV: usize = memory.data(32);
const IOV: usize = memory.data(16);
const TXT: usize = memory.data(256);

function cstr(s: string): usize {
  const n = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, TXT, true);
  return TXT;
}
function print(s: string): void {
  const n = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, TXT, false);
  store<u32>(IOV, TXT);
  store<u32>(IOV + 4, <u32>n);
  fd_write(1, IOV, 1, IOV + 8);
}
function nextEvent(): i32 {
  return ocre_get_event(EV, EV + 4, EV + 8, EV + 12, EV + 16, EV + 20);
}
function evType(): u32 { return load<u32>(EV); }
function evId(): u32 { return load<u32>(EV + 4); }
function evPort(): u32 { return load<u32>(EV + 8); }
function evState(): u32 { return load<u32>(EV + 12); }
function evExtra(): u32 { return load<u32>(EV + 16); }
function evLen(): u32 { return load<u32>(EV + 20); }
`;

export async function compileAs(body: string): Promise<Uint8Array> {
  let wasm: Uint8Array | undefined;
  const source = `${ABI}\n${body}`;
  const errors: string[] = [];
  const { error } = await asc.main(
    [
      "app.ts",
      "--outFile",
      "app.wasm",
      "--runtime",
      "stub",
      "--exportStart",
      "_start",
      "-O2",
      "--debug",
      "--noAssert",
      "--use",
      "abort=app/trapOnAbort",
      "--disable",
      "simd,reference-types,multi-value",
    ],
    {
      readFile: (name: string) => (name === "app.ts" ? source : null),
      writeFile: (name: string, contents: Uint8Array) => {
        if (name === "app.wasm") wasm = contents;
      },
      listFiles: () => [],
      stderr: { write: (s: string | Uint8Array) => errors.push(String(s)) },
      stdout: { write: () => {} },
    } as unknown as Parameters<typeof asc.main>[1],
  );
  if (error || !wasm) throw new Error(`AssemblyScript fixture failed: ${String(error)}\n${errors.join("")}`);
  return wasm;
}

export async function compileWat(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("fixture.wat", text, { bulk_memory: true });
  mod.resolveNames();
  mod.validate();
  return mod.toBinary({ write_debug_names: true }).buffer;
}

export const HELLO = `print("hello from ocre\\n");`;

/** Toggles led0 on every expiry of periodic timer 1 (interval from argv would need WASI; fixed 1000 ms). */
export const BLINKY = `
ocre_gpio_configure_by_name(cstr("led0"), 1);
ocre_timer_create(1);
ocre_timer_start(1, 1000, 1);
while (true) {
  while (nextEvent() == 0) {
    if (evType() == 0 && evId() == 1) ocre_gpio_toggle_by_name(cstr("led0"));
  }
  ocre_sleep(10);
}`;

/** Reads temp0 every 100 ms and publishes "hot"/"cold" only when it crosses 30.0. */
export const SENSOR = `
store<u16>(TXT + 64, 0x74); // content type "t" (upstream refuses an empty one)
ocre_timer_create(1);
ocre_timer_start(1, 100, 1);
let hot = false;
while (true) {
  while (nextEvent() == 0) {
    if (evType() != 0) continue;
    const v = ocre_sensors_read_by_name(cstr("temp0"), 13);
    const now = v > 30.0;
    if (now != hot) {
      hot = now;
      const payload = hot ? "hot" : "cold";
      const n = String.UTF8.encodeUnsafe(changetype<usize>(payload), payload.length, TXT + 128, false);
      ocre_publish_message(cstr("alerts/temp"), TXT + 64, TXT + 128, <i32>n);
      print(payload + "\\n");
    }
  }
  ocre_sleep(10);
}`;

/** Publishes COUNT messages carrying 0..COUNT-1 on "data/seq", 16 per ms, retrying when the receiver is full. */
export function publisher(count: number): string {
  return `
store<u16>(TXT + 64, 0x74); // content type "t" (upstream refuses an empty one)
let i: u32 = 0;
while (i < ${count}) {
  for (let k = 0; k < 16 && i < ${count}; k++) {
    store<u32>(TXT + 128, i);
    const r = ocre_publish_message(cstr("data/seq"), TXT + 64, TXT + 128, 4);
    // Not delivered (queue full, or the subscriber not there yet): retry after a sleep.
    if (r != 0) break;
    i++;
  }
  ocre_sleep(1);
}`;
}

/** Subscribes to "data/" and checks that COUNT messages arrive in order; prints the verdict and exits. */
export function subscriber(count: number): string {
  return `
ocre_subscribe_message(cstr("data/"));
let expected: u32 = 0;
let bad: u32 = 0;
while (expected < ${count}) {
  while (nextEvent() == 0) {
    if (evType() != 3) continue;
    const got = load<u32>(evExtra());
    if (got != expected || evLen() != 4) bad++;
    expected++;
    ocre_messaging_free_module_event_data(evPort(), evState(), evExtra());
  }
  ocre_sleep(1);
}
print(bad == 0 ? "in order\\n" : "OUT OF ORDER\\n");
proc_exit(bad == 0 ? 0 : 3);`;
}

/** Uses its own timer id 1 at the given interval; prints after 5 expiries and exits. */
export function timerUser(label: string, interval: number): string {
  return `
if (ocre_timer_create(1) != 0) { print("${label}: create failed\\n"); proc_exit(2); }
ocre_timer_start(1, ${interval}, 1);
let n = 0;
while (n < 5) {
  while (nextEvent() == 0) if (evType() == 0 && evId() == 1) n++;
  ocre_sleep(1);
}
print("${label}: 5 ticks\\n");`;
}

/** Waits for two GPIO events on sw0 and prints them. */
export const BUTTON = `
ocre_gpio_configure_by_name(cstr("sw0"), 0);
ocre_gpio_register_callback_by_name(cstr("sw0"));
let n = 0;
while (n < 2) {
  while (nextEvent() == 0) {
    if (evType() == 1) {
      n++;
      print("pin " + evId().toString() + " = " + evState().toString() + "\\n");
    }
  }
  ocre_sleep(10);
}`;
