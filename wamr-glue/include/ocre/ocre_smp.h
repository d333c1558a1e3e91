/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent's protocol: MCUmgr's SMP (Simple Management Protocol) frames, an 8-byte
 * header and a CBOR map, in a group of ocre's own (docs/deploy.md lists its commands). A
 * transport delivers whole frames: over TCP each frame follows the previous on the stream, as
 * the header carries its length (Zephyr's SMP over UDP sends one per datagram instead); over a
 * console, SMP's serial framing would wrap them.
 */

#ifndef OCRE_OCRE_SMP_H_
#define OCRE_OCRE_SMP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCRE_SMP_HEADER_SIZE 8
/* The largest frame either side sends (header included): a 1 KiB data chunk and its keys. */
#define OCRE_SMP_MAX_FRAME   2048
/* MCUmgr's first user-defined group (MGMT_GROUP_ID_PERUSER). */
#define OCRE_SMP_GROUP       64

enum ocre_smp_op {
	OCRE_SMP_OP_READ = 0,
	OCRE_SMP_OP_READ_RSP = 1,
	OCRE_SMP_OP_WRITE = 2,
	OCRE_SMP_OP_WRITE_RSP = 3,
};

enum ocre_smp_cmd {
	OCRE_SMP_CMD_LIST = 0,     /* read */
	OCRE_SMP_CMD_INSTALL = 1,  /* write, in chunks */
	OCRE_SMP_CMD_REMOVE = 2,   /* write */
	OCRE_SMP_CMD_ROLLBACK = 3, /* write */
	OCRE_SMP_CMD_PULL = 4,     /* write: the device pulls from a registry itself */
	OCRE_SMP_CMD_LOGS = 5,     /* read: the log ring (ocre/ocre_logring.h) from a sequence on */
};

/* MCUmgr's result codes (MGMT_ERR_*), the "rc" of every response. */
enum ocre_smp_rc {
	OCRE_SMP_EOK = 0,
	OCRE_SMP_EUNKNOWN = 1,
	OCRE_SMP_ENOMEM = 2,
	OCRE_SMP_EINVAL = 3,
	OCRE_SMP_ETIMEOUT = 4,
	OCRE_SMP_ENOENT = 5,
	OCRE_SMP_EBADSTATE = 6,
	OCRE_SMP_EMSGSIZE = 7,
	OCRE_SMP_ENOTSUP = 8,
	OCRE_SMP_ECORRUPT = 9,
	OCRE_SMP_EBUSY = 10,
	OCRE_SMP_EACCESSDENIED = 11,
};

/* The payload length a header announces (a transport reads that many more bytes). */
size_t ocre_smp_frame_len(const uint8_t hdr[OCRE_SMP_HEADER_SIZE]);

/*
 * Handles one request frame and writes the response frame into rsp (cap bytes, at least
 * OCRE_SMP_MAX_FRAME). Returns the response length, or 0 when there is nothing to answer (a
 * frame too short to carry a header).
 */
size_t ocre_smp_handle(const uint8_t *req, size_t len, uint8_t *rsp, size_t cap);

/*
 * SMP's serial framing (MCUmgr's console transport): a frame becomes lines of at most 127
 * bytes (0x06 0x09 or 0x04 0x14, base64, '\n') carrying its length and a CRC16-CCITT.
 * Encode returns the bytes written to out, 0 when cap is too small.
 */
size_t ocre_smp_serial_encode(const uint8_t *frame, size_t len, uint8_t *out, size_t cap);
/* Room for the lines of a largest frame. */
#define OCRE_SMP_SERIAL_MAX ((OCRE_SMP_MAX_FRAME + 4 + 92) / 93 * 127)

struct ocre_smp_serial_rx {
	uint8_t buf[OCRE_SMP_MAX_FRAME + 4 + 3];
	size_t len;
	uint8_t line[127];
	size_t line_len;
	bool active;
};

/*
 * Feeds one received byte: 1 when it completed a frame (*frame, *len point into rx until the
 * next call), 0 when more is needed or the line was console text, a negative errno when a
 * packet was malformed (its bytes are dropped).
 */
int ocre_smp_serial_feed(struct ocre_smp_serial_rx *rx, uint8_t byte, const uint8_t **frame,
			 size_t *len);
uint16_t ocre_crc16_itu_t(uint16_t crc, const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_SMP_H_ */
