# Copyright (c) 2026 ocre contributors
# SPDX-License-Identifier: Apache-2.0
#
# When WAMR is a west project, Zephyr treats it as a module whose zephyr/module.yml asks for
# external CMake and Kconfig (cmake-ext, kconfig-ext) that no Zephyr release provides; its
# Kconfig step then fails ("Could not open ... EISDIR"). Answer for it with an empty Kconfig and
# a CMake directory that only records where WAMR is: the ocre module builds WAMR itself.
set(ZEPHYR_WASM_MICRO_RUNTIME_KCONFIG ${CMAKE_CURRENT_LIST_DIR}/wasm-micro-runtime/Kconfig)
set(ZEPHYR_WASM_MICRO_RUNTIME_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR}/wasm-micro-runtime)
