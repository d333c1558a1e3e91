/* Timers: ids 1..8, intervals 1..65535 ms, every call's error path, and an expiry event. */
#include "ocre_env.h"

int main(void)
{
	SHOW(ocre_timer_create(0));
	SHOW(ocre_timer_create(1));
	SHOW(ocre_timer_create(8));
	SHOW(ocre_timer_create(9));
	SHOW(ocre_timer_create(1));
	SHOW(ocre_timer_start(1, 0, 0));
	SHOW(ocre_timer_start(1, 65536, 0));
	SHOW(ocre_timer_start(2, 10, 0));
	SHOW(ocre_timer_stop(2));
	SHOW(ocre_timer_delete(2));
	SHOW(ocre_timer_get_remaining(2));
	SHOW(ocre_timer_start(1, 50, 0));
	int left = ocre_timer_get_remaining(1);

	printf("remaining in 1..50: %s\n", left >= 1 && left <= 50 ? "yes" : "no");
	SHOW(ocre_sleep(60));
	SHOW(GET_EVENT());
	printf("event type %u id %u\n", ev_type, ev_id);
	SHOW(GET_EVENT());
	SHOW(ocre_timer_get_remaining(1));
	SHOW(ocre_timer_start(8, 10, 1));
	SHOW(ocre_timer_stop(8));
	SHOW(ocre_timer_delete(8));
	SHOW(ocre_timer_delete(8));
	SHOW(ocre_timer_delete(1));
	return 0;
}
