/* client: how kplane's own controllers call the API. A call runs the whole request pipeline
 * (authorization, admission, the handlers) in process, under the controller's identity; no
 * controller writes to the store around it. Any thread may call it; a kp_client is
 * read-only after kp_client_new(). */
#ifndef KP_CLIENT_H
#define KP_CLIENT_H

#include <stddef.h>
#include <jansson.h>
#include "apiserver/api.h"

typedef struct kp_client kp_client;

/* An identity for in-process calls. owned, free with kp_client_free(). */
kp_client *kp_client_new(kp_api *api, const char *user, const char *const *groups, size_t ngroups);
void kp_client_free(kp_client *c);

/* Calls method on path (PATCH bodies are JSON merge patches)
 * ("/clusters/root/api/v1/namespaces?labelSelector=a%3Db"; the query is split on & and =, values
 * are not decoded) with body (may be NULL). Returns 0 for a 2xx answer, else the kp_err code of the
 * Status reason with its message. *out (may be NULL) gets the answer's JSON, owned by the caller;
 * *code_out (may be NULL) the HTTP status. */
int kp_client_do(json_t **out, int *code_out, kp_client *c, const char *method, const char *path,
                 const json_t *body);

/* The same with the body's Content-Type given: "application/apply-patch+yaml" for a server-side
 * apply (the body is JSON, which is YAML; put fieldManager=...&force=true in the query),
 * "application/strategic-merge-patch+json", "application/json-patch+json" (then pass the patch
 * array as body). */
int kp_client_do_ct(json_t **out, int *code_out, kp_client *c, const char *method, const char *path,
                    const json_t *body, const char *content_type);

#endif
