#include "lib/common.h"
#include "apiserver/oidc.h"
#include "lib/hash.h"
#include "apiserver/validate.h"
#include "lib/httpc.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/limits.h"
#include "lib/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

/* Why a workspace cannot read a file on the kplane host (issuer.jwksFile): the file is read
 * with kplane's own privileges, so a tenant who could name any path would learn which files
 * exist and could point an issuer at keys that belong to someone else (another tenant's or
 * the platform's own). The root workspace is administered by whoever runs kplane and already
 * controls the host, so there it is only a convenience. Every other workspace publishes its
 * keys inline (issuer.jwks) or at a URL (issuer.jwksURL). */

#define OIDC_BUCKETS 256
#define OIDC_CLUSTERS_MAX 4096 /* cached workspaces; past it the cache starts over */
#define OIDC_URLS_MAX 256      /* cached JWKS URLs; past it the least recently used goes */
#define OIDC_GROUPS_MAX 256    /* groups taken from one token */
#define OIDC_FIELD_MAX 256
#define OIDC_CA_MAX (256 * 1024)

typedef enum { KEYS_INLINE = 0, KEYS_FILE, KEYS_URL } keys_kind;

typedef struct {
    char *claim;
    char *value;
} oidc_rule;

/* One spec.jwt[] entry, parsed. */
typedef struct {
    char *object; /* the WorkspaceAuthentication's name, for the log */
    char *issuer;
    char **audiences;
    size_t naudiences;
    char *user_claim, *user_prefix;
    char *group_claim, *group_prefix; /* group_claim NULL: no groups */
    char *uid_claim;                  /* NULL: no uid */
    oidc_rule *rules;
    size_t nrules;
    keys_kind kind;
    kp_jwks *keys; /* inline or file: read with the configuration */
    char *path;    /* KEYS_FILE */
    char *url;     /* KEYS_URL */
    char *ca_pem;  /* KEYS_URL: trust only this CA; NULL: the system's */
} oidc_authr;

/* The authenticators of one workspace: immutable once built, shared by reference. */
typedef struct {
    atomic_size_t refs;
    oidc_authr *v;
    size_t n;
} oidc_set;

typedef struct cfg_entry {
    char *cluster;
    struct cfg_entry *next;
    oidc_set *set; /* one reference */
    int64_t loaded_at;
} cfg_entry;

/* Keys fetched from one URL: immutable, shared by reference. */
typedef struct {
    atomic_size_t refs;
    kp_jwks *set;
    char **kids; /* every "kid" the document named, to tell an unknown key */
    size_t nkids;
} url_keys;

typedef struct {
    char *url;
    char *ca_pem;   /* part of the key: a key set is trusted through the CA that fetched it */
    url_keys *keys; /* one reference; NULL until a fetch succeeded */
    int64_t fetched_at;
    int64_t attempt_at; /* the last fetch started, failed or not; 0: never */
    int64_t used_at;
    bool fetching;
} url_entry;

struct kp_oidc {
    kp_store *store;
    char *reserved_issuer;
    int config_ttl_s, jwks_ttl_s, jwks_refresh_s;
    int (*list)(json_t **items_out, void *arg, const char *cluster);
    int (*fetch)(kp_buf *body_out, void *arg, const char *url, const char *ca_pem);
    int64_t (*now)(void *arg);
    void *hook_arg;
    pthread_mutex_t mu;
    cfg_entry *buckets[OIDC_BUCKETS]; /* guarded by mu */
    size_t ncfgs;                     /* guarded by mu */
    uint64_t gen;                     /* guarded by mu: one more on every invalidation */
    url_entry *urls[OIDC_URLS_MAX];   /* guarded by mu */
    size_t nurls;                     /* guarded by mu */
};

/* ---- small helpers ---- */

/* A string member without NUL bytes, or NULL (absent or another type). */
static const char *json_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static bool str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static uint64_t hash_str(const char *s)
{
    return kp_hash_str(KP_HASH_INIT, s);
}

static int64_t oidc_now(const kp_oidc *o)
{
    return o->now ? o->now(o->hook_arg) : (int64_t)time(NULL);
}

static void authr_dispose(oidc_authr *a)
{
    free(a->object);
    free(a->issuer);
    for (size_t i = 0; i < a->naudiences; i++)
        free(a->audiences[i]);
    free(a->audiences);
    free(a->user_claim);
    free(a->user_prefix);
    free(a->group_claim);
    free(a->group_prefix);
    free(a->uid_claim);
    for (size_t i = 0; i < a->nrules; i++) {
        free(a->rules[i].claim);
        free(a->rules[i].value);
    }
    free(a->rules);
    kp_jwks_free(a->keys);
    free(a->path);
    free(a->url);
    free(a->ca_pem);
}

static void set_unref(oidc_set *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (size_t i = 0; i < s->n; i++)
        authr_dispose(&s->v[i]);
    free(s->v);
    free(s);
}

static void keys_unref(url_keys *k)
{
    if (!k || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    kp_jwks_free(k->set);
    for (size_t i = 0; i < k->nkids; i++)
        free(k->kids[i]);
    free(k->kids);
    free(k);
}

/* ---- validation: field errors worded as Kubernetes' field.Error ---- */

/* ---- URLs ---- */

/* The host of an http(s) URL as a view ("[::1]" keeps its brackets); false when there is no
 * host. */
static bool url_host(kp_sv *out, const char *url)
{
    const char *p = strstr(url, "://"), *end;
    if (!p)
        return false;
    p += 3;
    end = p + strcspn(p, "/?#");
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb)
            return false;
        *out = (kp_sv){p, (size_t)(rb - p + 1)};
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        *out = (kp_sv){p, (size_t)((colon ? colon : end) - p)};
    }
    return out->len > 0;
}

