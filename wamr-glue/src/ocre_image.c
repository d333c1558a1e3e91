/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What an installed image asks of the firmware (ocre_image.h). Everything read here came from
 * outside: the manifest is signed, but the signature says who made it, not that it is sane, so
 * every count and length is bounded, strings carrying a NUL are refused, and nothing points
 * outside the buffers given. The annotations are read as `ocre package` writes them
 * (cli/oci/render.ts): io.ocre.args a JSON array of strings and io.ocre.env a JSON object of
 * strings, each inside a JSON string; io.ocre.gpio a comma-separated list.
 */

#include <stdio.h>
#include <string.h>

#include "ocre_image.h"
#include "ocre_internal.h"
#include "ocre_json.h"

/* A refusal's reason when it names something from the image (see ocre_image.h). */
static char reason[224];

static const char *say(const char *fmt, const char *a, const char *b)
{
	(void)snprintf(reason, sizeof(reason), fmt, a, b);
	return reason;
}

/* ---- features: what a capability or an import needs the firmware to be built with ------- */

struct feature {
	uint32_t cap;
	const char *name;
	const char *kconfig;
	bool built;
};

static const struct feature features[] = {
	{OCRE_CAP_TIMERS, "timers", "CONFIG_OCRE_TIMERS", OCRE_HAS_TIMERS},
	{OCRE_CAP_GPIO, "gpio", "CONFIG_OCRE_GPIO", OCRE_HAS_GPIO},
	{OCRE_CAP_SENSORS, "sensors", "CONFIG_OCRE_SENSORS", OCRE_HAS_SENSORS},
	{OCRE_CAP_MESSAGING, "messaging", "CONFIG_OCRE_MESSAGING", OCRE_HAS_MESSAGING},
	{OCRE_CAP_NETWORKING, "networking", "CONFIG_OCRE_WASI_FULL", OCRE_HAS_WASI_FULL},
	{OCRE_CAP_FILESYSTEM, "filesystem", "CONFIG_OCRE_WASI_FS", OCRE_HAS_WASI_FS},
};

static const struct feature gpio_events = {OCRE_CAP_GPIO, "gpio edge events",
					   "CONFIG_OCRE_GPIO_EVENTS", OCRE_HAS_GPIO_EVENTS};

static const struct feature *feature_of(uint32_t cap)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		if (features[i].cap == cap) {
			return &features[i];
		}
	}
	return NULL;
}

static const char *missing(const struct feature *f, const char *what)
{
	(void)snprintf(reason, sizeof(reason),
		       "needs %s (%s); this firmware was built without %s", /* fits a log line */
		       f->name, what, f->kconfig);
	return reason;
}

/* ---- JSON inside a JSON string ----------------------------------------------------------- */

/*
 * The characters after a backslash: one escape decoded to UTF-8 into out. Returns its length,
 * 0 for \u0000 (a NUL, refused by the callers), -1 when malformed. get returns the next
 * character or -1.
 */
