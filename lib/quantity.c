#include "lib/common.h"
#include "lib/quantity.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

/* k8s resource.Quantity: a decimal number ("1", "0.5", "1.5e3") and a suffix: m k M G T P E
 * (powers of 1000) or Ki Mi Gi Ti Pi Ei (powers of 1024). In milli-units, rounded up as the
 * scheduler rounds requests up, in integers (no float rounding) and capped at QTY_CAP so sums
 * cannot overflow. */
#define QTY_CAP ((__int128)4000000000000000000LL)

int kp_quantity_milli(int64_t *out, const char *text)
{
    static const struct {
        const char *suffix;
        int exp10, pow1024;
    } suffixes[] = {{"Ki", 0, 1}, {"Mi", 0, 2}, {"Gi", 0, 3}, {"Ti", 0, 4}, {"Pi", 0, 5},
                    {"Ei", 0, 6}, {"m", -3, 0}, {"k", 3, 0},  {"M", 6, 0},  {"G", 9, 0},
                    {"T", 12, 0}, {"P", 15, 0}, {"E", 18, 0}, {"", 0, 0}};
    const char *p = text;
    __int128 v = 0;
    int exp10 = 3, sign = 1, pow1024 = 0; /* 3: milli-units */
    bool digits = false, inexact = false, suffixed = false;

    if (!text || strlen(text) > 64)
        return kp_err_set(KP_EINVALID, "quantity is empty or too long");
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9'; p++, digits = true) {
        if (v < QTY_CAP)
            v = v * 10 + (*p - '0');
        else
            exp10++;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
            if (v < QTY_CAP) {
                v = v * 10 + (*p - '0');
                exp10--;
            } else if (*p != '0') {
                inexact = true;
            }
        }
    }
    if (!digits)
        return kp_err_set(KP_EINVALID, "quantity \"%s\" has no number", text);
    if ((*p == 'e' || *p == 'E') && (p[1] == '-' || p[1] == '+' || (p[1] >= '0' && p[1] <= '9'))) {
        int es = 1, e = 0;
        p++;
        if (*p == '+' || *p == '-')
            es = *p++ == '-' ? -1 : 1;
        if (*p < '0' || *p > '9')
            return kp_err_set(KP_EINVALID, "quantity \"%s\" has a bad exponent", text);
        for (; *p >= '0' && *p <= '9'; p++)
            if (e < 1000)
                e = e * 10 + (*p - '0');
        exp10 += es * e;
        suffixed = true;
    }
    if (!suffixed) {
        for (size_t i = 0; i < KP_ARRAY_LEN(suffixes); i++)
            if (strcmp(p, suffixes[i].suffix) == 0) {
                exp10 += suffixes[i].exp10;
                pow1024 = suffixes[i].pow1024;
                p += strlen(p);
                break;
            }
    }
    if (*p)
        return kp_err_set(KP_EINVALID, "quantity \"%s\" has an unknown suffix", text);
    for (int i = 0; i < pow1024 && v < QTY_CAP; i++)
        v *= 1024;
    for (; exp10 > 0 && v && v < QTY_CAP; exp10--)
        v *= 10;
    for (; exp10 < 0 && v; exp10++) {
        inexact |= v % 10 != 0;
        v /= 10;
    }
    if (inexact)
        v++;
    if (v > QTY_CAP)
        v = QTY_CAP;
    *out = sign * (int64_t)v;
    return 0;
}

json_t *kp_quantity_json(int64_t milli)
{
    char b[40];
    if (milli % 1000 == 0)
        snprintf(b, sizeof(b), "%lld", (long long)(milli / 1000));
    else
        snprintf(b, sizeof(b), "%lldm", (long long)milli);
    return json_string(b);
}
