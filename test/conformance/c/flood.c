/* A flood: publishing to itself until its queue is full, then the same with ocre:errno-v1. */
#include "ocre_env.h"

static int fill(void)
{
	int n = 0, rc;

	while ((rc = ocre_publish_message("f/x", "t", "z", 1)) == 0) {
		n++;
	}
	printf("queued %d, then %d\n", n, rc);
	return n;
}

static void drain(void)
{
	int n = 0;

	while (GET_EVENT() == 0) {
		ocre_messaging_free_module_event_data(ev_port, ev_state, ev_extra);
		n++;
	}
	printf("drained %d\n", n);
}

int main(void)
{
	SHOW(ocre_subscribe_message("f/"));
	fill();
	drain();
	printf("handshake %d\n", ocre_register_dispatcher(OCRE_EXT_EVENT_TYPE, "ocre:errno-v1"));
	fill();
	drain();
	return 0;
}
