/* Messaging: every publish and subscribe code, truncation, large messages, the limit. */
#include <string.h>

#include "ocre_env.h"

static char topic[201];
static char prefix[71];
static char payload[2000];

static void take(void)
{
	int rc = GET_EVENT();

	if (rc != 0) {
		printf("get_event = %d\n", rc);
		return;
	}
	printf("message id %u topic %.20s%s (%u bytes) type %s payload %u bytes\n", ev_id,
	       (const char *)ev_port, strlen((const char *)ev_port) > 20 ? "..." : "",
	       (unsigned)strlen((const char *)ev_port), (const char *)ev_state, ev_len);
	SHOW(ocre_messaging_free_module_event_data(ev_port, ev_state, ev_extra));
}

int main(void)
{
	SHOW(ocre_publish_message("m/x", "text/plain", "hi", 2));
	SHOW(ocre_subscribe_message(""));
	SHOW(ocre_subscribe_message("m/"));
	SHOW(ocre_subscribe_message("m/"));
	SHOW(ocre_publish_message("", "text/plain", "hi", 2));
	SHOW(ocre_publish_message("m/x", "", "hi", 2));
	SHOW(ocre_publish_message("m/x", "text/plain", "hi", 0));
	SHOW(ocre_publish_message("m/x", "text/plain", "hi", -1));
	SHOW(ocre_publish_message("m/x", "text/plain", "hi", 2));
	take();
	SHOW(GET_EVENT());
	/* a stray address: upstream frees it anyway (heap corruption), ocre refuses */
	SHOW(ocre_messaging_free_module_event_data(12345, 0, 0));

	/* a 70-byte prefix is kept to its first 63 bytes */
	memset(prefix, 'p', 70);
	SHOW(ocre_subscribe_message(prefix));
	memset(topic, 'p', 63);
	topic[63] = 'Z';
	SHOW(ocre_publish_message(topic, "t", "x", 1));
	take();

	/* a 200-byte topic and a 2000-byte payload are delivered */
	memset(topic, 'm', 200);
	topic[0] = 'm';
	topic[1] = '/';
	memset(payload, 'y', sizeof(payload));
	SHOW(ocre_publish_message(topic, "application/octet-stream", payload, 2000));
	take();

	/* subscriptions until the limit */
	int n = 2;
	char name[8];

	for (;;) {
		snprintf(name, sizeof(name), "s%d/", n);
		int rc = ocre_subscribe_message(name);

		if (rc != 0) {
			printf("subscription %d = %d\n", n + 1, rc);
			break;
		}
		n++;
	}
	printf("subscriptions held: %d\n", n);
	return 0;
}
