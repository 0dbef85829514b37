/* Edits of the fabric's objects, and the one set of rules they must
 * satisfy.  The configuration file (vxconf_load), the HTTP API and the
 * store's replay all go through these functions, so an object the file
 * refuses is refused by the API with the same words, and the other way
 * round.
 *
 * Everything here works on plain struct vx_config values that the caller
 * owns; nothing touches the live model or any shared state, so any thread
 * may call it (in practice the main thread, the model's single writer). */
#ifndef VX_EDIT_H
#define VX_EDIT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/vxconf.h"

/* The four kinds of objects, as the API names them. */
enum edit_kind { EDIT_BRIDGE, EDIT_NETWORK, EDIT_ROUTER, EDIT_HOST, EDIT_N_KINDS };

/* Any one object, keyed by its kind's key (dpid, VNI, router MAC,
 * (VNI, MAC)). */
union edit_object {
    struct vx_bridge_cfg bridge;
    struct vx_network_cfg network;
    struct vx_router_cfg router;
    struct vx_host_cfg host;
};

/* The plural name of kind 'k' ("bridges"...), as in URLs and the file. */
const char *edit_kind_name(enum edit_kind k);

/* The number of objects of kind 'k' in 'cfg', and the i-th of them. */
size_t edit_count(const struct vx_config *cfg, enum edit_kind k);
const void *edit_object_at(const struct vx_config *cfg, enum edit_kind k, size_t i);
/* The object of kind 'k' keyed like 'key' in sorted 'cfg', or NULL.
 * O(log n). */
const void *edit_find(const struct vx_config *cfg, enum edit_kind k, const void *key);

/* Validates a whole config, naming 'source' in messages ("FILE:LINE:
 * OBJECT: problem").  Returns true if it has no error; otherwise appends
 * every error found to 'errs'.  'cfg' need not be sorted.  O(n log n). */
bool edit_validate(const struct vx_config *cfg, const char *source, struct vx_errors *errs);

/* The address rules for a host 'ip' in network 'n': inside the subnet, not
 * the gateway, not the network or broadcast address (RFC 919, RFC 3021 for
 * /31).  Returns true if 'ip' may be a host's; otherwise writes why into
 * 'msg' ("IP 10.0.0.1 is network 1's gateway") and returns false. */
bool edit_host_ip_ok(const struct vx_network_cfg *n, uint32_t ip, char *msg, size_t msg_size);

/* Makes 'out' a deep copy of 'cur', owned by the caller (vxconf_free). */
void edit_copy(const struct vx_config *cur, struct vx_config *out);

/* Makes 'out' a deep copy of 'cur' (owned by the caller, free with
 * vxconf_free) in which the object of kind 'k' keyed like 'key' is removed
 * and, if 'put' is not NULL, 'put' added.  Returns whether 'key' existed.
 * 'out' is unsorted; it is validated with edit_validate() and sorted with
 * vxconf_sort() before use.  O(fabric): the API uses it for the rare
 * writes; host writes take model_apply_host(). */
bool edit_config_with(const struct vx_config *cur, enum edit_kind k, const void *key,
                      const void *put, struct vx_config *out);

/* One object's final state after a series of edits: 'obj' if 'present',
 * else removed.  The key fields of 'obj' are set in either case.  'order'
 * ranks overrides of the same key: the highest wins. */
struct edit_override {
    bool present;
    uint64_t order;
    union edit_object obj;
};

/* Applies overrides 'ov' (all of kind 'k', 'n' of them, any order) to the
 * caller's sorted 'cfg' in one merge, O(size + n log n); 'ov' is sorted in
 * place.  Of several overrides of one key, the highest 'order' wins.  'cfg'
 * stays sorted and is not validated: validate it with edit_validate(). */
void edit_apply_overrides(struct vx_config *cfg, enum edit_kind k, struct edit_override *ov,
                          size_t n);

#endif
