#include "lib/common.h"
#include "apiserver/api_int.h"
#include "lib/json.h"

#include <time.h>

/* Discovery (legacy and aggregated), /version and Table output: everything here is derived
 * from the schema table. */

static const char *const verbs_all[] = {"create", "delete", "deletecollection", "get",
                                        "list",   "patch",  "update",           "watch"};

#define AGG_V2 "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define AGG_V2B1 "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

static json_t *disc_csv(const char *csv);
static json_t *disc_strings(const char *const *v, size_t n);

/* The verbs a resource serves: all of them unless the schema row names a few. */
static json_t *disc_verbs(const kp_schema_res *r)
{
    return r->verbs ? disc_csv(r->verbs) : disc_strings(verbs_all, KP_ARRAY_LEN(verbs_all));
}

static json_t *disc_strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *disc_csv(const char *csv)
{
    json_t *a = json_array();
    kp_sv in = kp_sv_from(csv), f;
    while (csv && in.len) {
        kp_sv_cut(&in, ',', &f);
        json_array_append_new(a, json_stringn(f.p, f.len));
    }
    return a;
}

/* Every resource the workspace serves: the schema table, then its CRDs' rows (arena copies,
 * valid while the request holds its set). */
static const kp_schema_res *disc_all(api_ctx *c, size_t *n_out)
{
    size_t nb, nc = 0;
    const kp_schema_res *b = kp_schema_all(&nb), *cr = kp_crd_set_rows(api_crds(c), &nc);
    kp_schema_res *all;
    size_t n = 0;
    if (nc == 0 && !c->api->plain_cluster) {
        *n_out = nb;
        return b;
    }
    all = kp_arena_calloc(c->a, nb + nc, sizeof(*all));
    for (size_t i = 0; i < nb; i++)
        if (api_serves(c->api, &b[i]))
            all[n++] = b[i];
    memcpy(all + n, cr, nc * sizeof(*all));
    *n_out = n + nc;
    return all;
}

/* k8s version priority (kube-aware sort): GA before beta before alpha, higher numbers first,
 * then the rest alphabetically. */
static int disc_version_rank(const char *v, long *major, long *minor)
{
    char *end;
    *major = *minor = 0;
    if (v[0] != 'v' || v[1] < '0' || v[1] > '9')
        return 3;
    *major = strtol(v + 1, &end, 10);
    if (*end == '\0')
        return 0;
    if (strncmp(end, "beta", 4) == 0 || strncmp(end, "alpha", 5) == 0) {
        int r = end[0] == 'b' ? 1 : 2;
        char *end2;
        end += r == 1 ? 4 : 5;
        *minor = strtol(end, &end2, 10);
        return *end2 == '\0' && end2 != end ? r : 3;
    }
    return 3;
}

static int disc_version_cmp(const char *a, const char *b)
{
    long ma, mia, mb, mib;
    int ra = disc_version_rank(a, &ma, &mia), rb = disc_version_rank(b, &mb, &mib);
    if (ra != rb)
        return ra - rb;
    if (ra == 3)
        return strcmp(a, b);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    if (mia != mib)
        return mia > mib ? -1 : 1;
    return 0;
}

#define DISC_VERSIONS_MAX 16

/* One API group: its name and served versions, the preferred first. */
typedef struct {
    const char *group;
    const char *versions[DISC_VERSIONS_MAX];
    size_t nv;
} disc_group;

/* The distinct groups in schema order, with their versions. */
static size_t disc_groups(disc_group *out, size_t max, const kp_schema_res *all, size_t n)
{
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        disc_group *g = NULL;
        bool seen = false;
        for (size_t k = 0; k < ng && !g; k++)
            if (strcmp(out[k].group, all[i].group) == 0)
                g = &out[k];
        if (!g) {
            if (ng == max)
                continue;
            g = &out[ng++];
            g->group = all[i].group;
            g->nv = 0;
        }
        for (size_t v = 0; v < g->nv; v++)
            seen |= strcmp(g->versions[v], all[i].version) == 0;
        if (!seen && g->nv < DISC_VERSIONS_MAX) {
            size_t at = g->nv++;
            while (at > 0 && disc_version_cmp(all[i].version, g->versions[at - 1]) < 0) {
                g->versions[at] = g->versions[at - 1];
                at--;
            }
            g->versions[at] = all[i].version;
        }
    }
    return ng;
}

