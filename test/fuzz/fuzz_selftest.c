/* A fuzz target that aborts on the input "crash": the replay harness's own
 * test, that a failing input is reported and counted, and the others run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 5 && !memcmp(data, "crash", 5)) {
        abort();
    }
    return 0;
}
