/* Two containers, both using timer id 1: per container on ocre, global upstream. */
#include "ocre_env.h"

int main(void)
{
	int rc = ocre_timer_create(1);

	printf("create(1) = %d\n", rc);
	if (rc != 0) {
		return 0;
	}
	ocre_timer_start(1, 30, 1);
	int ticks = 0;

	while (ticks < 3) {
		while (GET_EVENT() == 0) {
			if (ev_type == EV_TIMER && ev_id == 1) {
				ticks++;
			}
		}
		ocre_sleep(5);
	}
	printf("3 ticks of timer 1\n");
	ocre_timer_delete(1);
	return 0;
}