static json_t *disc_gv_obj(api_ctx *c, const char *group, const char *version)
{
    json_t *gv = json_object();
    json_object_set_new(gv, "groupVersion",
                        json_string(kp_arena_printf(c->a, "%s/%s", group, version)));
    json_object_set_new(gv, "version", json_string(version));
    return gv;
}

/* An APIGroup (legacy discovery) of g. */
static json_t *disc_group_obj(api_ctx *c, const disc_group *g)
{
    json_t *o = json_object(), *vs = json_array();
    for (size_t v = 0; v < g->nv; v++)
        json_array_append_new(vs, disc_gv_obj(c, g->group, g->versions[v]));
    json_object_set_new(o, "name", json_string(g->group));
    json_object_set_new(o, "versions", vs);
    json_object_set_new(o, "preferredVersion", disc_gv_obj(c, g->group, g->versions[0]));
    return o;
}

static int disc_resource_list(api_ctx *c)
{
    size_t n;
    const kp_schema_res *all = disc_all(c, &n);
    json_t *list, *rs = json_array();

    for (size_t i = 0; i < n; i++) {
        const kp_schema_res *r = &all[i];
        json_t *o;
        if (strcmp(r->group, c->group) != 0 || strcmp(r->version, c->version) != 0)
            continue;
        o = json_object();
        json_object_set_new(o, "name", json_string(r->resource));
        json_object_set_new(o, "singularName", json_string(r->singular));
        json_object_set_new(o, "namespaced", json_boolean(r->namespaced));
        json_object_set_new(o, "kind", json_string(r->kind));
        json_object_set_new(o, "verbs", disc_verbs(r));
        if (r->short_names)
            json_object_set_new(o, "shortNames", disc_csv(r->short_names));
        if (r->categories)
            json_object_set_new(o, "categories", disc_csv(r->categories));
        json_array_append_new(rs, o);
        {
            kp_schema_sub subs[KP_SCHEMA_SUBS_MAX];
            size_t ns = kp_schema_subresources(subs, r);
            for (size_t s = 0; s < ns; s++) {
                o = json_object();
                json_object_set_new(
                    o, "name",
                    json_string(kp_arena_printf(c->a, "%s/%s", r->resource, subs[s].name)));
                json_object_set_new(o, "singularName", json_string(""));
                json_object_set_new(o, "namespaced", json_boolean(r->namespaced));
                json_object_set_new(o, "kind", json_string(subs[s].kind));
                if (strcmp(subs[s].group, r->group) != 0) {
                    json_object_set_new(o, "group", json_string(subs[s].group));
                    json_object_set_new(o, "version", json_string(subs[s].version));
                }
                json_object_set_new(o, "verbs", disc_csv(subs[s].verbs));
                json_array_append_new(rs, o);
            }
        }
    }
    if (json_array_size(rs) == 0) {
        json_decref(rs);
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    }
    list = json_object();
    json_object_set_new(list, "kind", json_string("APIResourceList"));
    json_object_set_new(list, "apiVersion", json_string("v1"));
    json_object_set_new(list, "groupVersion",
                        json_string(c->group[0]
                                        ? kp_arena_printf(c->a, "%s/%s", c->group, c->version)
                                        : c->version));
    json_object_set_new(list, "resources", rs);
    return api_reply_json(c, 200, list);
}

static json_t *disc_gvk(const char *group, const char *version, const char *kind)
{
    json_t *o = json_object();
    json_object_set_new(o, "group", json_string(group));
    json_object_set_new(o, "version", json_string(version));
    json_object_set_new(o, "kind", json_string(kind));
    return o;
}

