/**
 * The SDK's behaviour, run in Node against a tiny hand-written host: console output, the event
 * loop dispatching timer, GPIO and message events, message copies always freed, and the app-heap
 * reservation that keeps AssemblyScript's allocator out of WAMR's app heap (upstream defect 1).
 */
import { describe, expect, it } from "vitest";
import path from "node:path";
import { withMemoryLimits, readLayout } from "../cli/sim/wasm-binary.js";
import { scaffold } from "../cli/scaffold/scaffold.js";
import { tempDir } from "./helpers/cli.js";
import { StopContainer, TinyHost, compileApp, readCString, writeFixtureApp } from "./sdk-helpers.js";

const PAGE = 65536;
const ENOMSG = -42;

/** Scaffolds a template into a temp dir and compiles one of its apps. */
async function buildTemplate(template: string, app = ""): Promise<Uint8Array> {
  const dir = path.join(await tempDir("ocre-sdk-tpl-"), "app");
  await scaffold({ dir, template });
  return compileApp(path.join(dir, app));
}

/**
 * What WAMR does when it instantiates a module with an app heap and no exported __heap_base:
 * appends ceil(heap/64K) pages to the initial (and maximum) memory and keeps its heap there.
 * Returns the patched module and the heap's [start, end) (WAMR leaves the last 1 KiB unused).
 */
function withWamrAppHeap(bytes: Uint8Array, heapPages = 1): { bytes: Uint8Array; start: number; end: number } {
  const mem = readLayout(bytes).memory!;
  const patched = withMemoryLimits(bytes, mem.initial + heapPages, (mem.maximum ?? mem.initial) + heapPages);
  return { bytes: patched, start: mem.initial * PAGE, end: (mem.initial + heapPages) * PAGE - 1024 };
}

/**
 * An event source for ocre_get_event: each entry is [type, id, port, state, extra, len]; an empty
 * entry returns 0 without writing anything (what upstream does for a sensor event).
 */
function eventQueue(host: TinyHost, events: number[][]): (...addrs: number[]) => number {
  return (...addrs: number[]) => {
    const next = events.shift();
    if (next === undefined) return ENOMSG;
    if (next.length === 0) return 0;
    const view = new DataView(host.memory.buffer);
    next.forEach((value, i) => view.setUint32(addrs[i]!, value >>> 0, true));
    return 0;
  };
}

const stopWhenIdle = (): number => {
  throw new StopContainer("idle");
};

describe("console", () => {
  it("hello prints its greeting on stdout through fd_write", async () => {
    const host = new TinyHost();
    host.run(await host.start(await buildTemplate("hello")));
    expect(host.output.get(1)).toBe("Hello from an ocre container!\n");
    expect(host.output.get(2)).toBeUndefined();
  });

  it("encodes non-ASCII text as UTF-8 and splits long lines without losing bytes", async () => {
    const text = `héllo ✓ 😀 ${"x".repeat(1500)} end`;
    const dir = await writeFixtureApp(
      `import { console } from "ocre";\nconsole.log(${JSON.stringify(text)});\nconsole.error("bad");\n`,
    );
    const host = new TinyHost();
    host.run(await host.start(await compileApp(dir)));
    expect(host.output.get(1)).toBe(`${text}\n`);
    expect(host.output.get(2)).toBe("bad\n");
  });
});

describe("TextBuffer", () => {
  it("formats integers, fixed-point numbers and raw bytes, cutting off what does not fit", async () => {
    const dir = await writeFixtureApp(
      [
        `import { console, CString, TextBuffer } from "ocre";`,
        `const t = new TextBuffer(200);`,
        `t.addInt(0).add(" ").addInt(-42).add(" ").addInt(i64.MIN_VALUE).add(" ").addInt(i64.MAX_VALUE);`,
        `console.logText(t);`,
        `const c = new CString("tópic");`,
        `console.logText(t.clear().addCString(c.ptr).add("|").addBytes(c.ptr, 1).add("|✓"));`,
        `t.clear().addFixed(30.0, 1).add(" ").addFixed(-2.345, 2).add(" ").addFixed(0.05, 2).add(" ");`,
        `t.addFixed(-0.004, 2).add(" ").addFixed(1.5, 0).add(" ").addFixed(123.456, 5).add(" ");`,
        `console.errorText(t.addFixed(NaN, 1).add(" ").addFixed(-Infinity, 1));`,
        `const small = new TextBuffer(6);`,
        `console.logText(small.add("abcd").addInt(12345).add("é").add("x").add("yz"));`,
        `console.logText(small.clear().addFixed(3.14159, 3).addBytes(c.ptr, 5));`,
      ].join("\n") + "\n",
    );
    const host = new TinyHost();
    host.run(await host.start(await compileApp(dir)));
    expect(host.output.get(1)).toBe(
      [
        "0 -42 -9223372036854775808 9223372036854775807",
        "tópic|t|✓",
        "abcdé", // 12345 does not fit whole, "é" does (6 bytes), then nothing more
        "3.142t",
        "",
      ].join("\n"),
    );
    expect(host.output.get(2)).toBe("30.0 -2.35 0.05 0.00 2 123.45600 NaN -Infinity\n");
  });
});

