#include "lib/common.h"
#include "apiserver/authn.h"
#include "apiserver/oidc.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "tests/support/testlib.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

/* The OIDC module through its public API, with its three outside dependencies replaced: the
 * store (the WorkspaceAuthentication objects of each workspace), the JWKS fetch and the clock.
 * Tokens are signed here with keys made here. */

#define ISS "https://idp.example"
#define ISS2 "https://other-idp.example"
#define JWKS_URL "https://idp.example/keys"
#define NOW INT64_C(1800000000)
#define SA_ISS "https://kplane.local"

typedef struct {
    int64_t now;
    json_t *objects[4]; /* per cluster below */
    const char *clusters[4];
    int lists;              /* how often a workspace's objects were read */
    int fetches;            /* how often the JWKS URL was fetched */
    char *jwks_body;        /* what the URL serves; NULL: the fetch fails */
    kp_crypto_key *k1, *k2; /* k1 ("kid-1") is in every JWKS; k2 ("kid-2") after a rotation */
    kp_crypto_key *rsa;     /* an RS256 key ("kid-rsa") */
    /* set: hook_fetch authenticates this token itself, as a concurrent request would */
    kp_oidc *reenter;
    const char *reenter_token;
    int reenter_rc;
    char reenter_msg[256];
} fixture;

static fixture fx;

static int hook_list(json_t **out, void *arg, const char *cluster)
{
    (void)arg;
    fx.lists++;
    for (size_t i = 0; i < KP_ARRAY_LEN(fx.clusters); i++) {
        if (fx.clusters[i] && strcmp(fx.clusters[i], cluster) == 0) {
            *out = json_deep_copy(fx.objects[i]);
            return 0;
        }
    }
    *out = json_array();
    return 0;
}

static int hook_fetch(kp_buf *body, void *arg, const char *url, const char *ca_pem)
{
    (void)arg;
    (void)ca_pem;
    fx.fetches++;
    assert_string_equal(url, JWKS_URL);
    if (fx.reenter) { /* no lock is held during a fetch: another request gets through */
        kp_arena *a = kp_arena_new();
        kp_oidc_user u;
        kp_oidc *o = fx.reenter;
        fx.reenter = NULL;
        fx.reenter_rc =
            kp_oidc_authenticate(&u, a, o, "ws-a", fx.reenter_token, strlen(fx.reenter_token));
        snprintf(fx.reenter_msg, sizeof(fx.reenter_msg), "%s", kp_err_msg());
        kp_arena_free(a);
    }
    if (!fx.jwks_body)
        return kp_err_set(KP_EUNAVAILABLE, "GET \"%s\": connection refused", url);
    kp_buf_puts(body, fx.jwks_body);
    return 0;
}

static int64_t hook_now(void *arg)
{
    (void)arg;
    return fx.now;
}

/* {"keys":[jwk(k1,"kid-1"), ...]} as text; keys NULL-terminated, kids parallel. */
static char *jwks_of(kp_crypto_key *const *keys, const char *const *kids)
{
    json_t *doc = json_object(), *list = json_array();
    char *text;
    for (size_t i = 0; keys[i]; i++) {
        json_t *jwk = NULL;
        assert_int_equal(kp_crypto_key_to_jwk(&jwk, keys[i], kids[i]), 0);
        json_array_append_new(list, jwk);
    }
    json_object_set_new(doc, "keys", list);
    text = kp_json_dump(doc, NULL);
    json_decref(doc);
    return text;
}

static json_t *jwks_json(kp_crypto_key *k, const char *kid)
{
    kp_crypto_key *keys[] = {k, NULL};
    const char *kids[] = {kid, NULL};
    char *text = jwks_of(keys, kids);
    json_t *v = NULL;
    assert_int_equal(kp_json_parse(&v, text, strlen(text)), 0);
    free(text);
    return v;
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    fx.now = NOW;
    assert_int_equal(kp_crypto_key_generate(&fx.k1), 0);
    assert_int_equal(kp_crypto_key_generate(&fx.k2), 0);
    assert_int_equal(kp_crypto_key_generate_for(&fx.rsa, KP_CRYPTO_SIG_RS256), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(fx.objects); i++)
        json_decref(fx.objects[i]);
    free(fx.jwks_body);
    kp_crypto_key_free(fx.k1);
    kp_crypto_key_free(fx.k2);
    kp_crypto_key_free(fx.rsa);
    return 0;
}

/* One WorkspaceAuthentication with one authenticator for ISS whose keys are k1 inline:
 * username from "sub" with prefix "oidc:", groups from "groups" with prefix "oidc:". */
