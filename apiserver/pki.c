#include "lib/common.h"
#include "apiserver/pki.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/file.h"
#include "lib/log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PKI_FILE_MAX (256 * 1024) /* a PEM file we read; ours are about 1 KiB */
#define PKI_KUBECONFIG_MAX (1024 * 1024)
#define PKI_CA_DAYS (10 * 365)
#define PKI_LEAF_DAYS 365
#define PKI_RENEW_DAYS 30 /* reissue a certificate with fewer days left than this */
#define PKI_STR_(x) #x
#define PKI_STR(x) PKI_STR_(x)
#define PKI_HOSTS_MAX 64
#define PKI_CA_CN "kplane-ca"
#define PKI_SERVING_CN "kplane"
#define PKI_ADMIN_CN "kplane-admin"
#define PKI_ADMIN_GROUP "system:masters"

/* One certificate and its key, as PEM text. */
typedef struct {
    char *cert;
    char *key;
} pki_pair;

static void pair_dispose(pki_pair *p)
{
    free(p->cert);
    if (p->key)
        explicit_bzero(p->key, strlen(p->key));
    free(p->key);
    p->cert = p->key = NULL;
}

/* Permission problems are the operator's to fix (403); anything else is unexpected (500). */
static int pki_errno_code(int e)
{
    return e == EACCES || e == EPERM || e == EROFS ? KP_EFORBIDDEN : KP_EINTERNAL;
}

/* Creates the missing parents of dir (DATA_DIR itself on a first start). They get 0755: other
 * modules keep data there that another user (postgres) must reach; only dir holds keys. */
