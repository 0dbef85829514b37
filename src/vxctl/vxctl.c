/* vxctl: a small command line over vxfabricd's HTTP/JSON API.
 *
 *   vxctl [--api http://127.0.0.1:8080] [--token T] list KIND
 *   vxctl ... show KIND KEY
 *   vxctl ... add KIND KEY field=value...      (PUT: create or replace)
 *   vxctl ... del KIND KEY
 *   vxctl ... state
 *   vxctl ... flows BRIDGE                     (ovs-ofctl syntax)
 *   vxctl ... trace SRC DST [PROTO] [arg=value...]   (GET /v1/trace)
 *   vxctl ... explain-cookie COOKIE... | -     ('-': annotate dump-flows lines)
 *   vxctl ... attach NETWORK BRIDGE IFACE [--mac M] [--ip IP]   (POST /v1/attach)
 *   vxctl ... detach BRIDGE IFACE
 *
 * Output is for people (aligned tables, a trace step by step); --json
 * prints the API's JSON instead, for scripts.
 * KIND is bridge, network, router or host (plural accepted).  KEY is a
 * dpid, a VNI, a MAC, or NETWORK/MAC for hosts.  Values that look like
 * integers are sent as numbers; "dns" and "networks" take comma lists.
 * The environment's VXCTL_API and VXCTL_TOKEN set the defaults.  Exit
 * status: 0 on success, 1 on an API error (its message is printed),
 * 2 on a usage error. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "vxctl/vxctl_show.h"

static const char *api_url = "http://127.0.0.1:8080";
static const char *token;
static char token_buf[256];
static bool json_output;
static const char *cacert, *client_cert, *client_key;   /* HTTPS (#18) */

static size_t collect__(char *p, size_t size, size_t n, void *b)
{
    vxbuf_put(b, p, size * n);
    return size * n;
}

/* Performs one request; returns the HTTP status (0 if unreachable) and
 * the body in 'out' (NUL-terminated). */
static long request__(const char *method, const char *path, const char *body, struct vxbuf *out)
{
    char url[1024], auth[300];
    struct curl_slist *hdrs = NULL;
    long status = 0;
    CURL *c = curl_easy_init();

    snprintf(url, sizeof url, "%s%s", api_url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect__);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    }
    if (cacert) {
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    }
    if (client_cert) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, client_cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, client_key ? client_key : client_cert);
    }
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    } else {
        fprintf(stderr, "vxctl: %s: %s\n", url, curl_easy_strerror(rc));
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    vxbuf_put(out, "", 1);
    return status;
}

static const char *kind_path__(const char *kind)
{
    static const char *const kinds[][2] = {
        { "bridge", "bridges" }, { "network", "networks" }, { "router", "routers" }, { "host", "hosts" },
    };
    for (size_t i = 0; i < 4; i++) {
        if (!strcmp(kind, kinds[i][0]) || !strcmp(kind, kinds[i][1])) {
            return kinds[i][1];
        }
    }
    return NULL;
}

/* field=value arguments to a JSON object. */
static json_t *fields__(int argc, char **argv)
{
    json_t *o = json_object();
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "vxctl: '%s' is not field=value\n", argv[i]);
            exit(2);
        }
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        char *end;
        if (!strcmp(k, "dns") || !strcmp(k, "networks")) {
            json_t *a = json_array();
            char *copy = strdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                long long n = strtoll(t, &end, 10);
                json_array_append_new(a, *end || end == t ? json_string(t) : json_integer(n));
            }
            free(copy);
            json_object_set_new(o, k, a);
            continue;
        }
        long long n = strtoll(v, &end, 10);
        json_object_set_new(o, k, *v && !*end ? json_integer(n) : json_string(v));
    }
    return o;
}

/* Prints an API error (status >= 400) or an unreachable API; returns the
 * exit status, or -1 when the body is a success to show. */
static int error__(long status, const struct vxbuf *out)
{
    const char *body = (const char *)vxbuf_data(out);
    if (!status) {
        return 1;
    }
    if (status < 400) {
        return -1;
    }
    json_t *j = json_loads(body, 0, NULL);
    const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
    const char *field = j ? json_string_value(json_object_get(j, "field")) : NULL;
    fprintf(stderr, "vxctl: %ld: %s%s%s%s\n", status, msg ? msg : body,
            field ? " (field " : "", field ? field : "", field ? ")" : "");
    json_decref(j);
    return 1;
}

typedef void show_fn(const json_t *, const void *aux);

