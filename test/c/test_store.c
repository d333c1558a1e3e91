/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The container store (ocre_store.c) on the POSIX port's file-backed NOR flash: installs are
 * verified before they replace anything; tampered, unsigned, untrusted and mislabelled images
 * are refused with the old version intact; rollback and the boot rule; and power loss at every
 * write or erase step of an install, rollback and removal, cut two ways (a prefix done, or bits
 * half-programmed), leaves exactly the old or the new version, which still verifies.
 */

#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <ocre/ocre_store.h>

#include "ocre_flash_posix.h"
#include "test_signing.h"

#define REGION     (64u * 1024u)
#define ERASE      4096u
#define UNIT       8u
#define SLOTS      4u
#define WASM_BYTES 3000u

static EVP_PKEY *key_trusted;
static EVP_PKEY *key_other;
static uint8_t trusted[1][OCRE_P256_KEY_SIZE];
static char path[64];

struct version {
	uint8_t wasm[WASM_BYTES];
	struct signed_image img;
};

static struct version v0, v1, v2;

static void make_version(struct version *v, uint8_t seed, EVP_PKEY *k)
{
	memcpy(v->wasm, "\0asm\1\0\0\0", 8);
	for (size_t i = 8; i < sizeof(v->wasm); i++) {
		v->wasm[i] = (uint8_t)(i * 31u + seed);
	}
	sign_wasm(&v->img, v->wasm, sizeof(v->wasm), k);
}

/* ---- a flash that loses power after a number of steps ---------------------------------- */

struct cut_flash {
	struct ocre_flash flash;
	const struct ocre_flash *real;
	int steps_left; /* -1: never cut */
	bool bits;      /* the cut step half-programs bits instead of finishing a prefix */
	bool dead;
	unsigned int seed;
};

static int cut_read(const struct ocre_flash *f, uint32_t off, void *buf, size_t len)
{
	struct cut_flash *c = f->ctx;

	return c->dead ? -EIO : c->real->read(c->real, off, buf, len);
}

/* The cut step: what an interrupted program or erase may leave, then nothing more works. */
static int cut_now(struct cut_flash *c, uint32_t off, const uint8_t *data, size_t len, bool erase)
{
	struct ocre_posix_flash *pf = c->real->ctx;
	uint8_t *now = malloc(len);

	assert_non_null(now);
	assert_int_equal(pread(pf->fd, now, len, off), (ssize_t)len);
	for (size_t i = 0; i < len; i++) {
		uint8_t want = erase ? 0xff : data[i];

		if (c->bits) {
			/* Programming clears bits, erasing sets them: a cut leaves some undone. */
			uint8_t r = (uint8_t)rand_r(&c->seed);

			now[i] = erase ? (uint8_t)(now[i] | (r & 0x5a)) : (uint8_t)(now[i] & (want | r));
		} else if (i < len / 2) {
			now[i] = want;
		}
	}
	assert_int_equal(pwrite(pf->fd, now, len, off), (ssize_t)len);
	free(now);
	c->dead = true;
	return -EIO;
}

static int cut_write(const struct ocre_flash *f, uint32_t off, const void *buf, size_t len)
{
	struct cut_flash *c = f->ctx;

	if (c->dead) {
		return -EIO;
	}
	if (c->steps_left == 0) {
		return cut_now(c, off, buf, len, false);
	}
	if (c->steps_left > 0) {
		c->steps_left--;
	}
	return c->real->write(c->real, off, buf, len);
}

static int cut_erase(const struct ocre_flash *f, uint32_t off, size_t len)
{
	struct cut_flash *c = f->ctx;

	if (c->dead) {
		return -EIO;
	}
	if (c->steps_left == 0) {
		return cut_now(c, off, NULL, len, true);
	}
	if (c->steps_left > 0) {
		c->steps_left--;
	}
	return c->real->erase(c->real, off, len);
}