describe("app heap reservation", () => {
  // Allocates ~96 KiB in many objects and fills each, as an app's garbage would.
  const CHURN = `
import { console } from "ocre";
export function churn(n: i32): void {
  for (let i = 0; i < n; i++) {
    const a = new Uint8Array(384);
    a.fill(0xee);
  }
}
export function allocate(n: i32): usize { return heap.alloc(n); }
console.log("up");
`;

  for (const runtime of ["stub", "incremental"] as const) {
    it(`keeps the ${runtime} runtime's allocations out of WAMR's app heap`, async () => {
      const dir = await writeFixtureApp(CHURN, { runtime, maxPages: 8 });
      const wamr = withWamrAppHeap(await compileApp(dir));
      const host = new TinyHost();
      const instance = await host.start(wamr.bytes);
      // The host's heap bookkeeping and message copies: a pattern that must survive.
      new Uint8Array(host.memory.buffer, wamr.start, wamr.end - wamr.start).fill(0xa5);
      const pagesAtStart = host.memory.buffer.byteLength / PAGE;

      host.run(instance);
      expect(host.output.get(1)).toBe("up\n");
      // Reserving is not allocating: the memory did not grow at startup.
      expect(host.memory.buffer.byteLength / PAGE).toBe(pagesAtStart);
      (instance.exports.churn as (n: number) => void)(256);
      const next = (instance.exports.allocate as (n: number) => number)(16);

      const heapBytes = new Uint8Array(host.memory.buffer, wamr.start, wamr.end - wamr.start);
      expect(heapBytes.every((b) => b === 0xa5)).toBe(true);
      expect(next).toBeGreaterThanOrEqual(wamr.end);
      expect(host.memory.buffer.byteLength / PAGE).toBeGreaterThan(pagesAtStart);
    });
  }
});

describe("event loop", () => {
  it("blinky creates a periodic timer and toggles led0 on each tick", async () => {
    const events: number[][] = [];
    const host: TinyHost = new TinyHost({
      ocre_timer_create: (id) => {
        // Upstream shares timer ids between containers: another container holds id 1.
        if (id === 1) return -16;
        events.push([0, id, 0, 0, 0, 0], [0, 99, 0, 0, 0, 0], [0, id, 0, 0, 0, 0], [0, id, 0, 0, 0, 0]);
        return 0;
      },
      ocre_get_event: (...a) => eventQueue(host, events)(...a),
      ocre_sleep: stopWhenIdle,
    });
    host.run(await host.start(await buildTemplate("blinky")));

    const [configure] = host.callsOf("ocre_gpio_configure_by_name");
    expect(readCString(host.memory, configure!.args[0]!)).toBe("led0");
    expect(configure!.args[1]).toBe(1);
    expect(host.callsOf("ocre_timer_create").map((c) => c.args[0])).toEqual([1, 2]);
    expect(host.callsOf("ocre_timer_start").map((c) => c.args)).toEqual([[2, 500, 1]]);
    const toggles = host.callsOf("ocre_gpio_toggle_by_name");
    expect(toggles).toHaveLength(3);
    expect(toggles.map((c) => readCString(host.memory, c.args[0]!))).toEqual(["led0", "led0", "led0"]);
    // The name is encoded once, not per call.
    expect(new Set(toggles.map((c) => c.args[0])).size).toBe(1);
    expect(host.output.get(1)).toBe("blinky: toggling led0\n");
  });

  it("dispatches GPIO events to the pin that changed, named pins learning their port and pin", async () => {
    const dir = await writeFixtureApp(`
import { console, Gpio, run } from "ocre";
Gpio.at(0, 13).onChange((level: i32, port: i32, pin: i32): void => {
  console.log("button " + level.toString() + " " + port.toString() + "/" + pin.toString());
});
Gpio.byName("sw0").onChange((level: i32, port: i32, pin: i32): void => {
  console.log("sw0 " + level.toString() + " " + port.toString() + "/" + pin.toString());
});
run();
`);
    const events = [
      [1, 13, 0, 1, 0, 0],
      [1, 4, 1, 1, 0, 0],
      [1, 13, 0, 0, 0, 0],
      [1, 4, 1, 0, 0, 0],
    ];
    const host: TinyHost = new TinyHost({
      ocre_get_event: (...a) => eventQueue(host, events)(...a),
      ocre_sleep: stopWhenIdle,
      // ocre's runtime names sw0's line (port 1, pin 4); other extensions: as upstream, -EINVAL.
      ocre_register_dispatcher: (_type, name) =>
        readCString(host.memory, name!) === "ocre:gpio-line-v1:sw0" ? (1 << 16) | 4 : -22,
    });
    host.run(await host.start(await compileApp(dir)));
    expect(host.output.get(1)).toBe(["button 1 0/13", "sw0 1 1/4", "button 0 0/13", "sw0 0 1/4", ""].join("\n"));
    expect(readCString(host.memory, host.callsOf("ocre_gpio_register_callback_by_name")[0]!.args[0]!)).toBe("sw0");
    expect(host.callsOf("ocre_gpio_register_callback")[0]!.args).toEqual([0, 13]);
  });

  it("run() returns at once when no handler is registered", async () => {
    const dir = await writeFixtureApp(`import { console, run } from "ocre";\nrun();\nconsole.log("done");\n`);
    const host = new TinyHost({ ocre_sleep: stopWhenIdle });
    host.run(await host.start(await compileApp(dir)));
    expect(host.output.get(1)).toBe("done\n");
  });
});