static int pki_mkdir_parents(const char *dir)
{
    for (const char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
        char *prefix = kp_strndup(dir, (size_t)(s - dir));
        int e = mkdir(prefix, 0755) < 0 ? errno : 0;
        int rc = 0;
        if (e && e != EEXIST)
            rc = kp_err_set(pki_errno_code(e), "cannot create directory \"%s\": %s", prefix,
                            strerror(e));
        free(prefix);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int pki_mkdir(const char *dir)
{
    struct stat st;
    int rc;

    if (!*dir)
        return kp_err_set(KP_EINTERNAL, "the PKI directory name is empty");
    if ((rc = pki_mkdir_parents(dir)) < 0)
        return rc;
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return kp_err_set(pki_errno_code(errno), "cannot create directory \"%s\": %s", dir,
                          strerror(errno));
    if (stat(dir, &st) < 0)
        return kp_err_set(pki_errno_code(errno), "cannot access \"%s\": %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return kp_err_set(KP_EINTERNAL, "\"%s\" is not a directory", dir);
    /* the directory holds the CA key: nobody else may list or enter it */
    if ((st.st_mode & 0777) != 0700) {
        if (chmod(dir, 0700) < 0)
            return kp_err_set(pki_errno_code(errno), "cannot change the mode of \"%s\": %s", dir,
                              strerror(errno));
        KP_LOG_WARN("pki", "changed the mode of \"%s\" from %04o to 0700", dir,
                    (unsigned)(st.st_mode & 0777));
    }
    return 0;
}

/* Reads path into *out (NUL-terminated). KP_ENOTFOUND when it does not exist. */
static int pki_read(char **out, const char *path)
{
    kp_buf b;
    int fd, rc;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return kp_err_set(KP_ENOTFOUND, "\"%s\" does not exist", path);
        return kp_err_set(pki_errno_code(errno), "cannot read \"%s\": %s", path, strerror(errno));
    }
    kp_buf_init(&b, PKI_FILE_MAX);
    rc = kp_buf_read_fd(&b, fd);
    close(fd);
    if (rc == KP_ETOOLARGE) {
        rc = kp_err_set(KP_EINTERNAL, "\"%s\" is larger than %d bytes", path, PKI_FILE_MAX);
    } else if (rc < 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", kp_err_msg()); /* kp_err_set reuses its buffer */
        rc = kp_err_set(KP_EINTERNAL, "cannot read \"%s\": %s", path, why);
    }
    if (rc == 0)
        *out = kp_buf_take(&b, NULL);
    else if (b.p)
        explicit_bzero(b.p, b.len);
    kp_buf_dispose(&b);
    return rc;
}

/* Loads dir/name.crt and dir/name.key. A missing or unparsable file, or a key that is not
 * the certificate's, leaves *out empty and returns 0: the caller issues a new pair. Only an
 * I/O error (permissions, ...) fails. */
static int pair_load(pki_pair *out, kp_crypto_key **key_out, const char *dir, const char *name)
{
    char *crt_path = kp_asprintf("%s/%s.crt", dir, name);
    char *key_path = kp_asprintf("%s/%s.key", dir, name);
    pki_pair p = {NULL, NULL};
    kp_crypto_key *key = NULL;
    struct stat st;
    int rc;

    if ((rc = pki_read(&p.cert, crt_path)) == KP_ENOTFOUND ||
        (rc == 0 && (rc = pki_read(&p.key, key_path)) == KP_ENOTFOUND)) {
        kp_err_clear();
        rc = 0;
        goto out;
    }
    if (rc < 0)
        goto out;
    if (kp_crypto_key_from_pem(&key, p.key, strlen(p.key)) < 0) {
        KP_LOG_WARN("pki", "\"%s\" holds no valid private key; issuing a new one", key_path);
        kp_err_clear();
        goto out;
    }
    if (!kp_crypto_cert_matches_key(p.cert, key)) {
        KP_LOG_WARN("pki", "\"%s\" is not the certificate of \"%s\"; issuing new ones", crt_path,
                    key_path);
        goto out;
    }
    /* a key we reuse must stay private even if someone loosened its mode */
    if (stat(key_path, &st) == 0 && (st.st_mode & 077) != 0) {
        if (chmod(key_path, 0600) < 0) {
            rc = kp_err_set(pki_errno_code(errno), "cannot change the mode of \"%s\": %s", key_path,
                            strerror(errno));
            goto out;
        }
        KP_LOG_WARN("pki", "changed the mode of \"%s\" to 0600", key_path);
    }
    *out = p;
    p.cert = p.key = NULL;
    *key_out = key;
    key = NULL;
out:
    kp_crypto_key_free(key);
    pair_dispose(&p);
    free(crt_path);
    free(key_path);
    return rc;
}

/* Issues a new key and certificate and writes both (key first: a crash between the two
 * leaves a mismatched pair, which the next start replaces). */
static int pair_issue(pki_pair *out, kp_crypto_key **key_out, const char *dir, const char *name,
                      const kp_crypto_cert_spec *spec, const pki_pair *ca,
                      const kp_crypto_key *ca_key)
{
    char *crt_path = kp_asprintf("%s/%s.crt", dir, name);
    char *key_path = kp_asprintf("%s/%s.key", dir, name);
    kp_buf crt = KP_BUF_INIT(PKI_FILE_MAX), keypem = KP_BUF_INIT(PKI_FILE_MAX);
    kp_crypto_key *key = NULL;
    int rc;

    if ((rc = kp_crypto_key_generate(&key)) < 0 || (rc = kp_crypto_key_to_pem(&keypem, key)) < 0)
        goto out;
    rc = kp_crypto_cert_issue(&crt, spec, key, ca ? ca->cert : NULL, ca ? ca_key : key);
    if (rc < 0 || (rc = kp_file_write_atomic(key_path, keypem.p, keypem.len, 0600)) < 0 ||
        (rc = kp_file_write_atomic(crt_path, crt.p, crt.len, 0644)) < 0)
        goto out;
    out->cert = kp_buf_take(&crt, NULL);
    out->key = kp_buf_take(&keypem, NULL);
    if (key_out) {
        *key_out = key;
        key = NULL;
    }
out:
    if (keypem.p)
        explicit_bzero(keypem.p, keypem.len);
    kp_buf_dispose(&keypem);
    kp_buf_dispose(&crt);
    kp_crypto_key_free(key);
    free(crt_path);
    free(key_path);
    return rc;
}

/* The hosts the serving certificate must name: the loopback defaults plus the caller's,
 * IPs in canonical text (so "0:0::1" and "::1" are one entry), DNS names deduplicated
 * without regard to case. */
typedef struct {
    char *names[PKI_HOSTS_MAX];
    size_t n;
    const char *dns[PKI_HOSTS_MAX];
    size_t ndns;
    const char *ips[PKI_HOSTS_MAX];
    size_t nips;
} pki_hosts;

static void hosts_dispose(pki_hosts *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->names[i]);
    h->n = h->ndns = h->nips = 0;
}

