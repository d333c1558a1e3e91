// Copyright (c) 2026 ocre contributors
// SPDX-License-Identifier: Apache-2.0
//
// Object sizes of the C shim's portable core per architecture at -Os (the same compile as
// test/c-cross.test.ts), against the footprint budget: shim <= 12 KiB of text on Cortex-M33.
// The WAMR glue and the Zephyr port are measured in real firmware builds (docs/shim.md).

import { TARGETS, compileTarget } from "../c/cross-compile.mjs";
import { verdict } from "./verdict.mjs";

const BUDGET_TEXT = 12 * 1024;

const rows = [];
for (const target of TARGETS) {
  const started = performance.now();
  try {
    const r = await compileTarget(target);
    rows.push({
      arch: target.id,
      text: r.total.text,
      data: r.total.data,
      bss: r.total.bss,
      "of 12 KiB": `${((r.total.text / BUDGET_TEXT) * 100).toFixed(0)}%`,
      "compile ms": Math.round(performance.now() - started),
    });
    if (target.id === "cortex-m33") {
      console.log("C shim core, Cortex-M33 -Os, per file (bytes):");
      console.table(r.files.map((f) => ({ file: f.file, text: f.text, bss: f.bss })));
    }
  } catch (err) {
    rows.push({
      arch: target.id,
      text: "n/a",
      data: "",
      bss: "",
      "of 12 KiB": String(err.shortMessage ?? err.message),
    });
  }
}
console.log("C shim core (wamr-glue/src without wamr/), -Os, all features, bytes:");
console.table(rows);
// The budget is stated for Cortex-M33 (the other architectures are printed for comparison).
const m33 = rows.find((r) => r.arch === "cortex-m33");
const ok = typeof m33?.text === "number" && m33.text <= BUDGET_TEXT;
console.log(`target: Cortex-M33 text ≤ ${BUDGET_TEXT} B: ${m33?.text ?? "not compiled"} B: ${ok ? "ok" : "MISSED"}`);
verdict(ok ? [] : [`Cortex-M33 text ${m33?.text ?? "not compiled"} B > ${BUDGET_TEXT} B`]);
