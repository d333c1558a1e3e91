/* Publishes to a container that will die with the messages queued, then waits for its own timer. */
#include "ocre_env.h"

int main(void)
{
	ocre_sleep(10);
	for (int i = 0; i < 3; i++) {
		SHOW(ocre_publish_message("d/x", "t", "m", 1));
	}
	ocre_sleep(100); /* the other container is gone now */
	SHOW(ocre_timer_create(2));
	SHOW(ocre_timer_start(2, 20, 1));
	int ticks = 0, blocked = 0;

	for (int t = 0; t < 50 && ticks < 3; t++) {
		int rc;

		while ((rc = GET_EVENT()) == 0) {
			ticks += ev_type == EV_TIMER;
		}
		blocked += rc == -1;
		ocre_sleep(20);
	}
	printf("own timer ticks: %d%s\n", ticks, blocked > 0 ? " (get_event answered -EPERM: the queue is blocked)" : "");
	return 0;
}
