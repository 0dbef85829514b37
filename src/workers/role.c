#include "workers/role.h"

#include "core/log.h"
#include "model/mastership.h"
#include "proto/ofp_wire.h"
#include "workers/conn.h"
#include "workers/flowdiff.h"
#include "workers/worker.h"

#define VLOG_MODULE "role"

#define OFPET_ROLE_REQUEST_FAILED 11    /* OF1.3.5 A.4.4 */
#define OFPRRFC_STALE 0

void role_sync(struct conn *c)
{
    uint64_t gen;
    enum mastership_role want = mastership_role(c->dpid, &gen);

    if (want == c->role_sent && (want == MASTERSHIP_ALONE || gen == c->role_gen_sent)) {
        return;
    }
    if (want == MASTERSHIP_ALONE) {
        c->role_sent = c->role_now = MASTERSHIP_ALONE;  /* HA switched off: program alone */
        flowdiff_start(c);
        return;
    }
    if (c->role_now == MASTERSHIP_ALONE) {
        c->role_now = MASTERSHIP_SLAVE;         /* HA: nothing until the switch confirms */
    }
    c->role_sent = (uint8_t)want;
    c->role_gen_sent = gen;
    c->role_xid = conn_xid(c);
    if (want == MASTERSHIP_SLAVE && c->role_now != MASTERSHIP_SLAVE) {
        c->role_now = MASTERSHIP_SLAVE;         /* stop programming now */
        counter_inc(conn_counters(c), VXC_role_demotions);
        VLOG_INFO("%s: giving up mastership (generation %llu)", c->name, (unsigned long long)gen);
    }
    ofp_put_role_request(&c->obuf, c->role_xid,
                         want == MASTERSHIP_MASTER ? OFPCR_ROLE_MASTER : OFPCR_ROLE_SLAVE, gen);
    conn_want_flush(c);
}

void role_on_reply(struct conn *c, const struct of_role *r)
{
    if (r->role == OFPCR_ROLE_MASTER && c->role_sent == MASTERSHIP_MASTER
        && c->role_now != MASTERSHIP_MASTER) {
        c->role_now = MASTERSHIP_MASTER;
        counter_inc(conn_counters(c), VXC_role_promotions);
        VLOG_INFO("%s: master (generation %llu): reading the switch's flows",
                  c->name, (unsigned long long)r->generation_id);
        flowdiff_start(c);
    } else if (r->role == OFPCR_ROLE_SLAVE) {
        c->role_now = MASTERSHIP_SLAVE;
    }
}

bool role_on_error(struct conn *c, const struct of_error *e)
{
    if (e->type != OFPET_ROLE_REQUEST_FAILED || e->xid != c->role_xid) {
        return false;
    }
    counter_inc(conn_counters(c), e->code == OFPRRFC_STALE ? VXC_role_stale : VXC_switch_errors);
    VLOG_WARN("%s: the switch refused our %s request with generation %llu (%s): %s",
              c->name, c->role_sent == MASTERSHIP_MASTER ? "MASTER" : "SLAVE",
              (unsigned long long)c->role_gen_sent,
              e->code == OFPRRFC_STALE ? "OFPRRFC_STALE" : "role request failed",
              c->role_sent == MASTERSHIP_MASTER ? "another instance is master with a newer generation"
                                                : "a newer master demoted us already");
    if (c->role_now == MASTERSHIP_MASTER) {
        c->role_now = MASTERSHIP_SLAVE;
    }
    return true;
}

bool role_may_program(const struct conn *c)
{
    return c->role_now == MASTERSHIP_ALONE || c->role_now == MASTERSHIP_MASTER;
}

const char *role_name(const struct conn *c)
{
    return mastership_role_name((enum mastership_role)c->role_now);
}
