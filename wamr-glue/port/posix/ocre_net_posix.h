/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's sockets (ocre/ocre_pull.h): what only the POSIX device configures.
 */

#ifndef OCRE_NET_POSIX_H_
#define OCRE_NET_POSIX_H_

/*
 * The CA certificate(s), a PEM file, that registries reached over TLS must chain to: the only
 * trust anchor (the system's store is not used). 0, or -1 when the file holds no certificate.
 * Without it, ocre_port_net_connect_tls() refuses every connection.
 */
int ocre_posix_net_tls_ca(const char *pem_path);

#endif /* OCRE_NET_POSIX_H_ */
