/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * From a raw native call to the core: the engine registers every import of a module with
 * one entry point and says which call it is (its index in ocre_abi.def / ocre_wasi.def).
 * Arguments come in 64-bit slots as WAMR's raw natives pass them: i32 values, and for "*"
 * and "$" arguments the native address WAMR translated, turned back into an offset here.
 * The result goes into slot 0. Capabilities are checked here, once per call.
 */

#include <string.h>

#include "ocre_internal.h"

/* i32 and pointer arguments sit at the start of their slot (WAMR stores them that way). */
static uint32_t arg_u32(const uint64_t *a, int n)
{
	uint32_t v;

	memcpy(&v, &a[n], sizeof(v));
	return v;
}

static uint32_t arg_off(const uint64_t *a, int n, const struct ocre_mem *m)
{
	uintptr_t p;

	memcpy(&p, &a[n], sizeof(p));
	return (uint32_t)(p - (uintptr_t)m->base);
}

#define I(n) ((int32_t)arg_u32(a, n))
#define U(n) arg_u32(a, n)
#define P(n) arg_off(a, n, m)

/*
 * A call into a feature the firmware is built without (Kconfig) never gets past ocre_cap_check,
 * which answers -ENOSYS; writing the call as BUILT(feature, call) makes that known at compile
 * time, so the call is left out and the linker drops the feature's code (hello: no timers,
 * GPIO, sensors or messaging). GPIO_EVENTS is a part of GPIO that the capability check does not
 * know: without it the callback calls answer -ENOSYS here (blinky: no edge interrupt path).
 */
#define BUILT(feature, call) (OCRE_HAS_##feature ? (call) : -OCRE_ENOSYS)

static double env_f64(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
		      const uint64_t *a)
{
	int ret = ocre_cap_check(c, (enum ocre_abi_index)fn);

	if (ret != 0) {
		return (double)ret;
	}
	return fn == OCRE_FN_ocre_sensors_read
		       ? BUILT(SENSORS, ocre_api_ocre_sensors_read(c, I(0), I(1)))
		       : BUILT(SENSORS, ocre_api_ocre_sensors_read_by_name(c, m, P(0), I(1)));
}

