#include "lib/common.h"
#include "apiserver/authn.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/limits.h"

#include <time.h>

#define AUTHN_FILE_MAX (16 * 1024 * 1024)
#define AUTHN_GROUPS_MAX 64

typedef struct {
    uint8_t digest[32];
    char *name, *uid;
    char **groups;
    size_t ngroups;
} authn_token;

struct kp_authn {
    authn_token *tokens;
    size_t ntokens;
    kp_crypto_key *sa_key;
    kp_jwks *sa_keys;
    char *sa_kid;
    char *issuer;
    kp_oidc *oidc; /* borrowed */
};

/* One CSV field, double quotes allowed (a quoted field may hold commas, "" is a quote). */
static bool csv_field(kp_sv *in, kp_buf *out)
{
    kp_buf_reset(out);
    if (in->len && in->p[0] == '"') {
        size_t i = 1;
        for (;;) {
            if (i >= in->len)
                return false; /* unterminated */
            if (in->p[i] == '"') {
                if (i + 1 < in->len && in->p[i + 1] == '"') {
                    kp_buf_putc(out, '"');
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            kp_buf_putc(out, in->p[i++]);
        }
        in->p += i;
        in->len -= i;
        if (in->len && in->p[0] != ',')
            return false;
    } else {
        const char *comma = in->len ? memchr(in->p, ',', in->len) : NULL;
        size_t n = comma ? (size_t)(comma - in->p) : in->len;
        kp_buf_put(out, in->p, n);
        in->p += n;
        in->len -= n;
    }
    if (in->len) { /* the comma */
        in->p++;
        in->len--;
    }
    return out->err == 0;
}

static void authn_token_dispose(authn_token *t)
{
    free(t->name);
    free(t->uid);
    for (size_t i = 0; i < t->ngroups; i++)
        free(t->groups[i]);
    free(t->groups);
}

static int authn_load(kp_authn *a, const char *file)
{
    kp_buf text, field;
    kp_sv in, line;
    size_t lineno = 0;
    int rc;

    kp_buf_init(&text, AUTHN_FILE_MAX);
    kp_buf_init(&field, 64 * 1024);
    if ((rc = kp_buf_read_file(&text, file)) < 0) {
        rc = kp_err_set(KP_EBADREQUEST, "cannot read --token-auth-file \"%s\": %s", file,
                        kp_err_msg());
        goto out;
    }
    in = kp_buf_sv(&text);
    while (in.len) {
        authn_token t;
        kp_sv rest;
        memset(&t, 0, sizeof(t));
        kp_sv_cut(&in, '\n', &line);
        lineno++;
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (kp_sv_trim(line).len == 0 || line.p[0] == '#')
            continue;
        rest = line;
        if (!csv_field(&rest, &field) || field.len == 0) {
            rc = kp_err_set(KP_EBADREQUEST, "--token-auth-file \"%s\" line %zu: no token", file,
                            lineno);
            goto out;
        }
        kp_crypto_sha256(t.digest, field.p, field.len);
        if (!csv_field(&rest, &field) || field.len == 0) {
            rc = kp_err_set(KP_EBADREQUEST, "--token-auth-file \"%s\" line %zu: no user name", file,
                            lineno);
            goto out;
        }
        t.name = kp_strdup(kp_buf_cstr(&field));
        if (!csv_field(&rest, &field)) {
            authn_token_dispose(&t);
            rc = kp_err_set(KP_EBADREQUEST, "--token-auth-file \"%s\" line %zu: malformed uid",
                            file, lineno);
            goto out;
        }
        t.uid = kp_strdup(kp_buf_cstr(&field));
        if (rest.len) { /* k8s: the fourth column is a comma-separated group list */
            kp_sv g, gl;
            if (!csv_field(&rest, &field)) {
                authn_token_dispose(&t);
                rc =
                    kp_err_set(KP_EBADREQUEST,
                               "--token-auth-file \"%s\" line %zu: malformed groups", file, lineno);
                goto out;
            }
            gl = kp_buf_sv(&field);
            t.groups = kp_calloc(AUTHN_GROUPS_MAX, sizeof(char *));
            while (gl.len && t.ngroups < AUTHN_GROUPS_MAX) {
                kp_sv_cut(&gl, ',', &g);
                g = kp_sv_trim(g);
                if (g.len)
                    t.groups[t.ngroups++] = kp_strndup(g.p, g.len);
            }
        }
        a->tokens = kp_realloc(a->tokens, (a->ntokens + 1) * sizeof(*a->tokens));
        a->tokens[a->ntokens++] = t;
    }
    rc = 0;
out:
    /* the file holds secrets: wipe our copy */
    if (text.p)
        memset(text.p, 0, text.alloc);
    if (field.p)
        memset(field.p, 0, field.alloc);
    kp_buf_dispose(&text);
    kp_buf_dispose(&field);
    return rc;
}

int kp_authn_new(kp_authn **out, const kp_authn_opts *opts)
{
    kp_authn *a = kp_calloc(1, sizeof(*a));
    int rc = 0;
    if (opts)
        a->oidc = opts->oidc;
    if (opts && opts->token_file && (rc = authn_load(a, opts->token_file)) < 0)
        goto fail;
    if (opts && opts->sa_key_pem) {
        json_t *jwk = NULL;
        a->issuer = kp_strdup(opts->sa_issuer ? opts->sa_issuer : KP_AUTHN_SA_ISSUER_DEFAULT);
        if ((rc = kp_crypto_key_from_pem(&a->sa_key, opts->sa_key_pem, strlen(opts->sa_key_pem))) <
                0 ||
            (rc = kp_jwks_from_key(&a->sa_keys, a->sa_key)) < 0 ||
            (rc = kp_crypto_key_to_jwk(&jwk, a->sa_key, NULL)) < 0)
            goto fail;
        a->sa_kid = kp_strdup(kp_json_get_str(jwk, "kid"));
        json_decref(jwk);
    }
    *out = a;
    return 0;
fail:
    kp_authn_free(a);
    return rc;
}

void kp_authn_free(kp_authn *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ntokens; i++)
        authn_token_dispose(&a->tokens[i]);
    free(a->tokens);
    kp_crypto_key_free(a->sa_key);
    kp_jwks_free(a->sa_keys);
    free(a->sa_kid);
    free(a->issuer);
    free(a);
}

int kp_authn_issue_sa_token(kp_buf *out, int64_t *exp_out, const kp_authn *a, const char *cluster,
                            const char *ns, const char *name, const char *uid,
                            const char *const *audiences, size_t naudiences, int64_t expiration_s)
{
    int64_t now = (int64_t)time(NULL);
    json_t *aud = json_array(), *claims;
    uint8_t jti[16];
    char jtis[33];
    char *sub;
    int rc;

    if (!a->sa_key)
        return kp_err_set(KP_EUNAVAILABLE, "ServiceAccount tokens are not enabled");
    for (size_t i = 0; i < naudiences; i++)
        json_array_append_new(aud, json_string(audiences[i]));
    if (naudiences == 0) /* k8s: the API server's own audiences */
        json_array_append_new(aud, json_string(a->issuer));
    kp_crypto_random(jti, sizeof(jti));
    for (size_t i = 0; i < sizeof(jti); i++)
        snprintf(jtis + 2 * i, 3, "%02x", jti[i]);
    sub = kp_asprintf("system:serviceaccount:%s:%s", ns, name);
    claims =
        json_pack("{s:o, s:I, s:I, s:s, s:s, s:{s:s, s:{s:s, s:s}}, s:I, s:s, s:{s:s}}", "aud", aud,
                  "exp", (json_int_t)(now + expiration_s), "iat", (json_int_t)now, "iss", a->issuer,
                  "jti", jtis, "kubernetes.io", "namespace", ns, "serviceaccount", "name", name,
                  "uid", uid, "nbf", (json_int_t)now, "sub", sub, "kplane.io", "cluster", cluster);
    rc = kp_jwt_sign(out, a->sa_key, a->sa_kid, claims);
    json_decref(claims);
    free(sub);
    if (rc == 0)
        *exp_out = now + expiration_s;
    return rc;
}

/* k8s bound ServiceAccount tokens: signed by us, for our audience, not expired; the caller
 * then checks the workspace and that the ServiceAccount object still has that uid. */
static int authn_sa_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a, const kp_jwt *t)
{
    const char *const auds[] = {a->issuer};
    kp_jwt_expect want;
    const json_t *cl;
    const char *ns, *name, *uid, *cluster;
    int rc;

    if (!a->sa_keys)
        return kp_err_set(KP_EUNAUTHORIZED, "ServiceAccount tokens are not enabled");
    memset(&want, 0, sizeof(want));
    want.issuer = a->issuer;
    want.audiences = auds;
    want.naudiences = 1;
    if ((rc = kp_jwt_verify(t, a->sa_keys, &want, (int64_t)time(NULL))) < 0)
        return rc;
    cl = kp_jwt_claims(t);
    { /* the claim names hold dots: no dotted-path lookups here */
        const json_t *k8s = json_object_get(cl, "kubernetes.io");
        const json_t *sa = json_object_get(k8s, "serviceaccount");
        ns = json_string_value(json_object_get(k8s, "namespace"));
        name = json_string_value(json_object_get(sa, "name"));
        uid = json_string_value(json_object_get(sa, "uid"));
        cluster = json_string_value(json_object_get(json_object_get(cl, "kplane.io"), "cluster"));
    }
    if (!ns || !name || !uid || !cluster)
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    out->name = kp_arena_printf(arena, "system:serviceaccount:%s:%s", ns, name);
    out->uid = kp_arena_strdup(arena, uid);
    out->groups = kp_arena_calloc(arena, 3, sizeof(char *));
    out->groups[0] = "system:serviceaccounts";
    out->groups[1] = kp_arena_printf(arena, "system:serviceaccounts:%s", ns);
    out->ngroups = 2;
    out->cluster = kp_arena_strdup(arena, cluster);
    out->sa_namespace = kp_arena_strdup(arena, ns);
    out->sa_name = kp_arena_strdup(arena, name);
    out->sa_uid = out->uid;
    return 0;
}

