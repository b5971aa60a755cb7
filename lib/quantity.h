/* quantity: Kubernetes resource quantities (resource.Quantity: "250m", "1.5", "64Mi", "1e3"),
 * read in milli-units with integers only, the way the scheduler and the syncer sum them. */
#ifndef KP_QUANTITY_H
#define KP_QUANTITY_H

#include <stdint.h>
#include <jansson.h>

/* text in milli-units, rounded up and capped at 4e18 (sums cannot overflow); KP_EINVALID when
 * text is not a quantity. */
int kp_quantity_milli(int64_t *out, const char *text);
/* milli-units as a quantity string: "2" or "1500m". new reference */
json_t *kp_quantity_json(int64_t milli);

#endif
