/* Sensors: discovery, handles, channels and reads, by handle and by name. */
#include "ocre_env.h"

int main(void)
{
	SHOW(ocre_sensors_init());
	int n = ocre_sensors_discover();

	printf("sensors found: %s\n", n > 0 ? "some" : "none");
	SHOW(ocre_sensors_open(0));
	SHOW(ocre_sensors_get_handle(0));
	SHOW(ocre_sensors_get_handle(99));
	SHOW(ocre_sensors_open(99));
	SHOW(ocre_sensors_get_channel_count(99));
	SHOW(ocre_sensors_get_channel_type(99, 0));
	SHOW(ocre_sensors_get_handle_by_name("no_such_sensor"));
	SHOW(ocre_sensors_open_by_name("no_such_sensor"));
	SHOW(ocre_sensors_get_channel_count_by_name("no_such_sensor"));
	SHOW(ocre_sensors_get_channel_type_by_name("no_such_sensor", 0));
	printf("read_by_name(no_such_sensor) = %d\n", (int)ocre_sensors_read_by_name("no_such_sensor", 0));
	printf("read(99) = %d\n", (int)ocre_sensors_read(99, 0));
	SHOW(ocre_sensors_get_list("zzz", 4));
	return 0;
}
