/* An out-of-bounds pointer argument traps the container, as WAMR does before the call. */
#include "ocre_env.h"

int main(void)
{
	printf("publishing from outside memory\n");
	fflush(stdout);
	ocre_publish_message("o/x", "t", (const void *)0xfffffff0, 4);
	printf("not reached\n");
	return 0;
}
