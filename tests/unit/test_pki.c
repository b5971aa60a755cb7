#include "lib/common.h"
#include "apiserver/pki.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "tests/support/testlib.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const pki_files[] = {"ca.crt",      "ca.key",    "serving.crt",
                                        "serving.key", "admin.crt", "admin.key"};

typedef struct {
    char *tmp; /* removed after the test */
    char *dir; /* tmp/pki: kp_pki_ensure creates it */
} pki_fixture;

static int fixture_setup(void **state)
{
    pki_fixture *f = kp_malloc(sizeof(*f));
    f->tmp = kp_test_tmpdir();
    f->dir = kp_asprintf("%s/data/pki", f->tmp);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    pki_fixture *f = *state;
    kp_test_tmpdir_remove(f->tmp);
    free(f->dir);
    free(f);
    return 0;
}

static char *path_of(const pki_fixture *f, const char *name)
{
    return kp_asprintf("%s/%s", f->dir, name);
}

/* The contents of dir/name; owned. */
static char *slurp(const pki_fixture *f, const char *name)
{
    char *path = path_of(f, name);
    kp_buf b = KP_BUF_INIT(1 << 20);
    if (kp_buf_read_file(&b, path) < 0)
        fail_msg("cannot read %s: %s", path, kp_err_msg());
    free(path);
    return kp_buf_take(&b, NULL);
}

