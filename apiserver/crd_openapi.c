#include "lib/common.h"
#include "apiserver/crd_openapi.h"
#include "apiserver/openapi_ext.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/limits.h"

#define DOC_MAX (64u * 1024 * 1024)
#define OBJECT_META "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

/* The schema keys the v2 document (and its gnostic protobuf form) carries; the others
 * (bounds, enum, pattern, default, nullable, ...) stay in v3, as kube-apiserver drops what
 * OpenAPI v2 cannot say. */
static const char *const v2_keys[] = {"format",   "title", "description", "uniqueItems",
                                      "required", "type",  "readOnly",    NULL};

static bool v2_key(const char *k)
{
    for (size_t i = 0; v2_keys[i]; i++)
        if (strcmp(v2_keys[i], k) == 0)
            return true;
    return strncmp(k, "x-kubernetes-", 13) == 0 && strcmp(k, "x-kubernetes-validations") != 0;
}

static json_t *to_v2(const json_t *s, int depth)
{
    json_t *o = json_object(), *v;
    const char *k;
    if (!json_is_object(s) || depth > KP_JSON_DEPTH_MAX)
        return o;
    json_object_foreach((json_t *)s, k, v)
    {
        if (strcmp(k, "properties") == 0 && json_is_object(v)) {
            json_t *props = json_object(), *pv;
            const char *pk;
            json_object_foreach(v, pk, pv)
            {
                json_object_set_new(props, pk, to_v2(pv, depth + 1));
            }
            json_object_set_new(o, k, props);
        } else if ((strcmp(k, "items") == 0 || strcmp(k, "additionalProperties") == 0) &&
                   json_is_object(v)) {
            json_object_set_new(o, k, to_v2(v, depth + 1));
        } else if (strcmp(k, "type") == 0 && json_is_string(v)) {
            json_object_set(o, k, v);
        } else if (strcmp(k, "type") != 0 && v2_key(k)) {
            json_object_set(o, k, v);
        }
    }
    return o;
}

