/* Core calls: uname, ocre_sleep, ocre_get_event, ocre_register_dispatcher, and the handshake. */
#include <string.h>

#include "ocre_env.h"

static char uts[6][80];

__attribute__((export_name("on_timer"))) void on_timer(void)
{
}

int main(void)
{
	SHOW(ocre_uname(uts));
	printf("sysname %s\n", uts[0]);
	SHOW(ocre_register_dispatcher(EV_TIMER, "on_timer"));
	SHOW(ocre_register_dispatcher(EV_TIMER, "not_exported"));
	SHOW(ocre_register_dispatcher(7, "on_timer"));
	SHOW(ocre_register_dispatcher(OCRE_EXT_EVENT_TYPE, "ocre:errno-v1"));
	SHOW(ocre_register_dispatcher(OCRE_EXT_EVENT_TYPE, "ocre:no-such-extension"));
	SHOW(ocre_sleep(-5));
	SHOW(ocre_sleep(0));
	SHOW(ocre_sleep(20));
	SHOW(GET_EVENT());
	/* out-addresses are plain i32s: checked by the call, -EINVAL, no trap */
	SHOW(ocre_get_event(&ev_type, &ev_id, &ev_port, &ev_state, &ev_extra,
			    (uint32_t *)0xfffffff0));
	return 0;
}
