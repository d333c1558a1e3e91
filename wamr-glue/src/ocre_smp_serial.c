/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * SMP's serial framing (MCUmgr's console transport), so that the agent's frames can share a
 * console with log output: a packet is its length (2 bytes, big-endian, counting the CRC), the
 * SMP frame and a CRC16-CCITT (polynomial 0x1021, seed 0) of the frame, sent as lines of at most
 * 127 bytes: 0x06 0x09 then base64 for the first line, 0x04 0x14 then base64 for the others,
 * each line's base64 decoding on its own, '\n' at the end. Lines without a marker are console
 * text and are skipped.
 */

#include <string.h>

#include <ocre/ocre_smp.h>

#include "ocre_internal.h"

#define RAW_PER_LINE 93u /* 124 base64 characters + 2 marker bytes + '\n' = 127 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

uint16_t ocre_crc16_itu_t(uint16_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++) {
			crc = (crc & 0x8000) != 0 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
		}
	}
	return crc;
}

static size_t b64_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		v |= i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0;
		v |= i + 2 < n ? in[i + 2] : 0;
		out[o++] = (uint8_t)b64[(v >> 18) & 63];
		out[o++] = (uint8_t)b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? (uint8_t)b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? (uint8_t)b64[v & 63] : '=';
	}
	return o;
}

static int b64_value(uint8_t c)
{
	const char *at = c != 0 ? strchr(b64, c) : NULL;

	return at != NULL ? (int)(at - b64) : -1;
}

size_t ocre_smp_serial_encode(const uint8_t *frame, size_t len, uint8_t *out, size_t cap)
{
	uint8_t raw[OCRE_SMP_MAX_FRAME + 4];
	size_t n = len + 4;
	size_t o = 0;

	if (len > OCRE_SMP_MAX_FRAME) {
		return 0;
	}
	uint16_t crc = ocre_crc16_itu_t(0, frame, len);

	raw[0] = (uint8_t)((len + 2) >> 8);
	raw[1] = (uint8_t)(len + 2);
	memcpy(raw + 2, frame, len);
	raw[len + 2] = (uint8_t)(crc >> 8);
	raw[len + 3] = (uint8_t)crc;
	for (size_t at = 0; at < n; at += RAW_PER_LINE) {
		size_t piece = n - at < RAW_PER_LINE ? n - at : RAW_PER_LINE;

		if (cap - o < 2 + 4 * ((piece + 2) / 3) + 1) {
			return 0;
		}
		out[o++] = at == 0 ? 0x06 : 0x04;
		out[o++] = at == 0 ? 0x09 : 0x14;
		o += b64_encode(raw + at, piece, out + o);
		out[o++] = '\n';
	}
	return o;
}

/* Decodes one line's base64 into the packet; false when it is not base64 or overflows. */
static bool add_line(struct ocre_smp_serial_rx *rx)
{
	const uint8_t *p = rx->line + 2;
	size_t n = rx->line_len - 2;

	if (n % 4 != 0) {
		return false;
	}
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			if (p[i + k] == '=' && k >= 2 && i + 4 == n) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64_value(p[i + k])) < 0) {
				return false;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];

		for (int k = 0; k < 3 - pad; k++) {
			if (rx->len >= sizeof(rx->buf)) {
				return false;
			}
			rx->buf[rx->len++] = (uint8_t)(w >> (16 - 8 * k));
		}
	}
	return true;
}

int ocre_smp_serial_feed(struct ocre_smp_serial_rx *rx, uint8_t byte, const uint8_t **frame,
			 size_t *len)
{
	if (byte != '\n') {
		if (rx->line_len < sizeof(rx->line)) {
			rx->line[rx->line_len] = byte;
		}
		rx->line_len++; /* counts past the end: an overlong line is dropped */
		return 0;
	}
	size_t line_len = rx->line_len;

	rx->line_len = 0;
	if (line_len > sizeof(rx->line) || line_len < 2) {
		return 0; /* console text, or a line too long to be ours */
	}
	rx->line_len = line_len;
	bool first = rx->line[0] == 0x06 && rx->line[1] == 0x09;
	bool more = rx->line[0] == 0x04 && rx->line[1] == 0x14;
	int ret = 0;

	if (first) {
		rx->len = 0;
		rx->active = true;
	}
	if (first || (more && rx->active)) {
		if (!add_line(rx)) {
			rx->active = false;
			ret = -OCRE_EINVAL;
		} else if (rx->len >= 2) {
			size_t want = ((size_t)rx->buf[0] << 8) | rx->buf[1];

			if (want < 2 + OCRE_SMP_HEADER_SIZE || want > OCRE_SMP_MAX_FRAME + 2) {
				rx->active = false;
				ret = -OCRE_EINVAL;
			} else if (rx->len - 2 > want) {
				rx->active = false;
				ret = -OCRE_EINVAL;
			} else if (rx->len - 2 == want) {
				size_t flen = want - 2;
				uint16_t crc = (uint16_t)(rx->buf[2 + flen] << 8 | rx->buf[3 + flen]);

				rx->active = false;
				if (ocre_crc16_itu_t(0, rx->buf + 2, flen) != crc) {
					ret = -OCRE_EINVAL;
				} else {
					*frame = rx->buf + 2;
					*len = flen;
					ret = 1;
				}
			}
		}
	}
	rx->line_len = 0;
	return ret;
}