static json_t *wa_object(const char *name)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:[{s:{s:s, s:[s], s:o}, s:{s:{s:s, s:s}, s:{s:s, s:s}}}]}}",
        "apiVersion", "tenancy.kplane.io/v1alpha1", "kind", "WorkspaceAuthentication", "metadata",
        "name", name, "spec", "jwt", "issuer", "url", ISS, "audiences", "kplane", "jwks",
        jwks_json(fx.k1, "kid-1"), "claimMappings", "username", "claim", "sub", "prefix",
        "oidc:", "groups", "claim", "groups", "prefix", "oidc:");
    assert_non_null(o);
    return o;
}

/* spec.jwt[0] of o, to change a field */
static json_t *jwt0(json_t *o)
{
    return json_array_get(kp_json_get(o, "spec.jwt"), 0);
}

static void set_objects(const char *cluster, json_t *items)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(fx.clusters); i++) {
        if (!fx.clusters[i] || strcmp(fx.clusters[i], cluster) == 0) {
            json_decref(fx.objects[i]);
            fx.clusters[i] = cluster;
            fx.objects[i] = items;
            return;
        }
    }
    fail_msg("too many clusters");
}

static kp_oidc *oidc_new(void)
{
    kp_oidc_opts o;
    kp_oidc *oidc = NULL;
    memset(&o, 0, sizeof(o));
    o.reserved_issuer = SA_ISS;
    o.list = hook_list;
    o.fetch = hook_fetch;
    o.now = hook_now;
    assert_int_equal(kp_oidc_new(&oidc, &o), 0);
    return oidc;
}

/* A token signed by key with kid; claims start from the usual ones and are edited by the
 * "k=v" JSON fragment extra (merged over them; null deletes). */
static char *token(const kp_crypto_key *key, const char *kid, const char *extra)
{
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:[s, s]}", "iss", ISS, "aud", "kplane",
                               "sub", "alice", "iat", (json_int_t)(NOW - 10), "exp",
                               (json_int_t)(NOW + 3600), "groups", "dev", "ops");
    kp_buf b = KP_BUF_INIT(64 * 1024);
    if (extra) {
        json_t *e = NULL;
        const char *k;
        json_t *v;
        assert_int_equal(kp_json_parse(&e, extra, strlen(extra)), 0);
        json_object_foreach(e, k, v)
        {
            if (json_is_null(v))
                json_object_del(claims, k);
            else
                json_object_set(claims, k, v);
        }
        json_decref(e);
    }
    assert_int_equal(kp_jwt_sign(&b, key, kid, claims), 0);
    json_decref(claims);
    return kp_buf_take(&b, NULL);
}

/* Authenticates tok in cluster; returns the code, fills *u (strings in arena a). */
static int auth(kp_oidc_user *u, kp_arena *a, kp_oidc *o, const char *cluster, const char *tok)
{
    kp_err_clear();
    return kp_oidc_authenticate(u, a, o, cluster, tok, strlen(tok));
}

static bool has_group(const kp_oidc_user *u, const char *g)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], g) == 0)
            return true;
    return false;
}

/* ---- validation ---- */

static void test_valid_object_passes(void **state)
{
    json_t *o = wa_object("corp");
    (void)state;
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), 0);
    /* uid, rules, several audiences with MatchAny, a jwksURL */
    json_object_set_new(json_object_get(jwt0(o), "claimMappings"), "uid",
                        json_pack("{s:s}", "claim", "oid"));
    json_object_set_new(jwt0(o), "claimValidationRules",
                        json_pack("[{s:s, s:s}]", "claim", "hd", "requiredValue", "example.com"));
    json_object_set_new(json_object_get(jwt0(o), "issuer"), "audiences",
                        json_pack("[s, s]", "a", "b"));
    json_object_set_new(json_object_get(jwt0(o), "issuer"), "audienceMatchPolicy",
                        json_string("MatchAny"));
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), 0);
    json_object_del(json_object_get(jwt0(o), "issuer"), "jwks");
    json_object_set_new(json_object_get(jwt0(o), "issuer"), "jwksURL",
                        json_string("http://127.0.0.1:8080/jwks.json"));
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), 0);
    /* an empty jwt list is a valid (if useless) configuration, as in Kubernetes */
    json_object_set_new(json_object_get(o, "spec"), "jwt", json_array());
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), 0);
    json_decref(o);
}

/* Applies the JSON members of patch to jwt[0].<at> (at NULL: jwt[0] itself; null deletes),
 * validates in cluster and checks the message holds want. */
#define PREFIX "WorkspaceAuthentication.tenancy.kplane.io \"corp\" is invalid: "