/* One APIGroupDiscovery (aggregated discovery, apidiscovery.k8s.io v2 and v2beta1 share it). */
static json_t *disc_agg_group(const disc_group *g, const kp_schema_res *all, size_t n)
{
    json_t *item = json_object(), *md = json_object(), *vers = json_array();

    if (g->group[0])
        json_object_set_new(md, "name", json_string(g->group));
    json_object_set_new(item, "metadata", md);
    for (size_t vi = 0; vi < g->nv; vi++) {
        json_t *rs = json_array(), *v = json_object();
        for (size_t i = 0; i < n; i++) {
            const kp_schema_res *r = &all[i];
            json_t *o, *subs;
            if (strcmp(r->group, g->group) != 0 || strcmp(r->version, g->versions[vi]) != 0)
                continue;
            o = json_object();
            json_object_set_new(o, "resource", json_string(r->resource));
            json_object_set_new(o, "responseKind", disc_gvk(r->group, r->version, r->kind));
            json_object_set_new(o, "scope", json_string(r->namespaced ? "Namespaced" : "Cluster"));
            json_object_set_new(o, "singularResource", json_string(r->singular));
            json_object_set_new(o, "verbs", disc_verbs(r));
            if (r->short_names)
                json_object_set_new(o, "shortNames", disc_csv(r->short_names));
            if (r->categories)
                json_object_set_new(o, "categories", disc_csv(r->categories));
            subs = json_array();
            {
                kp_schema_sub sb[KP_SCHEMA_SUBS_MAX];
                size_t ns = kp_schema_subresources(sb, r);
                for (size_t s = 0; s < ns; s++) {
                    json_t *so = json_object();
                    json_object_set_new(so, "subresource", json_string(sb[s].name));
                    json_object_set_new(so, "responseKind",
                                        disc_gvk(sb[s].group, sb[s].version, sb[s].kind));
                    json_object_set_new(so, "verbs", disc_csv(sb[s].verbs));
                    json_array_append_new(subs, so);
                }
            }
            if (json_array_size(subs))
                json_object_set_new(o, "subresources", subs);
            else
                json_decref(subs);
            json_array_append_new(rs, o);
        }
        json_object_set_new(v, "version", json_string(g->versions[vi]));
        json_object_set_new(v, "resources", rs);
        json_object_set_new(v, "freshness", json_string("Current"));
        json_array_append_new(vers, v);
    }
    json_object_set_new(item, "versions", vers);
    return item;
}