static bool host_is_loopback(kp_sv h)
{
    if (kp_sv_eq_nocase(h, "localhost") || kp_sv_eq_str(h, "[::1]"))
        return true;
    if (!kp_sv_starts_with(h, "127."))
        return false;
    for (size_t i = 0; i < h.len; i++)
        if (!(h.p[i] == '.' || (h.p[i] >= '0' && h.p[i] <= '9')))
            return false;
    return true;
}

/* k8s validateURL: https, no user info, query or fragment. A JWKS URL may also be plain
 * http:// to a loopback address, where TLS protects nothing (and where tests serve keys). */
static void v_url(kp_verrs *v, const char *field, const char *url, bool http_loopback)
{
    const char *auth_end;
    kp_sv host;
    bool https = str_starts(url, "https://");

    for (const char *s = url; *s; s++) {
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
            kp_verrs_invalid(v, field, url, "URL must not contain spaces or control characters");
            return;
        }
    }
    if (!https && !(http_loopback && str_starts(url, "http://"))) {
        kp_verrs_invalid(v, field, url,
                         http_loopback ? "URL scheme must be https (or http to a loopback address)"
                                       : "URL scheme must be https");
        return;
    }
    if (!url_host(&host, url)) {
        kp_verrs_invalid(v, field, url, "URL must name a host");
        return;
    }
    if (!https && !host_is_loopback(host)) {
        kp_verrs_invalid(v, field, url, "URL scheme must be https (or http to a loopback address)");
        return;
    }
    auth_end = strstr(url, "://") + 3;
    auth_end += strcspn(auth_end, "/?#");
    if (memchr(url, '@', (size_t)(auth_end - url)))
        kp_verrs_invalid(v, field, url, "URL must not contain a username or password");
    if (strchr(url, '?'))
        kp_verrs_invalid(v, field, url, "URL must not contain a query");
    if (strchr(url, '#'))
        kp_verrs_invalid(v, field, url, "URL must not contain a fragment");
}

/* ---- parsing one WorkspaceAuthentication ---- */

#define F(...) (snprintf(fb, sizeof(fb), __VA_ARGS__), fb)

static const char *const no_cel = "expression is not supported: kplane evaluates no CEL in "
                                  "authentication, use claim";