static int hex4(int (*get)(void *), void *ctx, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = get(ctx);
		uint32_t d;

		if (c >= '0' && c <= '9') {
			d = (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			d = (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			d = (uint32_t)(c - 'A' + 10);
		} else {
			return -1;
		}
		*v = (*v << 4) | d;
	}
	return 0;
}

static int unescape(int (*get)(void *), void *ctx, uint8_t out[4])
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	int c = get(ctx);
	uint32_t cp;

	if (c < 0) {
		return -1;
	}
	if (c != 'u') {
		const char *at = c != 0 ? strchr(from, c) : NULL;

		if (at == NULL) {
			return -1;
		}
		out[0] = (uint8_t)to[at - from];
		return 1;
	}
	if (hex4(get, ctx, &cp) != 0 || (cp >= 0xdc00 && cp <= 0xdfff)) {
		return -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		uint32_t lo;

		if (get(ctx) != '\\' || get(ctx) != 'u' || hex4(get, ctx, &lo) != 0 || lo < 0xdc00 ||
		    lo > 0xdfff) {
			return -1;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0) {
		return 0;
	}
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The value of one annotation, a JSON string in the manifest, read character by character
 * with its escapes decoded, and looked at as JSON text in turn (one character of look-ahead).
 */
struct text {
	const uint8_t *buf;
	size_t at, end;
	uint8_t pending[4];
	int npending, ipending;
	int peeked; /* -2: none */
	bool closed; /* the closing quote was reached */
	const char *err;
};

static int raw(void *ctx)
{
	struct text *t = ctx;

	return t->at < t->end ? t->buf[t->at++] : -1;
}

/* The value's next character, or -1 at its closing quote (or on an error, with t->err). */
static int decoded(struct text *t)
{
	if (t->ipending < t->npending) {
		return t->pending[t->ipending++];
	}
	if (t->closed || t->err != NULL) {
		return -1;
	}
	if (t->at >= t->end) {
		t->err = "is not a terminated JSON string";
		return -1;
	}
	uint8_t c = t->buf[t->at++];

	if (c == '"') {
		t->closed = true;
		return -1;
	}
	if (c < 0x20) {
		t->err = "holds a control character";
		return -1;
	}
	if (c != '\\') {
		return c;
	}
	int n = unescape(raw, t, t->pending);

	if (n <= 0) {
		t->err = n == 0 ? "holds a NUL character" : "holds a malformed escape";
		return -1;
	}
	t->npending = n;
	t->ipending = 1;
	return t->pending[0];
}

static int peek(struct text *t)
{
	if (t->peeked == -2) {
		t->peeked = decoded(t);
	}
	return t->peeked;
}

static int next(void *ctx)
{
	struct text *t = ctx;
	int c = peek(t);

	t->peeked = -2;
	return c;
}

static void skip_space(struct text *t)
{
	for (int c = peek(t); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(t)) {
		(void)next(t);
	}
}

static bool expect(struct text *t, int c)
{
	skip_space(t);
	if (next(t) != c) {
		t->err = t->err != NULL ? t->err : "is not the JSON expected";
		return false;
	}
	return true;
}

/* Opens annotation `key` of m[0..n); false when it is absent. */
static bool open_annotation(struct text *t, const uint8_t *m, size_t n, const char *key)
{
	char needle[48];

	(void)snprintf(needle, sizeof(needle), "\"%s\":\"", key);
	long at = ocre_json_find(m, n, needle);

	*t = (struct text){.buf = m, .end = n, .peeked = -2};
	if (at < 0) {
		return false;
	}
	t->at = (size_t)at + strlen(needle);
	return true;
}

/*
 * Where strings go: counted only (base NULL), or copied to base[used..] (NUL-terminated) with
 * their start recorded in ptrs[count].
 */
struct sink {
	const char **ptrs;
	uint32_t max;
	uint32_t count;
	char *base;
	size_t cap; /* bytes at base */
	size_t used;
	bool over;  /* more than cap was put (the image changed between two reads) */
};

static void put(struct sink *s, const uint8_t *b, size_t len)
{
	if (s->base != NULL) {
		if (s->used + len > s->cap) {
			s->over = true;
			return;
		}
		memcpy(s->base + s->used, b, len);
	}
	s->used += len;
}

/* Starts a string (its pointer) when count allows; false when there are too many. */
static bool begin_string(struct sink *s)
{
	if (s->count >= s->max) {
		return false;
	}
	if (s->ptrs != NULL) {
		s->ptrs[s->count] = s->base + s->used;
	}
	s->count++;
	return true;
}

static void end_string(struct sink *s)
{
	static const uint8_t nul;

	put(s, &nul, 1);
}

static bool env_key_char(uint8_t c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * A JSON string of the annotation's text (after its opening quote) appended to the sink; an
 * environment variable's name (env_key) as ocre.yaml allows it: [A-Za-z_][A-Za-z0-9_]*, so
 * never with a '=' in it.
 */
static bool json_string(struct text *t, struct sink *s, bool env_key, size_t *len)
{
	*len = 0;
	for (;;) {
		int c = next(t);
		uint8_t u[4];
		int k = 1;

		if (c < 0x20) {
			t->err = t->err != NULL ? t->err : "holds a malformed string";
			return false;
		}
		if (c == '"') {
			return true;
		}
		if (c == '\\') {
			k = unescape(next, t, u);
			if (k <= 0) {
				t->err = k == 0 ? "holds a NUL character" : "holds a malformed escape";
				return false;
			}
		} else {
			u[0] = (uint8_t)c;
		}
		if (env_key && (k != 1 || !env_key_char(u[0], *len == 0))) {
			t->err = "holds a variable name that is not [A-Za-z_][A-Za-z0-9_]*";
			return false;
		}
		if (*len + (size_t)k > OCRE_IMAGE_MAX_STRING) {
			t->err = "holds a string longer than the firmware's limit";
			return false;
		}
		put(s, u, (size_t)k);
		*len += (size_t)k;
	}
}

static bool closed(struct text *t)
{
	skip_space(t);
	if (next(t) != -1 || !t->closed) {
		t->err = t->err != NULL ? t->err : "has text after its JSON value";
		return false;
	}
	return true;
}

/* An element of io.ocre.args, after its opening quote. */
static bool arg_entry(struct text *t, struct sink *s)
{
	size_t len;

	return json_string(t, s, false, &len);
}

/* An entry of io.ocre.env, after its key's opening quote: it becomes "KEY=VALUE". */
static bool env_entry(struct text *t, struct sink *s)
{
	static const uint8_t eq = '=';
	size_t len;
	size_t vlen;

	if (!json_string(t, s, true, &len)) {
		return false;
	}
	if (len == 0) {
		t->err = "holds a variable name that is not [A-Za-z_][A-Za-z0-9_]*";
		return false;
	}
	put(s, &eq, 1);
	if (!expect(t, ':') || !expect(t, '"') || !json_string(t, s, false, &vlen)) {
		return false;
	}
	if (len + 1 + vlen > OCRE_IMAGE_MAX_STRING) {
		t->err = "holds a string longer than the firmware's limit";
		return false;
	}
	return true;
}

/*
 * A JSON array ('[') or object ('{') whose entries start with a string: each entry, read by
 * `entry` from after its opening quote, becomes one NUL-terminated string of the sink.
 */
static bool read_strings(struct text *t, struct sink *s, char open,
			 bool (*entry)(struct text *, struct sink *), const char *too_many,
			 const char *not_this)
{
	char close = open == '[' ? ']' : '}';

	if (!expect(t, open)) {
		return false;
	}
	skip_space(t);
	if (peek(t) == close) {
		(void)next(t);
		return closed(t);
	}
	for (;;) {
		if (!expect(t, '"')) {
			return false;
		}
		if (!begin_string(s)) {
			t->err = too_many;
			return false;
		}
		if (!entry(t, s)) {
			return false;
		}
		end_string(s);
		skip_space(t);
		int c = next(t);

		if (c == close) {
			return closed(t);
		}
		if (c != ',') {
			t->err = t->err != NULL ? t->err : not_this;
			return false;
		}
	}
}

/* io.ocre.args: a JSON array of strings. */
static bool read_args(struct text *t, struct sink *s)
{
	return read_strings(t, s, '[', arg_entry, "holds more arguments than the firmware's limit",
			    "is not a JSON array of strings");
}

/* io.ocre.env: a JSON object of strings, each entry becoming "KEY=VALUE". */
static bool read_env(struct text *t, struct sink *s)
{
	return read_strings(t, s, '{', env_entry, "holds more variables than the firmware's limit",
			    "is not a JSON object of strings");
}

/*
 * A GPIO line as ocre.yaml allows it (an alias [a-z][a-z0-9_]{0,62}, or "port:pin" with up to
 * 3 and 2 digits) that this board has: an alias its devicetree defines, a pin its controller
 * has. The entry is line[0..len).
 */
static bool gpio_line_ok(const char *line, size_t len)
{
	uint32_t port = 0, pin = 0;
	const char *colon = memchr(line, ':', len);

	if (len == 0) {
		return false;
	}
	if (colon == NULL) {
		if (len > 63 || line[0] < 'a' || line[0] > 'z') {
			return false;
		}
		for (size_t i = 1; i < len; i++) {
			char c = line[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
				return false;
			}
		}
		return ocre_port_gpio_lookup(line, &port, &pin) == 0;
	}
	size_t pd = (size_t)(colon - line);
	size_t nd = len - pd - 1;

	if (pd == 0 || pd > 3 || nd == 0 || nd > 2) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (i == pd) {
			continue;
		}
		if (line[i] < '0' || line[i] > '9') {
			return false;
		}
		if (i < pd) {
			port = port * 10u + (uint32_t)(line[i] - '0');
		} else {
			pin = pin * 10u + (uint32_t)(line[i] - '0');
		}
	}
	return ocre_port_gpio_exists(port, pin);
}

/* read_gpio's error for a line the board does not have (the line is copied to `bad`). */
static const char not_on_board[] = "names a line this board does not have";

/* io.ocre.gpio: "led0,0:13". Each line is checked against the board; a bad one is copied to bad. */
static bool read_gpio(struct text *t, struct sink *s, char *bad, size_t bad_cap)
{
	if (peek(t) < 0) {
		return t->err == NULL; /* "": no line is allowed */
	}
	for (;;) {
		if (!begin_string(s)) {
			t->err = "names more GPIO lines than the firmware's limit (32)";
			return false;
		}
		char line[68];
		size_t len = 0;
		int c;

		for (c = next(t); c >= 0 && c != ','; c = next(t)) {
			if (len + 1 >= sizeof(line)) {
				t->err = "names a GPIO line longer than 63 characters";
				return false;
			}
			line[len++] = (char)c;
		}
		if (t->err != NULL) {
			return false;
		}
		line[len] = '\0';
		if (!gpio_line_ok(line, len)) {
			/* Only printable ASCII goes into the reason. */
			size_t n = 0;

			for (size_t i = 0; i < len && n + 1 < bad_cap; i++) {
				bad[n++] = line[i] > 0x20 && line[i] < 0x7f ? line[i] : '?';
			}
			bad[n] = '\0';
			t->err = not_on_board;
			return false;
		}
		put(s, (const uint8_t *)line, len);
		end_string(s);
		if (c < 0) {
			return true;
		}
	}
}

/* The three settings into sinks (counting only when their base is NULL). */
static int read_settings(const uint8_t *m, size_t n, struct sink *args, struct sink *env,
			 struct sink *gpio, bool *gpio_given, const char **why)
{
	struct text t;
	char bad[40];

	if (open_annotation(&t, m, n, "io.ocre.args") && !read_args(&t, args)) {
		*why = say("its io.ocre.args %s%s", t.err, "");
		return -OCRE_EPERM;
	}
	if (open_annotation(&t, m, n, "io.ocre.env") && !read_env(&t, env)) {
		*why = say("its io.ocre.env %s%s", t.err, "");
		return -OCRE_EPERM;
	}
	*gpio_given = false;
	/* Without GPIO in the firmware the list allows nothing anyway: not checked. */
	if (OCRE_HAS_GPIO && open_annotation(&t, m, n, "io.ocre.gpio")) {
		*gpio_given = true;
		if (!read_gpio(&t, gpio, bad, sizeof(bad))) {
			*why = t.err == not_on_board
				       ? say("its GPIO allow-list names \"%s\", which is not a line "
					     "of this board%s",
					     bad, "")
				       : say("its io.ocre.gpio %s%s", t.err, "");
			return -OCRE_EPERM;
		}
	}
	return 0;
}

/* argv[0] as the generated firmware gives it (argv0 in cli/abi/contract.ts). */
static size_t argv0_len(const char *name)
{
	return strlen(OCRE_ARGV0_PREFIX) + strlen(name) + strlen(OCRE_ARGV0_SUFFIX);
}

/* ---- the manifest's metadata ------------------------------------------------------------ */

static int read_capabilities(const uint8_t *m, size_t n, uint32_t *caps, const char **why)
{
	static const char *const cap_names[OCRE_CAP_COUNT] = OCRE_CAP_NAMES;
	char text[160];

	*caps = 0;
	if (!ocre_json_string(m, 0, n, "io.ocre.capabilities", text, sizeof(text))) {
		return 0;
	}
	for (char *name = text; *name != '\0';) {
		char *comma = strchr(name, ',');
		bool known = false;

		if (comma != NULL) {
			*comma = '\0';
		}
		for (unsigned int bit = 0; bit < OCRE_CAP_COUNT && name[0] != '\0'; bit++) {
			if (cap_names[bit] != NULL && strcmp(cap_names[bit], name) == 0) {
				const struct feature *f = feature_of(1u << bit);

				if (f != NULL && !f->built) {
					*why = missing(f, "its capabilities");
					return -OCRE_EPERM;
				}
				*caps |= 1u << bit;
				known = true;
			}
		}
		if (!known && name[0] != '\0') {
			*why = "the image asks for a capability this firmware does not know";
			return -OCRE_EPERM;
		}
		name = comma != NULL ? comma + 1 : name + strlen(name);
	}
	return 0;
}

int ocre_image_meta(const uint8_t *m, size_t n, const char *name, struct ocre_container_meta *meta,
		    struct ocre_image_settings *need, const char **why)
{
	char text[32];
	uint64_t v;

	if (m == NULL || name == NULL || meta == NULL || need == NULL || why == NULL) {
		return -OCRE_EINVAL;
	}
	int ret = read_capabilities(m, n, &meta->capabilities, why);

	if (ret != 0) {
		return ret;
	}
	meta->restart = OCRE_RESTART_NO;
	if (ocre_json_string(m, 0, n, "io.ocre.restart", text, sizeof(text))) {
		meta->restart = strcmp(text, "always") == 0       ? OCRE_RESTART_ALWAYS
				: strcmp(text, "on-failure") == 0 ? OCRE_RESTART_ON_FAILURE
								  : OCRE_RESTART_NO;
	}
	/* Numbers are strings in annotations; 0 or absent leaves the runtime's default. */
	if (ocre_json_string(m, 0, n, "io.ocre.memory.stack-bytes", text, sizeof(text)) &&
	    ocre_parse_u64(text, &v) && v <= 1024 * 1024) {
		meta->stack_size = (uint32_t)v;
	}
	if (ocre_json_string(m, 0, n, "io.ocre.memory.heap-bytes", text, sizeof(text)) &&
	    ocre_parse_u64(text, &v) && v <= 1024 * 1024) {
		meta->heap_size = (uint32_t)v;
	}
	if (ocre_json_string(m, 0, n, "io.ocre.memory.max-pages", text, sizeof(text)) &&
	    ocre_parse_u64(text, &v) && v <= 65536) {
		meta->max_memory_pages = (uint32_t)v;
	}

	struct sink args = {.max = OCRE_IMAGE_MAX_ARGS};
	struct sink env = {.max = OCRE_IMAGE_MAX_ENV};
	struct sink gpio = {.max = OCRE_IMAGE_MAX_GPIO};

	*need = (struct ocre_image_settings){0};
	ret = read_settings(m, n, &args, &env, &gpio, &need->gpio_given, why);
	if (ret != 0) {
		return ret;
	}
	need->argc = 1 + args.count;
	need->envc = env.count;
	need->gpioc = gpio.count;
	need->bytes = (need->argc + need->envc + need->gpioc) * sizeof(char *) + argv0_len(name) +
		      1 + args.used + env.used + gpio.used;
	return 0;
}

int ocre_image_settings_fill(const uint8_t *m, size_t n, const char *name,
			     const struct ocre_image_settings *need, void *block,
			     struct ocre_container_meta *meta)
{
	if (m == NULL || name == NULL || need == NULL || block == NULL || meta == NULL ||
	    need->argc == 0) {
		return -OCRE_EINVAL;
	}
	const char **ptrs = block;
	char *strings = (char *)(ptrs + need->argc + need->envc + need->gpioc);
	size_t cap = need->bytes - (size_t)(strings - (char *)block);
	int len = snprintf(strings, cap, "%s%s%s", OCRE_ARGV0_PREFIX, name, OCRE_ARGV0_SUFFIX);

	if (len < 0 || (size_t)len >= cap) {
		return -OCRE_EINVAL;
	}
	ptrs[0] = strings;
	size_t used = (size_t)len + 1;
	/* The same reads as when measured, now into the block: the same counts and sizes. */
	struct sink args = {
		.ptrs = ptrs + 1, .max = need->argc - 1, .base = strings + used, .cap = cap - used};
	struct text t;

	if (open_annotation(&t, m, n, "io.ocre.args") && !read_args(&t, &args)) {
		return -OCRE_EINVAL;
	}
	used += args.used;
	struct sink env = {
		.ptrs = ptrs + need->argc, .max = need->envc, .base = strings + used, .cap = cap - used};

	if (open_annotation(&t, m, n, "io.ocre.env") && !read_env(&t, &env)) {
		return -OCRE_EINVAL;
	}
	used += env.used;
	struct sink gpio = {
		.ptrs = ptrs + need->argc + need->envc,
		.max = need->gpioc,
		.base = strings + used,
		.cap = cap - used};
	bool gpio_given = false;

	if (OCRE_HAS_GPIO && open_annotation(&t, m, n, "io.ocre.gpio")) {
		char bad[8];

		gpio_given = true;
		if (!read_gpio(&t, &gpio, bad, sizeof(bad))) {
			return -OCRE_EINVAL;
		}
	}
	used += gpio.used;
	if (args.count != need->argc - 1 || env.count != need->envc || gpio.count != need->gpioc ||
	    gpio_given != need->gpio_given || args.over || env.over || gpio.over || used > cap) {
		return -OCRE_EINVAL;
	}
	meta->argv = ptrs;
	meta->argc = need->argc;
	meta->envp = need->envc > 0 ? ptrs + need->argc : NULL;
	meta->envc = need->envc;
	meta->gpio_allow = need->gpio_given ? ptrs + need->argc + need->envc : NULL;
	meta->gpio_allow_count = need->gpioc;
	return 0;
}

/* ---- the module's imports --------------------------------------------------------------- */

static const char *const wasi_names[] = {
#define OCRE_WASI_FN(name, sig) #name,
#include "ocre_wasi.def"
#undef OCRE_WASI_FN
};

struct wasm {
	const struct ocre_image_reader *r;
	uint32_t at;
	uint32_t end; /* of the current section, or of the module */
	uint8_t buf[64];
	uint32_t buf_at, buf_len;
	bool bad;
};

static int byte(struct wasm *w)
{
	if (w->bad || w->at >= w->end) {
		w->bad = true;
		return -1;
	}
	if (w->at < w->buf_at || w->at >= w->buf_at + w->buf_len) {
		uint32_t n = w->r->size - w->at;

		n = n < sizeof(w->buf) ? n : (uint32_t)sizeof(w->buf);
		if (w->r->read(w->r->ctx, w->at, w->buf, n) != 0) {
			w->bad = true;
			return -1;
		}
		w->buf_at = w->at;
		w->buf_len = n;
	}
	return w->buf[w->at++ - w->buf_at];
}

/* An unsigned LEB128 of at most `bits` (32 or 64) bits; 64-bit values only skipped. */
static uint32_t leb(struct wasm *w, unsigned int bits)
{
	uint64_t v = 0;
	const unsigned int max_bytes = (bits + 6) / 7;

	for (unsigned int i = 0, shift = 0; i < max_bytes; i++, shift += 7) {
		int b = byte(w);

		if (b < 0) {
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
		if ((b & 0x80) == 0) {
			if (bits == 32 && v > UINT32_MAX) {
				w->bad = true;
			}
			return (uint32_t)v;
		}
	}
	w->bad = true;
	return 0;
}

/* A name of at most OCRE_IMAGE_MAX_IMPORT_NAME bytes, NUL-terminated; false if longer. */
static bool name(struct wasm *w, char out[OCRE_IMAGE_MAX_IMPORT_NAME + 1])
{
	uint32_t len = leb(w, 32);

	if (w->bad || len > OCRE_IMAGE_MAX_IMPORT_NAME) {
		return false;
	}
	for (uint32_t i = 0; i < len; i++) {
		int b = byte(w);

		if (b <= 0) { /* a NUL inside a name never names a provided call */
			return false;
		}
		out[i] = (char)b;
	}
	out[len] = '\0';
	return true;
}

/* Limits: *max gets the maximum, or OCRE_IMAGE_NO_MAX when there is none. */
static void limits(struct wasm *w, uint32_t *max)
{
	int flags = byte(w);
	unsigned int bits = (flags & 4) != 0 ? 64 : 32; /* memory64 */

	*max = OCRE_IMAGE_NO_MAX;
	if (flags < 0 || flags > 7) {
		w->bad = true;
		return;
	}
	(void)leb(w, bits);
	if ((flags & 1) != 0) {
		*max = leb(w, bits);
	}
}

/* Printable ASCII of an import for a reason (names come from the image). */
static void printable(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s <= 0x20 || *s >= 0x7f) {
			*s = '?';
		}
	}
}

/* One function import: provided by this firmware, or *why says what is missing. */
static int check_function(char *mod, char *fn, const char **why)
{
	char what[2 * OCRE_IMAGE_MAX_IMPORT_NAME + 2];

	printable(mod);
	printable(fn);
	(void)snprintf(what, sizeof(what), "%s.%s", mod, fn);
	if (strcmp(mod, "env") == 0) {
		for (int i = 0; i < OCRE_FN_COUNT; i++) {
			if (strcmp(ocre_abi_names[i], fn) != 0) {
				continue;
			}
			const struct feature *f = feature_of(ocre_abi_caps[i]);

			if (f != NULL && !f->built) {
				*why = missing(f, what);
				return -OCRE_EPERM;
			}
			/* Edge callbacks are a part of GPIO built only when asked for. */
			if (f != NULL && f->cap == OCRE_CAP_GPIO && strstr(fn, "_callback") != NULL &&
			    !gpio_events.built) {
				*why = missing(&gpio_events, what);
				return -OCRE_EPERM;
			}
			return 0;
		}
		*why = say("imports %s, which no Ocre runtime provides%s", what, "");
		return -OCRE_EPERM;
	}
	if (strcmp(mod, "wasi_snapshot_preview1") == 0) {
		if (OCRE_HAS_WASI_FULL) {
			return 0;
		}
		for (size_t i = 0; i < sizeof(wasi_names) / sizeof(wasi_names[0]); i++) {
			if (strcmp(wasi_names[i], fn) == 0) {
				return 0;
			}
		}
		*why = missing(feature_of(OCRE_CAP_NETWORKING), what);
		return -OCRE_EPERM;
	}
	*why = say("imports %s, from a module no Ocre runtime provides%s", what, "");
	return -OCRE_EPERM;
}

/* The import section's entries: each provided by this firmware, or *why. */
static int check_imports(struct wasm *w, uint32_t *max_pages, const char **why)
{
	char mod[OCRE_IMAGE_MAX_IMPORT_NAME + 1];
	char fn[OCRE_IMAGE_MAX_IMPORT_NAME + 1];
	uint32_t count = leb(w, 32);

	for (uint32_t i = 0; i < count && !w->bad; i++) {
		if (!name(w, mod) || !name(w, fn)) {
			if (!w->bad) {
				*why = "an import's name is longer than 64 bytes or holds a NUL";
				return -OCRE_EPERM;
			}
			break;
		}
		int kind = byte(w);
		int ret = 0;

		switch (kind) {
		case 0: /* function: its type index */
			(void)leb(w, 32);
			ret = w->bad ? 0 : check_function(mod, fn, why);
			break;
		case 2: /* memory: only env.memory (an imported memory) is provided */
			limits(w, max_pages);
			if (strcmp(mod, "env") != 0 || strcmp(fn, "memory") != 0) {
				printable(mod);
				printable(fn);
				*why = say("imports memory %s.%s; Ocre's runtimes provide only "
					   "env.memory",
					   mod, fn);
				ret = -OCRE_EPERM;
			}
			break;
		case 1: /* table */
		case 3: /* global */
		case 4: /* tag */
			printable(mod);
			printable(fn);
			*why = say("imports a table, global or tag (%s.%s); Ocre's runtimes provide "
				   "only functions and env.memory",
				   mod, fn);
			ret = -OCRE_EPERM;
			break;
		default:
			w->bad = true;
			break;
		}
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

int ocre_image_check_module(const struct ocre_image_reader *r, uint32_t *max_pages,
			    const char **why)
{
	static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
	struct wasm w = {.r = r};

	if (r == NULL || r->read == NULL || max_pages == NULL || why == NULL) {
		return -OCRE_EINVAL;
	}
	*max_pages = OCRE_IMAGE_NO_MAX;
	w.end = r->size;
	for (size_t i = 0; i < sizeof(header); i++) {
		if (byte(&w) != header[i]) {
			*why = "the layer is not a WebAssembly 1.0 module";
			return -OCRE_EPERM;
		}
	}
	/*
	 * Sections come in order (custom ones anywhere): types, imports, functions, tables, memory,
	 * then tags and the rest. Only imports and memory are read; nothing after memory is.
	 */
	while (w.at < r->size) {
		int id = byte(&w);
		uint32_t size = leb(&w, 32);

		if (w.bad || size > r->size - w.at) {
			w.bad = true;
			break;
		}
		uint32_t section_end = w.at + size;

		w.end = section_end;
		if (id == 2) {
			int ret = check_imports(&w, max_pages, why);

			if (ret != 0) {
				return ret;
			}
		} else if (id == 5) {
			uint32_t count = leb(&w, 32);

			if (count > 0) {
				limits(&w, max_pages);
			}
		} else if (id > 5 && id != 13) {
			return 0;
		} else {
			w.at = section_end; /* custom, types, functions, tables, tags */
		}
		if (w.bad || (id == 2 && w.at != section_end)) {
			w.bad = true;
			break;
		}
		if (id == 5) {
			return 0;
		}
		w.at = section_end;
		w.end = r->size;
	}
	if (w.bad || w.at != r->size) {
		*why = "the module's sections are malformed";
		return -OCRE_EPERM;
	}
	return 0;
}