static int disc_aggregated(api_ctx *c, bool core, const char *media)
{
    disc_group groups[128] = {{NULL, {NULL}, 0}};
    size_t n;
    const kp_schema_res *all = disc_all(c, &n);
    size_t ng = disc_groups(groups, KP_ARRAY_LEN(groups), all, n);
    json_t *list = json_object(), *items = json_array();
    bool v2 = strstr(media, "v=v2;") != NULL;

    json_object_set_new(list, "kind", json_string("APIGroupDiscoveryList"));
    json_object_set_new(list, "apiVersion",
                        json_string(v2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1"));
    json_object_set_new(list, "metadata", json_object());
    for (size_t i = 0; i < ng; i++)
        if ((groups[i].group[0] == '\0') == core)
            json_array_append_new(items, disc_agg_group(&groups[i], all, n));
    json_object_set_new(list, "items", items);
    api_reply_json(c, 200, list);
    c->resp->content_type = media;
    kp_http_resp_header(c->resp, c->req, "Vary", "Accept");
    return 0;
}

int api_discovery(api_ctx *c)
{
    json_t *o;

    if (c->version) /* /api/v1, /apis/<g>/<v> */
        return disc_resource_list(c);
    if (c->group && c->group[0]) { /* /apis/<g> */
        disc_group groups[128] = {{NULL, {NULL}, 0}};
        size_t n;
        const kp_schema_res *all = disc_all(c, &n);
        size_t ng = disc_groups(groups, KP_ARRAY_LEN(groups), all, n);
        for (size_t i = 0; i < ng; i++) {
            if (strcmp(groups[i].group, c->group) != 0)
                continue;
            o = disc_group_obj(c, &groups[i]);
            json_object_set_new(o, "kind", json_string("APIGroup"));
            json_object_set_new(o, "apiVersion", json_string("v1"));
            return api_reply_json(c, 200, o);
        }
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    }
    /* /api (group "") or /apis (group NULL): the aggregated form when the client asks */
    if (api_accepts(c, "g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"))
        return disc_aggregated(c, c->group != NULL, AGG_V2);
    if (api_accepts(c, "g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"))
        return disc_aggregated(c, c->group != NULL, AGG_V2B1);
    if (c->group && c->group[0] == '\0') { /* /api */
        o = json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions", "v1",
                      "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0", "serverAddress",
                      c->api->server_addr);
        return api_reply_json(c, 200, o);
    }
    {
        disc_group groups[128] = {{NULL, {NULL}, 0}};
        size_t n;
        const kp_schema_res *all = disc_all(c, &n);
        size_t ng = disc_groups(groups, KP_ARRAY_LEN(groups), all, n);
        json_t *gl = json_array();
        for (size_t i = 0; i < ng; i++)
            if (groups[i].group[0])
                json_array_append_new(gl, disc_group_obj(c, &groups[i]));
        o = json_object();
        json_object_set_new(o, "kind", json_string("APIGroupList"));
        json_object_set_new(o, "apiVersion", json_string("v1"));
        json_object_set_new(o, "groups", gl);
        return api_reply_json(c, 200, o);
    }
}

int api_version_info(api_ctx *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "major", json_string(KP_K8S_MAJOR));
    json_object_set_new(o, "minor", json_string(KP_K8S_MINOR));
    json_object_set_new(o, "gitVersion", json_string(KP_K8S_GIT_VERSION));
    json_object_set_new(o, "gitCommit", json_string(""));
    json_object_set_new(o, "gitTreeState", json_string("clean"));
    json_object_set_new(o, "buildDate", json_string(__DATE__ " " __TIME__));
    json_object_set_new(o, "goVersion", json_string("none (kplane is written in C)"));
    json_object_set_new(o, "compiler", json_string("gcc"));
    json_object_set_new(o, "platform", json_string("linux/amd64"));
    return api_reply_json(c, 200, o);
}

/* ---- Table (meta.k8s.io/v1) ---- */

/* k8s: apimachinery's duration.HumanDuration, which kubectl's AGE column uses. */
static void table_age(char *out, size_t n, const char *ts)
{
    struct tm tm;
    time_t then, now = time(NULL);
    long long s;

    memset(&tm, 0, sizeof(tm));
    if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        snprintf(out, n, "<unknown>");
        return;
    }
    then = timegm(&tm);
    s = (long long)(now - then);
    if (s < -1)
        snprintf(out, n, "<invalid>");
    else if (s < 0)
        snprintf(out, n, "0s");
    else if (s < 120)
        snprintf(out, n, "%llds", s);
    else if (s / 60 < 10)
        snprintf(out, n, "%lldm%llds", s / 60, s % 60);
    else if (s / 60 < 180)
        snprintf(out, n, "%lldm", s / 60);
    else if (s / 3600 < 8)
        snprintf(out, n, "%lldh%lldm", s / 3600, (s % 3600) / 60);
    else if (s / 3600 < 48)
        snprintf(out, n, "%lldh", s / 3600);
    else if (s / 3600 < 24 * 8)
        snprintf(out, n, "%lldd%lldh", s / 86400, (s % 86400) / 3600);
    else if (s / 3600 < 24 * 365 * 2)
        snprintf(out, n, "%lldd", s / 86400);
    else if (s / 86400 / 365 < 8)
        snprintf(out, n, "%lldy%lldd", s / 86400 / 365, (s / 86400) % 365);
    else
        snprintf(out, n, "%lldy", s / 86400 / 365);
}

