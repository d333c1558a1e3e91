/**
 * The upstream Ocre container ABI, module "env": one raw declaration per host function, with
 * exactly the names and Wasm signatures of cli/abi/table.ts (test/sdk-abi.test.ts compiles every
 * one of them and compares the module's import section with that table).
 *
 * Pointers (`usize`) are addresses in this module's linear memory; a `cstr` parameter is the
 * address of a NUL-terminated UTF-8 string (see ../cstring.ts). Results are 0 or a negative
 * errno unless noted. Apps normally use the wrappers in ../index.ts instead.
 */

// @ts-ignore: decorator
@external("env", "uname")
/** Fills 6 fields of 80 bytes each (480 bytes) at `buf`. */
export declare function uname(buf: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_sleep")
export declare function ocre_sleep(ms: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_get_event")
/** Six addresses of u32 out-values; 0 when an event was written, -ENOMSG when none. Never blocks. */
export declare function ocre_get_event(type: usize, id: usize, port: usize, state: usize, extra: usize, payloadLen: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_register_dispatcher")
/** Resource type and the name (C string) of an exported function; -EINVAL if it is not exported. */
export declare function ocre_register_dispatcher(type: i32, functionName: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_timer_create")
export declare function ocre_timer_create(id: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_timer_delete")
export declare function ocre_timer_delete(id: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_timer_start")
/** Interval 1..65535 ms; periodic 0 or 1. */
export declare function ocre_timer_start(id: i32, intervalMs: i32, periodic: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_timer_stop")
export declare function ocre_timer_stop(id: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_timer_get_remaining")
/** Milliseconds until the timer fires, or a negative errno. */
export declare function ocre_timer_get_remaining(id: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_publish_message")
/** Topic and content type are C strings; -ENOENT when nobody received the message. */
export declare function ocre_publish_message(topic: usize, contentType: usize, payload: usize, payloadLen: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_subscribe_message")
/** Topic prefix (C string, at most 63 bytes); matching is by prefix. */
export declare function ocre_subscribe_message(topicPrefix: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_messaging_free_module_event_data")
/** Frees the topic, content-type and payload copies a message event placed in this module. */
export declare function ocre_messaging_free_module_event_data(topic: usize, contentType: usize, payload: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_init")
export declare function ocre_sensors_init(): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_discover")
/** Number of sensors found, or a negative errno. */
export declare function ocre_sensors_discover(): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_open")
export declare function ocre_sensors_open(handle: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_handle")
export declare function ocre_sensors_get_handle(sensorId: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_channel_count")
export declare function ocre_sensors_get_channel_count(sensorId: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_channel_type")
export declare function ocre_sensors_get_channel_type(sensorId: i32, channelIndex: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_read")
/** The channel's value; a negative errno on failure (as a double). */
export declare function ocre_sensors_read(sensorId: i32, channelType: i32): f64;

// @ts-ignore: decorator
@external("env", "ocre_sensors_open_by_name")
export declare function ocre_sensors_open_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_handle_by_name")
export declare function ocre_sensors_get_handle_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_channel_count_by_name")
export declare function ocre_sensors_get_channel_count_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_channel_type_by_name")
export declare function ocre_sensors_get_channel_type_by_name(name: usize, channelIndex: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_sensors_read_by_name")
export declare function ocre_sensors_read_by_name(name: usize, channelType: i32): f64;

// @ts-ignore: decorator
@external("env", "ocre_sensors_get_list")
/** Upstream writes host pointers into `list`, which a module cannot use; prefer Sensor.count(). */
export declare function ocre_sensors_get_list(list: usize, maxNames: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_init")
export declare function ocre_gpio_init(): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_configure")
/** Direction 0 input, 1 output. */
export declare function ocre_gpio_configure(port: i32, pin: i32, direction: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_pin_set")
export declare function ocre_gpio_pin_set(port: i32, pin: i32, state: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_pin_get")
/** The level (0 or 1), or a negative errno. */
export declare function ocre_gpio_pin_get(port: i32, pin: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_pin_toggle")
export declare function ocre_gpio_pin_toggle(port: i32, pin: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_register_callback")
export declare function ocre_gpio_register_callback(port: i32, pin: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_unregister_callback")
export declare function ocre_gpio_unregister_callback(port: i32, pin: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_configure_by_name")
export declare function ocre_gpio_configure_by_name(name: usize, direction: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_set_by_name")
export declare function ocre_gpio_set_by_name(name: usize, state: i32): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_get_by_name")
export declare function ocre_gpio_get_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_toggle_by_name")
export declare function ocre_gpio_toggle_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_register_callback_by_name")
export declare function ocre_gpio_register_callback_by_name(name: usize): i32;

// @ts-ignore: decorator
@external("env", "ocre_gpio_unregister_callback_by_name")
export declare function ocre_gpio_unregister_callback_by_name(name: usize): i32;
