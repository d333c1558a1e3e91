/**
 * Terminal safety: text that came from outside (image names, annotations, archive entry names,
 * registry messages, container output) is printed with every control character made visible,
 * so it can neither move the cursor, clear the screen, set the window title, hide text (bidi
 * overrides) nor fake extra lines of ocre's own output. The one helper used wherever such text
 * reaches a terminal; JSON output goes through escapeJson.
 *
 * Escaped: C0 controls (including ESC, CR and LF), DEL, C1 controls (U+0080..U+009F, where a
 * single 0x9B byte is a CSI on some terminals), the line and paragraph separators and the
 * bidirectional overrides and isolates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control character shown as an escape (`\e`, `\n`, `\x9b`, `\u202e`). */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** The same, keeping line feeds: for multi-line text from outside (a config shown by inspect). */
export function escapeLines(text: string): string {
  return text.replace(UNSAFE_KEEP_LINES, visible);
}

/**
 * JSON for stdout. JSON.stringify already escapes C0 controls, but leaves DEL, C1 controls and
 * U+2028/U+2029 raw; they are written as \uXXXX too, which parses back to the same value.
 */
export function escapeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
