# Copyright (c) 2026 ocre contributors
# SPDX-License-Identifier: Apache-2.0
#
# Source lists of the portable core, shared by zephyr-module/CMakeLists.txt and test/c.
#   OCRE_CORE_SOURCES   portable C without WAMR or RTOS headers (host-tested, cross-compiled)
#   OCRE_WAMR_SOURCES   the engine and natives on WAMR (need wasm_export.h)
#   OCRE_POSIX_SOURCES  the POSIX port
#   OCRE_POSIX_CRYPTO_SOURCES  its signature-checking crypto (libcrypto)
#   OCRE_AGENT_SOURCES  the device agent (ocre_store.c ...), with OCRE_POSIX_AGENT_SOURCES
#   OCRE_INCLUDE_DIRS   public headers (ocre/ocre.h, ocre/ocre_port.h)

set(OCRE_GLUE_DIR ${CMAKE_CURRENT_LIST_DIR})
set(OCRE_CORE_SOURCES
  ${OCRE_GLUE_DIR}/src/ocre_abi.c
  ${OCRE_GLUE_DIR}/src/ocre_api.c
  ${OCRE_GLUE_DIR}/src/ocre_container.c
  ${OCRE_GLUE_DIR}/src/ocre_dispatch.c
  ${OCRE_GLUE_DIR}/src/ocre_events.c
  ${OCRE_GLUE_DIR}/src/ocre_health.c
  ${OCRE_GLUE_DIR}/src/ocre_json.c
  ${OCRE_GLUE_DIR}/src/ocre_log.c
  ${OCRE_GLUE_DIR}/src/ocre_logring.c
  ${OCRE_GLUE_DIR}/src/ocre_mem.c
  ${OCRE_GLUE_DIR}/src/ocre_policy.c
  ${OCRE_GLUE_DIR}/src/ocre_verify.c
  ${OCRE_GLUE_DIR}/src/ocre_wasi.c
  ${OCRE_GLUE_DIR}/src/ocre_wasi_fs.c
)
set(OCRE_WAMR_SOURCES
  ${OCRE_GLUE_DIR}/src/wamr/ocre_wamr_engine.c
  ${OCRE_GLUE_DIR}/src/wamr/ocre_wamr_natives.c
)
set(OCRE_POSIX_SOURCES
  ${OCRE_GLUE_DIR}/port/posix/ocre_port_posix.c
  ${OCRE_GLUE_DIR}/port/posix/ocre_fs_posix.c
)
# The POSIX port's crypto for signature checking (OCRE_VERIFY=1), on OpenSSL's libcrypto.
set(OCRE_POSIX_CRYPTO_SOURCES
  ${OCRE_GLUE_DIR}/port/posix/ocre_crypto_openssl.c
)
# The device agent (container store, pull client): needs signature checking (OCRE_VERIFY).
set(OCRE_AGENT_SOURCES
  ${OCRE_GLUE_DIR}/src/ocre_agent.c
  ${OCRE_GLUE_DIR}/src/ocre_cbor.c
  ${OCRE_GLUE_DIR}/src/ocre_image.c
  ${OCRE_GLUE_DIR}/src/ocre_smp.c
  ${OCRE_GLUE_DIR}/src/ocre_smp_serial.c
  ${OCRE_GLUE_DIR}/src/ocre_store.c
)
# The agent's registry client (needs the port's sockets, ocre_port_net_*).
set(OCRE_AGENT_PULL_SOURCES
  ${OCRE_GLUE_DIR}/src/ocre_pull.c
)
# Its POSIX port: file-backed flash and sockets; the device program and its engine stub.
set(OCRE_POSIX_AGENT_SOURCES
  ${OCRE_GLUE_DIR}/port/posix/ocre_flash_posix.c
  ${OCRE_GLUE_DIR}/port/posix/ocre_net_posix.c
)
set(OCRE_POSIX_DEVICE_SOURCES
  ${OCRE_GLUE_DIR}/port/posix/ocre_device_posix.c
  ${OCRE_GLUE_DIR}/port/posix/ocre_engine_none.c
)
set(OCRE_INCLUDE_DIRS ${OCRE_GLUE_DIR}/include)
