/* pki: kplane's certificate authority and the files under DATA_DIR/pki: ca.crt/ca.key,
 * serving.crt/serving.key (the HTTPS certificate) and admin.crt/admin.key (CN kplane-admin,
 * O system:masters). Created on first start, reused after; the serving certificate is
 * reissued when it does not cover the listen host or is close to expiry. Also writes the
 * admin kubeconfig. Called from main before threads start. */
#ifndef KP_PKI_H
#define KP_PKI_H

#include <stddef.h>

typedef struct {
    char *ca_pem;
    char *ca_key_pem;
    char *serving_cert_pem;
    char *serving_key_pem;
    char *admin_cert_pem;
    char *admin_key_pem;
    char *sa_key_pem; /* signs ServiceAccount tokens (sa.key) */
} kp_pki;

/* Loads or creates the PKI in dir (mode 0700; keys 0600; files written atomically). hosts are
 * the names and addresses the serving certificate must cover (127.0.0.1, ::1, localhost are
 * always added). Fills *out; release with kp_pki_dispose(). */
int kp_pki_ensure(kp_pki *out, const char *dir, const char *const *hosts, size_t nhosts);
void kp_pki_dispose(kp_pki *p);
/* Writes a kubeconfig (mode 0600, atomically) with cluster "kplane" at server_url, the CA
 * embedded, and user "kplane-admin" with the admin client certificate and key embedded;
 * context "kplane" is current. */
int kp_pki_write_kubeconfig(const char *path, const char *server_url, const kp_pki *pki);

#endif