static json_t *table_col_def(const char *name, const char *type, const char *format, int prio)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type, "format", format,
                     "description", "", "priority", prio);
}

static size_t table_count(const json_t *v)
{
    return json_is_object(v) ? json_object_size(v) : json_is_array(v) ? json_array_size(v) : 0;
}

/* k8s printNode: the Ready condition's verdict, then ",SchedulingDisabled" when cordoned. */
static json_t *table_node_status(const json_t *obj)
{
    const json_t *conds = kp_json_get(obj, "status.conditions"), *cd;
    const char *st = "Unknown";
    char out[64];
    size_t i;
    json_array_foreach(conds, i, cd)
    {
        const char *t = kp_json_get_str(cd, "type"), *v = kp_json_get_str(cd, "status");
        if (t && v && strcmp(t, "Ready") == 0)
            st = strcmp(v, "True") == 0    ? "Ready"
                 : strcmp(v, "False") == 0 ? "NotReady"
                                           : "Unknown";
    }
    snprintf(out, sizeof(out), "%s%s", st,
             json_is_true(kp_json_get(obj, "spec.unschedulable")) ? ",SchedulingDisabled" : "");
    return json_string(out);
}

/* k8s findNodeRoles: node-role.kubernetes.io/<role> labels, and kubernetes.io/role's value. */
static json_t *table_node_roles(const json_t *obj)
{
    const json_t *labels = kp_json_get(obj, "metadata.labels"), *v;
    const char *k;
    kp_buf b;
    json_t *out;
    kp_buf_init(&b, 4096);
    json_object_foreach((json_t *)labels, k, v)
    {
        const char *role = NULL;
        if (strncmp(k, "node-role.kubernetes.io/", 24) == 0)
            role = k + 24;
        else if (strcmp(k, "kubernetes.io/role") == 0 && json_is_string(v))
            role = json_string_value(v);
        if (!role || !*role)
            continue;
        if (b.len)
            kp_buf_putc(&b, ',');
        kp_buf_puts(&b, role);
    }
    out = json_string(b.len ? kp_buf_cstr(&b) : "<none>");
    kp_buf_dispose(&b);
    return out;
}

static json_t *table_cell(const kp_schema_col *col, const json_t *obj)
{
    json_t *v = col->path ? kp_json_get(obj, col->path) : NULL;
    switch (col->kind) {
    case KP_COL_COUNT:
        return json_integer(
            (json_int_t)(table_count(v) +
                         (col->path2 ? table_count(kp_json_get(obj, col->path2)) : 0)));
    case KP_COL_RATIO: {
        char s[64];
        json_t *d = kp_json_get(obj, col->path2);
        snprintf(s, sizeof(s), "%lld/%lld", (long long)json_integer_value(v),
                 (long long)(d ? json_integer_value(d) : 1));
        return json_string(s);
    }
    case KP_COL_SLASH: {
        const char *a = json_string_value(v), *b = json_string_value(kp_json_get(obj, col->path2));
        char buf[512];
        snprintf(buf, sizeof(buf), "%s/%s", a ? a : "", b ? b : "");
        return json_string(buf);
    }
    case KP_COL_JOIN: {
        kp_buf b;
        size_t i;
        json_t *e, *out;
        kp_buf_init(&b, 4096);
        json_array_foreach(v, i, e)
        {
            if (i)
                kp_buf_putc(&b, ',');
            if (json_is_string(e))
                kp_buf_puts(&b, json_string_value(e));
        }
        out = json_string(kp_buf_cstr(&b));
        kp_buf_dispose(&b);
        return out;
    }
    case KP_COL_JSONPATH: {
        json_t *r = kp_crd_jsonpath(obj, col->path), *cell;
        char age[32];
        if (!r || json_is_null(r)) { /* kubectl prints <none> */
            json_decref(r);
            return json_null();
        }
        if (strcmp(col->type, "date") == 0 && json_is_string(r)) {
            table_age(age, sizeof(age), json_string_value(r));
            json_decref(r);
            return json_string(age);
        }
        if (json_is_string(r) || json_is_number(r) || json_is_boolean(r))
            return r;
        cell = json_string("");
        {
            char *txt = kp_json_dump(r, NULL);
            json_decref(cell);
            cell = json_string(txt);
            free(txt);
        }
        json_decref(r);
        return cell;
    }
    case KP_COL_NODE_STATUS:
        return table_node_status(obj);
    case KP_COL_NODE_ROLES:
        return table_node_roles(obj);
    case KP_COL_AGE: /* api_table_of fills it */
    case KP_COL_PATH:
        break;
    }
    if (!v || json_is_null(v)) /* k8s printers show Go's zero value for numbers */
        return strcmp(col->type, "integer") == 0   ? json_integer(0)
               : strcmp(col->type, "boolean") == 0 ? json_false()
                                                   : json_string("<none>");
    if (json_is_string(v) || json_is_integer(v) || json_is_boolean(v))
        return json_incref(v);
    return json_string("");
}

