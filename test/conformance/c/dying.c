/* Subscribes, lets messages queue up, and exits without taking them. */
#include "ocre_env.h"

int main(void)
{
	SHOW(ocre_subscribe_message("d/"));
	ocre_sleep(50);
	printf("exiting with events queued\n");
	return 0;
}