/* Letters, digits, '-', '.' and '_': a name a client can dial. A port or a URL is refused
 * here rather than baked into a useless subjectAltName. */
static bool host_name_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

static int hosts_add(pki_hosts *h, const char *host)
{
    unsigned char addr[sizeof(struct in6_addr)];
    char text[INET6_ADDRSTRLEN];
    size_t len = strlen(host);
    char *name;
    bool ip = false;

    /* a bracketed IPv6 literal, as written in URLs */
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        name = kp_strndup(host + 1, len - 2);
    } else {
        name = kp_strdup(host);
    }
    if (inet_pton(AF_INET, name, addr) == 1) {
        ip = inet_ntop(AF_INET, addr, text, sizeof(text)) != NULL;
    } else if (inet_pton(AF_INET6, name, addr) == 1) {
        ip = inet_ntop(AF_INET6, addr, text, sizeof(text)) != NULL;
    }
    if (ip) {
        free(name);
        name = kp_strdup(text);
    }
    if (!*name) {
        free(name);
        return 0; /* "listen on every address" names no host */
    }
    if (!ip && !host_name_ok(name)) {
        int rc =
            kp_err_set(KP_EBADREQUEST, "invalid host \"%s\": not an IP address or DNS name", host);
        free(name);
        return rc;
    }
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->names[i], name) == 0) {
            free(name);
            return 0;
        }
    }
    if (h->n == PKI_HOSTS_MAX) {
        free(name);
        return kp_err_set(KP_EBADREQUEST, "more than %d hosts for the serving certificate",
                          PKI_HOSTS_MAX);
    }
    h->names[h->n++] = name;
    if (ip)
        h->ips[h->nips++] = name;
    else
        h->dns[h->ndns++] = name;
    return 0;
}

static int hosts_build(pki_hosts *h, const char *const *hosts, size_t nhosts)
{
    static const char *const defaults[] = {"127.0.0.1", "::1", "localhost"};
    int rc;

    memset(h, 0, sizeof(*h));
    for (size_t i = 0; i < KP_ARRAY_LEN(defaults); i++)
        if ((rc = hosts_add(h, defaults[i])) < 0)
            return rc;
    for (size_t i = 0; i < nhosts; i++)
        if ((rc = hosts_add(h, hosts[i])) < 0)
            return rc;
    return 0;
}

/* The CA is reused when both files parse, the key is the certificate's and it has a month
 * left; otherwise everything is issued anew, since no old leaf can chain to a new CA. */
static int pki_ca(pki_pair *ca, kp_crypto_key **ca_key, bool *fresh, const char *dir)
{
    kp_crypto_cert_spec spec = {0};
    int rc;

    *fresh = false;
    if ((rc = pair_load(ca, ca_key, dir, "ca")) < 0)
        return rc;
    if (ca->cert && kp_crypto_cert_covers(ca->cert, NULL, 0, PKI_RENEW_DAYS))
        return 0;
    if (ca->cert)
        KP_LOG_WARN("pki", "the CA in \"%s\" expires within %d days; creating a new one", dir,
                    PKI_RENEW_DAYS);
    pair_dispose(ca);
    kp_crypto_key_free(*ca_key);
    *ca_key = NULL;
    spec.common_name = PKI_CA_CN;
    spec.is_ca = true;
    spec.days = PKI_CA_DAYS;
    if ((rc = pair_issue(ca, ca_key, dir, "ca", &spec, NULL, NULL)) < 0)
        return rc;
    *fresh = true;
    KP_LOG_INFO("pki", "created a certificate authority in \"%s\"", dir);
    return 0;
}

