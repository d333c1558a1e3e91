/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What an installed image asks of the firmware (ocre_image.c): the container's settings from
 * the io.ocre.* annotations of its signed manifest (capabilities, restart policy, memory,
 * arguments, environment, GPIO allow-list), and the imports of its module, checked against
 * what this firmware was built with. The device agent runs these checks before an install
 * replaces the running version, and again before it starts an installed container.
 *
 * Not reentrant: a refusal's reason may be formatted into one static buffer, valid until the
 * next call (the agent has one thread).
 */

#ifndef OCRE_IMAGE_H_
#define OCRE_IMAGE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ocre/ocre.h>

/* Bounds on what an image may ask for: larger counts are refused, not cut. */
#if defined(CONFIG_OCRE_AGENT_MAX_ARGS)
#define OCRE_IMAGE_MAX_ARGS CONFIG_OCRE_AGENT_MAX_ARGS
#elif !defined(OCRE_IMAGE_MAX_ARGS)
#define OCRE_IMAGE_MAX_ARGS 16
#endif
#if defined(CONFIG_OCRE_AGENT_MAX_ENV)
#define OCRE_IMAGE_MAX_ENV CONFIG_OCRE_AGENT_MAX_ENV
#elif !defined(OCRE_IMAGE_MAX_ENV)
#define OCRE_IMAGE_MAX_ENV 16
#endif
/* ocre.yaml's own limit on `gpio` (cli/schemas/ocre.schema.json). */
#define OCRE_IMAGE_MAX_GPIO 32
/* One argument, "KEY=VALUE" or GPIO line, in bytes without the NUL (ocre.yaml: 256 chars). */
#define OCRE_IMAGE_MAX_STRING 1024
/* The longest import module or field name accepted (the ABI's longest is 38). */
#define OCRE_IMAGE_MAX_IMPORT_NAME 64

/* The settings an image asks for, as measured: what their RAM block must hold. */
struct ocre_image_settings {
	uint32_t argc; /* argv[0] included */
	uint32_t envc;
	uint32_t gpioc;
	bool gpio_given; /* io.ocre.gpio present: only its lines are allowed */
	size_t bytes;    /* pointer arrays and strings, see ocre_image_settings_fill */
};

/*
 * The metadata of `name` from its manifest m[0..n): capabilities (each known, and its feature
 * built into this firmware), restart policy, stack, heap and memory limit; measures and checks
 * the arguments, environment and GPIO allow-list into *need. 0, or -EPERM with *why.
 */
int ocre_image_meta(const uint8_t *m, size_t n, const char *name, struct ocre_container_meta *meta,
		    struct ocre_image_settings *need, const char **why);

/*
 * Writes the settings measured by ocre_image_meta into block (need->bytes, pointer-aligned)
 * and points meta->argv, envp and gpio_allow into it. 0 or -EINVAL.
 */
int ocre_image_settings_fill(const uint8_t *m, size_t n, const char *name,
			     const struct ocre_image_settings *need, void *block,
			     struct ocre_container_meta *meta);

/* The module's bytes, wherever they are (RAM, flash). read returns 0 or -errno. */
struct ocre_image_reader {
	int (*read)(const void *ctx, uint32_t off, void *buf, size_t len);
	const void *ctx;
	uint32_t size;
};

/*
 * Whether this firmware can run the module: a Wasm 1 binary whose imports are all functions
 * this firmware provides (env calls of features built in, the WASI calls of its WASI) or
 * env.memory. 0, or -EPERM with *why naming the import and what to rebuild with. *max_pages
 * gets the maximum its memory declares (defined or imported), or OCRE_IMAGE_NO_MAX.
 */
#define OCRE_IMAGE_NO_MAX 65536u
int ocre_image_check_module(const struct ocre_image_reader *r, uint32_t *max_pages,
			    const char **why);

#endif /* OCRE_IMAGE_H_ */
