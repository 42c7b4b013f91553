/*
 * fuzz_config.c: libFuzzer target for the configuration loader. The input is
 * the text of a config file; config_load_buffer parses it without touching
 * the file system, so each run is pure and fast. Any input must give a
 * config or one error line, never a crash, a leak or a line break in err.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	char err[512];

	/* ${NAME} must resolve one way and not the other, to reach both. */
	setenv("FUZZ_SET", "value", 0);
	err[0] = '\0';
	c = config_load_buffer(
	    (const char *)data, size, "/fuzz/c.yaml", err, sizeof(err));
	if (c == NULL) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	/* Exercise the post-load checks on whatever was accepted. */
	config_check_exposure(c, err, sizeof(err));
	config_preview(c);
	config_free(c);
	return 0;
}