static int32_t env_i32(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
		       const uint64_t *a)
{
	int ret = ocre_cap_check(c, (enum ocre_abi_index)fn);

	if (ret != 0) {
		return ret;
	}
	switch (fn) {
	case OCRE_FN_uname:
		return ocre_api_uname(c, m, P(0));
	case OCRE_FN_ocre_sleep:
		return ocre_api_ocre_sleep(c, I(0));
	case OCRE_FN_ocre_get_event: {
		const uint32_t out[6] = {U(0), U(1), U(2), U(3), U(4), U(5)};

		return ocre_api_ocre_get_event(c, m, out);
	}
	case OCRE_FN_ocre_register_dispatcher:
		return ocre_api_ocre_register_dispatcher(c, m, I(0), P(1));
	case OCRE_FN_ocre_timer_create:
		return BUILT(TIMERS, ocre_api_ocre_timer_create(c, I(0)));
	case OCRE_FN_ocre_timer_delete:
		return BUILT(TIMERS, ocre_api_ocre_timer_delete(c, I(0)));
	case OCRE_FN_ocre_timer_start:
		return BUILT(TIMERS, ocre_api_ocre_timer_start(c, I(0), I(1), I(2)));
	case OCRE_FN_ocre_timer_stop:
		return BUILT(TIMERS, ocre_api_ocre_timer_stop(c, I(0)));
	case OCRE_FN_ocre_timer_get_remaining:
		return BUILT(TIMERS, ocre_api_ocre_timer_get_remaining(c, I(0)));
	case OCRE_FN_ocre_publish_message:
		return BUILT(MESSAGING,
			     ocre_api_ocre_publish_message(c, m, P(0), P(1), P(2), I(3)));
	case OCRE_FN_ocre_subscribe_message:
		return BUILT(MESSAGING, ocre_api_ocre_subscribe_message(c, m, P(0)));
	case OCRE_FN_ocre_messaging_free_module_event_data:
		return BUILT(MESSAGING,
			     ocre_api_ocre_messaging_free_module_event_data(c, U(0), U(1), U(2)));
	case OCRE_FN_ocre_sensors_init:
		return BUILT(SENSORS, ocre_api_ocre_sensors_init(c));
	case OCRE_FN_ocre_sensors_discover:
		return BUILT(SENSORS, ocre_api_ocre_sensors_discover(c));
	case OCRE_FN_ocre_sensors_open:
		return BUILT(SENSORS, ocre_api_ocre_sensors_open(c, I(0)));
	case OCRE_FN_ocre_sensors_get_handle:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_handle(c, I(0)));
	case OCRE_FN_ocre_sensors_get_channel_count:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_channel_count(c, I(0)));
	case OCRE_FN_ocre_sensors_get_channel_type:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_channel_type(c, I(0), I(1)));
	case OCRE_FN_ocre_sensors_open_by_name:
		return BUILT(SENSORS, ocre_api_ocre_sensors_open_by_name(c, m, P(0)));
	case OCRE_FN_ocre_sensors_get_handle_by_name:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_handle_by_name(c, m, P(0)));
	case OCRE_FN_ocre_sensors_get_channel_count_by_name:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_channel_count_by_name(c, m, P(0)));
	case OCRE_FN_ocre_sensors_get_channel_type_by_name:
		return BUILT(SENSORS,
			     ocre_api_ocre_sensors_get_channel_type_by_name(c, m, P(0), I(1)));
	case OCRE_FN_ocre_sensors_get_list:
		return BUILT(SENSORS, ocre_api_ocre_sensors_get_list(c, m, P(0), I(1)));
	case OCRE_FN_ocre_gpio_init:
		return BUILT(GPIO, ocre_api_ocre_gpio_init(c));
	case OCRE_FN_ocre_gpio_configure:
		return BUILT(GPIO, ocre_api_ocre_gpio_configure(c, I(0), I(1), I(2)));
	case OCRE_FN_ocre_gpio_pin_set:
		return BUILT(GPIO, ocre_api_ocre_gpio_pin_set(c, I(0), I(1), I(2)));
	case OCRE_FN_ocre_gpio_pin_get:
		return BUILT(GPIO, ocre_api_ocre_gpio_pin_get(c, I(0), I(1)));
	case OCRE_FN_ocre_gpio_pin_toggle:
		return BUILT(GPIO, ocre_api_ocre_gpio_pin_toggle(c, I(0), I(1)));
	case OCRE_FN_ocre_gpio_register_callback:
		return BUILT(GPIO_EVENTS, ocre_api_ocre_gpio_register_callback(c, I(0), I(1)));
	case OCRE_FN_ocre_gpio_unregister_callback:
		return BUILT(GPIO_EVENTS, ocre_api_ocre_gpio_unregister_callback(c, I(0), I(1)));
	case OCRE_FN_ocre_gpio_configure_by_name:
		return BUILT(GPIO, ocre_api_ocre_gpio_configure_by_name(c, m, P(0), I(1)));
	case OCRE_FN_ocre_gpio_set_by_name:
		return BUILT(GPIO, ocre_api_ocre_gpio_set_by_name(c, m, P(0), I(1)));
	case OCRE_FN_ocre_gpio_get_by_name:
		return BUILT(GPIO, ocre_api_ocre_gpio_get_by_name(c, m, P(0)));
	case OCRE_FN_ocre_gpio_toggle_by_name:
		return BUILT(GPIO, ocre_api_ocre_gpio_toggle_by_name(c, m, P(0)));
	case OCRE_FN_ocre_gpio_register_callback_by_name:
		return BUILT(GPIO_EVENTS, ocre_api_ocre_gpio_register_callback_by_name(c, m, P(0)));
	case OCRE_FN_ocre_gpio_unregister_callback_by_name:
		return BUILT(GPIO_EVENTS, ocre_api_ocre_gpio_unregister_callback_by_name(c, m, P(0)));
	default:
		return -OCRE_ENOSYS;
	}
}

void ocre_dispatch_env(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
		       uint64_t *a)
{
	ocre_host_enter(c);
	if (fn == OCRE_FN_ocre_sensors_read || fn == OCRE_FN_ocre_sensors_read_by_name) {
		double d = env_f64(c, m, fn, a);

		memcpy(a, &d, sizeof(d));
	} else {
		int32_t r = fn < OCRE_FN_COUNT ? env_i32(c, m, fn, a) : -OCRE_ENOSYS;

		memcpy(a, &r, sizeof(r));
	}
	ocre_host_leave(c);
}

