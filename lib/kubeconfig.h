/* kubeconfig: kubectl's kubeconfig files, read through lib/yaml.h into one json_t and written
 * back whole (atomically, mode 0600), so fields it does not know survive a round trip. Resolves
 * a context to server, CA, client certificate/key and token, and does kcp's workspace switch
 * (workspace.kplane.io/current and /previous). No global state: one kp_kubeconfig per thread
 * at a time. Credentials never reach a message. */
#ifndef KP_KUBECONFIG_H
#define KP_KUBECONFIG_H

#include "lib/limits.h"

#include <stdbool.h>
#include <jansson.h>
#include "lib/buf.h"

#define KP_KUBECONFIG_WS_PREFIX "/clusters/" /* kplane serves workspace P under /clusters/P */
#define KP_KUBECONFIG_WS_PATH_MAX 1024       /* a workspace path ("root:org:team") */

/* The context and cluster "kubectl ws" switches to, and the one it remembers for "ws -"
 * (kcp names them workspace.kcp.io/current and workspace.kcp.io/previous). */
#define KP_KUBECONFIG_WS_CURRENT "workspace.kplane.io/current"
#define KP_KUBECONFIG_WS_PREVIOUS "workspace.kplane.io/previous"

typedef struct kp_kubeconfig kp_kubeconfig;

/* What a client needs to talk to the cluster of one context. Secrets (key, token) are wiped by
 * kp_kubeconfig_creds_dispose(). */
typedef struct {
    char *context; /* the context's name */
    char *cluster; /* its cluster entry's name */
    char *user;    /* its user entry's name; NULL when the context names none */
    char *server;  /* the cluster's server URL */
    kp_buf ca;     /* CA bundle (PEM); empty: use the system trust store */
    kp_buf cert;   /* client certificate (PEM); empty: none */
    kp_buf key;    /* its private key (PEM); empty: none */
    char *token;   /* bearer token; NULL: none */
    bool insecure; /* insecure-skip-tls-verify */
} kp_kubeconfig_creds;

/* The kubeconfig kubectl would use: flag when non-empty, else the first entry of the
 * $KUBECONFIG list, else $HOME/.kube/config. *out is owned (free()). KP_ENOTFOUND when none
 * can be named (no HOME). */
int kp_kubeconfig_default_path(char **out, const char *flag);

/* Loads a kubeconfig file; KP_ENOTFOUND when it does not exist, KP_EBADREQUEST when it is not
 * YAML or not a mapping, KP_ETOOLARGE past KP_KUBECONFIG_MAX. *out is owned, free with
 * kp_kubeconfig_free(). */
int kp_kubeconfig_load(kp_kubeconfig **out, const char *path);
/* Parses kubeconfig text; path (may be NULL) is where relative file names are resolved from
 * and where kp_kubeconfig_save() writes. An empty text is an empty kubeconfig. */
int kp_kubeconfig_parse(kp_kubeconfig **out, const char *text, size_t len, const char *path);
void kp_kubeconfig_free(kp_kubeconfig *kc); /* NULL is fine */

/* Appends the kubeconfig as YAML. */
int kp_kubeconfig_emit(kp_buf *out, const kp_kubeconfig *kc);
/* Writes it atomically (temporary file in the same directory, fsync, rename) with mode 0600 to
 * path, following a symbolic link to the file it names. */
int kp_kubeconfig_write(const kp_kubeconfig *kc, const char *path);
/* kp_kubeconfig_write() to the path it was loaded from; KP_EINTERNAL when it has none. */
int kp_kubeconfig_save(const kp_kubeconfig *kc);

/* Borrowed from kc; NULL when parsed without a path. */
const char *kp_kubeconfig_get_path(const kp_kubeconfig *kc);
/* The whole document; borrowed from kc, which keeps owning it (callers may change it). */
json_t *kp_kubeconfig_get_doc(const kp_kubeconfig *kc);

/* current-context; borrowed from kc, NULL when unset or empty. */
const char *kp_kubeconfig_get_current_context(const kp_kubeconfig *kc);
void kp_kubeconfig_set_current_context(kp_kubeconfig *kc, const char *name);

/* The body of a named entry (the "context", "cluster" or "user" object of its list item);
 * borrowed from kc, valid until the entry is replaced; NULL when there is no such entry. */
json_t *kp_kubeconfig_get_context(const kp_kubeconfig *kc, const char *name);
json_t *kp_kubeconfig_get_cluster(const kp_kubeconfig *kc, const char *name);
json_t *kp_kubeconfig_get_user(const kp_kubeconfig *kc, const char *name);
/* Replace the body of the named entry in place, or append a new entry; consume body. */
void kp_kubeconfig_set_context_take(kp_kubeconfig *kc, const char *name, json_t *body);
void kp_kubeconfig_set_cluster_take(kp_kubeconfig *kc, const char *name, json_t *body);

void kp_kubeconfig_creds_init(kp_kubeconfig_creds *c);
void kp_kubeconfig_creds_dispose(kp_kubeconfig_creds *c); /* wipes key and token */
/* Resolves context (NULL: the current context) to its server and credentials:
 * certificate-authority-data or certificate-authority (a file, relative to the kubeconfig's
 * directory), client-certificate(-data), client-key(-data), token or tokenFile,
 * insecure-skip-tls-verify. KP_ENOTFOUND for a missing context, cluster or user entry or file,
 * KP_EBADREQUEST for bad base64 or a cluster without a server. *out must be init'ed. */
int kp_kubeconfig_resolve(kp_kubeconfig_creds *out, const kp_kubeconfig *kc, const char *context);

/* True for a workspace path: ':'-separated names of lower-case letters, digits and '-', each
 * starting and ending with a letter or digit ("root", "root:org:team"). */
bool kp_kubeconfig_ws_path_valid(const char *path);
/* Splits a server URL at "/clusters/<path>" as kcp does: *base_out gets scheme, host, port and
 * any path before it, *ws_out the workspace path. Both owned (free()); either may be NULL.
 * KP_ENOTFOUND "current URL ... does not point to a workspace" when the URL has no such
 * segment, KP_EBADREQUEST when the path after it is not a valid workspace path. */
int kp_kubeconfig_split_server(char **base_out, char **ws_out, const char *server);
/* server with its path replaced by ".../clusters/<ws>" (scheme, host, port and a path prefix
 * before /clusters/ kept). Owned, free with free(). */
char *kp_kubeconfig_server_for(const char *server, const char *ws);

/* kcp's "kubectl ws use": copies context (NULL: the current one) and its cluster to the
 * workspace.kplane.io/current context and cluster with the given server URL, remembers the old
 * context (and its cluster, when that was the workspace.kplane.io/current one) as
 * workspace.kplane.io/previous, and makes workspace.kplane.io/current the current context.
 * KP_ENOTFOUND when the context or its cluster is missing. */
int kp_kubeconfig_use_server(kp_kubeconfig *kc, const char *context, const char *server);
/* kcp's "kubectl ws -": swaps context (NULL: the current one) with the remembered previous
 * one, as above, and makes workspace.kplane.io/current current. KP_ENOTFOUND "no previous
 * workspace found in kubeconfig" when none was remembered. */
int kp_kubeconfig_use_previous(kp_kubeconfig *kc, const char *context);

#endif