json_t *api_table(const api_ctx *c, json_t *items, const char *rv, const char *cont)
{
    return api_table_of(c->res, items, rv, cont);
}

json_t *api_table_render(const void *ctx, const json_t *obj)
{
    json_t *items = json_pack("[O]", obj), *t;
    const char *rv = kp_json_get_str(obj, "metadata.resourceVersion");
    t = api_table_of(ctx, items, rv ? rv : "", NULL);
    json_decref(items);
    return t;
}

json_t *api_table_of(const kp_schema_res *r, json_t *items, const char *rv, const char *cont)
{
    json_t *t = json_object(), *defs = json_array(), *rows = json_array(), *md = json_object();
    size_t i;
    json_t *item;

    bool age_last = !r->custom; /* a CRD's columns say whether it shows its age */
    json_array_append_new(defs, table_col_def("Name", "string", "name", 0));
    for (const kp_schema_col *col = r->cols; col->name; col++) {
        json_array_append_new(defs, table_col_def(col->name, col->type, "", col->priority));
        if (col->kind == KP_COL_AGE)
            age_last = false;
    }
    if (age_last)
        json_array_append_new(defs, table_col_def("Age", "string", "", 0));
    json_array_foreach(items, i, item)
    {
        json_t *cells = json_array(), *row = json_object(), *pom = json_object();
        char age[32];
        json_array_append_new(cells, json_string(kp_json_get_str(item, "metadata.name")));
        table_age(age, sizeof(age), kp_json_get_str(item, "metadata.creationTimestamp"));
        for (const kp_schema_col *col = r->cols; col->name; col++)
            json_array_append_new(cells, col->kind == KP_COL_AGE ? json_string(age)
                                                                 : table_cell(col, item));
        if (age_last)
            json_array_append_new(cells, json_string(age));
        json_object_set_new(row, "cells", cells);
        json_object_set_new(pom, "kind", json_string("PartialObjectMetadata"));
        json_object_set_new(pom, "apiVersion", json_string("meta.k8s.io/v1"));
        json_object_set(pom, "metadata", kp_json_get(item, "metadata"));
        json_object_set_new(row, "object", pom);
        json_array_append_new(rows, row);
    }
    json_object_set_new(t, "kind", json_string("Table"));
    json_object_set_new(t, "apiVersion", json_string("meta.k8s.io/v1"));
    json_object_set_new(md, "resourceVersion", json_string(rv));
    if (cont)
        json_object_set_new(md, "continue", json_string(cont));
    json_object_set_new(t, "metadata", md);
    json_object_set_new(t, "columnDefinitions", defs);
    json_object_set_new(t, "rows", rows);
    return t;
}