static void cut_init(struct cut_flash *c, const struct ocre_flash *real, int steps, bool bits)
{
	*c = (struct cut_flash){
		.flash = *real,
		.real = real,
		.steps_left = steps,
		.bits = bits,
		.seed = (unsigned int)steps * 7919u + 1u,
	};
	c->flash.read = cut_read;
	c->flash.write = cut_write;
	c->flash.erase = cut_erase;
	c->flash.ctx = c;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static int install(struct ocre_store *s, const char *name, const struct version *v,
		   const uint8_t *wasm, const uint8_t *expect, const char **why)
{
	struct ocre_store_install in;
	struct ocre_store_install_req req = {
		.name = name,
		.manifest_size = (uint32_t)strlen(v->img.manifest),
		.payload_size = (uint32_t)strlen(v->img.payload),
		.der_size = (uint32_t)v->img.der_len,
		.wasm_size = WASM_BYTES,
		.expect_digest = expect,
	};
	int ret = ocre_store_install_begin(s, &req, &in);

	if (ret != 0) {
		return ret;
	}
	/* In uneven pieces, as a network delivers them. */
	const void *parts[] = {v->img.manifest, v->img.payload, v->img.der, wasm};
	const size_t sizes[] = {req.manifest_size, req.payload_size, req.der_size, WASM_BYTES};

	for (int p = 0; p < 4; p++) {
		for (size_t at = 0; at < sizes[p];) {
			size_t n = sizes[p] - at < 777 ? sizes[p] - at : 777;

			ret = ocre_store_install_write(&in, (const uint8_t *)parts[p] + at, n);
			if (ret != 0) {
				ocre_store_install_abort(&in);
				return ret;
			}
			at += n;
		}
	}
	return ocre_store_install_commit(&in, why);
}

/* The manifest digest of the version in `slot`, after loading and verifying it. */
static const uint8_t *loaded(struct ocre_store *s, const char *name, int slot)
{
	static uint8_t manifest[OCRE_STORE_MAX_MANIFEST], payload[OCRE_STORE_MAX_PAYLOAD];
	static uint8_t der[OCRE_STORE_MAX_DER], wasm[WASM_BYTES];
	static uint8_t digest[32];

	if (slot < 0) {
		return NULL;
	}
	struct ocre_store_loaded out = {
		.manifest = manifest, .manifest_cap = sizeof(manifest),
		.payload = payload,   .payload_cap = sizeof(payload),
		.der = der,           .der_cap = sizeof(der),
		.wasm = wasm,         .wasm_cap = sizeof(wasm),
	};
	const char *why = "";
	uint8_t h[32];

	assert_int_equal(ocre_store_load(s, slot, &out), 0);
	sha256_of(wasm, out.wasm_size, h);
	assert_int_equal(ocre_verify_signed(h, &out.sig, name, &why), 0);
	sha256_of(manifest, out.sig.manifest_size, digest);
	return digest;
}

/* The version of `name` that runs; the one a rollback would return to must verify too. */
static const uint8_t *running(struct ocre_store *s, const char *name)
{
	int prev = ocre_store_previous(s, name);

	if (prev >= 0) {
		(void)loaded(s, name, prev);
	}
	return loaded(s, name, ocre_store_active(s, name));
}

static bool is(const uint8_t *digest, const struct version *v)
{
	return digest != NULL && memcmp(digest, v->img.digest, 32) == 0;
}

static void fresh(struct ocre_posix_flash *pf, struct ocre_store *s)
{
	unlink(path);
	assert_int_equal(ocre_posix_flash_open(pf, path, REGION, ERASE, UNIT), 0);
	assert_int_equal(ocre_store_open(s, &pf->flash, SLOTS), 0);
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	snprintf(path, sizeof(path), "/tmp/ocre-store-test-%d.bin", (int)getpid());
	key_trusted = new_p256_key();
	key_other = new_p256_key();
	p256_point(key_trusted, trusted[0]);
	assert_int_equal(ocre_trust_keys((const uint8_t (*)[OCRE_P256_KEY_SIZE])trusted, 1), 0);
	make_version(&v0, 0, key_trusted);
	make_version(&v1, 1, key_trusted);
	make_version(&v2, 2, key_trusted);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	EVP_PKEY_free(key_trusted);
	EVP_PKEY_free(key_other);
	return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void install_update_and_reopen(void **state)
{
	(void)state;
	struct ocre_posix_flash pf;
	struct ocre_store s;
	struct ocre_store_entry e[4];
	const char *why = "";

	fresh(&pf, &s);
	assert_int_equal(ocre_store_list(&s, e, 4), 0);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, v1.img.digest, &why), 0);
	assert_true(is(running(&s, "hello"), &v1));
	assert_int_equal(ocre_store_previous(&s, "hello"), -OCRE_ENOENT);
	assert_int_equal(install(&s, "hello", &v2, v2.wasm, NULL, &why), 0);
	assert_true(is(running(&s, "hello"), &v2));
	assert_int_equal(ocre_store_list(&s, e, 4), 1);
	assert_string_equal(e[0].name, "hello");
	assert_memory_equal(e[0].manifest_digest, v2.img.digest, 32);
	assert_true(e[0].has_previous);
	assert_memory_equal(e[0].previous_digest, v1.img.digest, 32);
	/* A third version replaces the oldest, never the running one. */
	assert_int_equal(install(&s, "hello", &v0, v0.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "other", &v1, v1.wasm, NULL, &why), 0);
	ocre_posix_flash_close(&pf);

	/* What a reboot sees. */
	assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, ERASE, UNIT), 0);
	assert_int_equal(ocre_store_open(&s, &pf.flash, SLOTS), 0);
	assert_true(is(running(&s, "hello"), &v0));
	assert_true(is(running(&s, "other"), &v1));
	assert_int_equal(ocre_store_list(&s, e, 4), 2);
	assert_memory_equal(e[0].name[0] == 'h' ? e[0].previous_digest : e[1].previous_digest,
			    v2.img.digest, 32);
	ocre_posix_flash_close(&pf);
}

