/* vxctl: a small command line over vxfabricd's HTTP/JSON API.
 *
 *   vxctl [--api http://127.0.0.1:8080] [--token T] list KIND
 *   vxctl ... show KIND KEY
 *   vxctl ... add KIND KEY field=value...      (PUT: create or replace)
 *   vxctl ... del KIND KEY
 *   vxctl ... state
 *   vxctl ... flows BRIDGE                     (ovs-ofctl syntax)
 *
 * KIND is bridge, network, router or host (plural accepted).  KEY is a
 * dpid, a VNI, a MAC, or NETWORK/MAC for hosts.  Values that look like
 * integers are sent as numbers; "dns" and "networks" take comma lists.
 * The environment's VXCTL_API and VXCTL_TOKEN set the defaults.  Exit
 * status: 0 on success, 1 on an API error (its message is printed),
 * 2 on a usage error. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static const char *api_url = "http://127.0.0.1:8080";
static const char *token;

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

static int finish__(long status, struct vxbuf *out, bool pretty)
{
    const char *body = (const char *)vxbuf_data(out);
    if (!status) {
        return 1;
    }
    if (status >= 400) {
        json_t *j = json_loads(body, 0, NULL);
        const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
        const char *field = j ? json_string_value(json_object_get(j, "field")) : NULL;
        fprintf(stderr, "vxctl: %ld: %s%s%s%s\n", status, msg ? msg : body,
                field ? " (field " : "", field ? field : "", field ? ")" : "");
        json_decref(j);
        return 1;
    }
    if (pretty) {
        json_t *j = json_loads(body, 0, NULL);
        if (j) {
            json_dumpf(j, stdout, JSON_INDENT(2));
            putchar('\n');
            json_decref(j);
            return 0;
        }
    }
    fputs(body, stdout);
    return 0;
}

static void usage__(FILE *f)
{
    fprintf(f, "usage: vxctl [--api URL] [--token TOKEN] COMMAND\n"
               "  list KIND | show KIND KEY | add KIND KEY field=value... | del KIND KEY\n"
               "  state | flows BRIDGE\n"
               "KIND: bridge, network, router or host; KEY: dpid, VNI, MAC, or NETWORK/MAC\n");
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

static int run__(int argc, char **argv, struct vxbuf *outp)
{
    static const struct option longopts[] = {
        { "api", required_argument, NULL, 'a' },
        { "token", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char path[512];
    int o;

    if (getenv("VXCTL_API")) api_url = getenv("VXCTL_API");
    if (getenv("VXCTL_TOKEN")) token = getenv("VXCTL_TOKEN");
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (o) {
        case 'a': api_url = optarg; break;
        case 't': token = optarg; break;
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
    const char *kind = argc > 1 ? kind_path__(argv[1]) : NULL;
    if (!strcmp(cmd, "state") && argc == 1) {
        return finish__(request__("GET", "/v1/state", NULL, outp), outp, true);
    }
    if (!strcmp(cmd, "flows") && argc == 2) {
        snprintf(path, sizeof path, "/v1/bridges/%s/flows", argv[1]);
        return finish__(request__("GET", path, NULL, outp), outp, false);
    }
    if (!kind) {
        usage__(stderr);
        return 2;
    }
    if (!strcmp(cmd, "list") && argc == 2) {
        snprintf(path, sizeof path, "/v1/%s", kind);
        return finish__(request__("GET", path, NULL, outp), outp, true);
    }
    if (argc < 3) {
        usage__(stderr);
        return 2;
    }
    snprintf(path, sizeof path, "/v1/%s/%s", kind, argv[2]);
    if (!strcmp(cmd, "show") && argc == 3) {
        return finish__(request__("GET", path, NULL, outp), outp, true);
    }
    if (!strcmp(cmd, "del") && argc == 3) {
        return finish__(request__("DELETE", path, NULL, outp), outp, true);
    }
    if (!strcmp(cmd, "add")) {
        json_t *body = fields__(argc - 3, argv + 3);
        char *s = json_dumps(body, JSON_COMPACT);
        int rc = finish__(request__("PUT", path, s, outp), outp, true);
        free(s);
        json_decref(body);
        return rc;
    }
    usage__(stderr);
    return 2;
}