/* The definition of a custom resource version: its schema plus apiVersion, kind, metadata. */
static json_t *crd_def(const kp_schema_res *r, bool v2)
{
    const json_t *schema = r->custom->schema;
    json_t *s, *props;
    if (json_is_object(schema))
        s = v2 ? to_v2(schema, 0) : json_deep_copy(schema);
    else
        s = json_pack("{s:s, s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
    props = kp_json_obj_ensure(s, "properties");
    json_object_set_new(
        props, "apiVersion",
        json_pack("{s:s, s:s}", "type", "string", "description",
                  "APIVersion defines the versioned schema of this representation of an object."));
    json_object_set_new(props, "kind",
                        json_pack("{s:s, s:s}", "type", "string", "description",
                                  "Kind is a string value representing the REST resource this "
                                  "object represents."));
    json_object_set_new(
        props, "metadata",
        json_pack("{s:s, s:s}", "$ref", OBJECT_META, "description", "Standard object's metadata."));
    json_object_set_new(
        s, "x-kubernetes-group-version-kind",
        json_pack("[{s:s, s:s, s:s}]", "group", r->group, "version", r->version, "kind", r->kind));
    return s;
}

/* Definitions and paths of the rows (all, or those of one group-version). */
static void crd_parts(json_t *defs, json_t *paths, const kp_schema_res *rows, size_t n, int ver,
                      const char *group, const char *version)
{
    char name[256], list[300];
    for (size_t i = 0; i < n; i++) {
        const kp_schema_res *r = &rows[i];
        if (group && (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0))
            continue;
        kp_openapi_def_name(name, sizeof(name), r->group, r->version, r->kind);
        snprintf(list, sizeof(list), "%sList", name);
        json_object_set_new(defs, name, crd_def(r, ver == 2 && !group));
        json_object_set_new(defs, list, kp_openapi_ext_list_schema(r, name));
        kp_openapi_ext_paths(paths, r, ver);
    }
}

static void etag_of(char etag[KP_CRD_ETAG_MAX], const kp_buf *b)
{
    static const char hex[] = "0123456789ABCDEF";
    uint8_t sum[32];
    kp_crypto_sha256(sum, b->p ? b->p : "", b->len);
    etag[0] = '"';
    for (size_t i = 0; i < 32; i++) {
        etag[1 + 2 * i] = hex[sum[i] >> 4];
        etag[2 + 2 * i] = hex[sum[i] & 0xf];
    }
    etag[65] = '"';
    etag[66] = '\0';
}

static int crd_reply(kp_openapi_reply *out, kp_buf *body, char etag[KP_CRD_ETAG_MAX], kp_buf *doc,
                     const char *ct, const char *if_none_match)
{
    int rc;
    if ((rc = kp_buf_status(doc)) < 0)
        return rc;
    etag_of(etag, doc);
    out->etag = etag;
    if (if_none_match && strstr(if_none_match, etag)) {
        out->code = 304;
        return 0;
    }
    out->code = 200;
    out->content_type = ct;
    kp_buf_put(body, doc->p, doc->len);
    return kp_buf_status(body);
}

/* apis/<group>/<version> of a custom resource's group-version, or false. */
static bool crd_gv(const kp_schema_res *rows, size_t n, const char *gv_path, const char **group,
                   const char **version)
{
    for (size_t i = 0; i < n; i++) {
        char p[300];
        snprintf(p, sizeof(p), "apis/%s/%s", rows[i].group, rows[i].version);
        if (strcmp(p, gv_path) == 0) {
            *group = rows[i].group;
            *version = rows[i].version;
            return true;
        }
    }
    return false;
}

static int crd_v3_doc(kp_buf *doc, const kp_schema_res *rows, size_t n, const char *group,
                      const char *version)
{
    json_t *defs = json_object(), *paths = json_object();
    int rc;
    crd_parts(defs, paths, rows, n, 3, group, version);
    rc = kp_openapi_ext_v3_doc(doc, paths, defs);
    json_decref(defs);
    json_decref(paths);
    return rc;
}

static bool wants_proto(const char *accept)
{
    /* JSON when the client lists it first (or anything), protobuf when it asks only for that */
    const char *pb = accept ? strstr(accept, "protobuf") : NULL;
    const char *js = accept ? strstr(accept, "application/json") : NULL;
    return pb && (!js || pb < js);
}

int kp_crd_openapi_serve(kp_openapi_reply *out, kp_buf *body, char etag[KP_CRD_ETAG_MAX],
                         const kp_crd_set *set, const char *path, const char *hash,
                         const char *accept, const char *if_none_match)
{
    static const char v3[] = "/openapi/v3/";
    size_t n;
    const kp_schema_res *rows = kp_crd_set_rows(set, &n);
    const char *group, *version;
    kp_buf doc;
    int rc;

    if (n == 0)
        return kp_openapi_serve(out, body, path, hash, accept, if_none_match);
    memset(out, 0, sizeof(*out));
    kp_buf_init(&doc, DOC_MAX);
    if (strcmp(path, "/openapi/v2") == 0 || strcmp(path, "/openapi/v2/") == 0) {
        json_t *defs = json_object(), *paths = json_object();
        bool proto = wants_proto(accept);
        crd_parts(defs, paths, rows, n, 2, NULL, NULL);
        rc = kp_openapi_ext_v2(&doc, proto, paths, defs);
        json_decref(defs);
        json_decref(paths);
        out->vary = "Accept";
        if (rc == 0)
            rc = crd_reply(out, body, etag, &doc, proto ? KP_OPENAPI_V2_PB : "application/json",
                           if_none_match);
    } else if (strcmp(path, "/openapi/v3") == 0 || strcmp(path, v3) == 0) {
        json_t *index = NULL, *ps;
        if ((rc = kp_openapi_v3_index(&doc)) == 0 &&
            (rc = kp_json_parse(&index, doc.p, doc.len)) == 0) {
            ps = kp_json_obj_ensure(index, "paths");
            for (size_t i = 0; i < n && rc == 0; i++) {
                char gvp[300], url[512], e[KP_CRD_ETAG_MAX];
                kp_buf one;
                snprintf(gvp, sizeof(gvp), "apis/%s/%s", rows[i].group, rows[i].version);
                if (json_object_get(ps, gvp))
                    continue;
                kp_buf_init(&one, DOC_MAX);
                rc = crd_v3_doc(&one, rows, n, rows[i].group, rows[i].version);
                etag_of(e, &one);
                kp_buf_dispose(&one);
                e[65] = '\0';
                snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", gvp, e + 1);
                json_object_set_new(ps, gvp, json_pack("{s:s}", "serverRelativeURL", url));
            }
            kp_buf_reset(&doc);
            if (rc == 0)
                kp_json_dump_buf(&doc, index);
        }
        json_decref(index);
        if (rc == 0)
            rc = crd_reply(out, body, etag, &doc, "application/json", if_none_match);
    } else if (strncmp(path, v3, sizeof(v3) - 1) == 0 &&
               crd_gv(rows, n, path + sizeof(v3) - 1, &group, &version)) {
        out->vary = "Accept";
        rc = crd_v3_doc(&doc, rows, n, group, version);
        if (rc == 0)
            rc = crd_reply(out, body, etag, &doc, "application/json", if_none_match);
        if (rc == 0 && hash) /* the hash is the document's own: the etag without quotes */
            out->cache_control = strncmp(hash, etag + 1, 64) == 0
                                     ? "public, max-age=31536000, immutable"
                                     : "no-store";
    } else {
        rc = kp_openapi_serve(out, body, path, hash, accept, if_none_match);
    }
    kp_buf_dispose(&doc);
    return rc;
}