/* A JWT: kplane's own ServiceAccount token when its "iss" says so (verified here), else a
 * token for the workspace's issuers (verified once the workspace is known). k8s picks the JWT
 * authenticator by the unverified issuer the same way (hasCorrectIssuer). */
static int authn_jwt(kp_authn_user *out, kp_arena *arena, const kp_authn *a, const char *token,
                     size_t len)
{
    kp_jwt *t = NULL;
    const char *iss;
    int rc;

    if ((rc = kp_jwt_parse(&t, token, len)) < 0)
        return rc;
    iss = json_string_value(json_object_get(kp_jwt_claims(t), "iss"));
    if (a->oidc && !(a->sa_keys && iss && strcmp(iss, a->issuer) == 0))
        out->workspace_jwt = true;
    else
        rc = authn_sa_token(out, arena, a, t);
    kp_jwt_free(t);
    return rc;
}

int kp_authn_workspace_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a,
                             const char *cluster, const char *token, size_t len)
{
    kp_oidc_user u;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!a->oidc)
        return kp_err_set(KP_EUNAUTHORIZED, "workspace issuers are not enabled");
    if ((rc = kp_oidc_authenticate(&u, arena, a->oidc, cluster, token, len)) < 0)
        return rc;
    out->name = u.name;
    out->uid = u.uid;
    out->groups = u.groups;
    out->ngroups = u.ngroups;
    return 0;
}

const char *kp_authn_sa_issuer(const kp_authn *a)
{
    return a->issuer;
}

int kp_authn_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a, const char *token,
                   size_t len)
{
    uint8_t d[32];
    const authn_token *hit = NULL;

    memset(out, 0, sizeof(*out));
    if (len == 0 || len > KP_HEADER_VALUE_MAX)
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    if ((a->sa_keys || a->oidc) && memchr(token, '.', len)) /* a JWT */
        return authn_jwt(out, arena, a, token, len);
    kp_crypto_sha256(d, token, len);
    /* every entry is compared, so the time does not tell which one matched */
    for (size_t i = 0; i < a->ntokens; i++)
        if (kp_crypto_equal(d, a->tokens[i].digest, sizeof(d)))
            hit = &a->tokens[i];
    if (!hit)
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    out->name = kp_arena_strdup(arena, hit->name);
    out->uid = kp_arena_strdup(arena, hit->uid);
    out->groups = kp_arena_calloc(arena, hit->ngroups + 1, sizeof(char *));
    for (size_t i = 0; i < hit->ngroups; i++)
        out->groups[i] = kp_arena_strdup(arena, hit->groups[i]);
    out->ngroups = hit->ngroups;
    return 0;
}