/* Reuses dir/name.{crt,key} when the CA signed them and they cover hosts for another month;
 * otherwise issues them again. */
static int pki_leaf(pki_pair *out, const char *dir, const char *name,
                    const kp_crypto_cert_spec *spec, const char *const *hosts, size_t nhosts,
                    const pki_pair *ca, const kp_crypto_key *ca_key, bool ca_fresh)
{
    kp_crypto_key *key = NULL;
    int rc;

    if (!ca_fresh) {
        if ((rc = pair_load(out, &key, dir, name)) < 0)
            return rc;
        kp_crypto_key_free(key);
        if (out->cert) {
            const char *why = NULL;
            if (!kp_crypto_cert_signed_by(out->cert, ca->cert))
                why = "it is not signed by the CA";
            else if (!kp_crypto_cert_covers(out->cert, NULL, 0, PKI_RENEW_DAYS))
                why = "it expires within " PKI_STR(PKI_RENEW_DAYS) " days";
            else if (!kp_crypto_cert_covers(out->cert, hosts, nhosts, PKI_RENEW_DAYS))
                why = "it does not name every host";
            if (!why)
                return 0;
            KP_LOG_INFO("pki", "reissuing \"%s/%s.crt\": %s", dir, name, why);
        }
        pair_dispose(out);
    }
    if ((rc = pair_issue(out, NULL, dir, name, spec, ca, ca_key)) < 0)
        return rc;
    KP_LOG_INFO("pki", "issued \"%s/%s.crt\"", dir, name);
    return 0;
}

static void wipe_free(char *s);

/* The ServiceAccount token signing key, dir/sa.key: made once, kept across restarts (tokens
 * already issued stay valid). */
static int pki_sa_key(char **out, const char *dir)
{
    char *path = kp_asprintf("%s/sa.key", dir);
    kp_crypto_key *k = NULL;
    kp_buf pem;
    int rc = pki_read(out, path);

    kp_buf_init(&pem, PKI_FILE_MAX);
    if (rc == 0 && kp_crypto_key_from_pem(&k, *out, strlen(*out)) == 0)
        goto out; /* a good key */
    if (rc == 0) {
        KP_LOG_WARN("pki", "\"%s\" holds no usable key: making a new one", path);
        wipe_free(*out);
        *out = NULL;
    } else if (rc != KP_ENOTFOUND) {
        goto out;
    }
    kp_err_clear();
    if ((rc = kp_crypto_key_generate(&k)) < 0 || (rc = kp_crypto_key_to_pem(&pem, k)) < 0 ||
        (rc = kp_file_write_atomic(path, kp_buf_cstr(&pem), pem.len, 0600)) < 0)
        goto out;
    *out = kp_strdup(kp_buf_cstr(&pem));
    KP_LOG_INFO("pki", "created the ServiceAccount token key \"%s\"", path);
out:
    if (pem.p)
        explicit_bzero(pem.p, pem.len);
    kp_buf_dispose(&pem);
    kp_crypto_key_free(k);
    free(path);
    return rc;
}

