/* GET /v1/trace and GET /v1/cookies/C: the request's packet, and the JSON
 * form of a trace or a cookie (#19, docs/api.md).
 *
 * Query arguments of /v1/trace:
 *   src=MAC | src=VNI/MAC      the source host (its bridge, port, MAC, IP)
 *   bridge=DPID&in_port=N&eth_src=MAC&ip_src=IP   or any packet at a port
 *   dst=IP                     IPv4 destination (ARP: the target)
 *   proto=icmp|tcp|udp|arp|dhcp (icmp), ttl=N (64), src_port=N, dst_port=N,
 *   icmp_type=N (8), arp_op=N (1), dst_mac=MAC, ip_src=IP, eth_src=MAC
 * eth_dst defaults to what the source would resolve: the destination
 * host's MAC in its own network, its gateway's MAC off the subnet.
 *
 * Main thread (the model's writer), RCU online. */
#ifndef VX_API_TRACE_H
#define VX_API_TRACE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/api_json.h"
#include "model/trace.h"

/* Returns the value of query argument 'name', or NULL. */
typedef const char *api_trace_arg_fn(void *aux, const char *name);

/* The ingress bridge and packet of a trace request.  A source host bound
 * by interface name leaves its in_port to resolve: '*port_name' is then
 * set (a pointer into the model's config) and the in_port field is 0.
 * Returns false with 'e' set (400, or 404 for an unknown host). */
bool api_trace_request(api_trace_arg_fn *, void *aux, uint64_t *dpid,
                       struct trace_packet *, const char **port_name, struct api_error *e);

/* The JSON form of a trace result (a new reference). */
json_t *api_trace_result_json(const struct trace_result *);

/* GET /v1/cookies/C: what cookie text 'text' says (a new reference), or
 * NULL with 'e' set. */
json_t *api_trace_cookie_json(const char *text, struct api_error *e);

#endif