bool ocre_dispatch_wasi(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
			uint64_t *a)
{
	const struct ocre_container_meta *meta = &c->meta;
	int32_t r;

	ocre_host_enter(c);
	switch (fn) {
#if OCRE_HAS_WASI_FS
	case OCRE_WASI_fd_write:
		r = I(0) < 3 ? ocre_wasi_fd_write(c, m, I(0), U(1), U(2), U(3))
			     : ocre_wasi_fs_rw(c, m, I(0), U(1), U(2), U(3), true);
		break;
	case OCRE_WASI_fd_fdstat_get:
		r = I(0) < 3 ? ocre_wasi_fd_fdstat_get(m, I(0), U(1))
			     : ocre_wasi_fs_fdstat_get(c, m, I(0), U(1));
		break;
	case OCRE_WASI_fd_prestat_get:
		r = ocre_wasi_fs_prestat_get(c, m, I(0), U(1));
		break;
	case OCRE_WASI_fd_prestat_dir_name:
		r = ocre_wasi_fs_prestat_dir_name(c, m, I(0), U(1), U(2));
		break;
#else
	case OCRE_WASI_fd_write:
		r = ocre_wasi_fd_write(c, m, I(0), U(1), U(2), U(3));
		break;
	case OCRE_WASI_fd_fdstat_get:
		r = ocre_wasi_fd_fdstat_get(m, I(0), U(1));
		break;
	case OCRE_WASI_fd_prestat_get:
	case OCRE_WASI_fd_prestat_dir_name:
		r = ocre_wasi_fd_prestat_get(I(0));
		break;
#endif
	case OCRE_WASI_proc_exit:
		ocre_wasi_proc_exit(c, I(0));
		ocre_host_leave(c);
		return true;
	case OCRE_WASI_clock_time_get: /* (id, precision: i64 in slot 1, out) */
		r = ocre_wasi_clock_time_get(m, I(0), U(2));
		break;
	case OCRE_WASI_clock_res_get:
		r = ocre_wasi_clock_res_get(m, I(0), U(1));
		break;
	case OCRE_WASI_random_get:
		r = ocre_wasi_random_get(m, U(0), U(1));
		break;
	case OCRE_WASI_args_sizes_get:
		r = ocre_wasi_list_sizes(m, meta->argv, meta->argc, U(0), U(1));
		break;
	case OCRE_WASI_args_get:
		r = ocre_wasi_list_get(m, meta->argv, meta->argc, U(0), U(1));
		break;
	case OCRE_WASI_environ_sizes_get:
		r = ocre_wasi_list_sizes(m, meta->envp, meta->envc, U(0), U(1));
		break;
	case OCRE_WASI_environ_get:
		r = ocre_wasi_list_get(m, meta->envp, meta->envc, U(0), U(1));
		break;
	case OCRE_WASI_sched_yield:
		ocre_port_yield();
		r = OCRE_WASI_ESUCCESS;
		break;
#if OCRE_HAS_WASI_FS
	case OCRE_WASI_fd_read:
		/* stdio keeps the minimal answers (ENOSYS); fds from 3 are files. */
		r = I(0) < 3 ? OCRE_WASI_ENOSYS : ocre_wasi_fs_rw(c, m, I(0), U(1), U(2), U(3), false);
		break;
	case OCRE_WASI_fd_close:
		r = I(0) < 3 ? OCRE_WASI_ENOSYS : ocre_wasi_fs_close(c, I(0));
		break;
	case OCRE_WASI_fd_seek: /* (fd, offset: i64 in slot 1, whence, out) */
		r = I(0) < 3 ? OCRE_WASI_ENOSYS
			     : ocre_wasi_fs_seek(c, m, I(0), (int64_t)a[1], U(2), U(3));
		break;
	case OCRE_WASI_fd_tell:
		r = ocre_wasi_fs_tell(c, m, I(0), U(1));
		break;
	case OCRE_WASI_fd_filestat_get:
		r = ocre_wasi_fs_filestat_get(c, m, I(0), U(1));
		break;
	case OCRE_WASI_fd_readdir: /* (fd, buf, len, cookie: i64 in slot 3, used) */
		r = ocre_wasi_fs_readdir(c, m, I(0), U(1), U(2), a[3], U(4));
		break;
	case OCRE_WASI_fd_renumber:
		r = ocre_wasi_fs_renumber(c, I(0), I(1));
		break;
	case OCRE_WASI_path_open:
		/* (dirfd, lookup, path, len, oflags, rights: i64, inheriting: i64, fdflags, fd) */
		r = ocre_wasi_fs_path_open(c, m, I(0), U(2), U(3), U(4), a[5], U(7), U(8));
		break;
	case OCRE_WASI_path_filestat_get: /* (dirfd, flags, path, len, out) */
		r = ocre_wasi_fs_path_filestat_get(c, m, I(0), U(2), U(3), U(4));
		break;
	case OCRE_WASI_path_create_directory:
		r = ocre_wasi_fs_path_op(c, m, I(0), U(1), U(2), OCRE_WASI_FS_MKDIR);
		break;
	case OCRE_WASI_path_unlink_file:
		r = ocre_wasi_fs_path_op(c, m, I(0), U(1), U(2), OCRE_WASI_FS_UNLINK);
		break;
	case OCRE_WASI_path_remove_directory:
		r = ocre_wasi_fs_path_op(c, m, I(0), U(1), U(2), OCRE_WASI_FS_RMDIR);
		break;
#else
	case OCRE_WASI_fd_tell:
	case OCRE_WASI_fd_filestat_get:
	case OCRE_WASI_fd_readdir:
	case OCRE_WASI_fd_renumber:
	case OCRE_WASI_path_open:
	case OCRE_WASI_path_filestat_get:
	case OCRE_WASI_path_create_directory:
	case OCRE_WASI_path_unlink_file:
	case OCRE_WASI_path_remove_directory:
		/*
		 * No preopened directory (ocre_wasi_fd_prestat_get): no fd names a file or a
		 * directory, so the only answer is EBADF, before any pointer is read.
		 */
		r = OCRE_WASI_EBADF;
		break;
#endif
	default: /* fd_read, fd_close, fd_seek, fd_fdstat_set_flags, poll_oneoff */
		r = OCRE_WASI_ENOSYS;
		break;
	}
	memcpy(a, &r, sizeof(r));
	ocre_host_leave(c);
	return false;
}