describe("messages", () => {
  it("the subscriber prints matching messages and frees every copy exactly once", async () => {
    const wamr = withWamrAppHeap(await buildTemplate("pubsub", "subscriber"));
    const events: number[][] = [];
    const copies: number[] = [];
    const host: TinyHost = new TinyHost({
      ocre_get_event: (...a) => eventQueue(host, events)(...a),
      ocre_sleep: stopWhenIdle,
    });
    const instance = await host.start(wamr.bytes);
    // Place copies the way the runtime does: in the app heap, then queue the event.
    let at = wamr.start;
    const place = (text: string): number => {
      const bytes = new TextEncoder().encode(`${text}\0`);
      new Uint8Array(host.memory.buffer, at, bytes.length).set(bytes);
      const addr = at;
      at += (bytes.length + 7) & ~7;
      copies.push(addr);
      return addr;
    };
    const deliver = (id: number, topic: string, payload: string): void => {
      const t = place(topic);
      const ct = place("text/plain");
      const p = place(payload);
      events.push([3, id, t, ct, p, new TextEncoder().encode(payload).length]);
    };
    deliver(1, "demo/counter", "1");
    events.push([]);
    deliver(2, "other/topic", "ignored");
    deliver(3, "demo/counter", "2 ✓");
    host.run(instance);

    expect(readCString(host.memory, host.callsOf("ocre_subscribe_message")[0]!.args[0]!)).toBe("demo/");
    expect(host.output.get(1)).toBe("demo/counter = 1\ndemo/counter = 2 ✓\n");
    const freed = host.callsOf("ocre_messaging_free_module_event_data").flatMap((c) => c.args);
    expect(freed).toEqual(copies);
  });

  it("the publisher publishes its counter as text and tolerates -ENOENT", async () => {
    const events: number[][] = [];
    const published: string[] = [];
    const host: TinyHost = new TinyHost({
      ocre_timer_create: (id) => {
        events.push([0, id, 0, 0, 0, 0], [0, id, 0, 0, 0, 0]);
        return 0;
      },
      ocre_get_event: (...a) => eventQueue(host, events)(...a),
      ocre_sleep: stopWhenIdle,
      ocre_publish_message: (topic, contentType, payload, len) => {
        const text = new TextDecoder().decode(new Uint8Array(host.memory.buffer, payload!, len!));
        published.push(`${readCString(host.memory, topic!)} ${readCString(host.memory, contentType!)} ${text}`);
        return published.length === 1 ? -2 : 0;
      },
    });
    host.run(await host.start(await buildTemplate("pubsub", "publisher")));
    expect(published).toEqual(["demo/counter text/plain 1", "demo/counter text/plain 2"]);
    expect(host.output.get(2)).toBeUndefined();
  });

  it("the sensor app publishes the moving average once per threshold crossing", async () => {
    // -22 is an error (-EINVAL) and must not enter the average.
    const readings = [25, -22, 40, 40, 40, 0, 0, 0, 0, 0, 0, 0, 0, 90];
    const events: number[][] = [];
    const published: string[] = [];
    const host: TinyHost = new TinyHost({
      ocre_sensors_discover: () => 1,
      ocre_sensors_get_channel_type: (id, index) => (id === 0 && index === 0 ? 13 : -22),
      ocre_timer_create: (id) => {
        for (let i = 0; i < readings.length; i++) events.push([0, id, 0, 0, 0, 0]);
        return 0;
      },
      ocre_sensors_read: () => readings.shift() ?? 0,
      ocre_get_event: (...a) => eventQueue(host, events)(...a),
      ocre_sleep: stopWhenIdle,
      ocre_publish_message: (topic, _ct, payload, len) => {
        published.push(
          `${readCString(host.memory, topic!)} ${new TextDecoder().decode(new Uint8Array(host.memory.buffer, payload!, len!))}`,
        );
        return 0;
      },
    });
    host.run(await host.start(await buildTemplate("sensor")));
    // 25,40 -> 32.5 (crosses); stays above; falls below after the zeros; 90 -> (0*7+90)/8 = 11.25 stays below.
    expect(published).toEqual(["sensors/temperature/alert 32.5"]);
    expect(host.output.get(1)).toBe(
      [
        "sensor: watching sensor 0, alert above 30.0",
        "sensor: average 32.5 above threshold, alert published",
        "sensor: back below threshold",
        "",
      ].join("\n"),
    );
    expect(new Set(host.callsOf("ocre_sensors_read").map((c) => c.args.join(",")))).toEqual(new Set(["0,13"]));
  });
});