static void put_file(const pki_fixture *f, const char *name, const char *data)
{
    char *path = path_of(f, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(data, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    free(path);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        fail_msg("cannot stat %s: %s", path, strerror(errno));
    return (unsigned)(st.st_mode & 07777);
}

static void ensure_ok(kp_pki *pki, const pki_fixture *f, const char *const *hosts, size_t n)
{
    int rc = kp_pki_ensure(pki, f->dir, hosts, n);
    if (rc < 0)
        fail_msg("kp_pki_ensure: %s", kp_err_msg());
}

/* Runs a shell command in the fixture's directory; its exit status. */
static int run_in(const pki_fixture *f, const char *cmd)
{
    char *line = kp_asprintf("cd '%s' && %s >/dev/null 2>&1", f->dir, cmd);
    int st = system(line);
    free(line);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The DER bytes of a PEM certificate, as a TLS library hands them to kp_crypto_ca_verify. */
static void pem_to_der(kp_buf *der, const char *pem)
{
    const char *s = strchr(pem, '\n'), *end = strstr(pem, "-----END CERTIFICATE-----");
    kp_buf b64 = KP_BUF_INIT(1 << 20);

    assert_non_null(s);
    assert_non_null(end);
    for (s++; s < end; s++)
        if (*s != '\n')
            kp_buf_putc(&b64, *s);
    kp_buf_reset(der);
    assert_int_equal(kp_crypto_base64_decode(der, b64.p, b64.len), 0);
    kp_buf_dispose(&b64);
}

static int verify_client(kp_crypto_subject *subj, const kp_crypto_ca *ca, const char *pem)
{
    kp_buf der = KP_BUF_INIT(1 << 20);
    const void *ders[1];
    size_t lens[1];
    int rc;

    pem_to_der(&der, pem);
    ders[0] = der.p;
    lens[0] = der.len;
    rc = kp_crypto_ca_verify(subj, ca, ders, lens, 1);
    kp_buf_dispose(&der);
    return rc;
}

static void test_ensure_creates_files_with_private_modes(void **state)
{
    pki_fixture *f = *state;
    kp_pki pki;

    ensure_ok(&pki, f, NULL, 0);
    assert_int_equal(mode_of(f->dir), 0700);
    for (size_t i = 0; i < KP_ARRAY_LEN(pki_files); i++) {
        char *path = path_of(f, pki_files[i]);
        /* keys are private; certificates are public but behind the 0700 directory */
        assert_int_equal(mode_of(path), strstr(pki_files[i], ".key") ? 0600 : 0644);
        free(path);
    }

    /* what was returned is what was written */
    const char *mem[] = {pki.ca_pem,          pki.ca_key_pem,     pki.serving_cert_pem,
                         pki.serving_key_pem, pki.admin_cert_pem, pki.admin_key_pem};
    for (size_t i = 0; i < KP_ARRAY_LEN(pki_files); i++) {
        char *disk = slurp(f, pki_files[i]);
        assert_non_null(mem[i]);
        assert_string_equal(disk, mem[i]);
        free(disk);
    }
    assert_non_null(strstr(pki.ca_key_pem, "-----BEGIN PRIVATE KEY-----"));

    /* the ServiceAccount token key: private, and the same bytes as returned */
    {
        char *path = path_of(f, "sa.key"), *disk = slurp(f, "sa.key");
        assert_int_equal(mode_of(path), 0600);
        assert_non_null(pki.sa_key_pem);
        assert_string_equal(disk, pki.sa_key_pem);
        free(disk);
        free(path);
    }

    /* no temporary file is left behind: six certificate files and sa.key */
    assert_int_equal(run_in(f, "test $(ls -A | wc -l) -eq 7"), 0);
    kp_pki_dispose(&pki);
    assert_null(pki.ca_pem);
}

static void test_ensure_issues_certs_with_expected_roles(void **state)
{
    static const char *const hosts[] = {"kplane.example.com", "10.9.8.7", "fd00::7"};
    static const char *const loopback[] = {"127.0.0.1", "::1", "localhost"};
    pki_fixture *f = *state;
    kp_crypto_ca *verifier = NULL;
    kp_crypto_key *key = NULL;
    kp_pki pki;

    ensure_ok(&pki, f, hosts, KP_ARRAY_LEN(hosts));
    assert_true(kp_crypto_cert_signed_by(pki.serving_cert_pem, pki.ca_pem));
    assert_true(kp_crypto_cert_signed_by(pki.admin_cert_pem, pki.ca_pem));
    assert_true(kp_crypto_cert_covers(pki.serving_cert_pem, hosts, KP_ARRAY_LEN(hosts), 300));
    assert_true(kp_crypto_cert_covers(pki.serving_cert_pem, loopback, 3, 300));
    /* leaves last a year, the CA ten */
    assert_false(kp_crypto_cert_covers(pki.serving_cert_pem, NULL, 0, 366));
    assert_false(kp_crypto_cert_covers(pki.admin_cert_pem, NULL, 0, 366));
    assert_true(kp_crypto_cert_covers(pki.ca_pem, NULL, 0, 9 * 365));

    assert_int_equal(kp_crypto_key_from_pem(&key, pki.ca_key_pem, strlen(pki.ca_key_pem)), 0);
    assert_true(kp_crypto_cert_matches_key(pki.ca_pem, key));
    kp_crypto_key_free(key);

    /* admin is a client: CN kplane-admin, group system:masters; serving is not a client */
    kp_crypto_subject subj;
    assert_int_equal(kp_crypto_ca_new(&verifier, pki.ca_pem), 0);
    assert_int_equal(verify_client(&subj, verifier, pki.admin_cert_pem), 0);
    assert_string_equal(subj.common_name, "kplane-admin");
    assert_int_equal(subj.norgs, 1);
    assert_string_equal(subj.orgs[0], "system:masters");
    assert_int_equal(verify_client(&subj, verifier, pki.serving_cert_pem), KP_EUNAUTHORIZED);
    kp_crypto_ca_free(verifier);
    kp_pki_dispose(&pki);
}

static void test_second_ensure_reuses_everything(void **state)
{
    static const char *const hosts[] = {"kplane.example.com"};
    pki_fixture *f = *state;
    kp_pki a, b;

    ensure_ok(&a, f, hosts, 1);
    ensure_ok(&b, f, hosts, 1);
    assert_string_equal(a.ca_pem, b.ca_pem);
    assert_string_equal(a.ca_key_pem, b.ca_key_pem);
    assert_string_equal(a.serving_cert_pem, b.serving_cert_pem);
    assert_string_equal(a.serving_key_pem, b.serving_key_pem);
    assert_string_equal(a.admin_cert_pem, b.admin_cert_pem);
    assert_string_equal(a.admin_key_pem, b.admin_key_pem);
    kp_pki_dispose(&b);

    /* the defaults and duplicates in other spellings need no new certificate either */
    static const char *const same[] = {"KPLANE.example.com", "localhost", "[::1]",
                                       "0:0:0:0:0:0:0:1", "127.0.0.1"};
    ensure_ok(&b, f, same, KP_ARRAY_LEN(same));
    assert_string_equal(a.serving_cert_pem, b.serving_cert_pem);
    kp_pki_dispose(&b);
    kp_pki_dispose(&a);
}

static void test_hosts_are_deduplicated_in_the_certificate(void **state)
{
    static const char *const hosts[] = {"LOCALHOST",      "[::1]",     "0:0:0:0:0:0:0:1",
                                        "127.0.0.1",      "127.0.0.1", "api.example.org",
                                        "API.example.org"};
    pki_fixture *f = *state;
    kp_pki pki;

    if (system("command -v openssl >/dev/null 2>&1") != 0)
        skip();
    ensure_ok(&pki, f, hosts, KP_ARRAY_LEN(hosts));
    /* localhost, api.example.org, 127.0.0.1, ::1: four entries, each once */
    assert_int_equal(run_in(f, "test $(openssl x509 -in serving.crt -noout -ext subjectAltName | "
                               "tail -n 1 | tr ',' '\\n' | wc -l) -eq 4"),
                     0);
    kp_pki_dispose(&pki);
}

static void test_new_host_reissues_only_serving_cert(void **state)
{
    static const char *const hosts[] = {"kplane.example.com"};
    static const char *const more[] = {"kplane.example.com", "api.example.org", "[fd00::42]"};
    static const char *const want[] = {"api.example.org", "fd00::42", "kplane.example.com",
                                       "localhost",       "::1",      "127.0.0.1"};
    pki_fixture *f = *state;
    kp_pki a, b;

    ensure_ok(&a, f, hosts, 1);
    assert_false(kp_crypto_cert_covers(a.serving_cert_pem, more + 1, 1, 0));
    ensure_ok(&b, f, more, KP_ARRAY_LEN(more));
    assert_string_equal(a.ca_pem, b.ca_pem);
    assert_string_equal(a.ca_key_pem, b.ca_key_pem);
    assert_string_equal(a.admin_cert_pem, b.admin_cert_pem);
    assert_string_equal(a.admin_key_pem, b.admin_key_pem);
    assert_string_not_equal(a.serving_cert_pem, b.serving_cert_pem);
    assert_true(kp_crypto_cert_covers(b.serving_cert_pem, want, KP_ARRAY_LEN(want), 300));
    assert_true(kp_crypto_cert_signed_by(b.serving_cert_pem, b.ca_pem));

    char *disk = slurp(f, "serving.crt");
    assert_string_equal(disk, b.serving_cert_pem);
    free(disk);
    kp_pki_dispose(&a);
    kp_pki_dispose(&b);
}

/* Replaces dir/name.{crt,key} with a certificate from the given CA valid for days. */
static void plant_leaf(const pki_fixture *f, const char *name, const char *ca_pem,
                       const char *ca_key_pem, bool server, int days)
{
    static const char *const dns[] = {"localhost"};
    static const char *const ips[] = {"127.0.0.1", "::1"};
    static const char *const orgs[] = {"system:masters"};
    kp_crypto_cert_spec spec = {0};
    kp_crypto_key *key = NULL, *ca_key = NULL;
    kp_buf crt = KP_BUF_INIT(1 << 20), pem = KP_BUF_INIT(1 << 20);
    char *name_crt = kp_asprintf("%s.crt", name), *name_key = kp_asprintf("%s.key", name);

    spec.common_name = server ? "kplane" : "kplane-admin";
    if (server) {
        spec.dns = dns;
        spec.ndns = 1;
        spec.ips = ips;
        spec.nips = 2;
        spec.server = true;
    } else {
        spec.orgs = orgs;
        spec.norgs = 1;
        spec.client = true;
    }
    spec.days = days;
    assert_int_equal(kp_crypto_key_from_pem(&ca_key, ca_key_pem, strlen(ca_key_pem)), 0);
    assert_int_equal(kp_crypto_key_generate(&key), 0);
    assert_int_equal(kp_crypto_cert_issue(&crt, &spec, key, ca_pem, ca_key), 0);
    assert_int_equal(kp_crypto_key_to_pem(&pem, key), 0);
    put_file(f, name_crt, crt.p);
    put_file(f, name_key, pem.p);
    kp_crypto_key_free(key);
    kp_crypto_key_free(ca_key);
    kp_buf_dispose(&crt);
    kp_buf_dispose(&pem);
    free(name_crt);
    free(name_key);
}

static void test_expiring_serving_cert_is_reissued(void **state)
{
    pki_fixture *f = *state;
    kp_pki a, b;

    ensure_ok(&a, f, NULL, 0);
    plant_leaf(f, "serving", a.ca_pem, a.ca_key_pem, true, 10);
    char *planted = slurp(f, "serving.crt");
    ensure_ok(&b, f, NULL, 0);
    assert_string_not_equal(planted, b.serving_cert_pem);
    assert_true(kp_crypto_cert_covers(b.serving_cert_pem, NULL, 0, 300));
    assert_string_equal(a.ca_pem, b.ca_pem);
    assert_string_equal(a.admin_cert_pem, b.admin_cert_pem);

    /* with 60 days left it is kept */
    plant_leaf(f, "serving", a.ca_pem, a.ca_key_pem, true, 60);
    free(planted);
    planted = slurp(f, "serving.crt");
    kp_pki_dispose(&b);
    ensure_ok(&b, f, NULL, 0);
    assert_string_equal(planted, b.serving_cert_pem);

    free(planted);
    kp_pki_dispose(&a);
    kp_pki_dispose(&b);
}

static void test_admin_cert_of_another_ca_or_expiring_is_reissued(void **state)
{
    pki_fixture *f = *state;
    kp_crypto_cert_spec spec = {0};
    kp_crypto_key *other_key = NULL;
    kp_buf other_ca = KP_BUF_INIT(1 << 20), other_key_pem = KP_BUF_INIT(1 << 20);
    kp_pki a, b;

    ensure_ok(&a, f, NULL, 0);
    spec.common_name = "kplane-ca";
    spec.is_ca = true;
    spec.days = 3650;
    assert_int_equal(kp_crypto_key_generate(&other_key), 0);
    assert_int_equal(kp_crypto_cert_issue(&other_ca, &spec, other_key, NULL, other_key), 0);
    assert_int_equal(kp_crypto_key_to_pem(&other_key_pem, other_key), 0);

    plant_leaf(f, "admin", other_ca.p, other_key_pem.p, false, 365);
    ensure_ok(&b, f, NULL, 0);
    assert_true(kp_crypto_cert_signed_by(b.admin_cert_pem, a.ca_pem));
    assert_string_not_equal(a.admin_cert_pem, b.admin_cert_pem);
    assert_string_equal(a.serving_cert_pem, b.serving_cert_pem);
    kp_pki_dispose(&b);

    plant_leaf(f, "admin", a.ca_pem, a.ca_key_pem, false, 5);
    ensure_ok(&b, f, NULL, 0);
    assert_true(kp_crypto_cert_covers(b.admin_cert_pem, NULL, 0, 300));
    kp_pki_dispose(&b);

    kp_crypto_key_free(other_key);
    kp_buf_dispose(&other_ca);
    kp_buf_dispose(&other_key_pem);
    kp_pki_dispose(&a);
}

static void test_mismatched_leaf_key_is_reissued(void **state)
{
    pki_fixture *f = *state;
    kp_pki a, b;

    ensure_ok(&a, f, NULL, 0);
    put_file(f, "serving.key", a.admin_key_pem); /* a valid key, but not serving.crt's */
    ensure_ok(&b, f, NULL, 0);
    assert_string_not_equal(a.serving_cert_pem, b.serving_cert_pem);
    assert_string_equal(a.admin_cert_pem, b.admin_cert_pem);
    assert_string_equal(a.ca_pem, b.ca_pem);
    kp_pki_dispose(&a);
    kp_pki_dispose(&b);
}

static void test_broken_ca_regenerates_everything(void **state)
{
    pki_fixture *f = *state;
    kp_pki a, b, c;

    ensure_ok(&a, f, NULL, 0);
    put_file(f, "ca.key", "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
    ensure_ok(&b, f, NULL, 0);
    assert_string_not_equal(a.ca_pem, b.ca_pem);
    assert_string_not_equal(a.serving_cert_pem, b.serving_cert_pem);
    assert_string_not_equal(a.admin_cert_pem, b.admin_cert_pem);
    assert_true(kp_crypto_cert_signed_by(b.serving_cert_pem, b.ca_pem));
    assert_true(kp_crypto_cert_signed_by(b.admin_cert_pem, b.ca_pem));

    /* a CA key that is not the certificate's */
    put_file(f, "ca.key", b.admin_key_pem);
    ensure_ok(&c, f, NULL, 0);
    assert_string_not_equal(b.ca_pem, c.ca_pem);
    assert_true(kp_crypto_cert_signed_by(c.admin_cert_pem, c.ca_pem));
    kp_pki_dispose(&c);

    /* a missing ca.crt */
    char *path = path_of(f, "ca.crt");
    assert_int_equal(unlink(path), 0);
    free(path);
    ensure_ok(&c, f, NULL, 0);
    assert_string_not_equal(b.ca_pem, c.ca_pem);
    assert_true(kp_crypto_cert_signed_by(c.serving_cert_pem, c.ca_pem));
    kp_pki_dispose(&c);

    kp_pki_dispose(&a);
    kp_pki_dispose(&b);
}

static void test_loose_modes_are_tightened(void **state)
{
    pki_fixture *f = *state;
    char *key = path_of(f, "ca.key");
    kp_pki a, b;

    ensure_ok(&a, f, NULL, 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(chmod(key, 0644), 0);
    ensure_ok(&b, f, NULL, 0);
    assert_string_equal(a.ca_pem, b.ca_pem);
    assert_int_equal(mode_of(f->dir), 0700);
    assert_int_equal(mode_of(key), 0600);
    free(key);
    kp_pki_dispose(&a);
    kp_pki_dispose(&b);
}

static void test_write_error_names_the_path(void **state)
{
    pki_fixture *f = *state;
    char *blocker = path_of(f, "ca.key");
    char *want = kp_asprintf("cannot write \"%s\": Is a directory", blocker);
    kp_pki pki;

    /* a directory where ca.key should go: the rename onto it fails */
    char *cmd = kp_asprintf("mkdir -p '%s'", blocker);
    assert_int_equal(system(cmd), 0);
    free(cmd);

    assert_int_equal(kp_pki_ensure(&pki, f->dir, NULL, 0), KP_EINTERNAL);
    assert_string_equal(kp_err_msg(), want);
    assert_null(pki.ca_pem);
    assert_null(pki.admin_key_pem);
    free(blocker);
    free(want);
}

/* kp_pki_ensure on dir as the current user: 0 when it fails with KP_EFORBIDDEN and want. */
static int ensure_forbidden(const char *dir, const char *want)
{
    kp_pki pki;
    int rc = kp_pki_ensure(&pki, dir, NULL, 0);

    if (rc == KP_EFORBIDDEN && strcmp(kp_err_msg(), want) == 0 && !pki.ca_pem)
        return 0;
    fprintf(stderr, "# got %d \"%s\"\n", rc, kp_err_msg());
    kp_pki_dispose(&pki);
    return 1;
}

static void test_unwritable_dir_is_forbidden(void **state)
{
    pki_fixture *f = *state;
    char *parent = kp_asprintf("%s/data", f->tmp);
    char *want = kp_asprintf("cannot create directory \"%s\": Permission denied", f->dir);
    int st;

    assert_int_equal(mkdir(parent, 0555), 0);
    assert_int_equal(chmod(parent, 0555), 0);
    if (geteuid() != 0) {
        assert_int_equal(ensure_forbidden(f->dir, want), 0);
    } else {
        /* root writes anywhere: try as nobody in a child */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) < 0 || setuid(65534) < 0)
                _exit(2);
            _exit(ensure_forbidden(f->dir, want));
        }
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 2)
            skip(); /* cannot drop privileges here */
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    chmod(parent, 0755);
    free(parent);
    free(want);
}

static void test_invalid_host_is_refused_before_writing(void **state)
{
    static const char *const hosts[] = {"localhost", "kplane.example.com:6443"};
    pki_fixture *f = *state;
    struct stat st;
    kp_pki pki;

    assert_int_equal(kp_pki_ensure(&pki, f->dir, hosts, KP_ARRAY_LEN(hosts)), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(),
                        "invalid host \"kplane.example.com:6443\": not an IP address or DNS name");
    assert_int_equal(stat(f->dir, &st), -1); /* nothing was created */
    assert_null(pki.serving_cert_pem);
}

static void test_kubeconfig_is_private_and_complete(void **state)
{
    static const char url[] = "https://127.0.0.1:6443";
    pki_fixture *f = *state;
    char *path = kp_asprintf("%s/admin.kubeconfig", f->tmp);
    kp_buf conf = KP_BUF_INIT(1 << 20), b64 = KP_BUF_INIT(1 << 20);
    kp_pki pki;

    ensure_ok(&pki, f, NULL, 0);
    assert_int_equal(kp_pki_write_kubeconfig(path, url, &pki), 0);
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(kp_buf_read_file(&conf, path), 0);

    assert_non_null(strstr(conf.p, "server: \"https://127.0.0.1:6443\"\n"));
    assert_non_null(strstr(conf.p, "apiVersion: v1\n"));
    assert_non_null(strstr(conf.p, "kind: Config\n"));
    assert_non_null(strstr(conf.p, "current-context: kplane\n"));
    assert_non_null(strstr(conf.p, "- name: kplane-admin\n"));
    assert_non_null(strstr(conf.p, "    cluster: kplane\n    user: kplane-admin\n"));

    const char *fields[] = {
        "certificate-authority-data: ", "client-certificate-data: ", "client-key-data: "};
    const char *want[] = {pki.ca_pem, pki.admin_cert_pem, pki.admin_key_pem};
    for (size_t i = 0; i < 3; i++) {
        const char *v = strstr(conf.p, fields[i]);
        assert_non_null(v);
        v += strlen(fields[i]);
        kp_buf_reset(&b64);
        assert_int_equal(kp_crypto_base64_decode(&b64, v, strcspn(v, "\n")), 0);
        assert_string_equal(b64.p, want[i]);
    }

    /* rewriting keeps the mode and replaces the contents */
    assert_int_equal(kp_pki_write_kubeconfig(path, "https://[::1]:7443/a\"b", &pki), 0);
    assert_int_equal(mode_of(path), 0600);
    kp_buf_reset(&conf);
    assert_int_equal(kp_buf_read_file(&conf, path), 0);
    assert_non_null(strstr(conf.p, "server: \"https://[::1]:7443/a\\\"b\"\n"));
    assert_null(strstr(conf.p, "6443"));

    /* kubectl, when installed, must read it */
    if (system("command -v kubectl >/dev/null 2>&1") == 0) {
        char *cmd = kp_asprintf("kubectl --kubeconfig '%s' config view --raw -o "
                                "jsonpath='{.users[0].user.client-key-data}' | grep -q .",
                                path);
        assert_int_equal(system(cmd), 0);
        free(cmd);
    }

    kp_buf_dispose(&conf);
    kp_buf_dispose(&b64);
    kp_pki_dispose(&pki);
    free(path);
}

static void test_kubeconfig_write_error_names_the_path(void **state)
{
    pki_fixture *f = *state;
    char *path = kp_asprintf("%s/no/such/dir/kubeconfig", f->tmp);
    kp_pki pki;

    ensure_ok(&pki, f, NULL, 0);
    assert_int_equal(kp_pki_write_kubeconfig(path, "https://localhost:6443", &pki), KP_EINTERNAL);
    assert_non_null(strstr(kp_err_msg(), path));
    assert_int_equal(kp_pki_write_kubeconfig(path, "https://x\n:1", &pki), KP_EBADREQUEST);
    kp_pki_dispose(&pki);
    free(path);
}

static void test_openssl_cli_verifies_the_chain(void **state)
{
    static const char *const hosts[] = {"kplane.example.com", "fd00::5"};
    pki_fixture *f = *state;
    kp_pki pki;

    if (system("command -v openssl >/dev/null 2>&1") != 0)
        skip();
    ensure_ok(&pki, f, hosts, KP_ARRAY_LEN(hosts));
    assert_int_equal(run_in(f, "openssl verify -CAfile ca.crt serving.crt"), 0);
    assert_int_equal(run_in(f, "openssl verify -CAfile ca.crt -purpose sslserver serving.crt"), 0);
    assert_int_equal(run_in(f, "openssl verify -CAfile ca.crt -purpose sslclient admin.crt"), 0);
    assert_int_equal(
        run_in(f, "openssl verify -CAfile ca.crt -x509_strict -verify_hostname kplane.example.com "
                  "serving.crt"),
        0);
    assert_int_equal(run_in(f, "openssl verify -CAfile ca.crt -verify_ip ::1 serving.crt"), 0);
    assert_int_equal(run_in(f, "openssl verify -CAfile ca.crt -verify_ip fd00::5 serving.crt"), 0);
    /* and it does reject what it should */
    assert_int_not_equal(run_in(f, "openssl verify -CAfile ca.crt -purpose sslclient serving.crt"),
                         0);
    assert_int_not_equal(run_in(f, "openssl verify -CAfile ca.crt -purpose sslserver admin.crt"),
                         0);
    assert_int_not_equal(
        run_in(f, "openssl verify -CAfile ca.crt -verify_hostname evil.example.com serving.crt"),
        0);
    assert_int_not_equal(run_in(f, "openssl verify -CAfile serving.crt serving.crt"), 0);
    /* the keys are the certificates' and the CA is marked as one */
    assert_int_equal(run_in(f, "test \"$(openssl pkey -in serving.key -pubout)\" = "
                               "\"$(openssl x509 -in serving.crt -noout -pubkey)\""),
                     0);
    assert_int_equal(run_in(f, "openssl x509 -in ca.crt -noout -text | grep -q 'CA:TRUE'"), 0);
    assert_int_equal(
        run_in(f, "openssl x509 -in admin.crt -noout -subject | grep -q 'O = system:masters, CN "
                  "= kplane-admin'"),
        0);
    /* serial: 16 bytes, positive (RFC 5280 4.1.2.2) */
    assert_int_equal(run_in(f, "openssl x509 -in serving.crt -noout -serial | "
                               "grep -Eq '^serial=[0-7][0-9A-F]{31}$'"),
                     0);
    kp_pki_dispose(&pki);
}

#define PKI_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    kp_log_set_level(KP_LEVEL_ERROR); /* the info lines of every reissue are noise here */
    const struct CMUnitTest tests[] = {
        PKI_TEST(test_ensure_creates_files_with_private_modes),
        PKI_TEST(test_ensure_issues_certs_with_expected_roles),
        PKI_TEST(test_second_ensure_reuses_everything),
        PKI_TEST(test_hosts_are_deduplicated_in_the_certificate),
        PKI_TEST(test_new_host_reissues_only_serving_cert),
        PKI_TEST(test_expiring_serving_cert_is_reissued),
        PKI_TEST(test_admin_cert_of_another_ca_or_expiring_is_reissued),
        PKI_TEST(test_mismatched_leaf_key_is_reissued),
        PKI_TEST(test_broken_ca_regenerates_everything),
        PKI_TEST(test_loose_modes_are_tightened),
        PKI_TEST(test_write_error_names_the_path),
        PKI_TEST(test_unwritable_dir_is_forbidden),
        PKI_TEST(test_invalid_host_is_refused_before_writing),
        PKI_TEST(test_kubeconfig_is_private_and_complete),
        PKI_TEST(test_kubeconfig_write_error_names_the_path),
        PKI_TEST(test_openssl_cli_verifies_the_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
