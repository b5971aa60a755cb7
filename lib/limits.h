/* limits: every size a client controls is capped here, before kplane allocates or reads on
 * (STYLE.md section 5). */
#ifndef KP_LIMITS_H
#define KP_LIMITS_H

#define KP_BODY_MAX (3 * 1024 * 1024)   /* request body: 413 past it */
#define KP_OBJECT_MAX (3 * 512 * 1024)  /* stored object (1.5 MiB): 422 past it */
#define KP_JSON_DEPTH_MAX 100           /* JSON/YAML nesting: 400 past it */
#define KP_URL_MAX 8192                 /* request path + query */
#define KP_SELECTOR_MAX 4096            /* labelSelector / fieldSelector text */
#define KP_HEADER_VALUE_MAX 8192        /* any single header we parse */
#define KP_LOG_LINE_MAX 4096            /* one log event */
#define KP_RESP_MAX (512 * 1024 * 1024) /* one response body */
#define KP_REQUEST_TIMEOUT_S 60         /* non-watch request deadline */
#define KP_SHUTDOWN_GRACE_S 10          /* in-flight requests on SIGTERM */
#define KP_JWT_MAX (16 * 1024)          /* one bearer token (JWT), compact form: 401 past it */
#define KP_JWKS_MAX (1024 * 1024)       /* one JWKS document from an issuer */
#define KP_JWKS_KEYS_MAX 64             /* entries in one JWKS "keys" array */

#define KP_GIT_BODY_MAX (256 * 1024 * 1024) /* a push (receive-pack) or fetch to a hosted repo */
#define KP_GIT_TIMEOUT_S 300                /* one git http-backend run: killed past it */
#define KP_GIT_BACKENDS_MAX 32              /* git http-backend runs at once: 429 past it */
#define KP_WEBHOOK_BODY_MAX (1024 * 1024)   /* one GitOps webhook delivery */

#define KP_YAML_ALIASES_MAX 100                   /* alias uses (*name) */
#define KP_YAML_ALIAS_NODES_MAX 100000            /* JSON nodes copied by them */
#define KP_YAML_ALIAS_BYTES_MAX (4 * 1024 * 1024) /* string and key bytes copied by them */
#define KP_PATCH_OPS_MAX 10000                    /* operations in one JSON patch: 413 past it */
#define KP_KUBECONFIG_MAX (16 * 1024 * 1024)      /* a kubeconfig file */
#define KP_KUBECONFIG_FILE_MAX (1024 * 1024) /* a CA, certificate, key or token file it names */
#define KP_PROTO_VALUES_MAX 1000000          /* JSON values one protobuf body may expand to */

#endif
