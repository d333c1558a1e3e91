/* GPIO by name and by port/pin: success and error paths. */
#include "ocre_env.h"

int main(void)
{
	SHOW(ocre_gpio_init());
	SHOW(ocre_gpio_configure_by_name("led0", 1));
	SHOW(ocre_gpio_toggle_by_name("led0"));
	SHOW(ocre_gpio_get_by_name("led0"));
	SHOW(ocre_gpio_set_by_name("led0", 0));
	SHOW(ocre_gpio_get_by_name("led0"));
	SHOW(ocre_gpio_configure_by_name("no_such_alias", 1));
	SHOW(ocre_gpio_toggle_by_name("no_such_alias"));
	SHOW(ocre_gpio_configure(0, 1, 1));
	SHOW(ocre_gpio_pin_set(0, 1, 1));
	SHOW(ocre_gpio_pin_get(0, 1));
	SHOW(ocre_gpio_pin_toggle(0, 1));
	SHOW(ocre_gpio_pin_get(0, 1));
	SHOW(ocre_gpio_configure(0, 40, 1));
	SHOW(ocre_gpio_configure(-1, 1, 1));
	SHOW(ocre_gpio_configure_by_name("sw0", 0));
	SHOW(ocre_gpio_register_callback_by_name("sw0"));
	SHOW(ocre_gpio_unregister_callback_by_name("sw0"));
	SHOW(ocre_gpio_unregister_callback_by_name("sw0"));
	return 0;
}