/* Shows a JSON answer: as JSON with --json, else with 'show'. */
static int finish__(long status, struct vxbuf *out, show_fn *show, const void *aux)
{
    int rc = error__(status, out);
    if (rc >= 0) {
        return rc;
    }
    json_t *j = json_loads((const char *)vxbuf_data(out), 0, NULL);
    if (!j) {
        fputs((const char *)vxbuf_data(out), stdout);
        return 0;
    }
    if (json_output || !show) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        show(j, aux);
    }
    json_decref(j);
    return 0;
}

static void show_object__(const json_t *j, const void *aux)
{
    (void)aux;
    vxctl_show_object(stdout, j);
}

static void show_trace__(const json_t *j, const void *aux)
{
    (void)aux;
    vxctl_show_trace(stdout, j);
}

static void show_cookie__(const json_t *j, const void *aux)
{
    (void)aux;
    vxctl_show_cookie(stdout, j);
}

struct table_def {
    const struct vxctl_column *cols;
    size_t n;
};

static void show_table__(const json_t *j, const void *aux)
{
    const struct table_def *t = aux;
    vxctl_show_table(stdout, j, t->cols, t->n);
}

static const struct vxctl_column bridge_cols[] = {
    { "NAME", "name" }, { "DPID", "dpid" }, { "ENDPOINT", "endpoint" },
    { "TUNNEL_PORT", "tunnel_port" },
};
static const struct vxctl_column network_cols[] = {
    { "ID", "id" }, { "SUBNET", "subnet" }, { "GATEWAY", "gateway" }, { "DNS", "dns" },
    { "ARP", "arp_responder" },
};
static const struct vxctl_column router_cols[] = { { "MAC", "mac" }, { "NETWORKS", "networks" } };
static const struct vxctl_column host_cols[] = {
    { "MAC", "mac" }, { "NETWORK", "network" }, { "BRIDGE", "bridge" }, { "PORT", "port" },
    { "IP", "ip" },
};
static const struct vxctl_column state_cols[] = {
    { "BRIDGE", "name" }, { "DPID", "dpid" }, { "CONNECTED", "connected" }, { "STATE", "state" },
    { "INSTALLED", "flows_installed" }, { "DESIRED", "flows_desired" },
    { "PENDING", "flows_pending" }, { "FAILED", "flows_failed" },
    { "FLOW_MODS", "flow_mods_sent" }, { "WORKER", "worker" },
    { "ROLE", "role" }, { "MASTER", "master" },     /* HA (#15); "-" without */
};
static const struct table_def state_table = { state_cols, ARRAY_SIZE(state_cols) };

static const struct table_def *kind_table__(const char *kind)
{
    static const struct table_def tables[] = {
        { bridge_cols, ARRAY_SIZE(bridge_cols) }, { network_cols, ARRAY_SIZE(network_cols) },
        { router_cols, ARRAY_SIZE(router_cols) }, { host_cols, ARRAY_SIZE(host_cols) },
    };
    return !strcmp(kind, "bridges") ? &tables[0] : !strcmp(kind, "networks") ? &tables[1]
           : !strcmp(kind, "routers") ? &tables[2] : &tables[3];
}

/* Appends "&name=value" (value URL-encoded) to 'path'. */
static void add_arg__(char *path, size_t size, const char *name, const char *value)
{
    CURL *c = curl_easy_init();
    char *v = curl_easy_escape(c, value, 0);
    size_t len = strlen(path);
    snprintf(path + len, size - len, "%s%s=%s", strchr(path, '?') ? "&" : "?", name, v);
    curl_free(v);
    curl_easy_cleanup(c);
}

/* trace SRC DST [PROTO] [name=value...] */
static int trace__(int argc, char **argv, struct vxbuf *out)
{
    static const char *const positional[] = { "src", "dst", "proto" };
    char path[2048] = "/v1/trace";
    size_t n_pos = 0;

    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq) {
            *eq = '\0';
            add_arg__(path, sizeof path, argv[i], eq + 1);
        } else if (n_pos < 3) {
            add_arg__(path, sizeof path, positional[n_pos++], argv[i]);
        } else {
            fprintf(stderr, "vxctl: trace: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    return finish__(request__("GET", path, NULL, out), out, show_trace__, NULL);
}

/* The cookie of an ovs-ofctl dump-flows line ("cookie=0x..."), or NULL. */
static const char *line_cookie__(const char *line, char *buf, size_t size)
{
    const char *c = strstr(line, "cookie=");
    if (!c) {
        return NULL;
    }
    c += 7;
    size_t n = strspn(c, "0123456789abcdefxABCDEFX");
    if (!n || n >= size) {
        return NULL;
    }
    memcpy(buf, c, n);
    buf[n] = '\0';
    return buf;
}

static int explain_one__(const char *cookie, struct vxbuf *out)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/cookies/%s", cookie);
    vxbuf_clear(out);
    return finish__(request__("GET", path, NULL, out), out, show_cookie__, NULL);
}