static void refusals_leave_the_old_version(void **state)
{
	(void)state;
	struct ocre_posix_flash pf;
	struct ocre_store s;
	struct version untrusted, badsig;
	uint8_t tampered[WASM_BYTES];
	uint8_t wrong[32];
	const char *why = "";

	fresh(&pf, &s);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);

	memcpy(tampered, v2.wasm, sizeof(tampered));
	tampered[WASM_BYTES / 2] ^= 0x01;
	assert_int_equal(install(&s, "hello", &v2, tampered, NULL, &why), -OCRE_EPERM);
	assert_non_null(strstr(why, "tampered: the Wasm's sha256 is not a layer digest"));

	badsig = v2;
	badsig.img.der[badsig.img.der_len - 1] ^= 1;
	assert_int_equal(install(&s, "hello", &badsig, v2.wasm, NULL, &why), -OCRE_EPERM);
	assert_string_equal(why, "the signature is not by a trusted key");

	make_version(&untrusted, 2, key_other);
	assert_int_equal(install(&s, "hello", &untrusted, v2.wasm, NULL, &why), -OCRE_EPERM);
	assert_string_equal(why, "the signature is not by a trusted key");

	memcpy(wrong, v2.img.digest, 32);
	wrong[0] ^= 0xff;
	assert_int_equal(install(&s, "hello", &v2, v2.wasm, wrong, &why), -OCRE_EPERM);
	assert_string_equal(why, "the manifest's sha256 is not the digest asked for");

	/* The manifest edited after signing. */
	struct version edited = v2;

	edited.img.manifest[strlen(edited.img.manifest) - 2] = '3';
	assert_int_equal(install(&s, "hello", &edited, v2.wasm, NULL, &why), -OCRE_EPERM);
	assert_non_null(strstr(why, "tampered: the manifest's sha256"));

	assert_true(is(running(&s, "hello"), &v1));
	assert_int_equal(ocre_store_previous(&s, "hello"), -OCRE_ENOENT);
	ocre_posix_flash_close(&pf);
}

static void sizes_from_outside_are_checked_before_anything_is_erased(void **state)
{
	(void)state;
	struct ocre_posix_flash pf;
	struct ocre_store s;
	struct ocre_store_install in;
	const char *why = "";

	fresh(&pf, &s);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);
	uint32_t steps = pf.writes;
	const struct ocre_store_install_req bad[] = {
		{.name = "hello", .manifest_size = 100, .payload_size = 100, .der_size = 70, .wasm_size = 0xfffffff0u},
		{.name = "hello", .manifest_size = OCRE_STORE_MAX_MANIFEST + 1, .payload_size = 100, .der_size = 70, .wasm_size = 100},
		{.name = "hello", .manifest_size = 100, .payload_size = OCRE_STORE_MAX_PAYLOAD + 1, .der_size = 70, .wasm_size = 100},
		{.name = "hello", .manifest_size = 100, .payload_size = 100, .der_size = 73, .wasm_size = 100},
		{.name = "hello", .manifest_size = 0, .payload_size = 100, .der_size = 70, .wasm_size = 100},
		{.name = "../x", .manifest_size = 100, .payload_size = 100, .der_size = 70, .wasm_size = 100},
		{.name = "a\x1b[2Jb", .manifest_size = 100, .payload_size = 100, .der_size = 70, .wasm_size = 100},
		{.name = "", .manifest_size = 100, .payload_size = 100, .der_size = 70, .wasm_size = 100},
		{.name = NULL, .manifest_size = 100, .payload_size = 100, .der_size = 70, .wasm_size = 100},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(ocre_store_install_begin(&s, &bad[i], &in) < 0);
	}
	/* More bytes than announced, and fewer. */
	struct ocre_store_install_req ok = {.name = "hello", .manifest_size = 100, .payload_size = 100,
					    .der_size = 70, .wasm_size = 100};
	uint8_t junk[400] = {0};

	assert_int_equal(pf.writes, steps);
	assert_int_equal(ocre_store_install_begin(&s, &ok, &in), 0);
	assert_int_equal(ocre_store_install_write(&in, junk, sizeof(junk)), -OCRE_EINVAL);
	assert_int_equal(ocre_store_install_write(&in, junk, 300), 0);
	assert_int_equal(ocre_store_install_commit(&in, &why), -OCRE_EINVAL);
	assert_string_equal(why, "incomplete: fewer bytes than announced");
	assert_true(is(running(&s, "hello"), &v1));
	/* Full: every slot holds a running version of some name. */
	assert_int_equal(install(&s, "a", &v0, v0.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "b", &v0, v0.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "c", &v0, v0.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "d", &v0, v0.wasm, NULL, &why), -OCRE_ENOMEM);
	ocre_posix_flash_close(&pf);
}