int kp_pki_ensure(kp_pki *out, const char *dir, const char *const *hosts, size_t nhosts)
{
    static const char *const admin_orgs[] = {PKI_ADMIN_GROUP};
    pki_pair ca = {NULL, NULL}, serving = {NULL, NULL}, admin = {NULL, NULL};
    kp_crypto_key *ca_key = NULL;
    kp_crypto_cert_spec spec;
    pki_hosts h;
    bool fresh;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = hosts_build(&h, hosts, nhosts)) < 0 || (rc = pki_mkdir(dir)) < 0 ||
        (rc = pki_ca(&ca, &ca_key, &fresh, dir)) < 0)
        goto out;

    memset(&spec, 0, sizeof(spec));
    spec.common_name = PKI_SERVING_CN;
    spec.dns = h.dns;
    spec.ndns = h.ndns;
    spec.ips = h.ips;
    spec.nips = h.nips;
    spec.server = true;
    spec.days = PKI_LEAF_DAYS;
    if ((rc = pki_leaf(&serving, dir, "serving", &spec, (const char *const *)h.names, h.n, &ca,
                       ca_key, fresh)) < 0)
        goto out;

    memset(&spec, 0, sizeof(spec));
    spec.common_name = PKI_ADMIN_CN;
    spec.orgs = admin_orgs;
    spec.norgs = KP_ARRAY_LEN(admin_orgs);
    spec.client = true;
    spec.days = PKI_LEAF_DAYS;
    if ((rc = pki_leaf(&admin, dir, "admin", &spec, NULL, 0, &ca, ca_key, fresh)) < 0)
        goto out;

    if ((rc = pki_sa_key(&out->sa_key_pem, dir)) < 0)
        goto out;
    out->ca_pem = ca.cert;
    out->ca_key_pem = ca.key;
    out->serving_cert_pem = serving.cert;
    out->serving_key_pem = serving.key;
    out->admin_cert_pem = admin.cert;
    out->admin_key_pem = admin.key;
    ca.cert = ca.key = serving.cert = serving.key = admin.cert = admin.key = NULL;
out:
    pair_dispose(&ca);
    pair_dispose(&serving);
    pair_dispose(&admin);
    kp_crypto_key_free(ca_key);
    hosts_dispose(&h);
    return rc;
}

static void wipe_free(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

void kp_pki_dispose(kp_pki *p)
{
    if (!p)
        return;
    free(p->ca_pem);
    wipe_free(p->ca_key_pem);
    free(p->serving_cert_pem);
    wipe_free(p->serving_key_pem);
    free(p->admin_cert_pem);
    wipe_free(p->admin_key_pem);
    wipe_free(p->sa_key_pem);
    memset(p, 0, sizeof(*p));
}

static void yaml_b64(kp_buf *b, const char *s)
{
    kp_crypto_base64_encode(b, s, strlen(s));
}

int kp_pki_write_kubeconfig(const char *path, const char *server_url, const kp_pki *pki)
{
    kp_buf b = KP_BUF_INIT(PKI_KUBECONFIG_MAX);
    int rc;

    assert(pki->ca_pem && pki->admin_cert_pem && pki->admin_key_pem);
    kp_buf_puts(&b, "apiVersion: v1\n"
                    "kind: Config\n"
                    "clusters:\n"
                    "- name: kplane\n"
                    "  cluster:\n"
                    "    server: \"");
    /* a YAML double-quoted scalar: escape what would end or bend it */
    for (const char *s = server_url; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            rc = kp_err_set(KP_EBADREQUEST, "server URL contains a control character");
            goto out;
        }
        if (*s == '"' || *s == '\\')
            kp_buf_putc(&b, '\\');
        kp_buf_putc(&b, *s);
    }
    kp_buf_puts(&b, "\"\n"
                    "    certificate-authority-data: ");
    yaml_b64(&b, pki->ca_pem);
    kp_buf_puts(&b, "\n"
                    "users:\n"
                    "- name: kplane-admin\n"
                    "  user:\n"
                    "    client-certificate-data: ");
    yaml_b64(&b, pki->admin_cert_pem);
    kp_buf_puts(&b, "\n"
                    "    client-key-data: ");
    yaml_b64(&b, pki->admin_key_pem);
    kp_buf_puts(&b, "\n"
                    "contexts:\n"
                    "- name: kplane\n"
                    "  context:\n"
                    "    cluster: kplane\n"
                    "    user: kplane-admin\n"
                    "current-context: kplane\n");
    if ((rc = kp_buf_status(&b)) < 0)
        goto out;
    rc = kp_file_write_atomic(path, b.p, b.len, 0600);
out:
    if (b.p)
        explicit_bzero(b.p, b.alloc);
    kp_buf_dispose(&b);
    return rc;
}
