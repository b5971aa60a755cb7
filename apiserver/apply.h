/* apply: server-side apply and metadata.managedFields, as kube-apiserver's fieldmanager over
 * structured-merge-diff: which manager owns which field (FieldsV1 sets from
 * apiserver/fieldset), the apply merge with removal of fields an applier dropped, conflicts,
 * and the ownership changes of every other write. Pure functions of their arguments; any
 * thread. */
#ifndef KP_APPLY_H
#define KP_APPLY_H

#include "apiserver/fieldset.h"

#include <stdbool.h>
#include <jansson.h>

typedef struct {
    const char *manager;     /* the fieldManager */
    const char *api_version; /* "apps/v1": the version the fields are owned at */
    const char *subresource; /* "status", "scale", or NULL for the resource itself */
    const char *now;         /* RFC 3339, the time of a changed entry */
    bool status_sub;         /* the resource has /status: its main writes do not own status */
    kp_ftypes ft;            /* list and map types of the kind */
} kp_apply_op;

/* k8s: ManagedFieldsEntry.manager is at most 128 bytes */
#define KP_APPLY_MANAGER_MAX 128

/* Records a write that is not an apply (create when old is NULL, update, any patch, /status,
 * /scale): the fields that changed from old to obj move to op->manager's Update entry, fields
 * removed leave every entry, and obj's metadata.managedFields is rewritten. The entries start
 * from those obj carries when a client set valid, non-empty ones on the resource itself (a
 * list of only empty entries, [{}], resets them), else from old's; invalid ones are ignored,
 * as kube-apiserver does. Cannot fail. */
void kp_apply_track(json_t *obj, const json_t *old, const kp_apply_op *op);

/* Server-side apply of config (an object) onto live (the stored object; for a create, an
 * object holding only apiVersion and kind). *out gets the merged object with its
 * managedFields: fields the manager applied before and omits now are gone unless another
 * manager owns them. A change to a field another manager owns is KP_ECONFLICT with one
 * FieldManagerConflict cause per field (the message and causes kube-apiserver gives), unless
 * force, which takes the fields over. A config whose list items lack their keys is
 * KP_EINVALID. *out is owned by the caller; live and config are not changed. */
int kp_apply(json_t **out, const json_t *live, const json_t *config, const kp_apply_op *op,
             bool force);

/* The field types a custom resource's openAPIV3Schema gives (schema borrowed: it must outlive
 * the kp_ftypes): x-kubernetes-list-type set and map with x-kubernetes-list-map-keys,
 * x-kubernetes-map-type atomic, and maps of values (additionalProperties). NULL knows no
 * field: objects merge per field, lists are atomic. */
kp_ftypes kp_apply_schema_types(const json_t *schema);

/* The managedFields of obj, parsed and checked (operation Apply or Update, apiVersion set,
 * fieldsType FieldsV1, a valid fieldsV1): KP_EINVALID otherwise. *out is a normalized copy
 * (an empty array when obj has none), owned by the caller. */
int kp_apply_decode(json_t **out, const json_t *obj);

#endif