static void rollback_and_the_boot_rule(void **state)
{
	(void)state;
	struct ocre_posix_flash pf;
	struct ocre_store s;
	const char *why = "";

	fresh(&pf, &s);
	assert_int_equal(ocre_store_rollback(&s, "hello"), -OCRE_ENOENT);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);
	assert_int_equal(ocre_store_rollback(&s, "hello"), -OCRE_ENOENT); /* nothing to go back to */
	assert_int_equal(ocre_store_confirm(&s, "hello"), 0);
	assert_int_equal(install(&s, "hello", &v2, v2.wasm, NULL, &why), 0);
	assert_int_equal(ocre_store_rollback(&s, "hello"), 0);
	assert_true(is(running(&s, "hello"), &v1));
	/* v2 is rejected for good: no second rollback, and it never comes back after a reboot. */
	assert_int_equal(ocre_store_rollback(&s, "hello"), -OCRE_ENOENT);
	ocre_posix_flash_close(&pf);
	assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, ERASE, UNIT), 0);
	assert_int_equal(ocre_store_open(&s, &pf.flash, SLOTS), 0);
	assert_true(is(running(&s, "hello"), &v1));
	/* The next install takes the rejected version's slot. */
	assert_int_equal(install(&s, "hello", &v0, v0.wasm, NULL, &why), 0);
	assert_true(is(running(&s, "hello"), &v0));

	/* Started on trial, then the device went down before it was confirmed: rolled back. */
	assert_int_equal(ocre_store_mark_trial(&s, "hello"), 0);
	ocre_posix_flash_close(&pf);
	assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, ERASE, UNIT), 0);
	assert_int_equal(ocre_store_open(&s, &pf.flash, SLOTS), 0);
	assert_int_equal(ocre_store_boot(&s), 1);
	assert_true(is(running(&s, "hello"), &v1));
	/* A confirmed version stays. */
	assert_int_equal(ocre_store_mark_trial(&s, "hello"), 0);
	assert_int_equal(ocre_store_confirm(&s, "hello"), 0);
	assert_int_equal(ocre_store_boot(&s), 0);
	assert_true(is(running(&s, "hello"), &v1));

	assert_int_equal(ocre_store_remove(&s, "hello"), 0);
	assert_null(running(&s, "hello"));
	assert_int_equal(ocre_store_remove(&s, "hello"), -OCRE_ENOENT);
	ocre_posix_flash_close(&pf);
}

static void the_trial_rule(void **state)
{
	(void)state;
	/* finished, exit code, ran ms, trial ms */
	assert_int_equal(ocre_trial_judge(false, 0, 100, 5000), OCRE_TRIAL_PENDING);
	assert_int_equal(ocre_trial_judge(true, 1, 100, 5000), OCRE_TRIAL_ROLLBACK);
	assert_int_equal(ocre_trial_judge(true, -1, 4999, 5000), OCRE_TRIAL_ROLLBACK);
	assert_int_equal(ocre_trial_judge(true, 0, 100, 5000), OCRE_TRIAL_CONFIRM);
	assert_int_equal(ocre_trial_judge(false, 0, 5000, 5000), OCRE_TRIAL_CONFIRM);
	assert_int_equal(ocre_trial_judge(true, 3, 6000, 5000), OCRE_TRIAL_CONFIRM);
}

/*
 * Copies the region file so that every cut starts from the same flash. `op` runs on the cut
 * flash; afterwards a reboot must find exactly `before` or `after` running and verified.
 */
enum op { OP_INSTALL, OP_ROLLBACK, OP_REMOVE };