static void expect_invalid(const char *cluster, const char *at, const char *patch, const char *want)
{
    json_t *o = wa_object("corp"), *p = NULL, *target = jwt0(o), *v;
    const kp_err_cause_entry *causes;
    const char *k;
    int rc;

    if (at)
        target = kp_json_obj_ensure(target, at);
    assert_int_equal(kp_json_parse(&p, patch, strlen(patch)), 0);
    json_object_foreach(p, k, v)
    {
        if (json_is_null(v))
            json_object_del(target, k);
        else
            json_object_set(target, k, v);
    }
    kp_err_clear();
    rc = kp_oidc_validate(o, cluster, SA_ISS);
    if (rc != KP_EINVALID)
        fail_msg("%s %s: want KP_EINVALID, got %d", at ? at : "jwt[0]", patch, rc);
    if (!strstr(kp_err_msg(), want))
        fail_msg("%s: message \"%s\" lacks \"%s\"", patch, kp_err_msg(), want);
    if (strncmp(kp_err_msg(), PREFIX, strlen(PREFIX)) != 0)
        fail_msg("message \"%s\" is not Kubernetes' Invalid", kp_err_msg());
    assert_true(kp_err_causes(&causes) >= 1);
    json_decref(p);
    json_decref(o);
}

static void test_invalid_objects_are_refused(void **state)
{
    (void)state;
    expect_invalid("abc", "issuer", "{\"url\":null}", "spec.jwt[0].issuer.url: Required value");
    expect_invalid("abc", "issuer", "{\"url\":\"http://idp.example\"}", "URL scheme must be https");
    expect_invalid("abc", "issuer", "{\"url\":\"https://idp.example?x=1\"}",
                   "URL must not contain a query");
    expect_invalid("abc", "issuer", "{\"url\":\"https://u:p@idp.example\"}",
                   "URL must not contain a username or password");
    expect_invalid("abc", "issuer", "{\"url\":\"" SA_ISS "\"}",
                   "must not overlap with kplane's ServiceAccount issuer");
    expect_invalid("abc", "issuer", "{\"audiences\":[]}", "spec.jwt[0].issuer.audiences: Required");
    expect_invalid("abc", "issuer",
                   "{\"audiences\":[\"a\",\"a\"],\"audienceMatchPolicy\":\"MatchAny\"}",
                   "spec.jwt[0].issuer.audiences[1]: Duplicate value: \"a\"");
    expect_invalid("abc", "issuer", "{\"audiences\":[\"a\",\"b\"]}",
                   "audienceMatchPolicy must be MatchAny for multiple audiences");
    expect_invalid("abc", "issuer", "{\"discoveryURL\":\"https://idp.example/d\"}",
                   "kplane does no OIDC discovery");
    expect_invalid("abc", "issuer", "{\"jwks\":null}",
                   "one of jwks, jwksURL or jwksFile is required");
    expect_invalid("abc", "issuer", "{\"jwksURL\":\"https://idp.example/keys\"}",
                   "only one of jwks, jwksURL or jwksFile may be specified");
    expect_invalid("abc", "issuer", "{\"jwks\":{\"keys\":[]}}", "JWKS has no usable signing key");
    expect_invalid("abc", "issuer", "{\"jwks\":null,\"jwksURL\":\"http://idp.example/keys\"}",
                   "URL scheme must be https (or http to a loopback address)");
    /* a host file: only in root, only absolute */
    expect_invalid("abc", "issuer", "{\"jwks\":null,\"jwksFile\":\"/etc/kplane/jwks.json\"}",
                   "spec.jwt[0].issuer.jwksFile: Forbidden: only allowed in the root workspace");
    expect_invalid("root", "issuer", "{\"jwks\":null,\"jwksFile\":\"jwks.json\"}",
                   "must be an absolute path");
    /* claim mappings as Kubernetes validates them */
    expect_invalid("abc", "claimMappings", "{\"username\":null}",
                   "spec.jwt[0].claimMappings.username: Required value: claim or expression is "
                   "required");
    expect_invalid("abc", "claimMappings", "{\"username\":{\"claim\":\"sub\"}}",
                   "spec.jwt[0].claimMappings.username.prefix: Required value: prefix is required "
                   "when claim is set. It can be set to an empty string to disable prefixing");
    expect_invalid("abc", "claimMappings", "{\"groups\":{\"claim\":\"groups\"}}",
                   "spec.jwt[0].claimMappings.groups.prefix: Required value");
    expect_invalid("abc", "claimMappings", "{\"username\":{\"expression\":\"claims.sub\"}}",
                   "expression is not supported");
    expect_invalid("abc", "claimMappings",
                   "{\"username\":{\"claim\":\"sub\",\"prefix\":\"system:\"}}",
                   "must not start with \"system:\"");
    expect_invalid("abc", "claimMappings", "{\"extra\":[{\"key\":\"a.io/b\"}]}",
                   "extra mappings need CEL");
    expect_invalid("abc", NULL, "{\"claimValidationRules\":[{\"requiredValue\":\"x\"}]}",
                   "spec.jwt[0].claimValidationRules[0]: Required value: claim or expression is "
                   "required");
    expect_invalid("abc", NULL,
                   "{\"claimValidationRules\":[{\"claim\":\"hd\",\"message\":\"no\"}]}",
                   "may not be specified when claim is set");
    expect_invalid("abc", NULL,
                   "{\"claimValidationRules\":[{\"claim\":\"hd\"},{\"claim\":\"hd\"}]}",
                   "spec.jwt[0].claimValidationRules[1].claim: Duplicate value: \"hd\"");
    expect_invalid("abc", NULL, "{\"claimValidationRules\":[{\"expression\":\"true\"}]}",
                   "expression is not supported");
    expect_invalid("abc", NULL, "{\"userValidationRules\":[{\"expression\":\"true\"}]}",
                   "user validation rules need CEL");
}