/* The text of a string member for an error message, "" for another type. */
static const char *str_or_empty(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* claimMappings.username or .groups: {claim, prefix} (k8s PrefixedClaimOrExpression). */
static void parse_prefixed(kp_verrs *v, char **claim_out, char **prefix_out, const json_t *m,
                           const char *field, bool required)
{
    char fb[OIDC_FIELD_MAX];
    const char *claim, *prefix;

    if (!m) {
        if (required)
            kp_verrs_required(v, field, "claim or expression is required");
        return;
    }
    claim = kp_verrs_str(v, m, "claim", F("%s.claim", field));
    prefix = kp_verrs_str(v, m, "prefix", F("%s.prefix", field));
    if (json_object_get(m, "expression")) {
        kp_verrs_invalid(v, F("%s.expression", field), str_or_empty(m, "expression"), no_cel);
        return;
    }
    if (!claim || !*claim) {
        if (required)
            kp_verrs_required(v, field, "claim or expression is required");
        return;
    }
    if (!prefix) { /* k8s: no implicit "<issuer>#" in structured configuration */
        kp_verrs_required(
            v, F("%s.prefix", field),
            "prefix is required when claim is set. It can be set to an empty string to "
            "disable prefixing");
        return;
    }
    if (str_starts(prefix, "system:")) {
        kp_verrs_invalid(v, F("%s.prefix", field), prefix,
                         "must not start with \"system:\": that namespace is kplane's own");
        return;
    }
    *claim_out = kp_strdup(claim);
    *prefix_out = kp_strdup(prefix);
}

static void parse_mappings(kp_verrs *v, oidc_authr *a, const json_t *jwt, const char *base)
{
    char fb[OIDC_FIELD_MAX];
    const json_t *cm = kp_verrs_obj(v, jwt, "claimMappings", F("%s.claimMappings", base)), *uid,
                 *extra;
    char field[OIDC_FIELD_MAX];

    snprintf(field, sizeof(field), "%s.claimMappings.username", base);
    parse_prefixed(v, &a->user_claim, &a->user_prefix, kp_verrs_obj(v, cm, "username", field),
                   field, true);
    snprintf(field, sizeof(field), "%s.claimMappings.groups", base);
    parse_prefixed(v, &a->group_claim, &a->group_prefix, kp_verrs_obj(v, cm, "groups", field),
                   field, false);
    if ((uid = kp_verrs_obj(v, cm, "uid", F("%s.claimMappings.uid", base)))) {
        const char *c = kp_verrs_str(v, uid, "claim", F("%s.claimMappings.uid.claim", base));
        if (json_object_get(uid, "expression"))
            kp_verrs_invalid(v, F("%s.claimMappings.uid.expression", base),
                             str_or_empty(uid, "expression"), no_cel);
        else if (c && *c)
            a->uid_claim = kp_strdup(c);
    }
    extra = json_object_get(cm, "extra");
    if (extra && !json_is_null(extra) && !(json_is_array(extra) && json_array_size(extra) == 0))
        kp_verrs_forbidden(
            v, F("%s.claimMappings.extra", base),
            "extra mappings need CEL, which kplane does not evaluate in authentication");
}

/* claimValidationRules: {claim, requiredValue} only. */
static void parse_rules(kp_verrs *v, oidc_authr *a, const json_t *jwt, const char *base)
{
    char fb[OIDC_FIELD_MAX];
    const json_t *rules =
        kp_verrs_arr(v, jwt, "claimValidationRules", F("%s.claimValidationRules", base));
    const json_t *r;
    size_t i;

    a->rules = kp_calloc(json_array_size(rules) + 1, sizeof(*a->rules));
    json_array_foreach(rules, i, r)
    {
        char rf[160];
        const char *claim, *value;
        bool dup = false;

        snprintf(rf, sizeof(rf), "%s.claimValidationRules[%zu]", base, i);
        if (!json_is_object(r)) {
            kp_verrs_type(v, rf, r, "object");
            continue;
        }
        claim = kp_verrs_str(v, r, "claim", F("%s.claim", rf));
        value = kp_verrs_str(v, r, "requiredValue", F("%s.requiredValue", rf));
        if (json_object_get(r, "expression")) {
            kp_verrs_invalid(v, F("%s.expression", rf), str_or_empty(r, "expression"), no_cel);
            continue;
        }
        if (!claim || !*claim) {
            kp_verrs_required(v, rf, "claim or expression is required");
            continue;
        }
        if (json_object_get(r, "message")) {
            kp_verrs_invalid(v, F("%s.message", rf), str_or_empty(r, "message"),
                             "may not be specified when claim is set");
            continue;
        }
        for (size_t k = 0; k < a->nrules && !dup; k++)
            dup = strcmp(a->rules[k].claim, claim) == 0;
        if (dup) {
            kp_verrs_duplicate(v, F("%s.claim", rf), claim);
            continue;
        }
        a->rules[a->nrules].claim = kp_strdup(claim);
        a->rules[a->nrules].value = kp_strdup(value ? value : "");
        a->nrules++;
    }
}

/* Reads a JWKS file (KP_JWKS_MAX at most). */
static int read_jwks_file(kp_jwks **out, const char *path)
{
    kp_buf b = KP_BUF_INIT(KP_JWKS_MAX);
    int rc = kp_buf_read_file(&b, path);
    if (rc < 0)
        rc = kp_err_set(KP_EBADREQUEST, "cannot read JWKS file \"%s\": %s", path, kp_err_msg());
    else
        rc = kp_jwks_parse(out, b.p ? b.p : "", b.len);
    kp_buf_dispose(&b);
    return rc;
}

/* issuer: url, audiences, audienceMatchPolicy and one key source. */
static void parse_issuer(kp_verrs *v, oidc_authr *a, const json_t *jwt, const char *base,
                         const char *cluster, const char *reserved, bool load_files)
{
    char fb[OIDC_FIELD_MAX];
    const json_t *iss = kp_verrs_obj(v, jwt, "issuer", F("%s.issuer", base)), *auds, *au, *jwks;
    const char *url, *policy, *file, *jurl, *ca;
    int sources;
    size_t i;

    if (!iss) {
        kp_verrs_required(v, F("%s.issuer.url", base), "");
        kp_verrs_required(v, F("%s.issuer.audiences", base),
                          "at least one issuer.audiences is required");
        return;
    }
    url = kp_verrs_str(v, iss, "url", F("%s.issuer.url", base));
    if (!url || !*url) {
        kp_verrs_required(v, F("%s.issuer.url", base), "");
    } else {
        if (reserved && strcmp(url, reserved) == 0)
            kp_verrs_invalid(v, F("%s.issuer.url", base), url,
                             "URL must not overlap with kplane's ServiceAccount issuer");
        v_url(v, F("%s.issuer.url", base), url, false);
        a->issuer = kp_strdup(url);
    }
    if (json_object_get(iss, "discoveryURL"))
        kp_verrs_forbidden(v, F("%s.issuer.discoveryURL", base),
                           "kplane does no OIDC discovery: set issuer.jwks, issuer.jwksURL or "
                           "issuer.jwksFile");
    if (json_object_get(iss, "egressSelectorType"))
        kp_verrs_forbidden(v, F("%s.issuer.egressSelectorType", base), "not supported by kplane");

    auds = kp_verrs_arr(v, iss, "audiences", F("%s.issuer.audiences", base));
    if (json_array_size(auds) == 0)
        kp_verrs_required(v, F("%s.issuer.audiences", base),
                          "at least one issuer.audiences is required");
    a->audiences = kp_calloc(json_array_size(auds) + 1, sizeof(char *));
    json_array_foreach(auds, i, au)
    {
        char af[OIDC_FIELD_MAX];
        bool dup = false;
        snprintf(af, sizeof(af), "%s.issuer.audiences[%zu]", base, i);
        if (!json_is_string(au) || strlen(json_string_value(au)) != json_string_length(au)) {
            kp_verrs_type(v, af, au, "string");
            continue;
        }
        if (json_string_length(au) == 0) {
            kp_verrs_required(v, af, "");
            continue;
        }
        for (size_t k = 0; k < a->naudiences && !dup; k++)
            dup = strcmp(a->audiences[k], json_string_value(au)) == 0;
        if (dup) {
            kp_verrs_duplicate(v, af, json_string_value(au));
            continue;
        }
        a->audiences[a->naudiences++] = kp_strdup(json_string_value(au));
    }
    policy = kp_verrs_str(v, iss, "audienceMatchPolicy", F("%s.issuer.audienceMatchPolicy", base));
    if (json_array_size(auds) > 1 && (!policy || strcmp(policy, "MatchAny") != 0))
        kp_verrs_invalid(v, F("%s.issuer.audienceMatchPolicy", base), policy ? policy : "",
                         "audienceMatchPolicy must be MatchAny for multiple audiences");
    else if (json_array_size(auds) <= 1 && policy && *policy && strcmp(policy, "MatchAny") != 0)
        kp_verrs_invalid(v, F("%s.issuer.audienceMatchPolicy", base), policy,
                         "audienceMatchPolicy must be empty or MatchAny for single audience");

    /* where the keys come from: exactly one */
    jwks = json_object_get(iss, "jwks");
    file = kp_verrs_str(v, iss, "jwksFile", F("%s.issuer.jwksFile", base));
    jurl = kp_verrs_str(v, iss, "jwksURL", F("%s.issuer.jwksURL", base));
    ca = kp_verrs_str(v, iss, "certificateAuthority", F("%s.issuer.certificateAuthority", base));
    if (jwks && json_is_null(jwks))
        jwks = NULL;
    sources = (jwks != NULL) + (file != NULL) + (jurl != NULL);
    if (sources == 0) {
        kp_verrs_required(
            v, F("%s.issuer", base),
            "one of jwks, jwksURL or jwksFile is required: kplane does no OIDC discovery");
        return;
    }
    if (sources > 1) {
        kp_verrs_invalid(v, F("%s.issuer", base), "",
                         "only one of jwks, jwksURL or jwksFile may be specified");
        return;
    }
    if (ca && !jurl)
        kp_verrs_forbidden(v, F("%s.issuer.certificateAuthority", base),
                           "only used to fetch issuer.jwksURL");
    if (jwks) {
        char *text;
        size_t len;
        if (!json_is_object(jwks)) {
            kp_verrs_type(v, F("%s.issuer.jwks", base), jwks, "object");
            return;
        }
        text = kp_json_dump(jwks, &len);
        a->kind = KEYS_INLINE;
        if (kp_jwks_parse(&a->keys, text, len) < 0)
            kp_verrs_invalid(v, F("%s.issuer.jwks", base), "", kp_err_msg());
        free(text);
    } else if (file) {
        a->kind = KEYS_FILE;
        if (strcmp(cluster, KP_OIDC_ROOT_CLUSTER) != 0) {
            kp_verrs_forbidden(
                v, F("%s.issuer.jwksFile", base),
                "only allowed in the root workspace: the file is read from the kplane "
                "host with kplane's privileges");
            return;
        }
        if (file[0] != '/') {
            kp_verrs_invalid(v, F("%s.issuer.jwksFile", base), file, "must be an absolute path");
            return;
        }
        a->path = kp_strdup(file);
        if (load_files && read_jwks_file(&a->keys, file) < 0)
            kp_verrs_invalid(v, F("%s.issuer.jwksFile", base), file, kp_err_msg());
    } else {
        a->kind = KEYS_URL;
        if (ca && (strlen(ca) > OIDC_CA_MAX || !strstr(ca, "-----BEGIN CERTIFICATE-----")))
            kp_verrs_invalid(v, F("%s.issuer.certificateAuthority", base), "<omitted>",
                             "must hold PEM certificates");
        v_url(v, F("%s.issuer.jwksURL", base), jurl, true);
        a->url = kp_strdup(jurl);
        a->ca_pem = ca ? kp_strdup(ca) : NULL;
    }
}

/* Parses obj's spec.jwt[] into *v_out (n_out entries, owned: authr_dispose each, free the
 * array), collecting every problem in errs. load_files reads jwksFile keys. */
static void parse_object(kp_verrs *errs, oidc_authr **v_out, size_t *n_out, const json_t *obj,
                         const char *cluster, const char *reserved, bool load_files)
{
    char fb[OIDC_FIELD_MAX];
    const json_t *spec = kp_verrs_obj(errs, obj, "spec", "spec"), *jwts, *jwt;
    const char *name = kp_json_get_str(obj, "metadata.name");
    oidc_authr *v;
    size_t i, n = 0;

    *v_out = NULL;
    *n_out = 0;
    if (!spec) {
        if (!json_object_get(obj, "spec"))
            kp_verrs_required(errs, "spec", "");
        return;
    }
    if (json_object_get(spec, "anonymous"))
        kp_verrs_forbidden(errs, "spec.anonymous", "not supported by kplane");
    jwts = kp_verrs_arr(errs, spec, "jwt", "spec.jwt");
    if (json_array_size(jwts) > KP_OIDC_JWT_MAX) {
        kp_verrs_add(errs, "spec.jwt", "FieldValueTooMany",
                     "Too many: %zu: must have at most %d items", json_array_size(jwts),
                     KP_OIDC_JWT_MAX);
        return;
    }
    v = kp_calloc(json_array_size(jwts) + 1, sizeof(*v));
    json_array_foreach(jwts, i, jwt)
    {
        char base[64];
        oidc_authr *a = &v[n++];
        snprintf(base, sizeof(base), "spec.jwt[%zu]", i);
        a->object = kp_strdup(name ? name : "");
        if (!json_is_object(jwt)) {
            kp_verrs_type(errs, base, jwt, "object");
            continue;
        }
        parse_issuer(errs, a, jwt, base, cluster, reserved, load_files);
        parse_rules(errs, a, jwt, base);
        parse_mappings(errs, a, jwt, base);
        if (json_object_get(jwt, "userValidationRules") &&
            json_array_size(json_object_get(jwt, "userValidationRules")) > 0)
            kp_verrs_forbidden(errs, F("%s.userValidationRules", base),
                               "user validation rules need CEL, which kplane does not evaluate in "
                               "authentication");
        for (size_t k = 0; a->issuer && k + 1 < n; k++) {
            if (v[k].issuer && strcmp(v[k].issuer, a->issuer) == 0) {
                kp_verrs_duplicate(errs, F("%s.issuer.url", base), a->issuer);
                break;
            }
        }
    }
    *v_out = v;
    *n_out = n;
}

int kp_oidc_validate(const json_t *obj, const char *cluster, const char *reserved_issuer)
{
    kp_verrs *errs = kp_calloc(1, sizeof(*errs));
    oidc_authr *v;
    size_t n;
    int rc = 0;

    parse_object(errs, &v, &n, obj, cluster, reserved_issuer, false);
    for (size_t i = 0; i < n; i++)
        authr_dispose(&v[i]);
    free(v);
    if (errs->n) {
        kp_err_clear();
        rc = kp_verrs_report(errs, KP_OIDC_KIND, kp_json_get_str(obj, "metadata.name"));
    }
    free(errs);
    return rc;
}

/* ---- the per-workspace configuration cache ---- */

static int store_list(json_t **out, kp_oidc *o, const char *cluster)
{
    kp_store_list_opts lo = {
        .cluster = cluster, .resource = KP_OIDC_RESOURCE, .limit = KP_OIDC_OBJECTS_MAX};
    int64_t rv;
    bool more = false;
    int rc;

    if (o->list)
        return o->list(out, o->hook_arg, cluster);
    if (!o->store)
        return kp_err_set(KP_EINTERNAL, "no store to read WorkspaceAuthentications from");
    rc = kp_store_list(out, &rv, &more, o->store, &lo);
    if (rc == 0 && more)
        KP_LOG_WARN("oidc",
                    "cluster=%s has more than %d WorkspaceAuthentications: only the "
                    "first %d are used",
                    cluster, KP_OIDC_OBJECTS_MAX, KP_OIDC_OBJECTS_MAX);
    return rc;
}

/* Builds the set of cluster from its objects (I/O: files; called without o->mu). An invalid
 * object is left out whole, with a warning: admission refuses most, but a patch or an older
 * kplane may have stored one, and the workspace's other issuers must keep working. */
static int set_load(oidc_set **out, kp_oidc *o, const char *cluster)
{
    json_t *items = NULL, *obj;
    oidc_set *s = kp_calloc(1, sizeof(*s));
    size_t i;
    int rc;

    atomic_init(&s->refs, 1);
    if ((rc = store_list(&items, o, cluster)) < 0) {
        set_unref(s);
        return rc;
    }
    json_array_foreach(items, i, obj)
    {
        kp_verrs *errs = kp_calloc(1, sizeof(*errs));
        oidc_authr *v;
        size_t n;

        if (i >= KP_OIDC_OBJECTS_MAX) {
            free(errs);
            break;
        }
        parse_object(errs, &v, &n, obj, cluster, o->reserved_issuer, true);
        if (errs->n) {
            KP_LOG_WARN("oidc", "cluster=%s WorkspaceAuthentication \"%s\" is ignored: %s: %s",
                        cluster, kp_json_get_str(obj, "metadata.name"), errs->e[0].field,
                        errs->e[0].body);
            for (size_t k = 0; k < n; k++)
                authr_dispose(&v[k]);
            free(v);
        } else {
            s->v = kp_realloc(s->v, (s->n + n + 1) * sizeof(*s->v));
            memcpy(s->v + s->n, v, n * sizeof(*v));
            s->n += n;
            free(v);
        }
        free(errs);
    }
    json_decref(items);
    kp_err_clear();
    *out = s;
    return 0;
}

static cfg_entry **cfg_slot(kp_oidc *o, const char *cluster)
{
    cfg_entry **p = &o->buckets[hash_str(cluster) % OIDC_BUCKETS];
    while (*p && strcmp((*p)->cluster, cluster) != 0)
        p = &(*p)->next;
    return p;
}

static void cfg_entry_free(cfg_entry *e)
{
    set_unref(e->set);
    free(e->cluster);
    free(e);
}

/* Detaches every entry (under o->mu); the caller frees the list outside it. */
static cfg_entry *cfg_detach_all(kp_oidc *o)
{
    cfg_entry *all = NULL;
    for (size_t b = 0; b < OIDC_BUCKETS; b++) {
        while (o->buckets[b]) {
            cfg_entry *e = o->buckets[b];
            o->buckets[b] = e->next;
            e->next = all;
            all = e;
        }
    }
    o->ncfgs = 0;
    return all;
}

static void cfg_free_list(cfg_entry *e)
{
    while (e) {
        cfg_entry *next = e->next;
        cfg_entry_free(e);
        e = next;
    }
}

/* *out gets a reference to the set of cluster, read from the store when it is not cached or
 * older than the TTL (jwksFile keys are re-read then). */
static int set_get(oidc_set **out, kp_oidc *o, const char *cluster)
{
    int64_t now = oidc_now(o);
    cfg_entry **slot, *old = NULL, *dropped = NULL;
    oidc_set *s = NULL;
    uint64_t gen;
    int rc;

    pthread_mutex_lock(&o->mu);
    slot = cfg_slot(o, cluster);
    if (*slot && now - (*slot)->loaded_at < o->config_ttl_s && now >= (*slot)->loaded_at) {
        s = (*slot)->set;
        atomic_fetch_add(&s->refs, 1);
        pthread_mutex_unlock(&o->mu);
        *out = s;
        return 0;
    }
    gen = o->gen;
    pthread_mutex_unlock(&o->mu);

    if ((rc = set_load(&s, o, cluster)) < 0)
        return rc;

    pthread_mutex_lock(&o->mu);
    /* an invalidation while we read means our list may predate the write: serve this request
     * with it, but let the next one read again */
    if (o->gen == gen) {
        if (o->ncfgs >= OIDC_CLUSTERS_MAX)
            dropped = cfg_detach_all(o);
        slot = cfg_slot(o, cluster);
        if (*slot) {
            old = *slot;
            *slot = old->next;
            old->next = NULL;
            o->ncfgs--;
        }
        {
            cfg_entry *e = kp_calloc(1, sizeof(*e));
            e->cluster = kp_strdup(cluster);
            e->set = s;
            e->loaded_at = now;
            atomic_fetch_add(&s->refs, 1);
            e->next = o->buckets[hash_str(cluster) % OIDC_BUCKETS];
            o->buckets[hash_str(cluster) % OIDC_BUCKETS] = e;
            o->ncfgs++;
        }
    }
    pthread_mutex_unlock(&o->mu);
    if (old)
        cfg_entry_free(old);
    cfg_free_list(dropped);
    *out = s;
    return 0;
}

void kp_oidc_invalidate(kp_oidc *o, const char *cluster)
{
    cfg_entry **slot, *e = NULL;

    if (!o || !cluster)
        return;
    pthread_mutex_lock(&o->mu);
    o->gen++;
    slot = cfg_slot(o, cluster);
    if (*slot) {
        e = *slot;
        *slot = e->next;
        o->ncfgs--;
    }
    pthread_mutex_unlock(&o->mu);
    if (e)
        cfg_entry_free(e);
}

/* ---- keys from JWKS URLs ---- */

static int http_fetch(kp_buf *body, const char *url, const char *ca_pem)
{
    kp_httpc_req req;
    kp_httpc_resp resp;
    int rc;

    memset(&req, 0, sizeof(req));
    req.url = url;
    req.accept = "application/json, application/jwk-set+json";
    req.ca_pem = ca_pem;
    req.ca_len = ca_pem ? strlen(ca_pem) : 0;
    req.timeout_ms = KP_OIDC_FETCH_TIMEOUT_MS;
    req.connect_timeout_ms = KP_OIDC_FETCH_TIMEOUT_MS;
    req.body_max = KP_JWKS_MAX;
    kp_httpc_resp_init(&resp);
    if ((rc = kp_httpc_do(&resp, &req)) == 0) {
        if (resp.status != 200)
            rc = kp_err_set(KP_EUNAVAILABLE, "GET \"%s\" answered HTTP %d", url, resp.status);
        else
            kp_buf_put(body, resp.body.p, resp.body.len);
    }
    kp_httpc_resp_dispose(&resp);
    return rc;
}

/* Fetches and parses the key set at url (I/O: called without o->mu). */
static int keys_fetch(url_keys **out, kp_oidc *o, const char *url, const char *ca_pem)
{
    kp_buf body = KP_BUF_INIT(KP_JWKS_MAX);
    json_t *doc = NULL, *jwk;
    url_keys *k = NULL;
    size_t i;
    int rc;

    rc = o->fetch ? o->fetch(&body, o->hook_arg, url, ca_pem) : http_fetch(&body, url, ca_pem);
    if (rc == 0)
        rc = kp_buf_status(&body);
    if (rc < 0)
        goto out;
    k = kp_calloc(1, sizeof(*k));
    atomic_init(&k->refs, 1);
    if ((rc = kp_jwks_parse(&k->set, body.p ? body.p : "", body.len)) < 0 ||
        (rc = kp_json_parse(&doc, body.p, body.len)) < 0)
        goto out;
    k->kids = kp_calloc(json_array_size(json_object_get(doc, "keys")) + 1, sizeof(char *));
    json_array_foreach(json_object_get(doc, "keys"), i, jwk)
    {
        const char *kid = json_str(jwk, "kid");
        if (kid)
            k->kids[k->nkids++] = kp_strdup(kid);
    }
    *out = k;
    k = NULL;
out:
    keys_unref(k);
    json_decref(doc);
    kp_buf_dispose(&body);
    return rc;
}

static url_entry *url_find(kp_oidc *o, const char *url, const char *ca_pem)
{
    for (size_t i = 0; i < o->nurls; i++) {
        url_entry *e = o->urls[i];
        if (strcmp(e->url, url) == 0 &&
            ((!e->ca_pem && !ca_pem) || (e->ca_pem && ca_pem && strcmp(e->ca_pem, ca_pem) == 0)))
            return e;
    }
    return NULL;
}

static void url_entry_free(url_entry *e)
{
    if (!e)
        return;
    keys_unref(e->keys);
    free(e->url);
    free(e->ca_pem);
    free(e);
}

/* A new entry (under o->mu); when the table is full the least recently used idle entry makes
 * room, and *evicted gets it to free outside the lock. */
static url_entry *url_add(kp_oidc *o, const char *url, const char *ca_pem, url_entry **evicted)
{
    url_entry *e;

    *evicted = NULL;
    if (o->nurls == OIDC_URLS_MAX) {
        size_t victim = OIDC_URLS_MAX;
        for (size_t i = 0; i < o->nurls; i++)
            if (!o->urls[i]->fetching &&
                (victim == OIDC_URLS_MAX || o->urls[i]->used_at < o->urls[victim]->used_at))
                victim = i;
        if (victim == OIDC_URLS_MAX)
            return NULL; /* every entry is being fetched */
        *evicted = o->urls[victim];
        o->urls[victim] = o->urls[--o->nurls];
    }
    e = kp_calloc(1, sizeof(*e));
    e->url = kp_strdup(url);
    e->ca_pem = ca_pem ? kp_strdup(ca_pem) : NULL;
    o->urls[o->nurls++] = e;
    return e;
}

/* *out gets a reference to the keys of (url, ca_pem). A fetch happens when there are none yet,
 * when they are older than the TTL, or when refresh asks (a token names a kid they lack), but
 * never twice within jwks_refresh_s: an issuer that is down, or tokens with made-up kids,
 * cost one fetch per interval, not one per request. The fetch runs in the calling thread
 * without o->mu, one per URL at a time; meanwhile, and after a failed fetch, the keys we have
 * serve. Nobody waits for another thread's fetch: without keys yet the answer is at once "not
 * available" (k8s answers 401 until its verifier is initialized), so a slow issuer ties up one
 * HTTP worker per URL and interval, not all of them. */
static int keys_get(url_keys **out, kp_oidc *o, const char *url, const char *ca_pem, bool refresh)
{
    url_entry *e, *evicted = NULL;
    url_keys *got = NULL, *fresh = NULL;
    int64_t now = oidc_now(o);
    bool due, allowed;
    int rc = 0;

    pthread_mutex_lock(&o->mu);
    if (!(e = url_find(o, url, ca_pem)) && !(e = url_add(o, url, ca_pem, &evicted))) {
        rc = kp_err_set(KP_EUNAVAILABLE, "too many JWKS URLs being fetched");
        goto out;
    }
    e->used_at = now;
    due = !e->keys || refresh || now - e->fetched_at >= o->jwks_ttl_s;
    allowed = e->attempt_at == 0 || now - e->attempt_at >= o->jwks_refresh_s || now < e->attempt_at;
    if (e->fetching || !due || !allowed) {
        got = e->keys;
        if (!got)
            rc = kp_err_set(KP_EUNAVAILABLE,
                            e->fetching ? "keys of JWKS \"%s\" are being fetched"
                                        : "no keys from JWKS \"%s\" (the last fetch failed; the "
                                          "next is due within %d s)",
                            url, o->jwks_refresh_s);
        goto out;
    }
    e->fetching = true;
    e->attempt_at = now;
    pthread_mutex_unlock(&o->mu);
    url_entry_free(evicted);
    evicted = NULL;

    rc = keys_fetch(&fresh, o, url, ca_pem);
    if (rc < 0)
        KP_LOG_WARN("oidc", "cannot fetch JWKS: %s", kp_err_msg());
    else
        KP_LOG_DEBUG("oidc", "fetched JWKS \"%s\" (%zu keys)", url, kp_jwks_count(fresh->set));

    pthread_mutex_lock(&o->mu);
    e = url_find(o, url, ca_pem); /* never evicted while fetching */
    assert(e);
    e->fetching = false;
    if (rc == 0) {
        url_keys *old = e->keys;
        e->keys = fresh;
        e->fetched_at = oidc_now(o);
        fresh = old; /* released below, outside the lock */
    }
    got = e->keys; /* after a failure: the keys we had, if any */
out:
    if (got)
        atomic_fetch_add(&got->refs, 1);
    pthread_mutex_unlock(&o->mu);
    url_entry_free(evicted);
    keys_unref(fresh);
    if (!got)
        return rc < 0 ? rc : kp_err_set(KP_EUNAVAILABLE, "no keys from JWKS \"%s\"", url);
    kp_err_clear();
    *out = got;
    return 0;
}

static bool keys_know(const url_keys *k, const char *kid)
{
    for (size_t i = 0; i < k->nkids; i++)
        if (strcmp(k->kids[i], kid) == 0)
            return true;
    return false;
}

/* ---- authentication ---- */

/* k8s claims.unmarshalClaim into a string */
static int claim_string(const char **out, const json_t *claims, const char *claim, const char *what)
{
    const json_t *v = json_object_get(claims, claim);
    if (!v)
        return kp_err_set(KP_EUNAUTHORIZED, "%s claim \"%s\" is not present", what, claim);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return kp_err_set(KP_EUNAUTHORIZED, "%s claim \"%s\" is not a string", what, claim);
    *out = json_string_value(v);
    return 0;
}

/* The claims of a verified token -> the user, as k8s' oidc authenticator maps them. */
static int map_claims(kp_oidc_user *out, kp_arena *arena, const oidc_authr *a, const json_t *claims)
{
    const char *name, *uid = "";
    const json_t *g;
    int rc;

    if ((rc = claim_string(&name, claims, a->user_claim, "username")) < 0)
        return rc;
    if (!*name)
        return kp_err_set(KP_EUNAUTHORIZED, "username claim \"%s\" is empty", a->user_claim);
    if (strcmp(a->user_claim, "email") == 0 && json_object_get(claims, "email_verified")) {
        /* k8s (OIDC Core 5.1): when email_verified is there, it must be true */
        const json_t *ev = json_object_get(claims, "email_verified");
        if (!json_is_boolean(ev))
            return kp_err_set(KP_EUNAUTHORIZED, "claim \"email_verified\" is not a boolean");
        if (!json_is_true(ev))
            return kp_err_set(KP_EUNAUTHORIZED, "email not verified");
    }
    out->name = kp_arena_printf(arena, "%s%s", a->user_prefix, name);
    if (str_starts(out->name, "system:"))
        return kp_err_set(KP_EUNAUTHORIZED,
                          "username in \"system:\" may not come from a workspace's issuer");

    out->ngroups = 0;
    if (a->group_claim && (g = json_object_get(claims, a->group_claim))) {
        /* k8s: a single string is one group (kubernetes#33290) */
        const json_t *one;
        size_t i, n = json_is_string(g) ? 1 : json_array_size(g);
        if (!json_is_string(g) && !json_is_array(g))
            return kp_err_set(KP_EUNAUTHORIZED,
                              "groups claim \"%s\" is not a string or an array of strings",
                              a->group_claim);
        out->groups =
            kp_arena_calloc(arena, KP_MIN(n, (size_t)OIDC_GROUPS_MAX) + 1, sizeof(char *));
        for (i = 0; i < n; i++) {
            one = json_is_string(g) ? g : json_array_get(g, i);
            if (!json_is_string(one) || strlen(json_string_value(one)) != json_string_length(one))
                return kp_err_set(KP_EUNAUTHORIZED,
                                  "groups claim \"%s\" is not a string or an array of strings",
                                  a->group_claim);
            if (out->ngroups == OIDC_GROUPS_MAX)
                return kp_err_set(KP_EUNAUTHORIZED, "groups claim \"%s\" has more than %d groups",
                                  a->group_claim, OIDC_GROUPS_MAX);
            {
                const char *grp =
                    kp_arena_printf(arena, "%s%s", a->group_prefix, json_string_value(one));
                /* system:masters and friends are kplane's to give, never a tenant issuer's */
                if (str_starts(grp, "system:"))
                    continue;
                out->groups[out->ngroups++] = grp;
            }
        }
    }
    if (!out->groups)
        out->groups = kp_arena_calloc(arena, 1, sizeof(char *));
    if (a->uid_claim && (rc = claim_string(&uid, claims, a->uid_claim, "uid")) < 0)
        return rc;
    out->uid = kp_arena_strdup(arena, uid);

    /* k8s: every claimValidationRule's claim must be there, a string equal to requiredValue */
    for (size_t i = 0; i < a->nrules; i++) {
        const char *v;
        const json_t *c = json_object_get(claims, a->rules[i].claim);
        if (!c)
            return kp_err_set(KP_EUNAUTHORIZED, "required claim \"%s\" is not present",
                              a->rules[i].claim);
        if (!json_is_string(c))
            return kp_err_set(KP_EUNAUTHORIZED, "required claim \"%s\" is not a string",
                              a->rules[i].claim);
        v = json_string_value(c);
        if (strlen(v) != json_string_length(c) || strcmp(v, a->rules[i].value) != 0)
            return kp_err_set(KP_EUNAUTHORIZED, "required claim \"%s\" does not have its value",
                              a->rules[i].claim);
    }
    out->issuer = kp_arena_strdup(arena, a->issuer);
    return 0;
}

/* Verifies t with one authenticator. */
static int authr_check(kp_oidc_user *out, kp_arena *arena, kp_oidc *o, const oidc_authr *a,
                       const kp_jwt *t)
{
    kp_jwt_expect want;
    url_keys *uk = NULL;
    const char *kid = json_str(kp_jwt_header(t), "kid");
    int rc;

    memset(&want, 0, sizeof(want));
    want.issuer = a->issuer;
    want.audiences = (const char *const *)a->audiences;
    want.naudiences = a->naudiences;
    if (a->kind != KEYS_URL) {
        rc = kp_jwt_verify(t, a->keys, &want, oidc_now(o));
    } else {
        /* k8s: an issuer whose keys cannot be had authenticates nobody (401, not 503) */
        if ((rc = keys_get(&uk, o, a->url, a->ca_pem, false)) < 0) {
            rc = kp_err_set(KP_EUNAUTHORIZED, "keys of issuer are not available: %s", kp_err_msg());
            goto out;
        }
        /* a kid we have not seen: the issuer may have rotated its keys */
        if (kid && !keys_know(uk, kid)) {
            url_keys *nk = NULL;
            if (keys_get(&nk, o, a->url, a->ca_pem, true) == 0) {
                keys_unref(uk);
                uk = nk;
            }
            kp_err_clear();
        }
        rc = kp_jwt_verify(t, uk->set, &want, oidc_now(o));
    }
    if (rc == 0)
        rc = map_claims(out, arena, a, kp_jwt_claims(t));
out:
    keys_unref(uk);
    return rc;
}

int kp_oidc_authenticate(kp_oidc_user *out, kp_arena *arena, kp_oidc *o, const char *cluster,
                         const char *token, size_t len)
{
    char first[256] = "";
    kp_jwt *t = NULL;
    oidc_set *s = NULL;
    const char *iss;
    bool tried = false;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = kp_jwt_parse(&t, token, len)) < 0)
        goto out;
    /* k8s hasCorrectIssuer: the unverified "iss" only picks the authenticator */
    if (!(iss = json_str(kp_jwt_claims(t), "iss"))) {
        rc = kp_err_set(KP_EUNAUTHORIZED, "token has no issuer");
        goto out;
    }
    if ((rc = set_get(&s, o, cluster)) < 0)
        goto out;
    for (size_t i = 0; i < s->n; i++) {
        const oidc_authr *a = &s->v[i];
        if (strcmp(a->issuer, iss) != 0)
            continue;
        if ((rc = authr_check(out, arena, o, a, t)) == 0)
            goto out;
        if (!tried) /* the first authenticator's reason is the one worth reading */
            snprintf(first, sizeof(first), "%s", kp_err_msg());
        tried = true;
    }
    if (!tried)
        rc = kp_err_set(KP_EUNAUTHORIZED, "token issuer is not configured in this workspace");
    else
        rc = kp_err_set(KP_EUNAUTHORIZED, "%s", first);
