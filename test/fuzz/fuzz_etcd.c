/* Fuzz target: what etcd sends an instance (#15).  The input is a watch
 * stream, split into JSON objects as the client splits it (etcd_split),
 * each fed to the watch handler of an instance without etcd (ha_feed) over
 * the article's model: base64 keys and values, events, membership keys,
 * compaction.  Oracle: the model's configuration stays valid after every
 * response, whatever the objects carry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "daemon/etcd.h"
#include "daemon/ha.h"
#include "model/edit.h"
#include "model/mastership.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void changed__(void *aux, const struct dpid_set *affected)
{
    (void)aux, (void)affected;
}

static void feed__(void *aux, json_t *obj)
{
    struct vx_errors errs = { 0, 0, NULL };

    ha_feed(aux, obj);
    if (!edit_validate(model_config(), "fuzz", &errs)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };

    if (!ready) {
        vlog_set_level(VLL_ERR);
        rcu_register_thread();
        model_init();
        ready = true;
    }
    if (!vxconf_load(VX_SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL)) {
        abort();
    }
    model_apply(&cfg, &aff, NULL);             /* back to the article each run */
    dpid_set_clear(&aff);
    struct ha *ha = ha_detached("/vx", changed__, NULL);
    etcd_split((const char *)data, size, feed__, ha, NULL);
    ha_stop(ha);
    mastership_clear();
    rcu_quiescent_state();
    return 0;
}