static int run_op(struct ocre_store *s, enum op op)
{
	const char *why = "";

	switch (op) {
	case OP_INSTALL:
		return install(s, "hello", &v2, v2.wasm, NULL, &why);
	case OP_ROLLBACK:
		return ocre_store_rollback(s, "hello");
	default:
		return ocre_store_remove(s, "hello");
	}
}

static void copy_file(const char *from, const char *to)
{
	static uint8_t buf[REGION];
	FILE *in = fopen(from, "rb");
	FILE *out = fopen(to, "wb");

	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(fread(buf, 1, REGION, in), REGION);
	assert_int_equal(fwrite(buf, 1, REGION, out), REGION);
	fclose(in);
	fclose(out);
}

static int cut_everywhere(enum op op, const struct version *before, const struct version *after)
{
	char base[80];
	int steps = 0;

	snprintf(base, sizeof(base), "%s.base", path);
	copy_file(path, base);
	for (int bits = 0; bits < 2; bits++) {
		for (int n = 0;; n++) {
			struct ocre_posix_flash pf;
			struct ocre_store s;
			struct cut_flash cf;

			copy_file(base, path);
			assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, ERASE, UNIT), 0);
			cut_init(&cf, &pf.flash, n, bits != 0);
			assert_int_equal(ocre_store_open(&s, &cf.flash, SLOTS), 0);
			int ret = run_op(&s, op);

			ocre_posix_flash_close(&pf);
			/* Power back: a fresh boot over what the flash holds. */
			assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, ERASE, UNIT), 0);
			assert_int_equal(ocre_store_open(&s, &pf.flash, SLOTS), 0);
			const uint8_t *now = running(&s, "hello");

			if (!((before == NULL ? now == NULL : is(now, before)) ||
			      (after == NULL ? now == NULL : is(now, after)))) {
				fail_msg("cut at step %d (%s): neither the old nor the new version", n,
					 bits ? "bits" : "prefix");
			}
			if (!cf.dead) {
				/* Every step done: the operation completed, with the new version. */
				assert_int_equal(ret, 0);
				assert_true(after == NULL ? now == NULL : is(now, after));
				ocre_posix_flash_close(&pf);
				steps = n;
				break;
			}
			/* And the store works on: from the old version the operation succeeds. */
			if (before == NULL ? now == NULL : is(now, before)) {
				assert_int_equal(run_op(&s, op), 0);
				assert_true(after == NULL ? running(&s, "hello") == NULL
							  : is(running(&s, "hello"), after));
			}
			ocre_posix_flash_close(&pf);
		}
	}
	unlink(base);
	return steps;
}

static void power_loss_at_every_step(void **state)
{
	(void)state;
	struct ocre_posix_flash pf;
	struct ocre_store s;
	const char *why = "";

	/* Update over a store whose other slot holds the previous version (it is erased). */
	fresh(&pf, &s);
	assert_int_equal(install(&s, "hello", &v0, v0.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);
	ocre_posix_flash_close(&pf);
	int steps = cut_everywhere(OP_INSTALL, &v1, &v2);
	size_t body = strlen(v2.img.manifest) + strlen(v2.img.payload) + v2.img.der_len + WASM_BYTES;

	/* Erase the header's block, erase the rest, the body in 256-byte writes, the header. */
	assert_int_equal(steps, 2 + (body + 255) / 256 + 1);
	print_message("install: cut at each of its %d steps, two ways\n", steps);

	/* First install: nothing or the new version. */
	fresh(&pf, &s);
	ocre_posix_flash_close(&pf);
	assert_int_equal(cut_everywhere(OP_INSTALL, NULL, &v2), steps);

	/* Rollback from v2 to v1, and removal. */
	fresh(&pf, &s);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "hello", &v2, v2.wasm, NULL, &why), 0);
	ocre_posix_flash_close(&pf);
	assert_int_equal(cut_everywhere(OP_ROLLBACK, &v2, &v1), 1);
	fresh(&pf, &s);
	assert_int_equal(install(&s, "hello", &v1, v1.wasm, NULL, &why), 0);
	assert_int_equal(install(&s, "hello", &v2, v2.wasm, NULL, &why), 0);
	ocre_posix_flash_close(&pf);
	assert_int_equal(cut_everywhere(OP_REMOVE, &v2, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(install_update_and_reopen),
		cmocka_unit_test(refusals_leave_the_old_version),
		cmocka_unit_test(sizes_from_outside_are_checked_before_anything_is_erased),
		cmocka_unit_test(rollback_and_the_boot_rule),
		cmocka_unit_test(the_trial_rule),
		cmocka_unit_test(power_loss_at_every_step),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
