/* Fuzz target: the configuration loader (libconfig parsing, then every
 * validation rule), fed a whole file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/settings.h"
#include "model/vxconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };

    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/vxfuzz-config-%d.conf", getpid());
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    static struct settings settings;
    if (settings_load(path, &settings, &cfg, &errs)) {
        vxconf_free(&cfg);
    } else if (!errs.n) {
        abort();                /* a refusal always says why */
    }
    vx_errors_clear(&errs);
    unlink(path);
    return 0;
}