out:
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    set_unref(s);
    kp_jwt_free(t);
    return rc;
}

/* ---- life cycle ---- */

int kp_oidc_new(kp_oidc **out, const kp_oidc_opts *opts)
{
    kp_oidc *o = kp_calloc(1, sizeof(*o));

    o->store = opts->store;
    o->reserved_issuer = opts->reserved_issuer ? kp_strdup(opts->reserved_issuer) : NULL;
    o->config_ttl_s = opts->config_ttl_s > 0 ? opts->config_ttl_s : KP_OIDC_CONFIG_TTL_S;
    o->jwks_ttl_s = opts->jwks_ttl_s > 0 ? opts->jwks_ttl_s : KP_OIDC_JWKS_TTL_S;
    o->jwks_refresh_s = opts->jwks_refresh_s > 0 ? opts->jwks_refresh_s : KP_OIDC_JWKS_REFRESH_S;
    o->list = opts->list;
    o->fetch = opts->fetch;
    o->now = opts->now;
    o->hook_arg = opts->hook_arg;
    pthread_mutex_init(&o->mu, NULL);
    *out = o;
    return 0;
}

void kp_oidc_free(kp_oidc *o)
{
    if (!o)
        return;
    cfg_free_list(cfg_detach_all(o));
    for (size_t i = 0; i < o->nurls; i++)
        url_entry_free(o->urls[i]);
    pthread_mutex_destroy(&o->mu);
    free(o->reserved_issuer);
    free(o);
}