static void test_duplicate_issuers_and_many_errors(void **state)
{
    json_t *o = wa_object("corp");
    const kp_err_cause_entry *causes;
    (void)state;

    json_array_append(kp_json_get(o, "spec.jwt"), jwt0(o));
    kp_err_clear();
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "spec.jwt[1].issuer.url: Duplicate value"));
    /* two problems: Kubernetes' [a, b] form and one cause each */
    json_object_del(json_object_get(jwt0(o), "issuer"), "url");
    kp_err_clear();
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "is invalid: [spec.jwt[0].issuer.url: Required value"));
    assert_int_equal(kp_err_causes(&causes), 2); /* the url is gone from both: shared object */
    assert_string_equal(causes[0].reason, "FieldValueRequired");
    json_decref(o);
    /* the wrong JSON type is named */
    o = wa_object("corp");
    json_object_set_new(json_object_get(jwt0(o), "issuer"), "audiences", json_string("x"));
    kp_err_clear();
    assert_int_equal(kp_oidc_validate(o, "abc", SA_ISS), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "must be of type array"));
    json_decref(o);
}

/* ---- authentication ---- */

static void test_claims_are_mapped_with_prefixes(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *items = json_pack("[o]", wa_object("corp"));
    kp_oidc_user u;
    char *t;
    (void)state;

    set_objects("ws-a", items);
    t = token(fx.k1, "kid-1", NULL);
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_string_equal(u.name, "oidc:alice");
    assert_int_equal(u.ngroups, 2);
    assert_string_equal(u.groups[0], "oidc:dev");
    assert_string_equal(u.groups[1], "oidc:ops");
    assert_string_equal(u.uid, "");
    assert_string_equal(u.issuer, ISS);
    free(t);

    /* one string is one group (kubernetes#33290); no groups claim: no groups */
    t = token(fx.k1, "kid-1", "{\"groups\":\"admins\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_int_equal(u.ngroups, 1);
    assert_string_equal(u.groups[0], "oidc:admins");
    free(t);
    t = token(fx.k1, "kid-1", "{\"groups\":null}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_int_equal(u.ngroups, 0);
    free(t);
    t = token(fx.k1, "kid-1", "{\"groups\":[\"dev\", 7]}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "not a string or an array of strings"));
    free(t);
    /* the username claim must be there, a non-empty string */
    t = token(fx.k1, "kid-1", "{\"sub\":null}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "username claim \"sub\" is not present"));
    free(t);
    t = token(fx.k1, "kid-1", "{\"sub\":42}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_empty_prefix_uid_and_email_rules(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *obj = wa_object("corp"), *cm = json_object_get(jwt0(obj), "claimMappings");
    kp_oidc_user u;
    char *t;
    (void)state;

    json_object_set_new(cm, "username", json_pack("{s:s, s:s}", "claim", "email", "prefix", ""));
    json_object_set_new(cm, "groups", json_pack("{s:s, s:s}", "claim", "roles", "prefix", ""));
    json_object_set_new(cm, "uid", json_pack("{s:s}", "claim", "oid"));
    set_objects("ws-a", json_pack("[o]", obj));

    t = token(
        fx.k1, "kid-1",
        "{\"email\":\"alice@example.com\",\"oid\":\"u-1\",\"roles\":[\"x\",\"system:masters\","
        "\"system:authenticated\"]}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_string_equal(u.name, "alice@example.com");
    assert_string_equal(u.uid, "u-1");
    /* kplane's own groups never come from a tenant's issuer */
    assert_int_equal(u.ngroups, 1);
    assert_string_equal(u.groups[0], "x");
    assert_false(has_group(&u, "system:masters"));
    free(t);
    /* k8s: email_verified, when present, must be true */
    t = token(fx.k1, "kid-1",
              "{\"email\":\"alice@example.com\",\"oid\":\"u-1\",\"email_verified\":false}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "email not verified"));
    free(t);
    t = token(fx.k1, "kid-1",
              "{\"email\":\"alice@example.com\",\"oid\":\"u-1\",\"email_verified\":true}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    free(t);
    /* a configured uid claim must be there */
    t = token(fx.k1, "kid-1", "{\"email\":\"alice@example.com\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "uid claim \"oid\" is not present"));
    free(t);
    /* with an empty prefix a token could name a system user: refused */
    t = token(fx.k1, "kid-1", "{\"email\":\"system:admin\",\"oid\":\"u-1\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "system:"));
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_claim_validation_rules(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *obj = wa_object("corp");
    kp_oidc_user u;
    char *t;
    (void)state;

    json_object_set_new(jwt0(obj), "claimValidationRules",
                        json_pack("[{s:s, s:s}, {s:s, s:s}]", "claim", "hd", "requiredValue",
                                  "example.com", "claim", "tier", "requiredValue", ""));
    set_objects("ws-a", json_pack("[o]", obj));
    t = token(fx.k1, "kid-1", "{\"hd\":\"example.com\",\"tier\":\"\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    free(t);
    t = token(fx.k1, "kid-1", "{\"tier\":\"\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "required claim \"hd\" is not present"));
    free(t);
    t = token(fx.k1, "kid-1", "{\"hd\":\"evil.com\",\"tier\":\"\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "required claim \"hd\" does not have its value"));
    free(t);
    t = token(fx.k1, "kid-1", "{\"hd\":[\"example.com\"],\"tier\":\"\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_bad_tokens_are_refused(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    kp_oidc_user u;
    char *t, *bad;
    (void)state;

    set_objects("ws-a", json_pack("[o]", wa_object("corp")));
    t = token(fx.k1, "kid-1", "{\"exp\":1799990000}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "expired"));
    free(t);
    t = token(fx.k1, "kid-1", "{\"nbf\":1800003600}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    t = token(fx.k1, "kid-1", "{\"exp\":null}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    t = token(fx.k1, "kid-1", "{\"aud\":\"someone-else\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "audience"));
    free(t);
    t = token(fx.k1, "kid-1", "{\"aud\":[\"x\",\"kplane\"]}"); /* one of them is ours */
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    free(t);
    t = token(fx.k2, "kid-1", NULL); /* another key under k1's kid */
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "signature"));
    free(t);
    t = token(fx.k1, "kid-9", NULL);
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    t = token(fx.k1, "kid-1", "{\"iss\":\"" ISS2 "\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "issuer is not configured"));
    free(t);
    /* a payload changed after signing */
    t = token(fx.k1, "kid-1", NULL);
    bad = kp_strdup(t);
    {
        char *dot = strchr(bad, '.') + 1;
        dot[3] = dot[3] == 'A' ? 'B' : 'A';
    }
    assert_int_equal(auth(&u, a, o, "ws-a", bad), KP_EUNAUTHORIZED);
    free(bad);
    assert_int_equal(auth(&u, a, o, "ws-a", "not.a.jwt"), KP_EUNAUTHORIZED);
    /* the messages never quote the token */
    assert_null(strstr(kp_err_msg(), "not.a.jwt"));
    /* a good token in a workspace without this issuer */
    assert_int_equal(auth(&u, a, o, "ws-b", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "issuer is not configured"));
    assert_null(u.name);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_rsa_keys_and_two_issuers(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *second = wa_object("partner");
    kp_oidc_user u;
    char *t;
    (void)state;

    json_object_set_new(json_object_get(jwt0(second), "issuer"), "url", json_string(ISS2));
    json_object_set_new(json_object_get(jwt0(second), "issuer"), "jwks",
                        jwks_json(fx.rsa, "kid-rsa"));
    json_object_set_new(json_object_get(json_object_get(jwt0(second), "claimMappings"), "username"),
                        "prefix", json_string("partner:"));
    set_objects("ws-a", json_pack("[o, o]", wa_object("corp"), second));
    t = token(fx.rsa, "kid-rsa", "{\"iss\":\"" ISS2 "\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_string_equal(u.name, "partner:alice");
    assert_string_equal(u.issuer, ISS2);
    free(t);
    /* each issuer's keys are its own */
    t = token(fx.k1, "kid-1", "{\"iss\":\"" ISS2 "\"}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_config_is_cached_and_invalidated(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *broken = wa_object("broken");
    kp_oidc_user u;
    char *t = token(fx.k1, "kid-1", NULL);
    (void)state;

    set_objects("ws-a", json_pack("[o]", wa_object("corp")));
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_int_equal(fx.lists, 1); /* the second request did not read the store */
    /* a workspace without objects is cached too */
    assert_int_equal(auth(&u, a, o, "ws-b", t), KP_EUNAUTHORIZED);
    assert_int_equal(auth(&u, a, o, "ws-b", t), KP_EUNAUTHORIZED);
    assert_int_equal(fx.lists, 2);

    /* the object is deleted: until invalidated the cache answers, then the store */
    set_objects("ws-a", json_array());
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    kp_oidc_invalidate(o, "ws-a");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_int_equal(fx.lists, 3);
    kp_oidc_invalidate(o, "never-seen"); /* harmless */

    /* an invalid stored object is skipped whole; the others work */
    json_object_del(json_object_get(jwt0(broken), "issuer"), "audiences");
    set_objects("ws-a", json_pack("[o, o]", broken, wa_object("corp")));
    kp_oidc_invalidate(o, "ws-a");
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);

    /* and the cache expires */
    set_objects("ws-a", json_array());
    fx.now += KP_OIDC_CONFIG_TTL_S + 1;
    free(t);
    t = token(fx.k1, "kid-1", "{\"iat\":1800000300,\"exp\":1800007200}");
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_jwks_url_is_cached_and_refreshed(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *obj = wa_object("corp"), *iss = json_object_get(jwt0(obj), "issuer");
    kp_crypto_key *one[] = {fx.k1, NULL}, *both[] = {fx.k1, fx.k2, NULL};
    const char *kids[] = {"kid-1", "kid-2", NULL};
    kp_oidc_user u;
    char *t1, *t2;
    (void)state;

    json_object_del(iss, "jwks");
    json_object_set_new(iss, "jwksURL", json_string(JWKS_URL));
    set_objects("ws-a", json_pack("[o]", obj));
    fx.jwks_body = jwks_of(one, kids);
    t1 = token(fx.k1, "kid-1", "{\"exp\":1900000000}");
    t2 = token(fx.k2, "kid-2", "{\"exp\":1900000000}");

    assert_int_equal(auth(&u, a, o, "ws-a", t1), 0);
    assert_int_equal(auth(&u, a, o, "ws-a", t1), 0);
    assert_int_equal(fx.fetches, 1);

    /* the issuer rotates to kid-2: an unknown kid refetches, but at most once per interval */
    free(fx.jwks_body);
    fx.jwks_body = jwks_of(both, kids);
    fx.now += 5;
    assert_int_equal(auth(&u, a, o, "ws-a", t2), KP_EUNAUTHORIZED);
    assert_int_equal(fx.fetches, 1); /* the first fetch was 5 s ago */
    fx.now += KP_OIDC_JWKS_REFRESH_S;
    assert_int_equal(auth(&u, a, o, "ws-a", t2), 0);
    assert_int_equal(fx.fetches, 2);
    assert_int_equal(auth(&u, a, o, "ws-a", t2), 0);
    assert_int_equal(auth(&u, a, o, "ws-a", t1), 0);
    assert_int_equal(fx.fetches, 2);
    /* made-up kids cost one fetch per interval, not one per request */
    {
        char *tx = token(fx.k1, "kid-x", "{\"exp\":1900000000}");
        fx.now += KP_OIDC_JWKS_REFRESH_S;
        for (int i = 0; i < 5; i++)
            assert_int_equal(auth(&u, a, o, "ws-a", tx), KP_EUNAUTHORIZED);
        assert_int_equal(fx.fetches, 3);
        free(tx);
    }

    /* past the TTL the keys are fetched again; a failed fetch keeps the old keys serving */
    free(fx.jwks_body);
    fx.jwks_body = NULL;
    fx.now += KP_OIDC_JWKS_TTL_S + 1;
    set_objects("ws-a", json_pack("[o]", json_deep_copy(obj)));
    kp_oidc_invalidate(o, "ws-a");
    assert_int_equal(auth(&u, a, o, "ws-a", t1), 0);
    assert_int_equal(fx.fetches, 4);
    assert_int_equal(auth(&u, a, o, "ws-a", t1), 0);
    assert_int_equal(fx.fetches, 4); /* a failure waits its interval too */
    free(t1);
    free(t2);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_unreachable_jwks_url_is_refused(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *obj = wa_object("corp"), *iss = json_object_get(jwt0(obj), "issuer");
    kp_oidc_user u;
    char *t = token(fx.k1, "kid-1", NULL);
    (void)state;

    json_object_del(iss, "jwks");
    json_object_set_new(iss, "jwksURL", json_string(JWKS_URL));
    set_objects("ws-a", json_pack("[o]", obj));
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "connection refused"));
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "the last fetch failed"));
    assert_int_equal(fx.fetches, 1);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

/* A request arriving while the first keys are being fetched does not wait for them. */
static void test_no_waiting_for_another_fetch(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    json_t *obj = wa_object("corp"), *iss = json_object_get(jwt0(obj), "issuer");
    kp_crypto_key *one[] = {fx.k1, NULL};
    const char *kids[] = {"kid-1", NULL};
    kp_oidc_user u;
    char *t = token(fx.k1, "kid-1", NULL);
    (void)state;

    json_object_del(iss, "jwks");
    json_object_set_new(iss, "jwksURL", json_string(JWKS_URL));
    set_objects("ws-a", json_pack("[o]", obj));
    fx.jwks_body = jwks_of(one, kids);
    fx.reenter = o;
    fx.reenter_token = t;
    assert_int_equal(auth(&u, a, o, "ws-a", t), 0);
    assert_int_equal(fx.reenter_rc, KP_EUNAUTHORIZED);
    assert_non_null(strstr(fx.reenter_msg, "are being fetched"));
    assert_int_equal(fx.fetches, 1);
    free(t);
    kp_arena_free(a);
    kp_oidc_free(o);
}

static void test_jwks_file_only_in_root(void **state)
{
    kp_oidc *o = oidc_new();
    kp_arena *a = kp_arena_new();
    char *dir = kp_test_tmpdir(), *path = kp_asprintf("%s/jwks.json", dir);
    kp_crypto_key *one[] = {fx.k1, NULL};
    const char *kids[] = {"kid-1", NULL};
    char *text = jwks_of(one, kids), *t = token(fx.k1, "kid-1", NULL);
    json_t *obj = wa_object("corp"), *iss = json_object_get(jwt0(obj), "issuer");
    kp_oidc_user u;
    FILE *f = fopen(path, "w");
    (void)state;

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    json_object_del(iss, "jwks");
    json_object_set_new(iss, "jwksFile", json_string(path));
    set_objects("root", json_pack("[o]", json_deep_copy(obj)));
    set_objects("ws-a", json_pack("[o]", obj));
    assert_int_equal(auth(&u, a, o, "root", t), 0);
    assert_string_equal(u.name, "oidc:alice");
    /* stored in another workspace anyway (say by a patch): ignored there */
    assert_int_equal(auth(&u, a, o, "ws-a", t), KP_EUNAUTHORIZED);
    /* the file is read with the configuration, not per request */
    unlink(path);
    assert_int_equal(auth(&u, a, o, "root", t), 0);
    kp_oidc_invalidate(o, "root");
    assert_int_equal(auth(&u, a, o, "root", t), KP_EUNAUTHORIZED);
    free(t);
    free(text);
    free(path);
    kp_test_tmpdir_remove(dir);
    kp_arena_free(a);
    kp_oidc_free(o);
}

/* authn routes a JWT by its issuer: kplane's own ServiceAccount tokens are verified at once,
 * any other JWT waits for the workspace. */
static void test_authn_routes_jwts_by_issuer(void **state)
{
    kp_buf pem = KP_BUF_INIT(16 * 1024), sat = KP_BUF_INIT(16 * 1024);
    kp_oidc *o = oidc_new();
    kp_authn *an = NULL;
    kp_arena *a = kp_arena_new();
    kp_authn_user u;
    int64_t exp;
    char *t = token(fx.k1, "kid-1", NULL);
    (void)state;

    assert_int_equal(kp_crypto_key_to_pem(&pem, fx.k2), 0);
    {
        kp_authn_opts ao = {NULL, kp_buf_cstr(&pem), NULL, o};
        assert_int_equal(kp_authn_new(&an, &ao), 0);
    }
    assert_string_equal(kp_authn_sa_issuer(an), SA_ISS);
    assert_int_equal(kp_authn_token(&u, a, an, t, strlen(t)), 0);
    assert_true(u.workspace_jwt);
    assert_null(u.name);
    assert_int_equal(
        kp_authn_issue_sa_token(&sat, &exp, an, "ws-a", "default", "bot", "uid-1", NULL, 0, 600),
        0);
    assert_int_equal(kp_authn_token(&u, a, an, sat.p, sat.len), 0);
    assert_false(u.workspace_jwt);
    assert_string_equal(u.name, "system:serviceaccount:default:bot");

    set_objects("ws-a", json_pack("[o]", wa_object("corp")));
    assert_int_equal(kp_authn_workspace_token(&u, a, an, "ws-a", t, strlen(t)), 0);
    assert_string_equal(u.name, "oidc:alice");
    assert_int_equal(kp_authn_workspace_token(&u, a, an, "ws-b", t, strlen(t)), KP_EUNAUTHORIZED);
    /* a forged token claiming kplane's issuer is a ServiceAccount token, and refused */
    free(t);
    t = token(fx.k1, "kid-1", "{\"iss\":\"" SA_ISS "\",\"aud\":\"" SA_ISS "\"}");
    assert_int_equal(kp_authn_token(&u, a, an, t, strlen(t)), KP_EUNAUTHORIZED);
    free(t);
    kp_authn_free(an);
    kp_buf_dispose(&pem);
    kp_buf_dispose(&sat);
    kp_arena_free(a);
    kp_oidc_free(o);
}

/* Many threads authenticate while the configuration is invalidated and keys go stale and are
 * refetched: the caches hand out references, so nothing is freed under a reader, and stale keys
 * serve while one thread fetches (also run under MODE=tsan and MODE=asan). */
typedef struct {
    json_t *items; /* read-only while the threads run */
    const char *jwks;
    atomic_llong clock;
    atomic_int fetches;
} race_hooks;

typedef struct {
    kp_oidc *o;
    const char *tok_inline, *tok_url;
    atomic_int failures;
} race_ctx;

static int race_list(json_t **out, void *arg, const char *cluster)
{
    race_hooks *h = arg;
    (void)cluster;
    *out = json_deep_copy(h->items);
    return 0;
}

static int race_fetch(kp_buf *body, void *arg, const char *url, const char *ca_pem)
{
    race_hooks *h = arg;
    (void)url;
    (void)ca_pem;
    atomic_fetch_add(&h->fetches, 1);
    kp_buf_puts(body, h->jwks);
    return 0;
}

static int64_t race_now(void *arg)
{
    race_hooks *h = arg;
    return (int64_t)atomic_load(&h->clock);
}

static void *race_worker(void *arg)
{
    race_ctx *r = arg;
    for (int i = 0; i < 300; i++) {
        kp_arena *a = kp_arena_new();
        kp_oidc_user u;
        const char *t = i % 2 ? r->tok_inline : r->tok_url;
        if (kp_oidc_authenticate(&u, a, r->o, "ws-a", t, strlen(t)) != 0 ||
            strcmp(u.name, "oidc:alice") != 0)
            atomic_fetch_add(&r->failures, 1);
        kp_arena_free(a);
    }
    return NULL;
}

static void test_caches_are_safe_from_many_threads(void **state)
{
    kp_crypto_key *one[] = {fx.k1, NULL};
    const char *kids[] = {"kid-1", NULL};
    char *jwks = jwks_of(one, kids);
    json_t *viaurl = wa_object("viaurl"), *iss = json_object_get(jwt0(viaurl), "issuer");
    char *tok_inline = token(fx.k1, "kid-1", "{\"exp\":1900000000}");
    char *tok_url = token(fx.k1, "kid-1", "{\"exp\":1900000000,\"iss\":\"" ISS2 "\"}");
    race_hooks h;
    race_ctx r;
    kp_oidc_opts oo;
    pthread_t th[8];
    (void)state;

    json_object_del(iss, "jwks");
    json_object_set_new(iss, "jwksURL", json_string(JWKS_URL));
    json_object_set_new(iss, "url", json_string(ISS2));
    memset(&h, 0, sizeof(h));
    h.items = json_pack("[o, o]", wa_object("corp"), viaurl);
    h.jwks = jwks;
    atomic_init(&h.clock, NOW);
    atomic_init(&h.fetches, 0);
    memset(&oo, 0, sizeof(oo));
    oo.list = race_list;
    oo.fetch = race_fetch;
    oo.now = race_now;
    oo.hook_arg = &h;
    oo.jwks_refresh_s = 1;
    memset(&r, 0, sizeof(r));
    r.tok_inline = tok_inline;
    r.tok_url = tok_url;
    atomic_init(&r.failures, 0);
    assert_int_equal(kp_oidc_new(&r.o, &oo), 0);
    {
        /* the first keys: without them a concurrent request is refused while they load */
        kp_arena *a = kp_arena_new();
        kp_oidc_user u;
        assert_int_equal(auth(&u, a, r.o, "ws-a", tok_url), 0);
        kp_arena_free(a);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(th); i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &r), 0);
    for (int i = 0; i < 200; i++) {
        kp_oidc_invalidate(r.o, "ws-a");
        if (i % 20 == 0) /* the keys go stale: one thread refetches, the others use the old */
            atomic_fetch_add(&h.clock, KP_OIDC_JWKS_TTL_S + 1);
        usleep(100);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(th); i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&r.failures), 0);
    assert_true(atomic_load(&h.fetches) >= 1);
    assert_true(atomic_load(&h.fetches) <= 11); /* at most one per stale period */
    kp_oidc_free(r.o);
    json_decref(h.items);
    free(jwks);
    free(tok_inline);
    free(tok_url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_object_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_objects_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_issuers_and_many_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claims_are_mapped_with_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_prefix_uid_and_email_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_validation_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_tokens_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsa_keys_and_two_issuers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_is_cached_and_invalidated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwks_url_is_cached_and_refreshed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_jwks_url_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_waiting_for_another_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwks_file_only_in_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authn_routes_jwts_by_issuer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caches_are_safe_from_many_threads, setup, teardown),
    };
    kp_log_set_level(KP_LEVEL_ERROR); /* skipped objects and failed fetches warn: expected here */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