/* explain-cookie -: each dump-flows line of stdin, then what it is. */
static int explain_lines__(struct vxbuf *out)
{
    char line[4096], cookie[32];
    int rc = 0;

    while (fgets(line, sizeof line, stdin)) {
        fputs(line, stdout);
        if (line_cookie__(line, cookie, sizeof cookie)) {
            fputs("    => ", stdout);
            fflush(stdout);
            rc |= explain_one__(cookie, out);
        }
    }
    return rc;
}

static int explain__(int argc, char **argv, struct vxbuf *out)
{
    int rc = 0;

    if (argc == 1 && !strcmp(argv[0], "-")) {
        return explain_lines__(out);
    }
    for (int i = 0; i < argc; i++) {
        rc |= explain_one__(argv[i], out);
    }
    return rc;
}

static void show_attached__(const json_t *j, const void *aux)
{
    (void)aux;
    printf("%s %s\n", json_string_value(json_object_get(j, "mac")),
           json_string_value(json_object_get(j, "ip")));
}

/* attach NETWORK BRIDGE IFACE [--mac M] [--ip IP]: prints "MAC IP". */
static int attach__(int argc, char **argv, struct vxbuf *out)
{
    char *end;
    long vni = argc >= 3 ? strtol(argv[0], &end, 10) : 0;

    if (argc < 3 || *end || vni < 1) {
        fprintf(stderr, "vxctl: attach NETWORK BRIDGE IFACE [--mac MAC] [--ip IP]\n");
        return 2;
    }
    json_t *body = json_pack("{s:I,s:s,s:s}", "network", (json_int_t)vni, "bridge", argv[1],
                             "iface", argv[2]);
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *name = !strcmp(argv[i], "--mac") ? "mac" : !strcmp(argv[i], "--ip") ? "ip" : NULL;
        if (!name) {
            fprintf(stderr, "vxctl: attach: unexpected '%s'\n", argv[i]);
            json_decref(body);
            return 2;
        }
        json_object_set_new(body, name, json_string(argv[i + 1]));
    }
    char *s = json_dumps(body, JSON_COMPACT);
    int rc = finish__(request__("POST", "/v1/attach", s, out), out, show_attached__, NULL);
    free(s);
    json_decref(body);
    return rc;
}

/* detach BRIDGE IFACE */
static int detach__(char **argv, struct vxbuf *out)
{
    json_t *body = json_pack("{s:s,s:s}", "bridge", argv[0], "iface", argv[1]);
    char *s = json_dumps(body, JSON_COMPACT);
    int rc = finish__(request__("POST", "/v1/detach", s, out), out, NULL, NULL);
    free(s);
    json_decref(body);
    return rc;
}

/* import FILE (#15): the objects of a configuration file into etcd,
 * through the API of any instance with store = "etcd". */
static int import__(const char *file, struct vxbuf *out)
{
    char *text = read_file_text(file, 16u << 20);

    if (!text) {
        fprintf(stderr, "vxctl: import: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    int rc = finish__(request__("POST", "/v1/import", text, out), out, show_object__, NULL);
    free(text);
    return rc;
}

/* flows BRIDGE: ovs-ofctl text, or with --json {"desired": [...], "installed": [...]}. */
static int flows__(const char *bridge, struct vxbuf *out)
{
    char path[512];

    snprintf(path, sizeof path, "/v1/bridges/%s/flows", bridge);
    long status = request__("GET", path, NULL, out);
    int rc = error__(status, out);
    if (rc >= 0) {
        return rc;
    }
    if (!json_output) {
        fputs((const char *)vxbuf_data(out), stdout);
        return 0;
    }
    json_t *j = json_object(), *section = NULL;
    char *text = xstrdup((const char *)vxbuf_data(out)), *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(l, "# ", 2)) {
            section = json_array();
            json_object_set_new(j, l + 2, section);
        } else if (section) {
            json_array_append_new(section, json_string(l));
        } else {
            json_object_set_new(j, "summary", json_string(l));
        }
    }
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(j);
    free(text);
    return 0;
}

/* --token-file: the bearer token from a file (kept out of the process
 * list, unlike --token). */
static bool read_token__(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(token_buf, sizeof token_buf, f)) {
        fprintf(stderr, "vxctl: --token-file %s: cannot read it\n", path);
        if (f) {
            fclose(f);
        }
        return false;
    }
    fclose(f);
    token_buf[strcspn(token_buf, "\r\n")] = '\0';
    token = token_buf;
    return true;
}

