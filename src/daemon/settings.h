/* The daemon's settings: the configuration file's top-level keys other
 * than the object lists (docs/config.md), with the command line's
 * overrides.  The model never sees them; the daemon hands each layer the
 * part it uses (struct worker_params, the acceptor's listen address).
 *
 * A struct settings is a plain value owned by the main thread. */
#ifndef VX_SETTINGS_H
#define VX_SETTINGS_H 1

#include <stdbool.h>

#include "core/log.h"
#include "model/vxconf.h"
#include "workers/worker.h"

struct settings {
    char listen[128];           /* "tcp:IP:PORT" */
    int workers;                /* 0: one per core */
    unsigned int max_handshakes;    /* connections in HELLO/FEATURES at once */
    enum vlog_level log_level;
    char state_dir[256];        /* counters and flow dumps (SIGUSR2) */
    struct worker_params worker;   /* echo, packet-in limits, flow batches */
    char api_listen[128];       /* "tcp:IP:PORT"; empty: no API */
    char api_token[128];        /* bearer token (from api_token_file); empty: none */
    char api_token_file[256];   /* where the token is read from (#18) */
    char api_tls_key[256];      /* HTTPS: PEM files; empty: plain HTTP */
    char api_tls_cert[256];
    char api_tls_client_ca[256];    /* require client certificates from this CA */
    char api_store[256];        /* SQLite file of API changes; empty: none */
    char ssl_listen[128];       /* "ssl:IP:PORT" (#18); empty: no TLS listener */
    char ssl_private_key[256];  /* PEM files, ovs-pki layout */
    char ssl_certificate[256];
    char ssl_ca_cert[256];      /* the CA of the switches' certificates */
    unsigned int output_budget_mib; /* unsent output of all switches (#12) */
    uint8_t mac_prefix[3];      /* allocated MACs (#17): locally administered */
    unsigned int ip_quarantine_s;   /* a released address waits this long */
    /* #15, docs/ha.md: store = "etcd" keeps the objects in etcd, shared by
     * every instance; "sqlite" (the default) is the file plus api_store. */
    bool store_etcd;
    char etcd_endpoints[512];   /* "http://127.0.0.1:2379,http://..." */
    char etcd_prefix[128];      /* every key under it, e.g. "/vxfabric" */
    char instance_name[64];     /* unique per instance; default: the host name */
    unsigned int etcd_lease_ttl_s;  /* membership lease, seconds (>= 2) */
};

/* The defaults of every setting. */
void settings_init(struct settings *);

/* Reads 'file': the settings into 's' and the objects into 'cfg' (the
 * caller frees it with vxconf_free).  Returns false, with every error in
 * 'errs', if either part is invalid; then neither is usable. */
bool settings_load(const char *file, struct settings *s, struct vx_config *cfg,
                   struct vx_errors *errs);

/* The parameters of each of 'n_workers' workers: the settings', with the
 * output budget shared out. */
struct worker_params settings_worker_params(const struct settings *, int n_workers);

/* Logs, for each setting that differs between 'old' and 'new', whether the
 * reload applied it or it needs a restart.  Returns true if any setting
 * that needs a restart changed. */
bool settings_log_changes(const struct settings *old, const struct settings *new);

#endif
