/* The API's representation of the fabric's objects: JSON bodies, URL
 * keys, and the change a PUT or DELETE makes of a configuration.  Shared
 * by the HTTP API (daemon/api.c) and the replay of stored changes
 * (daemon/store.c), so a stored change is read exactly as it was accepted.
 *
 * Plain functions on values the caller owns; main thread in practice. */
#ifndef VX_API_JSON_H
#define VX_API_JSON_H 1

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "model/edit.h"
#include "model/vxconf.h"

/* What went wrong with a request: an HTTP status, the JSON field it is
 * about (NULL: the whole request), and a message for the reply. */
struct api_error {
    unsigned int status;
    const char *field;
    char msg[256];
};

/* Fills 'e' and returns false, so that a check can end in one line. */
bool api_error_set(struct api_error *e, unsigned int status, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Splits "/v1/KIND[/KEY]" into the kind and the key text ("" if none).
 * Returns false if 'url' names no kind. */
bool api_json_route(const char *url, enum edit_kind *k, const char **key_text);

/* Parses the key of an object of kind 'k' from its URL text: a dpid in hex,
 * a VNI, a router MAC, or "VNI/MAC".  Returns false if malformed. */
bool api_json_parse_key(enum edit_kind k, const char *text, union edit_object *key);

/* The bridge of 'cur' that 'text' names, by its name or its dpid in hex
 * ("0x32d1f6ddc94f", any case), or NULL. */
const struct vx_bridge_cfg *api_json_find_bridge(const struct vx_config *cur, const char *text);

/* The canonical URL of object 'key' of kind 'k' ("/v1/hosts/3/02:..."):
 * one text per object, however the request spelt it.  'size' >= 64. */
void api_json_key_url(enum edit_kind k, const union edit_object *key, char *buf, size_t size);

/* The JSON form of object 'o' of kind 'k': a new reference. */
json_t *api_json_object(enum edit_kind k, const void *o);

/* Builds the object of kind 'k' with 'key' from JSON 'body' into 'out',
 * checking each field (the whole-config rules run on the result).  'cur'
 * resolves a host's bridge by name.  Returns false with 'e' set. */
bool api_json_parse_object(const struct vx_config *cur, enum edit_kind k,
                           const union edit_object *key, const char *body,
                           union edit_object *out, struct api_error *e);

/* POST /v1/attach's body: {"network": VNI, "bridge": NAME, "iface": NAME
 * [, "mac": MAC][, "ip": IP]} (#17).  On success 'host_body' (the
 * caller frees it) is the host's PUT body: bridge, iface and ip if given. */
struct api_attach {
    uint32_t vni;
    bool has_mac;
    uint8_t mac[6];
    char *host_body;
};
bool api_json_parse_attach(const char *body, struct api_attach *, struct api_error *);

/* The config that a PUT of 'body' (or a DELETE, when 'body' is NULL) of
 * object 'key' makes of 'cur', validated whole.  On success 'next' (owned
 * by the caller) is sorted, '*existed' tells whether the object was there,
 * and 'out' holds the new object of a PUT.  Returns false with 'e' set:
 * 400 or 404 for a bad request, 409 for a conflict with other objects. */
bool api_json_change(const struct vx_config *cur, enum edit_kind k, const union edit_object *key,
                     const char *body, struct vx_config *next, bool *existed,
                     union edit_object *out, struct api_error *e);

#endif