static void usage__(FILE *f)
{
    fprintf(f, "usage: vxctl [--api URL] [--token TOKEN | --token-file FILE] [--json]\n"
               "             [--cacert CA.pem] [--cert CERT.pem --key KEY.pem] COMMAND\n"
               "  list KIND | show KIND KEY | add KIND KEY field=value... | del KIND KEY\n"
               "  state | flows BRIDGE\n"
               "  trace SRC DST [icmp|tcp|udp|arp|dhcp] [ttl=N dst_port=N ...]\n"
               "  explain-cookie COOKIE... | explain-cookie -   (annotates ovs-ofctl dump-flows)\n"
               "  attach NETWORK BRIDGE IFACE [--mac MAC] [--ip IP]  (prints the MAC and IP) | detach BRIDGE IFACE\n"
               "  import FILE   (a configuration file's objects into etcd: store = \"etcd\")\n"
               "KIND: bridge, network, router or host; KEY: dpid, VNI, MAC, or NETWORK/MAC\n"
               "SRC: a host's MAC or NETWORK/MAC (or bridge=DPID in_port=N eth_src=MAC)\n");
}

static int run__(int argc, char **argv, struct vxbuf *out);

int main(int argc, char **argv)
{
    struct vxbuf out = VXBUF_INITIALIZER;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = run__(argc, argv, &out);
    vxbuf_uninit(&out);
    curl_global_cleanup();
    return rc;
}

/* list, show, add and del on objects of one kind. */
static int object_command__(const char *cmd, const char *kind, int argc, char **argv,
                            struct vxbuf *out)
{
    char path[512];

    if (!strcmp(cmd, "list") && argc == 0) {
        snprintf(path, sizeof path, "/v1/%s", kind);
        return finish__(request__("GET", path, NULL, out), out, show_table__, kind_table__(kind));
    }
    if (argc < 1) {
        usage__(stderr);
        return 2;
    }
    snprintf(path, sizeof path, "/v1/%s/%s", kind, argv[0]);
    if (!strcmp(cmd, "show") && argc == 1) {
        return finish__(request__("GET", path, NULL, out), out, show_object__, NULL);
    }
    if (!strcmp(cmd, "del") && argc == 1) {
        return finish__(request__("DELETE", path, NULL, out), out, show_object__, NULL);
    }
    if (!strcmp(cmd, "add")) {
        json_t *body = fields__(argc - 1, argv + 1);
        char *s = json_dumps(body, JSON_COMPACT);
        int rc = finish__(request__("PUT", path, s, out), out, show_object__, NULL);
        free(s);
        json_decref(body);
        return rc;
    }
    usage__(stderr);
    return 2;
}

static int run__(int argc, char **argv, struct vxbuf *out)
{
    static const struct option longopts[] = {
        { "api", required_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' },
        /* The bearer token: given, or read from a file. */
        { "token", required_argument, NULL, 't' }, { "token-file", required_argument, NULL, 'T' },
        /* HTTPS (#18): the server's CA, a client certificate and key. */
        { "cacert", required_argument, NULL, 'C' },
        { "cert", required_argument, NULL, 'c' }, { "key", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    int o;

    if (getenv("VXCTL_API")) api_url = getenv("VXCTL_API");
    if (getenv("VXCTL_TOKEN")) token = getenv("VXCTL_TOKEN");
    while ((o = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (o) {
        case 'a': api_url = optarg; break;
        case 't': token = optarg; break;
        case 'j': json_output = true; break;
        case 'T': if (!read_token__(optarg)) { return 2; } break;
        case 'C': cacert = optarg; break;
        case 'c': client_cert = optarg; break;
        case 'k': client_key = optarg; break;
        case 'h': usage__(stdout); return 0;
        default: usage__(stderr); return 2;
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1) {
        usage__(stderr);
        return 2;
    }
    const char *cmd = argv[0];
    if (!strcmp(cmd, "state") && argc == 1) {
        return finish__(request__("GET", "/v1/state", NULL, out), out, show_table__, &state_table);
    }
    if (!strcmp(cmd, "flows") && argc == 2) {
        return flows__(argv[1], out);
    }
    if (!strcmp(cmd, "trace") && argc >= 2) {
        return trace__(argc - 1, argv + 1, out);
    }
    if (!strcmp(cmd, "attach")) {
        return attach__(argc - 1, argv + 1, out);
    }
    if (!strcmp(cmd, "detach") && argc == 3) {
        return detach__(argv + 1, out);
    }
    if (!strcmp(cmd, "import") && argc == 2) {
        return import__(argv[1], out);
    }
    if (!strcmp(cmd, "explain-cookie") && argc >= 2) {
        return explain__(argc - 1, argv + 1, out);
    }
    const char *kind = argc > 1 ? kind_path__(argv[1]) : NULL;
    if (!kind) {
        usage__(stderr);
        return 2;
    }
    return object_command__(cmd, kind, argc - 2, argv + 2, out);
}
